import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { authenticatePsRestfulRequest } from '../nodes/PsRestful/transport/auth';

/**
 * PSRESTful (PromoStandards as REST/JSON). The private API key travels in the `X-API-Key`
 * header, which is all media reads need; the environment and culture are sent per request.
 *
 * The connection test lives in the PSRESTful nodes (`testedBy`): it runs through the nodes' own
 * transport, which shows PSRESTful's own message and never lets the key follow a redirect to
 * another host (n8n's HTTP stack keeps custom headers on every hop).
 */
export class PsRestfulApi implements ICredentialType {
	name = 'psRestfulApi';

	displayName = 'PSRESTful API';

	icon = {
		light: 'file:../nodes/PsRestful/psrestful.svg',
		dark: 'file:../nodes/PsRestful/psrestful.dark.svg',
	} as const;

	documentationUrl = 'https://docs.psrestful.com/authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Your private PSRESTful API key (Account → API Keys)',
		},
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Production', value: 'PROD' },
				{ name: 'Staging', value: 'STAGING' },
			],
			default: 'PROD',
			description: 'Which supplier environment PSRESTful talks to (sent as the environment parameter)',
		},
		{
			displayName: 'Culture Name',
			name: 'cultureName',
			type: 'string',
			default: 'us_en',
			description:
				'Language culture sent as culture_name. The media-modified-since guide documents us_en, the media content guide en-US; leave empty to let PSRESTful decide.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.psrestful.com',
			description: 'Change only for a test server or proxy',
		},
	];

	/** Adds the `X-API-Key` header (see the function for why it is code, not an expression). */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticatePsRestfulRequest(credentials, requestOptions);
	}
}

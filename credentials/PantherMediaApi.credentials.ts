import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { authenticatePantherMediaRequest } from '../nodes/PantherMedia/transport/auth';

/**
 * PantherMedia REST API (rest.panthermedia.net). Every call is a form-encoded POST signed with
 * an HMAC of the API secret (see `nodes/PantherMedia/transport/signature.ts`); the secret itself
 * never travels. `authenticate` runs once per HTTP attempt, so each attempt — retries included —
 * carries its own timestamp, nonce and signature.
 *
 * The connection test lives in the PantherMedia nodes (`testedBy`), because only code can show
 * PantherMedia's own error text (a declarative test can only show the HTTP status line).
 */
export class PantherMediaApi implements ICredentialType {
	name = 'pantherMediaApi';

	displayName = 'PantherMedia API';

	icon = {
		light: 'file:../nodes/PantherMedia/panthermedia.svg',
		dark: 'file:../nodes/PantherMedia/panthermedia.dark.svg',
	} as const;

	documentationUrl = 'https://rest.panthermedia.net/';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API key of your PantherMedia app (sent with every request as api_key)',
		},
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API secret that belongs to the key. It signs each request and is never sent.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://rest.panthermedia.net',
			description: 'Change only for a test server or proxy',
		},
	];

	/** Signs the request (see `authenticatePantherMediaRequest`). */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticatePantherMediaRequest(credentials, requestOptions);
	}
}

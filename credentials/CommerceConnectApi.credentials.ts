import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { authenticateCommerceConnectRequest } from '../nodes/CommerceConnect/transport/auth';

/**
 * CommerceConnect (Comestri) PIM API v2.
 *
 * Today the only public way in is the static token: `Authorization: Token token=<token>,email=<email>`
 * (no space after the comma, as CommerceConnect's docs and its PHP SDK send it). CommerceConnect
 * calls it deprecated in favour of "API accounts" (client ID + secret), whose token flow is not
 * published. The method is therefore a field of its own, and `authenticate` is keyed on it: a
 * second method is one more option, its fields, and one more case in `authenticateCommerceConnectRequest`.
 *
 * The connection test lives in the CommerceConnect nodes (`testedBy`): it runs through the nodes'
 * own transport, which shows CommerceConnect's own message and never re-sends the token to another
 * host on a redirect (n8n's HTTP stack does by default).
 */
export class CommerceConnectApi implements ICredentialType {
	name = 'commerceConnectApi';

	displayName = 'CommerceConnect API';

	icon = {
		light: 'file:../nodes/CommerceConnect/commerceconnect.svg',
		dark: 'file:../nodes/CommerceConnect/commerceconnect.dark.svg',
	} as const;

	documentationUrl = 'https://product.comestri.com/apidoc/2.0.html';

	properties: INodeProperties[] = [
		{
			displayName: 'Authentication Method',
			name: 'authMethod',
			type: 'options',
			options: [
				{
					name: 'Static Token',
					value: 'staticToken',
					description:
						'Email and API token of a CommerceConnect user (the only method CommerceConnect documents publicly)',
				},
			],
			default: 'staticToken',
			description:
				'CommerceConnect marks static tokens as deprecated in favour of API accounts, but has not published how API accounts sign in. Static tokens still work.',
		},
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@example.com',
			default: '',
			required: true,
			description: 'Email address of the CommerceConnect user the token belongs to',
			displayOptions: { show: { authMethod: ['staticToken'] } },
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The user’s API token (CommerceConnect → your user profile)',
			displayOptions: { show: { authMethod: ['staticToken'] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://product.commerceconnect.co',
			description:
				'Production is https://product.commerceconnect.co, staging is https://staging-product.commerceconnect.co',
		},
	];

	/** Adds the secret to a request, by the chosen method. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticateCommerceConnectRequest(credentials, requestOptions);
	}
}

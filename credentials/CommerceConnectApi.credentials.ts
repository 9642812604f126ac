import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/**
 * CommerceConnect (Comestri) PIM API v2.
 *
 * Today the only public way in is the static token: `Authorization: Token token=<token>,email=<email>`
 * (no space after the comma, as CommerceConnect's docs and its PHP SDK send it). CommerceConnect
 * calls it deprecated in favour of "API accounts" (client ID + secret), whose token flow is not
 * published. The method is therefore a field of its own, and `authenticate` is keyed on it: a
 * second method is one more option, its fields, and one more case below.
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
		const method = (credentials.authMethod as string | undefined) || 'staticToken';
		switch (method) {
			case 'staticToken': {
				const token = String(credentials.apiToken ?? '').trim();
				const email = String(credentials.email ?? '').trim();
				return {
					...requestOptions,
					headers: { ...requestOptions.headers, Authorization: `Token token=${token},email=${email}` },
				};
			}
			default:
				throw new Error(`CommerceConnect credential: unknown authentication method "${method}"`);
		}
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/api/v2/media_items',
			qs: { page: 1, per_page: 1 },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'CommerceConnect did not accept the email and API token. Check both (the token belongs to the user with this email).',
				},
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'The email and token are valid, but this user may not read media items.' },
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'No CommerceConnect API at this base URL. Check the Base URL (e.g. https://product.commerceconnect.co).',
				},
			},
		],
	};
}

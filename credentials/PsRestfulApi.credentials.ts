import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/**
 * PSRESTful (PromoStandards as REST/JSON). The private API key travels in the `X-API-Key`
 * header, which is all media reads need; the environment and culture are sent per request.
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

	/**
	 * Adds the `X-API-Key` header. A function rather than the declarative
	 * `{ headers: { 'X-API-Key': '={{$credentials.apiKey}}' } }`: n8n evaluates such an expression on
	 * every request, which profiling showed to be most of the CPU a request costs when the trigger
	 * fetches media for hundreds of products.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, 'X-API-Key': String(credentials.apiKey ?? '') },
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/extra/v2/suppliers',
			qs: { page: 1, page_size: 1 },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'The API key was not accepted. Check it under Account → API Keys in PSRESTful.',
				},
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'The API key is valid but not allowed to read the supplier list.' },
			},
		],
	};
}

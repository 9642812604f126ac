import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { formDecode, formEncode, signRequest } from '../nodes/PantherMedia/transport/signature';

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

	/** Adds api_key, access_key, timestamp, nonce and algo to the form body of one request. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const fields = bodyFields(requestOptions.body);
		const signed = signRequest(String(credentials.apiKey ?? ''), String(credentials.apiSecret ?? ''));
		return {
			...requestOptions,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...requestOptions.headers },
			body: formEncode({ ...fields, ...signed }),
		};
	}
}

function bodyFields(body: unknown): Record<string, string> {
	if (body === undefined || body === null || body === '') return {};
	if (typeof body === 'string') return formDecode(body);
	if (body instanceof URLSearchParams) return formDecode(body.toString());
	if (typeof body === 'object' && !Buffer.isBuffer(body)) {
		const out: Record<string, string> = {};
		for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
			if (value !== undefined && value !== null) out[key] = String(value);
		}
		return out;
	}
	throw new Error('PantherMedia requests must have a form body');
}

import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { formDecode, formEncode, signRequest } from './signature';

/**
 * Signs one PantherMedia request: adds api_key, access_key, timestamp, nonce and algo to its form
 * body. The credential type's `authenticate` and the credential test's; n8n calls it once per
 * HTTP attempt, so each attempt — retries and redirect hops included — carries its own timestamp,
 * nonce and signature.
 */
export async function authenticatePantherMediaRequest(
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

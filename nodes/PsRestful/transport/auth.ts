import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

/**
 * Adds the `X-API-Key` header: the credential type's `authenticate`, and the credential test's.
 * A function rather than the declarative `{ headers: { 'X-API-Key': '={{$credentials.apiKey}}' } }`:
 * n8n evaluates such an expression on every request, which profiling showed to be most of the CPU
 * a request costs when the trigger fetches media for hundreds of products.
 */
export async function authenticatePsRestfulRequest(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	return {
		...requestOptions,
		headers: { ...requestOptions.headers, 'X-API-Key': String(credentials.apiKey ?? '') },
	};
}

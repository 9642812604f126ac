import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

/** Authentication methods {@link authenticateCommerceConnectRequest} implements. */
export const AUTH_METHODS = ['staticToken'];

/**
 * Adds the secret to a request, by the credential's authentication method: the credential type's
 * `authenticate`, and the credential test's. Static token: `Authorization: Token
 * token=<token>,email=<email>` (no space after the comma, as CommerceConnect's docs and its PHP SDK
 * send it). A second method is one more option in the credential, its fields, and one more case.
 */
export async function authenticateCommerceConnectRequest(
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

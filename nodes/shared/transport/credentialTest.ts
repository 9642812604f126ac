import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IHttpRequestOptions,
	INode,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import type { HttpContext } from './http';

/**
 * Credential tests that go through the package's own transport.
 *
 * n8n runs a declarative credential `test` through its own HTTP stack, which follows redirects
 * with the credential attached (`Authorization` is re-sent to any host, custom headers such as
 * X-API-Key are kept) and can only show the HTTP status line. So every credential is tested by
 * its nodes instead (`testedBy`), with one real read-only request through the same client,
 * redirect policy, deadline and error mapping as every node request: a wrong key fails with the
 * provider's own words, and no secret goes anywhere but the configured host.
 */

/** A credential type's `authenticate`, as the transport calls it. */
export type Authenticate = (
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
) => Promise<IHttpRequestOptions>;

export interface CredentialCheck {
	/** The node type the test belongs to, for error objects (e.g. "psRestful"). */
	nodeType: string;
	authenticate: Authenticate;
	/** Checks the credential's fields before any request; returns what is wrong, if anything. */
	validate?(credentials: ICredentialDataDecryptedObject): string | undefined;
	/** One read-only request with a client built on `context`; throws the transport's error when refused. */
	probe(context: HttpContext, credentials: ICredentialDataDecryptedObject): Promise<void>;
	okMessage: string;
}

/** How long a credential test may take, redirects and retries included. */
export const CREDENTIAL_TEST_BUDGET_MS = 30_000;

/** Runs a credential test: the probe's success, or its sanitized error message and hint. */
export async function runCredentialTest(
	test: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
	check: CredentialCheck,
): Promise<INodeCredentialTestResult> {
	const credentials = (credential.data ?? {}) as ICredentialDataDecryptedObject;
	const invalid = check.validate?.(credentials);
	if (invalid) return { status: 'Error', message: invalid };
	try {
		await check.probe(credentialTestContext(test, credentials, check), credentials);
		return { status: 'OK', message: check.okMessage };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const description = (error as { description?: unknown }).description;
		return {
			status: 'Error',
			message: typeof description === 'string' && description ? `${message} — ${description}` : message,
		};
	}
}

/**
 * The transport's view of a credential-test context: n8n gives a credential test only the legacy
 * `request` helper, so "request with authentication" is the credential's own `authenticate`
 * followed by that helper, with redirects off (the transport decides them).
 */
export function credentialTestContext(
	test: ICredentialTestFunctions,
	credentials: ICredentialDataDecryptedObject,
	check: Pick<CredentialCheck, 'nodeType' | 'authenticate'>,
): HttpContext {
	const node: INode = {
		id: `${check.nodeType}-credential-test`,
		name: 'Credential test',
		type: `n8n-nodes-media-sync.${check.nodeType}`,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const send = async (options: IHttpRequestOptions): Promise<unknown> => {
		const response = (await test.helpers.request({
			uri: options.url,
			method: options.method ?? 'GET',
			qs: options.qs,
			headers: options.headers,
			body: options.body,
			json: false,
			encoding: null,
			resolveWithFullResponse: true,
			simple: false,
			followRedirect: false,
			followAllRedirects: false,
			timeout: options.timeout,
		})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
		return { statusCode: response.statusCode, headers: response.headers, body: response.body };
	};
	return {
		getNode: () => node,
		getCredentials: async () => credentials,
		logger: test.logger,
		helpers: {
			httpRequestWithAuthentication: async (_type: string, options: IHttpRequestOptions) =>
				await send(await check.authenticate(credentials, options)),
			httpRequest: async (options: IHttpRequestOptions) => await send(options),
		},
	};
}

import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IHttpRequestOptions,
	INode,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { DEFAULT_DAM_TIME_ZONE, todayIn } from '../days';
import { DamClient } from '../transport';
import { authenticateDamRequest } from '../transport/document';
import type { HttpContext } from '../../shared/transport/http';

/**
 * The credential test. A declarative `test` cannot read the DAM's answer (its errors are XML
 * documents inside HTTP 200), so the nodes test the credential themselves: one read-only
 * ModifiedFileRequest for today's PDFs, sent through the same transport, authenticate function
 * and error mapping as every node request. A wrong vendor key fails with the DAM's own
 * ErrorResponse text (ErrorDescr), never with the key.
 */
export async function halLeonardDamApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as ICredentialDataDecryptedObject;
	if (!String(data.vendorId ?? '').trim()) return { status: 'Error', message: 'Vendor ID is empty' };
	if (!String(data.vendorKey ?? '')) return { status: 'Error', message: 'Vendor Key is empty' };

	const client = new DamClient(credentialTestContext(this, data), { deadline: Date.now() + 30_000 });
	try {
		const today = todayIn(DEFAULT_DAM_TIME_ZONE, Date.now());
		await client.modifiedFiles('pdf', today, today + 1);
		return { status: 'OK', message: 'Connection successful: the DAM accepted the vendor ID and key' };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const description = (error as { description?: unknown }).description;
		return {
			status: 'Error',
			message: typeof description === 'string' && description ? `${message} — ${description}` : message,
		};
	}
}

const TEST_NODE: INode = {
	id: 'hal-leonard-dam-credential-test',
	name: 'Hal Leonard DAM credential test',
	type: 'n8n-nodes-media-sync.halLeonardDam',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/**
 * The transport's view of a credential-test context: n8n gives a credential test only the
 * legacy `request` helper, so "request with authentication" is the credential's own
 * `authenticate` followed by that helper — the same document, the same header, nothing else.
 */
function credentialTestContext(
	test: ICredentialTestFunctions,
	credentials: ICredentialDataDecryptedObject,
): HttpContext {
	return {
		getNode: () => TEST_NODE,
		getCredentials: async () => credentials,
		logger: test.logger,
		helpers: {
			async httpRequestWithAuthentication(_type: string, options: IHttpRequestOptions): Promise<unknown> {
				const signed = await authenticateDamRequest(credentials, options);
				const response = (await test.helpers.request({
					uri: signed.url,
					method: signed.method ?? 'GET',
					qs: signed.qs,
					headers: signed.headers,
					body: signed.body,
					json: false,
					encoding: null,
					resolveWithFullResponse: true,
					simple: false,
					followRedirect: false,
					timeout: signed.timeout,
				})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
				return { statusCode: response.statusCode, headers: response.headers, body: response.body };
			},
		},
	};
}

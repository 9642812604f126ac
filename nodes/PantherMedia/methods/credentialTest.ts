import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { excerpt } from '../../shared/transport/errors';
import { MalformedResponseError, ProviderFailure, type RawResponse } from '../../shared/transport/http';
import { redactSecrets } from '../../shared/transport/redact';
import {
	API_VERSION,
	DEFAULT_BASE_URL,
	MAX_FAILURE_BYTES,
	PANTHERMEDIA_PROFILE,
	maskTokens,
	parseRsp,
	readErr,
} from '../transport';
import { formEncode, signRequest } from '../transport/signature';

/**
 * Tests a PantherMedia credential with a signed `host-info` call and reports PantherMedia's own
 * words when it refuses (unknown key, wrong signature, stale timestamp…). A declarative
 * credential `test` could only show the HTTP status line, so the nodes carry this instead
 * (`testedBy`). Credential tests get only n8n's request helper, so the request is signed here
 * with the same code the credential's `authenticate` uses.
 */
export async function pantherMediaApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const apiKey = String(data.apiKey ?? '').trim();
	const apiSecret = String(data.apiSecret ?? '');
	const baseUrl = String(data.baseUrl || DEFAULT_BASE_URL)
		.trim()
		.replace(/\/+$/, '');
	if (!apiKey || !apiSecret) return { status: 'Error', message: 'Enter both the API key and the API secret.' };
	if (!/^https?:\/\/[^\s/]+/i.test(baseUrl)) {
		return { status: 'Error', message: `The base URL "${baseUrl}" is not an http(s) URL.` };
	}
	const secrets = [apiKey, apiSecret];
	// The key and secret by value; the request's signature by its shape (it is made per request).
	const clean = (text: string) => maskTokens(redactSecrets(text, secrets));

	let response: { statusCode: number; headers: Record<string, unknown>; body: unknown };
	try {
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions -- credential tests only get n8n's legacy request helper (ICredentialTestFunctions has no httpRequest)
		response = (await this.helpers.request({
			method: 'POST',
			uri: `${baseUrl}/host-info`,
			headers: { 'Accept-Version': API_VERSION['host-info'], 'Content-Type': 'application/x-www-form-urlencoded' },
			body: formEncode(signRequest(apiKey, apiSecret)),
			resolveWithFullResponse: true,
			simple: false,
			encoding: null,
			json: false,
			timeout: 30_000,
		})) as typeof response;
	} catch (error) {
		const code = (error as { code?: unknown })?.code;
		return {
			status: 'Error',
			message: `Could not reach PantherMedia at ${baseUrl}${typeof code === 'string' ? ` (${code})` : ''}. Check the base URL and that n8n can reach it.`,
		};
	}

	const raw: RawResponse = {
		status: response.statusCode,
		headers: lowerCaseHeaders(response.headers),
		body: Buffer.isBuffer(response.body) ? response.body : Buffer.from(String(response.body ?? ''), 'utf8'),
	};
	const described = PANTHERMEDIA_PROFILE.describeFailure?.(raw, {
		method: 'POST',
		url: `${baseUrl}/host-info`,
		idempotent: true,
		operation: 'check the connection',
	});
	if (described) {
		return {
			status: 'Error',
			message: clean(sentence(described.providerMessage, described.providerCode, described.hint)),
		};
	}
	if (raw.body.length > MAX_FAILURE_BYTES) {
		// host-info is a few hundred bytes; reading a huge answer here would stall n8n.
		return {
			status: 'Error',
			message: `The server at ${baseUrl} did not answer like PantherMedia: its host-info answer is ${raw.body.length} bytes, far more than PantherMedia's.`,
		};
	}
	try {
		const rsp = parseRsp(raw);
		if (rsp['@_stat'] === 'ok') return { status: 'OK', message: 'Connection successful!' };
		if (rsp['@_stat'] === 'fail') {
			const err = readErr(rsp.err);
			return { status: 'Error', message: clean(sentence(err.message ?? 'PantherMedia refused the request', err.code)) };
		}
		return { status: 'Error', message: 'PantherMedia answered, but without a status (stat) in its answer.' };
	} catch (error) {
		if (error instanceof MalformedResponseError || error instanceof ProviderFailure) {
			return {
				status: 'Error',
				message: clean(
					`The server at ${baseUrl} did not answer like PantherMedia: ${error.message} (${excerpt(raw.body.toString('utf8'), 80)})`,
				),
			};
		}
		return { status: 'Error', message: clean(error instanceof Error ? error.message : String(error)) };
	}
}

function sentence(message: string | undefined, code: string | undefined, hint?: string): string {
	const text = `PantherMedia: ${message ?? 'the request failed'}${code ? ` (code ${code})` : ''}`;
	return hint ? `${text}. ${hint}` : text;
}

function lowerCaseHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of Object.entries(headers ?? {})) {
		if (value !== undefined && value !== null)
			out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return out;
}

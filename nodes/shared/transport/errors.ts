import type { Failure, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { CUT_MARK, redactSecrets } from './redact';
import { MAX_RETRY_AFTER_MS } from './retry';

/** How a request failed, as far as the transport can tell. */
export type FailureKind =
	| 'http' // the server answered with an error status
	| 'provider' // the server answered 2xx but its body says the call failed
	| 'network' // no (complete) answer arrived
	| 'timeout'
	| 'parse' // the body could not be read as the format it should be
	| 'size' // the body is larger than we accept
	| 'redirect'; // the server redirected somewhere the request may not follow

/** Everything an error tells the user; every string in it is already free of secrets. */
export interface ApiFailure {
	provider: string;
	/** What the node was doing, in words, e.g. "list products whose media changed". */
	operation: string;
	kind: FailureKind;
	httpCode?: number;
	/** The provider's own error code (PromoStandards code, PantherMedia err code, DAM ErrorCode…). */
	providerCode?: string;
	/** The provider's own message, verbatim (redacted). */
	providerMessage?: string;
	/** What the user can do about it. */
	hint?: string;
	/** Node.js network error code (ECONNRESET, ETIMEDOUT…), for network failures. Kept out of the
	 * message: n8n replaces any message that contains one with a generic text. */
	networkCode?: string;
	/** Delay the server asked for (429/503), if any. */
	retryAfterMs?: number;
	/** Overrides the n8n failure cause derived from the status (e.g. a used-up daily quota). */
	cause?: 'quota-exhausted' | 'configuration-invalid' | 'credential-invalid';
	/** The method and URL, secrets masked. */
	request?: { method: string; url: string };
}

const STATUS_TEXT: Record<number, string> = {
	400: 'The request was rejected as invalid',
	401: 'Authentication failed',
	402: 'Payment required',
	403: 'Access denied',
	404: 'Not found',
	408: 'The server timed out waiting for the request',
	409: 'Conflict',
	410: 'No longer available',
	413: 'The request is too large',
	421: 'Too many requests',
	422: 'The server could not process the request',
	429: 'Rate limit reached',
	500: 'The server had an internal error',
	502: 'Bad gateway',
	503: 'The service is unavailable',
	504: 'The gateway timed out',
};

export function statusText(status: number): string {
	return STATUS_TEXT[status] ?? (status >= 500 ? 'The server failed' : `HTTP ${status}`);
}

/** Generic advice per status, used when a provider has nothing more specific. */
export function defaultHint(status: number | undefined, kind: FailureKind): string | undefined {
	if (kind === 'timeout') return 'The server did not answer in time. Try again later, or raise the timeout.';
	if (kind === 'network') return 'Check the base URL in the credential and that the server is reachable from n8n.';
	if (kind === 'parse')
		return 'The server sent a malformed or truncated answer. This is usually temporary: try again later.';
	if (kind === 'size')
		return 'The answer is larger than this node accepts. Narrow the request (smaller page or date range).';
	if (kind === 'redirect') return 'Check the base URL in the credential.';
	switch (status) {
		case 401:
			return 'Check the credential: the key or token is wrong or expired.';
		case 403:
			return 'The credential is valid but not allowed to do this. Check the account’s permissions or plan.';
		case 404:
			return 'Check the ID or code you passed, and the base URL in the credential.';
		case 422:
			return 'Check the fields named in the message.';
		case 429:
		case 421:
			return 'The rate limit or daily quota is used up. Poll less often, lower the number of requests per run, or wait for the quota to reset.';
		default:
			if (status !== undefined && status >= 500)
				return 'The provider is having trouble. It will usually pass: try again later.';
			return undefined;
	}
}

/**
 * NodeApiError carrying a sanitized {@link ApiFailure}. Nothing from the raw HTTP exchange
 * (headers, request options, axios error) is attached, so no secret can travel with it.
 */
export class MediaSyncApiError extends NodeApiError {
	readonly apiFailure: ApiFailure;

	/** Attempts the request made before it failed (1 when it was not retried; 0 when unknown). */
	readonly attempts: number;

	constructor(node: INode, failure: ApiFailure, options: { itemIndex?: number; attempts?: number } = {}) {
		const message = composeMessage(failure);
		const description = composeDescription(failure);
		// The error response is a plain, sanitized object. n8n shows it in the error details.
		const errorResponse: JsonObject = {
			message,
			description,
			provider: failure.provider,
			operation: failure.operation,
			kind: failure.kind,
			...(failure.httpCode !== undefined ? { httpCode: String(failure.httpCode) } : {}),
			...(failure.providerCode !== undefined ? { providerCode: failure.providerCode } : {}),
			...(failure.request ? { request: { ...failure.request } } : {}),
		};
		super(node, errorResponse, {
			message,
			description,
			httpCode: failure.httpCode !== undefined ? String(failure.httpCode) : undefined,
			itemIndex: options.itemIndex,
			// n8n 2.x reads this to back a failing poller off (and honour Retry-After); 1.x ignores it.
			failure: failureCause(failure),
		});
		this.apiFailure = failure;
		this.attempts = options.attempts ?? 0;
		// n8n's UI and execution serializer recognise API errors by this name.
		this.name = 'NodeApiError';
	}
}

/** The n8n failure cause for a failure, so the platform can decide whether waiting helps. */
export function failureCause(failure: ApiFailure): Failure | undefined {
	if (failure.cause) return { cause: failure.cause };
	if (failure.kind === 'network' || failure.kind === 'timeout' || failure.kind === 'parse') {
		return { cause: 'temporarily-unavailable' };
	}
	const status = failure.httpCode;
	if (status === 429 || status === 421) {
		return failure.retryAfterMs !== undefined
			? { cause: 'rate-limited', retryAfterMs: failure.retryAfterMs }
			: { cause: 'rate-limited' };
	}
	if (status === 401 || status === 403) return { cause: 'credential-invalid' };
	if (status === 404 || status === 400 || status === 422) return { cause: 'configuration-invalid' };
	if (status !== undefined && status >= 500) return { cause: 'temporarily-unavailable' };
	return undefined;
}

function composeMessage(failure: ApiFailure): string {
	const what = failure.providerMessage
		? failure.providerMessage
		: failure.httpCode !== undefined
			? statusText(failure.httpCode)
			: kindText(failure.kind);
	const code = failure.providerCode !== undefined ? ` (code ${failure.providerCode})` : '';
	return `${failure.provider}: ${what}${code}`;
}

function kindText(kind: FailureKind): string {
	switch (kind) {
		case 'timeout':
			return 'The request timed out';
		case 'network':
			return 'Could not reach the server';
		case 'parse':
			return 'The answer could not be read';
		case 'size':
			return 'The answer is too large';
		case 'redirect':
			return 'The server redirected the request';
		default:
			return 'The request failed';
	}
}

function composeDescription(failure: ApiFailure): string {
	const parts: string[] = [];
	const hint = failure.hint ?? defaultHint(failure.httpCode, failure.kind);
	if (hint) parts.push(hint);
	const facts: string[] = [`while trying to ${failure.operation}`];
	if (failure.httpCode !== undefined) facts.push(`HTTP ${failure.httpCode}`);
	if (failure.networkCode !== undefined) facts.push(failure.networkCode);
	if (failure.retryAfterMs !== undefined) {
		facts.push(
			failure.retryAfterMs >= MAX_RETRY_AFTER_MS
				? 'server asks to retry after an hour or more'
				: `server asks to retry after ${Math.ceil(failure.retryAfterMs / 1000)} s`,
		);
	}
	parts.push(`(${facts.join(', ')})`);
	return parts.join(' ');
}

/** Applies redaction to every free-text field of a failure. */
export function sanitizeFailure(failure: ApiFailure, secrets: readonly string[]): ApiFailure {
	const clean = (text: string | undefined) => (text === undefined ? undefined : redactSecrets(text, secrets));
	return {
		...failure,
		providerMessage: clean(failure.providerMessage),
		providerCode: clean(failure.providerCode),
		hint: clean(failure.hint),
		request: failure.request
			? { method: failure.request.method, url: redactSecrets(failure.request.url, secrets) }
			: undefined,
	};
}

/** Trims a server-provided text to something that fits an error message. */
export function excerpt(text: string, max = 300): string {
	const oneLine = text.replace(/\s+/g, ' ').trim();
	return oneLine.length > max ? `${oneLine.slice(0, max)}${CUT_MARK}` : oneLine;
}

/**
 * Returns an n8n node error for anything thrown: n8n's own errors pass through unchanged (so a
 * sanitized API error keeps its message), anything else is wrapped in a NodeOperationError.
 * Duck-typed, because n8n 1.x may load its own copy of n8n-workflow next to this package's.
 */
export function asNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (
		error instanceof Error &&
		/^Node(Api|Operation)Error$/.test(error.name) &&
		typeof (error as { node?: unknown }).node === 'object'
	) {
		return error as NodeOperationError;
	}
	return new NodeOperationError(
		node,
		error instanceof Error ? error : String(error),
		itemIndex === undefined ? {} : { itemIndex },
	);
}

/**
 * Retry policy shared by every provider transport.
 *
 * Defaults follow what well-regarded HTTP clients converge on (got, axios-retry, Stripe):
 * a few attempts, exponential backoff with full jitter, `Retry-After` honoured as a floor,
 * and never more waiting than the caller's deadline allows.
 */

export interface RetryPolicy {
	/** Attempts in total, the first one included. */
	maxAttempts: number;
	/** Base delay of the exponential backoff, in ms. */
	baseDelayMs: number;
	/** Upper bound of one backoff delay (not of a server's Retry-After), in ms. */
	maxDelayMs: number;
	/** Longest Retry-After we are prepared to sleep for inside one request, in ms. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 4,
	baseDelayMs: 500,
	maxDelayMs: 15_000,
	maxRetryAfterMs: 60_000,
};

/** HTTP statuses worth another attempt for an idempotent request. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
	return RETRYABLE_STATUSES.has(status);
}

/**
 * Network error codes that prove the request never reached the server: a connection that was
 * refused or a host name that could not be resolved. Only these make a non-idempotent request
 * (create, upload) safe to send again.
 */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Network error codes after which the request may or may not have been processed. */
const AMBIGUOUS_CODES = new Set([
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
	'ERR_STREAM_PREMATURE_CLOSE',
]);

export type NetworkFailure = 'not-sent' | 'ambiguous' | 'other';

export function classifyNetworkCode(code: string | undefined): NetworkFailure {
	if (!code) return 'other';
	if (NOT_SENT_CODES.has(code)) return 'not-sent';
	if (AMBIGUOUS_CODES.has(code)) return 'ambiguous';
	return 'other';
}

/**
 * The longest wait a Retry-After is taken for. A server asking for more (99999999 seconds, a
 * date in year 3000) is broken. The wait travels to n8n as the failure's retry hint, and n8n 2.x's
 * poll backoff uses at most an hour of it (`RETRY_AFTER_MAX_MS` in its poll-backoff policy), so an
 * hour is the most that means anything there; a used-up daily quota is reported as
 * `quota-exhausted`, not as a wait.
 */
export const MAX_RETRY_AFTER_MS = 3600_000;

/**
 * Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds from `now`, at most
 * {@link MAX_RETRY_AFTER_MS}. Returns undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(text) * 1000));
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
}

/**
 * Delay before attempt number `attempt + 1` (attempt counts from 1): full jitter over an
 * exponentially growing ceiling, never below the server's Retry-After.
 */
export function backoffDelay(
	attempt: number,
	policy: RetryPolicy,
	retryAfterMs: number | undefined,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	const jittered = Math.round(random() * ceiling);
	return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

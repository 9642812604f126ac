import type { IHttpRequestMethods } from 'n8n-workflow';

import type { ApiFailure } from './errors';

/**
 * How the transport answers an HTTP redirect. It never lets n8n's HTTP stack follow one: that
 * stack re-sends `Authorization` to any host by default, and keeps custom headers (X-API-Key) and
 * request bodies (a signed form, a DAM document with the vendor key) on every hop. So every
 * request goes out with redirects off, and the transport decides each hop itself:
 *
 * - `same-origin` (API calls, the default): a hop to the same scheme, host and port is followed
 *   with the credential; a hop anywhere else — another host, another port, https → http — is
 *   refused with an error that says so, before anything is sent there.
 * - `refuse`: no hop is followed (a streamed upload cannot be sent twice).
 * - `public`: the request carries no credential at all (a file URL a provider handed out), so any
 *   http(s) hop is followed.
 *
 * A 307/308 repeats the method and body; a 301/302/303 becomes a GET without a body, which is
 * only done for GET/HEAD, or where a provider's own clients do it (`postAsGet`) — otherwise a
 * POST that the server wants as a GET is refused rather than silently turned into something else.
 */
export type RedirectPolicy = 'same-origin' | 'refuse' | 'public';

/** Hops followed at most per request. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number, location: string | undefined): boolean {
	return REDIRECT_STATUSES.has(status) && typeof location === 'string' && location.trim() !== '';
}

export interface Hop {
	url: string;
	method: IHttpRequestMethods;
	/** False when the next request carries no body (a 301/302/303 turned into a GET). */
	keepBody: boolean;
}

export type RedirectDecision = { hop: Hop } | { refused: Pick<ApiFailure, 'providerMessage' | 'hint' | 'cause'> };

export interface RedirectContext {
	provider: string;
	policy: RedirectPolicy;
	/** Origin of the configured base URL (the first request's URL). */
	origin: string;
	current: { url: string; method: IHttpRequestMethods };
	/** Hops already followed for this request. */
	hops: number;
	postAsGet?: boolean;
}

const CHECK_BASE_URL =
	'Check the URL in the credential: if the provider moved, enter the address it redirects to, if you trust it.';
const CHECK_BASE_URL_REFUSE =
	'Set the URL in the credential to the address the server redirects to (for example https:// instead of http://). This request is streamed, not kept in memory, so it cannot be sent a second time.';

function refuse(providerMessage: string, hint = CHECK_BASE_URL): RedirectDecision {
	return { refused: { providerMessage, hint, cause: 'configuration-invalid' } };
}

/** What to do with a redirect answer (`status` with `location`). */
export function decideRedirect(status: number, location: string, context: RedirectContext): RedirectDecision {
	const { provider, policy, current } = context;
	if (policy === 'refuse') {
		return refuse(
			`The request was answered with a redirect (HTTP ${status})${describeTarget(location, current.url)}; this request is not sent on to another address`,
			CHECK_BASE_URL_REFUSE,
		);
	}
	let next: URL;
	try {
		next = new URL(location, current.url);
	} catch {
		// The address is not quoted: a server can build it from the request, secrets included.
		return refuse('The request was redirected to an invalid address (not shown: it may carry the request)');
	}
	if (next.protocol !== 'https:' && next.protocol !== 'http:') {
		return refuse(
			`The request was redirected to a ${next.protocol.replace(/:$/, '')} address, which is never followed`,
		);
	}
	if (context.hops >= MAX_REDIRECTS) {
		return refuse(`The request was redirected more than ${MAX_REDIRECTS} times`);
	}
	if (policy === 'same-origin' && next.origin !== context.origin) {
		const origin = new URL(context.origin);
		const downgrade = origin.protocol === 'https:' && next.protocol === 'http:' && next.hostname === origin.hostname;
		return refuse(
			downgrade
				? `The request was redirected from https to http; ${provider} credentials are never sent unencrypted, so the redirect was not followed`
				: `The request was redirected${describeTarget(location, current.url)}; ${provider} credentials are only ever sent to the host set in the credential, so the redirect was not followed`,
		);
	}
	const method = current.method.toUpperCase() as IHttpRequestMethods;
	if (status === 307 || status === 308) return { hop: { url: next.href, method, keepBody: true } };
	if (method === 'GET' || method === 'HEAD') return { hop: { url: next.href, method, keepBody: false } };
	if (context.postAsGet) return { hop: { url: next.href, method: 'GET', keepBody: false } };
	return refuse(
		`The ${method} request was answered with a redirect (HTTP ${status}) that would turn it into a GET without its data; it was not followed`,
	);
}

/**
 * Where a redirect points, in words that cannot carry a secret: a server can build the address
 * from the request (a key included, in any encoding), so only the scheme and port of the user's
 * own host are named; another host or a path is never quoted.
 */
export function describeTarget(location: string | undefined, requestUrl: string): string {
	if (!location) return '';
	let next: URL;
	let current: URL;
	try {
		current = new URL(requestUrl);
		next = new URL(location, current);
	} catch {
		return ' to an invalid address';
	}
	if (next.origin === current.origin) return ' to another path on the same server';
	if (next.hostname === current.hostname && (next.protocol === 'http:' || next.protocol === 'https:')) {
		// The host is the one the user entered; a port is only digits.
		return ` to ${next.protocol}//${next.host}`;
	}
	return ' to another host (the address is not shown: a server can build it from the request)';
}

/** The origin (scheme, host, port) of a URL, or undefined when it is not an absolute http(s) URL. */
export function originOf(url: string): string | undefined {
	try {
		const parsed = new URL(url);
		return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
	} catch {
		return undefined;
	}
}

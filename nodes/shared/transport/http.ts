import { type Readable, Transform, pipeline } from 'node:stream';

import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestMethods,
	IHttpRequestOptions,
	INode,
	Logger,
} from 'n8n-workflow';

import { plausibleOffset } from '../clock';
import { Semaphore } from '../concurrency';
import type { SkippedRecord } from '../skipped';
import { MalformedResponseError, ProviderFailure } from './answerErrors';
import { type ApiFailure, MediaSyncApiError, asNodeError, excerpt, sanitizeFailure } from './errors';
import { type RedirectPolicy, decideRedirect, isRedirect, originOf } from './redirects';
import { redactBody, secretValues } from './redact';
import {
	DEFAULT_RETRY_POLICY,
	type RetryPolicy,
	backoffDelay,
	classifyNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
} from './retry';
import { nextTurn, timing } from './timing';

export { MalformedResponseError, ProviderFailure };

/**
 * The part of an n8n function context the transport needs. Execute, poll and load-options
 * contexts all provide it, so one client serves actions, triggers and dropdowns.
 */
export interface HttpContext {
	getNode(): INode;
	getCredentials(type: string, itemIndex?: number): Promise<object>;
	logger: Logger;
	helpers: {
		httpRequestWithAuthentication(
			this: unknown,
			credentialsType: string,
			requestOptions: IHttpRequestOptions,
			additionalCredentialOptions?: IAdditionalCredentialOptions,
		): Promise<unknown>;
		/** For requests that carry no credential at all (redirect policy `public`). */
		httpRequest(this: unknown, requestOptions: IHttpRequestOptions): Promise<unknown>;
	};
}

export interface ApiRequest {
	method: IHttpRequestMethods;
	url: string;
	qs?: IDataObject;
	headers?: IDataObject;
	/** JSON object, XML/form string, Buffer, or a factory for a fresh stream on every attempt. */
	body?: IDataObject | string | Buffer | (() => Readable);
	/** Safe to send twice? Reads and PUT/DELETE are; create and upload are not. */
	idempotent: boolean;
	/** What the request does, in words, for error messages. */
	operation: string;
	/**
	 * Longest time one attempt may take, from sending to the last byte of the answer (not an idle
	 * timeout: a server that sends one byte a second is cut off too). Default: the profile's, else
	 * {@link requestTimeouts}`.defaultMs`. A poll's deadline shortens it further.
	 */
	timeoutMs?: number;
	maxBodyBytes?: number;
	/** How redirects are answered (see redirects.ts). Default `same-origin`. */
	redirects?: RedirectPolicy;
	/** Follow a 301/302/303 answer to a POST as a GET without the body (what the DAM's clients do). */
	postRedirectAsGet?: boolean;
}

export interface RawResponse {
	status: number;
	headers: Record<string, string>;
	body: Buffer;
}

/** A successful answer whose body is handed on as a stream (see {@link ApiClient.sendStreamed}). */
export interface StreamedResponse {
	status: number;
	headers: Record<string, string>;
	/** Bytes of the body that came through so far (all of them, once the stream ended). */
	bytes(): number;
}

/** What a provider knows about its own API: names, secrets, and how it reports errors. */
export interface ProviderProfile {
	name: string;
	credentialType: string;
	/** Credential fields that are secret and must never appear in an error. */
	secretFields: readonly string[];
	/**
	 * Reads a provider-specific failure out of a response. Called for every final response (after
	 * redirects), with secrets already masked in the body; return undefined when the response is
	 * a success. Without it, any non-2xx is a failure.
	 */
	describeFailure?(response: RawResponse, request: ApiRequest): Partial<ApiFailure> | undefined;
	retry?: Partial<RetryPolicy>;
	defaultTimeoutMs?: number;
	maxBodyBytes?: number;
}

export interface ClientOptions {
	/** Epoch ms after which no new attempt or backoff starts (the poll budget). */
	deadline?: number;
	itemIndex?: number;
	/**
	 * Attempts of this client on the wire at once, at most (see {@link ApiClient.limitInFlight}).
	 * Unset: no limit, and no shared pause after a Retry-After (a caller that sends one request at
	 * a time needs neither).
	 */
	maxInFlight?: number;
}

export interface ClientStats {
	requests: number;
	retries: number;
	rateLimit?: { limit?: number; remaining?: number };
	/** serverTime − localTime, from the last plausible Date header seen. */
	serverClockOffsetMs?: number;
}

/**
 * How long one attempt may take, from sending to the last byte of the answer (documented in the
 * README). An object, not constants, so tests can shorten them the way they replace `timing.sleep`.
 */
export const requestTimeouts = {
	/** API calls. */
	defaultMs: 60_000,
	/** File uploads and downloads: a large file over a slow link takes longer. */
	transferMs: 10 * 60_000,
};
/** An action's request, retries and their waits included, gives up after this many attempt timeouts. */
const SEND_BUDGET_ATTEMPTS = 3;
/** A request started right at a poll's deadline still gets this long. */
const MIN_ATTEMPT_MS = 1_000;
const DEFAULT_MAX_BODY = 50 * 1024 * 1024;

/**
 * One client per node run. Sends requests through n8n's `httpRequestWithAuthentication`, so the
 * credential type's own `authenticate` adds the secrets; owns redirects, retries, deadlines, body
 * size limits, rate-limit and clock bookkeeping and the mapping of every failure to a sanitized
 * NodeApiError.
 */
export class ApiClient {
	readonly stats: ClientStats = { requests: 0, retries: 0 };

	private readonly policy: RetryPolicy;

	private secrets: Promise<string[]> | undefined;

	/** The credential, decrypted once per client (see {@link credentialOnce}). */
	private credential: Promise<Record<string, unknown>> | undefined;

	private clockWarned = false;

	/** Slots for attempts on the wire, when requests of this client run side by side. */
	private slots?: Semaphore;

	/** Epoch ms before which no attempt starts: the latest Retry-After the server gave any request. */
	private pausedUntil = 0;

	/** Resolves once the latest attempt to be given a turn of its own has had it (see {@link inSlot}). */
	private lastTurn: Promise<void> = Promise.resolve();

	constructor(
		private readonly ctx: HttpContext,
		private readonly profile: ProviderProfile,
		private readonly options: ClientOptions = {},
	) {
		this.policy = { ...DEFAULT_RETRY_POLICY, ...profile.retry };
		if (options.maxInFlight !== undefined) this.limitInFlight(options.maxInFlight);
	}

	/**
	 * Lets callers send requests side by side (an action node running its items in parallel):
	 * at most `limit` attempts of this client are on the wire at once, the others wait for a
	 * slot; a backoff between attempts holds no slot. A Retry-After the server gives one request
	 * then holds back every request of this client, not only the one it answered, so parallel
	 * requests do not keep knocking while the server asked to wait. Call it before the first request.
	 */
	limitInFlight(limit: number): void {
		this.slots = new Semaphore(Math.max(1, Math.floor(limit)));
	}

	/** Server time now, as far as the plausible Date headers seen so far tell. */
	serverNow(): number {
		return Date.now() + (this.stats.serverClockOffsetMs ?? 0);
	}

	get deadline(): number | undefined {
		return this.options.deadline;
	}

	/**
	 * Reports the records of an answer that could not be used and were skipped (no id, an
	 * unreadable date, nesting too deep): a warning each in n8n's log, so a bad record is seen,
	 * never a reason to stop reading the good ones. `where` names one in its answer.
	 */
	reportSkipped(skipped: readonly SkippedRecord[], where: (entry: SkippedRecord) => string): void {
		for (const entry of skipped) this.warn(`skipped ${where(entry)}: ${entry.problem}`);
	}

	/** A warning in n8n's log, named for the provider. */
	warn(message: string): void {
		this.ctx.logger.warn(`${this.profile.name}: ${message}`);
	}

	/** Secret credential values, for redaction. Loaded once. */
	async secretsToRedact(): Promise<string[]> {
		this.secrets ??= this.credentialOnce().then((credential) => secretValues(credential, this.profile.secretFields));
		this.secrets.catch(() => (this.secrets = undefined));
		return await this.secrets;
	}

	/**
	 * The credential, decrypted once per client and handed to every request. Left to
	 * `httpRequestWithAuthentication`, n8n 2.x decrypts it again for each request and, outside an
	 * item's context (a poll; a client built for a whole run), resolves its fields in an
	 * expression isolate of its own: measured in `npm run bench:n8n`, that cost n8n ~95 ms of CPU
	 * per request while the PSRESTful Trigger fetched media ten at a time, and took both cores.
	 */
	private async credentialOnce(): Promise<Record<string, unknown>> {
		// One read for requests that start side by side; a failed read is tried again by the next.
		this.credential ??= this.ctx
			.getCredentials(this.profile.credentialType, this.options.itemIndex)
			.then((credential) => credential as Record<string, unknown>);
		this.credential.catch(() => (this.credential = undefined));
		return await this.credential;
	}

	/** What n8n's `httpRequestWithAuthentication` takes to skip decrypting the credential again. */
	private async decryptedCredential(): Promise<IAdditionalCredentialOptions> {
		const data = await this.credentialOnce();
		const reference = this.ctx.getNode().credentials?.[this.profile.credentialType];
		return {
			credentialsDecrypted: {
				id: reference?.id ?? '',
				name: reference?.name ?? '',
				type: this.profile.credentialType,
				// A copy per request: `authenticate` may write into what it is given.
				data: { ...data } as ICredentialDataDecryptedObject,
			},
		};
	}

	/**
	 * Sends a request whose successful (2xx) answer is not read into memory: its body is handed to
	 * `consume` as a stream (e.g. into n8n's binary data store), cut off with a `size` failure once
	 * it passes `maxBodyBytes` and with a `timeout` at the attempt's deadline. Redirects, retries,
	 * deadlines and failures are those of {@link send}; an error answer is read (capped) as there.
	 * A body that breaks off mid-way (connection lost, too slow) fails the attempt like an unread
	 * answer would, so an idempotent request is sent again and `consume` runs again on the new
	 * body — `consume` must leave nothing behind when its stream fails. A failure of `consume`
	 * itself (not of the stream) ends the request. The profile's `describeFailure` is not asked
	 * about a 2xx answer here: its body is the caller's, not an API document.
	 */
	async sendStreamed<T>(
		request: ApiRequest,
		consume: (body: Readable, response: StreamedResponse) => Promise<T>,
	): Promise<T> {
		return await this.run(request, { consume });
	}

	/**
	 * Sends a request and returns the parsed body. `parse` turns the raw response into the
	 * result, synchronously or not (a large XML answer is read off the event loop); a
	 * {@link MalformedResponseError} from it counts as a transient fault.
	 */
	async send<T>(request: ApiRequest, parse: (response: RawResponse) => T | Promise<T>): Promise<T> {
		return await this.run(request, { parse });
	}

	/** Attempts `request` until it succeeds or fails for good; the answer goes to `handler`. */
	private async run<T>(request: ApiRequest, handler: AnswerHandler<T>): Promise<T> {
		const secrets = await this.secretsToRedact();
		// Counted from the first attempt's start, so time spent waiting for a slot is not charged to it.
		let sendDeadline: number | undefined;
		// The pause (see limitInFlight) this request has waited out already: its own backoff after
		// the Retry-After that set it counts, so no request waits for one pause twice.
		const waited = { until: 0 };
		let attempt = 0;
		for (;;) {
			attempt++;
			const outcome = await this.inSlot(waited, async () => {
				sendDeadline ??= this.sendDeadline(request);
				return await this.attempt(request, handler, secrets, sendDeadline);
			});
			if (outcome.ok) return outcome.value;

			const failure = sanitizeFailure(outcome.failure, secrets);
			const pausedUntil = this.holdBackAfter(failure);
			const delay = this.retryDelay(request, outcome, attempt, sendDeadline!);
			if (delay === undefined) {
				throw new MediaSyncApiError(this.ctx.getNode(), failure, {
					itemIndex: this.options.itemIndex,
					attempts: attempt,
				});
			}
			if (pausedUntil !== undefined) waited.until = Math.max(waited.until, pausedUntil);
			this.stats.retries++;
			this.ctx.logger.warn(
				`${this.profile.name}: ${failure.kind === 'http' ? `HTTP ${failure.httpCode}` : failure.kind} while trying to ${request.operation}; attempt ${attempt + 1} of ${this.policy.maxAttempts} in ${delay} ms`,
			);
			await timing.sleep(delay);
		}
	}

	/**
	 * Runs one attempt in an event-loop turn of its own ({@link ownTurn}); when requests run side
	 * by side, in a slot and after the pause the server asked for, unless this request has waited
	 * for that pause already (`waited`).
	 */
	private async inSlot<T>(waited: { until: number }, attempt: () => Promise<T>): Promise<T> {
		if (!this.slots) {
			await this.ownTurn();
			return await attempt();
		}
		const release = await this.slots.acquire();
		try {
			const until = this.pausedUntil;
			if (until > waited.until) {
				waited.until = until;
				const pause = until - Date.now();
				if (pause > 0) await timing.sleep(pause);
			}
			await this.ownTurn();
			return await attempt();
		} finally {
			release();
		}
	}

	/**
	 * A client's attempts leave one per event-loop turn. n8n opens a new connection for every
	 * request, and a request leaves only once its connection is up, in a later turn. Sent all in
	 * the turn that handled a burst of answers, the next requests of a fan-out or of writes side by
	 * side would wait for the whole burst to be handled, leave together and come back together: the
	 * run would march in lockstep, each round as long as the latency plus all the CPU of a round.
	 * One per turn, 10 at once at 50 ms run 9.1–9.6× faster than one at a time, against 7.3–8.8×
	 * before (docs/performance.md). One request at a time waits one turn, a few microseconds.
	 */
	private async ownTurn(): Promise<void> {
		const turn = this.lastTurn.then(nextTurn);
		this.lastTurn = turn;
		await turn;
	}

	/**
	 * A Retry-After the transport honours holds back every request of this client until it has
	 * passed. Returns the end of that pause, when the failure set one.
	 */
	private holdBackAfter(failure: ApiFailure): number | undefined {
		const wait = failure.retryAfterMs;
		if (!this.slots || wait === undefined || wait <= 0 || wait > this.policy.maxRetryAfterMs) return undefined;
		const until = Date.now() + wait;
		if (until > this.pausedUntil) {
			this.pausedUntil = until;
			this.warn(`asked to wait ${Math.ceil(wait / 1000)} s (Retry-After): no request of this run starts before then`);
		}
		return until;
	}

	private attemptTimeout(request: ApiRequest): number {
		return request.timeoutMs ?? this.profile.defaultTimeoutMs ?? requestTimeouts.defaultMs;
	}

	/** When the whole request, retries included, gives up: the poll's deadline, else a few attempt timeouts. */
	private sendDeadline(request: ApiRequest): number {
		if (this.options.deadline !== undefined) return this.options.deadline;
		return Date.now() + SEND_BUDGET_ATTEMPTS * this.attemptTimeout(request);
	}

	/** Backoff before the next attempt, or undefined when the failure is final. */
	private retryDelay(
		request: ApiRequest,
		outcome: FailedAttempt,
		attempt: number,
		sendDeadline: number,
	): number | undefined {
		if (attempt >= this.policy.maxAttempts) return undefined;
		const { failure } = outcome;
		let retryable: boolean;
		switch (failure.kind) {
			case 'http':
				// A 429 means the server turned the request away unprocessed: safe even for a create.
				retryable = request.idempotent ? isRetryableStatus(failure.httpCode ?? 0) : failure.httpCode === 429;
				break;
			case 'network':
			case 'timeout':
				retryable = request.idempotent || outcome.network === 'not-sent';
				break;
			case 'parse':
				retryable = request.idempotent;
				break;
			case 'provider':
				retryable = request.idempotent && outcome.transient === true;
				break;
			default:
				retryable = false;
		}
		if (!retryable) return undefined;
		if (failure.retryAfterMs !== undefined && failure.retryAfterMs > this.policy.maxRetryAfterMs) return undefined;
		const delay = backoffDelay(attempt, this.policy, failure.retryAfterMs, timing.random);
		if (Date.now() + delay >= sendDeadline) return undefined;
		return delay;
	}

	/** One attempt: the request and the redirect hops it is allowed to follow, then the answer read. */
	private async attempt<T>(
		request: ApiRequest,
		handler: AnswerHandler<T>,
		secrets: readonly string[],
		sendDeadline: number,
	): Promise<AttemptOutcome<T>> {
		const deadline = Math.max(
			Date.now() + MIN_ATTEMPT_MS,
			Math.min(Date.now() + this.attemptTimeout(request), sendDeadline),
		);
		const policy = request.redirects ?? 'same-origin';
		const origin = originOf(request.url) ?? request.url;
		const base = {
			provider: this.profile.name,
			operation: request.operation,
			request: { method: request.method, url: describeUrl(request.url, request.qs) },
		};

		let hop: { url: string; method: IHttpRequestMethods; qs?: IDataObject; withBody: boolean } = {
			url: request.url,
			method: request.method,
			qs: request.qs,
			withBody: true,
		};
		let raw: RawResponse & { stream?: BodyStream };
		for (let hops = 0; ; hops++) {
			const fetched = await this.fetch(request, hop, policy, deadline, base, 'consume' in handler);
			if (!fetched.ok) return fetched;
			raw = fetched.raw;
			this.observe(raw);
			if (!isRedirect(raw.status, raw.headers.location)) break;
			const decision = decideRedirect(raw.status, raw.headers.location, {
				provider: this.profile.name,
				policy,
				origin,
				current: { url: hop.url, method: hop.method },
				hops,
				postAsGet: request.postRedirectAsGet,
			});
			if ('refused' in decision) {
				return { ok: false, failure: { ...base, kind: 'redirect', httpCode: raw.status, ...decision.refused } };
			}
			// The Location carries its own query string; the body goes on only where the method does.
			hop = { url: decision.hop.url, method: decision.hop.method, withBody: hop.withBody && decision.hop.keepBody };
		}

		if ('consume' in handler && raw.stream) return await this.consume(raw.stream, raw, handler.consume, base);
		// Providers read error bodies for their message: with every secret already masked, an excerpt
		// cut in the middle of one cannot keep a piece of it.
		const view = raw.status >= 200 && raw.status < 300 ? raw : { ...raw, body: redactBody(raw.body, secrets) };
		const described = this.profile.describeFailure ? this.profile.describeFailure(view, request) : defaultFailure(view);
		if (described) {
			return {
				ok: false,
				failure: {
					...base,
					kind: described.kind ?? 'http',
					httpCode: raw.status >= 400 ? raw.status : described.httpCode,
					retryAfterMs: parseRetryAfter(raw.headers['retry-after']),
					...described,
				},
			};
		}
		if (!('parse' in handler)) throw new Error('a streamed request was answered without a body stream');
		try {
			return { ok: true, value: await handler.parse(raw) };
		} catch (error) {
			if (error instanceof MalformedResponseError) {
				return {
					ok: false,
					failure: { ...base, kind: 'parse', providerMessage: `Malformed answer: ${error.message}` },
				};
			}
			if (error instanceof ProviderFailure) {
				const { transient, ...details } = error.details;
				return {
					ok: false,
					transient,
					failure: { ...base, kind: 'provider', httpCode: raw.status >= 400 ? raw.status : undefined, ...details },
				};
			}
			throw asNodeError(this.ctx.getNode(), error);
		}
	}

	/** Sends one HTTP request (no redirect followed) and reads its whole answer before `deadline`. */
	private async fetch(
		request: ApiRequest,
		hop: { url: string; method: IHttpRequestMethods; qs?: IDataObject; withBody: boolean },
		policy: RedirectPolicy,
		deadline: number,
		base: Pick<ApiFailure, 'provider' | 'operation' | 'request'>,
		streamSuccess = false,
	): Promise<{ ok: true; raw: RawResponse & { stream?: BodyStream } } | FailedAttempt> {
		const options: IHttpRequestOptions = {
			method: hop.method,
			url: hop.url,
			qs: hop.qs,
			headers: { ...request.headers },
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			encoding: 'stream',
			json: false,
			// n8n's stack only knows an idle timeout; the deadline below bounds the whole exchange.
			timeout: Math.max(MIN_ATTEMPT_MS, deadline - Date.now()),
			disableFollowRedirect: true,
		};
		if (hop.withBody && request.body !== undefined) {
			options.body = (
				typeof request.body === 'function' ? request.body() : request.body
			) as IHttpRequestOptions['body'];
		} else if (!hop.withBody && options.headers) {
			for (const name of Object.keys(options.headers))
				if (/^content-(type|length)$/i.test(name)) delete options.headers[name];
		}

		this.stats.requests++;
		// A public URL (a file to download) may be signed in its query: logged without it.
		const logged = policy === 'public' ? hop.url.split('?')[0] : describeUrl(hop.url, hop.qs);
		this.ctx.logger.debug(`${this.profile.name}: ${hop.method} ${logged}`);
		const sent =
			policy === 'public'
				? this.ctx.helpers.httpRequest.call(this.ctx, options)
				: this.ctx.helpers.httpRequestWithAuthentication.call(
						this.ctx,
						this.profile.credentialType,
						options,
						await this.decryptedCredential(),
					);
		try {
			const response = (await beforeDeadline(sent, deadline)) as {
				statusCode: number;
				headers: Record<string, unknown>;
				body: unknown;
			};
			const headers = normalizeHeaders(response.headers);
			const maxBytes = request.maxBodyBytes ?? this.profile.maxBodyBytes ?? DEFAULT_MAX_BODY;
			if (streamSuccess && response.statusCode >= 200 && response.statusCode < 300) {
				const stream = limitBody(response.body, maxBytes, deadline);
				return { ok: true, raw: { status: response.statusCode, headers, body: Buffer.alloc(0), stream } };
			}
			const body = await readBody(response.body, maxBytes, deadline);
			return { ok: true, raw: { status: response.statusCode, headers, body } };
		} catch (error) {
			if (error instanceof BodyTooLargeError) {
				return {
					ok: false,
					failure: { ...base, kind: 'size', providerMessage: 'The answer is larger than this node accepts' },
				};
			}
			return networkFailure(error, base);
		}
	}

	/**
	 * Hands a streamed answer to the caller. A failure of the stream (too large, too slow, cut off)
	 * is a failed attempt, as for an answer read whole; a failure of `consume` itself is final.
	 */
	private async consume<T>(
		body: BodyStream,
		raw: RawResponse,
		consume: (body: Readable, response: StreamedResponse) => Promise<T>,
		base: Pick<ApiFailure, 'provider' | 'operation' | 'request'>,
	): Promise<AttemptOutcome<T>> {
		try {
			const response = { status: raw.status, headers: raw.headers, bytes: body.bytes };
			return { ok: true, value: await consume(body.stream, response) };
		} catch (error) {
			const failure = body.failure();
			if (failure instanceof BodyTooLargeError) {
				return {
					ok: false,
					failure: { ...base, kind: 'size', providerMessage: 'The answer is larger than this node accepts' },
				};
			}
			if (failure) return networkFailure(failure, base);
			throw asNodeError(this.ctx.getNode(), error, this.options.itemIndex);
		} finally {
			body.dispose();
		}
	}

	/** Records what every response says about the server: clock and quota. */
	private observe(response: RawResponse): void {
		const date = response.headers.date ? Date.parse(response.headers.date) : NaN;
		if (!Number.isNaN(date)) {
			const offset = date - Date.now();
			if (plausibleOffset(offset)) {
				this.stats.serverClockOffsetMs = offset;
			} else if (!this.clockWarned) {
				// A clock a day or more off is a broken header, not the time: trusting it would move sync
				// positions to a date every later change looks older than.
				this.clockWarned = true;
				this.ctx.logger.warn(
					`${this.profile.name}: the server's Date header (${new Date(date).toISOString()}) is more than a day from this machine's clock; it is ignored and this machine's clock is used`,
				);
			}
		}
		const limit = toNumber(response.headers['x-ratelimit-limit']);
		const remaining = toNumber(response.headers['x-ratelimit-remaining']);
		if (limit !== undefined || remaining !== undefined) this.stats.rateLimit = { limit, remaining };
	}
}

interface FailedAttempt {
	ok: false;
	failure: ApiFailure;
	network?: ReturnType<typeof classifyNetworkCode>;
	/** A provider-level failure the provider says is worth retrying. */
	transient?: boolean;
}
type AttemptOutcome<T> = { ok: true; value: T } | FailedAttempt;

/** What is done with a successful answer: parsed once read whole, or consumed as a stream. */
type AnswerHandler<T> =
	| { parse: (response: RawResponse) => T | Promise<T> }
	| { consume: (body: Readable, response: StreamedResponse) => Promise<T> };

/** A streamed answer body, with why it failed (when the failure was the stream's). */
interface BodyStream {
	stream: Readable;
	bytes(): number;
	failure(): Error | undefined;
	/** Stops the deadline and lets the connection go, if the body was not read to its end. */
	dispose(): void;
}

function defaultFailure(response: RawResponse): Partial<ApiFailure> | undefined {
	if (response.status >= 200 && response.status < 300) return undefined;
	const text = response.body.toString('utf8');
	return { kind: 'http', providerMessage: text ? excerpt(text) : undefined };
}

function networkFailure(error: unknown, base: Pick<ApiFailure, 'provider' | 'operation' | 'request'>): FailedAttempt {
	const code = errorCode(error);
	const network = classifyNetworkCode(code);
	const isTimeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(errorText(error));
	return {
		ok: false,
		network,
		failure: {
			...base,
			kind: isTimeout ? 'timeout' : 'network',
			// The code explains a network failure; the raw message can carry request details.
			providerMessage: isTimeout ? 'Timed out waiting for the server' : 'The connection to the server failed',
			networkCode: code,
		},
	};
}

function errorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function errorText(error: unknown): string {
	if (error instanceof Error) return `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`;
	return String(error);
}

function normalizeHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	if (!headers) return out;
	for (const [key, value] of Object.entries(headers)) {
		if (value === undefined || value === null) continue;
		out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return out;
}

/**
 * Settles like `request`, unless `deadline` comes first: then it fails with a timeout, and an
 * answer that still arrives later has its body stream destroyed so its socket is let go.
 */
async function beforeDeadline<T>(request: Promise<T>, deadline: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	let late = false;
	const expired = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(
			() => {
				late = true;
				reject(Object.assign(new Error('timeout waiting for the answer'), { code: 'ETIMEDOUT' }));
			},
			Math.max(0, deadline - Date.now()),
		);
	});
	request.then(
		(response) => {
			if (late) destroyBody(response);
		},
		() => undefined,
	);
	try {
		return await Promise.race([request, expired]);
	} finally {
		clearTimeout(timer);
	}
}

function destroyBody(response: unknown): void {
	const body = (response as { body?: { destroy?: () => void } } | undefined)?.body;
	if (body && typeof body.destroy === 'function') body.destroy();
}

/**
 * Reads a response body into memory with a size cap and a deadline for the whole body, so a slow
 * or endless answer (one byte a second) cannot hold the poll or exhaust memory.
 */
async function readBody(body: unknown, maxBytes: number, deadline: number): Promise<Buffer> {
	if (body === undefined || body === null) return Buffer.alloc(0);
	if (Buffer.isBuffer(body)) return body;
	if (typeof body === 'string') return Buffer.from(body, 'utf8');
	const stream = body as Readable;
	if (typeof stream.on !== 'function') return Buffer.from(JSON.stringify(body), 'utf8');
	return await new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const timer = setTimeout(
			() => {
				stream.destroy();
				reject(Object.assign(new Error('timeout while reading the response body'), { code: 'ETIMEDOUT' }));
			},
			Math.max(0, deadline - Date.now()),
		);
		const done = (fn: () => void) => {
			clearTimeout(timer);
			fn();
		};
		stream.on('data', (chunk: Buffer | string) => {
			const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
			size += buffer.length;
			if (size > maxBytes) {
				stream.destroy();
				done(() => reject(new BodyTooLargeError(maxBytes)));
				return;
			}
			chunks.push(buffer);
		});
		stream.on('end', () => done(() => resolve(Buffer.concat(chunks))));
		stream.on('aborted', () =>
			done(() => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }))),
		);
		stream.on('error', (error: Error) =>
			done(() => reject(Object.assign(error, { code: (error as { code?: string }).code ?? 'ECONNRESET' }))),
		);
	});
}

/**
 * The body of an answer as a stream that fails with a {@link BodyTooLargeError} once more than
 * `maxBytes` came through, and with a timeout at `deadline` (for the whole body, as
 * {@link readBody}). Nothing is buffered beyond what the reader has not taken yet.
 */
function limitBody(body: unknown, maxBytes: number, deadline: number): BodyStream {
	const source = body as Readable | undefined;
	let failure: Error | undefined;
	let size = 0;
	// Only a failure on the answer's side counts: once the reader gave up on the stream (its own
	// failure, e.g. a full disk), the broken connection that follows is not the server's doing.
	const fail = (error: Error): Error => {
		if (!limited.destroyed) failure ??= error;
		return error;
	};
	const limited: Transform = new Transform({
		transform(chunk: Buffer | string, _encoding, callback) {
			const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
			size += buffer.length;
			if (size > maxBytes) callback(fail(new BodyTooLargeError(maxBytes)));
			else callback(null, buffer);
		},
	});
	if (!source || typeof source.pipe !== 'function') {
		// Not a stream (a test double, an empty answer): the same bytes through the same cap.
		limited.end(Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : Buffer.alloc(0));
		return { stream: limited, bytes: () => size, failure: () => failure, dispose: () => undefined };
	}
	const timer = setTimeout(
		() =>
			source.destroy(fail(Object.assign(new Error('timeout while reading the response body'), { code: 'ETIMEDOUT' }))),
		Math.max(0, deadline - Date.now()),
	);
	const cutOff = () => Object.assign(new Error('response aborted'), { code: 'ECONNRESET' });
	source.on('error', (error: Error) =>
		fail((error as { code?: unknown }).code ? error : Object.assign(error, { code: 'ECONNRESET' })),
	);
	source.on('aborted', () => fail(cutOff()));
	source.on('close', () => {
		if (!source.readableEnded) fail(cutOff());
	});
	pipeline(source, limited, () => clearTimeout(timer));
	return {
		stream: limited,
		bytes: () => size,
		failure: () => failure,
		dispose: () => {
			clearTimeout(timer);
			if (!source.readableEnded) source.destroy();
		},
	};
}

class BodyTooLargeError extends Error {
	readonly code = 'EBODYTOOLARGE';

	constructor(maxBytes: number) {
		super(`response body exceeds ${maxBytes} bytes`);
	}
}

function toNumber(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	return Number.isFinite(n) ? n : undefined;
}

/** URL with its query string for logs and errors (redaction happens later). */
function describeUrl(url: string, qs: IDataObject | undefined): string {
	if (!qs || Object.keys(qs).length === 0) return url;
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(qs)) {
		if (value === undefined || value === null) continue;
		params.append(key, Array.isArray(value) ? value.join(',') : String(value));
	}
	const query = params.toString();
	return query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url;
}

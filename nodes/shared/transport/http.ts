import type { Readable } from 'node:stream';

import type { IDataObject, IHttpRequestMethods, IHttpRequestOptions, INode, Logger } from 'n8n-workflow';

import { MalformedResponseError, ProviderFailure } from './answerErrors';
import { type ApiFailure, MediaSyncApiError, asNodeError, excerpt, sanitizeFailure } from './errors';
import { secretValues } from './redact';
import {
	DEFAULT_RETRY_POLICY,
	type RetryPolicy,
	backoffDelay,
	classifyNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
} from './retry';
import { timing } from './timing';

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
		): Promise<unknown>;
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
	timeoutMs?: number;
	maxBodyBytes?: number;
	/** Follow redirects (default true). */
	followRedirects?: boolean;
}

export interface RawResponse {
	status: number;
	headers: Record<string, string>;
	body: Buffer;
}

/** What a provider knows about its own API: names, secrets, and how it reports errors. */
export interface ProviderProfile {
	name: string;
	credentialType: string;
	/** Credential fields that are secret and must never appear in an error. */
	secretFields: readonly string[];
	/**
	 * Reads a provider-specific failure out of a response. Called for every response; return
	 * undefined when the response is a success (a provider may accept a non-2xx answer, e.g. a
	 * redirect it follows itself). Without it, any non-2xx is a failure.
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
}

export interface ClientStats {
	requests: number;
	retries: number;
	rateLimit?: { limit?: number; remaining?: number };
	/** serverTime − localTime, from the last Date header seen. */
	serverClockOffsetMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BODY = 50 * 1024 * 1024;

/**
 * One client per node run. Sends requests through n8n's `httpRequestWithAuthentication`, so the
 * credential type's own `authenticate` adds the secrets; owns retries, timeouts, body size
 * limits, rate-limit bookkeeping and the mapping of every failure to a sanitized NodeApiError.
 */
export class ApiClient {
	readonly stats: ClientStats = { requests: 0, retries: 0 };

	private readonly policy: RetryPolicy;

	private secrets: string[] | undefined;

	constructor(
		private readonly ctx: HttpContext,
		private readonly profile: ProviderProfile,
		private readonly options: ClientOptions = {},
	) {
		this.policy = { ...DEFAULT_RETRY_POLICY, ...profile.retry };
	}

	/** Server time now, as far as the Date headers seen so far tell. */
	serverNow(): number {
		return Date.now() + (this.stats.serverClockOffsetMs ?? 0);
	}

	get deadline(): number | undefined {
		return this.options.deadline;
	}

	/** Secret credential values, for redaction. Loaded once. */
	async secretsToRedact(): Promise<string[]> {
		if (!this.secrets) {
			const credentials = (await this.ctx.getCredentials(
				this.profile.credentialType,
				this.options.itemIndex,
			)) as Record<string, unknown>;
			this.secrets = secretValues(credentials, this.profile.secretFields);
		}
		return this.secrets;
	}

	/**
	 * Sends a request and returns the parsed body. `parse` turns the raw response into the
	 * result, synchronously or not (a large XML answer is read off the event loop); a
	 * {@link MalformedResponseError} from it counts as a transient fault.
	 */
	async send<T>(request: ApiRequest, parse: (response: RawResponse) => T | Promise<T>): Promise<T> {
		const secrets = await this.secretsToRedact();
		let attempt = 0;
		for (;;) {
			attempt++;
			const outcome = await this.attempt(request, parse);
			if (outcome.ok) return outcome.value;

			const failure = sanitizeFailure(outcome.failure, secrets);
			const delay = this.retryDelay(request, outcome, attempt);
			if (delay === undefined) {
				throw new MediaSyncApiError(this.ctx.getNode(), failure, { itemIndex: this.options.itemIndex });
			}
			this.stats.retries++;
			this.ctx.logger.warn(
				`${this.profile.name}: ${failure.kind === 'http' ? `HTTP ${failure.httpCode}` : failure.kind} while trying to ${request.operation}; attempt ${attempt + 1} of ${this.policy.maxAttempts} in ${delay} ms`,
			);
			await timing.sleep(delay);
		}
	}

	/** Backoff before the next attempt, or undefined when the failure is final. */
	private retryDelay(request: ApiRequest, outcome: FailedAttempt, attempt: number): number | undefined {
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
		if (this.options.deadline !== undefined && Date.now() + delay >= this.options.deadline) return undefined;
		return delay;
	}

	private async attempt<T>(
		request: ApiRequest,
		parse: (response: RawResponse) => T | Promise<T>,
	): Promise<AttemptOutcome<T>> {
		const timeout = this.effectiveTimeout(request);
		const options: IHttpRequestOptions = {
			method: request.method,
			url: request.url,
			qs: request.qs,
			headers: { ...request.headers },
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			encoding: 'stream',
			json: false,
			timeout,
			...(request.followRedirects === false ? { disableFollowRedirect: true } : {}),
		};
		if (request.body !== undefined) {
			options.body = (
				typeof request.body === 'function' ? request.body() : request.body
			) as IHttpRequestOptions['body'];
		}
		const requestInfo = { method: request.method, url: describeUrl(request.url, request.qs) };
		const base = { provider: this.profile.name, operation: request.operation, request: requestInfo };

		this.stats.requests++;
		this.ctx.logger.debug(`${this.profile.name}: ${request.method} ${requestInfo.url}`);
		let raw: RawResponse;
		try {
			const response = (await this.ctx.helpers.httpRequestWithAuthentication.call(
				this.ctx,
				this.profile.credentialType,
				options,
			)) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
			const headers = normalizeHeaders(response.headers);
			const body = await readBody(
				response.body,
				request.maxBodyBytes ?? this.profile.maxBodyBytes ?? DEFAULT_MAX_BODY,
				timeout,
			);
			raw = { status: response.statusCode, headers, body };
		} catch (error) {
			if (error instanceof BodyTooLargeError) {
				return {
					ok: false,
					failure: { ...base, kind: 'size', providerMessage: 'The answer is larger than this node accepts' },
				};
			}
			return networkFailure(error, base);
		}
		this.observe(raw);

		const described = this.profile.describeFailure ? this.profile.describeFailure(raw, request) : defaultFailure(raw);
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
		try {
			return { ok: true, value: await parse(raw) };
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

	private effectiveTimeout(request: ApiRequest): number {
		const wanted = request.timeoutMs ?? this.profile.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
		if (this.options.deadline === undefined) return wanted;
		return Math.max(1_000, Math.min(wanted, this.options.deadline - Date.now()));
	}

	/** Records what every response says about the server: clock and quota. */
	private observe(response: RawResponse): void {
		const date = response.headers.date ? Date.parse(response.headers.date) : NaN;
		if (!Number.isNaN(date)) this.stats.serverClockOffsetMs = date - Date.now();
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
 * Reads a response body into memory with a size cap and an idle timeout, so a slow or endless
 * answer cannot hold the poll or exhaust memory.
 */
async function readBody(body: unknown, maxBytes: number, idleTimeoutMs: number): Promise<Buffer> {
	if (body === undefined || body === null) return Buffer.alloc(0);
	if (Buffer.isBuffer(body)) return body;
	if (typeof body === 'string') return Buffer.from(body, 'utf8');
	const stream = body as Readable;
	if (typeof stream.on !== 'function') return Buffer.from(JSON.stringify(body), 'utf8');
	return await new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let timer: NodeJS.Timeout | undefined;
		const arm = () => {
			if (timer) clearTimeout(timer);
			timer = setTimeout(() => {
				stream.destroy();
				reject(Object.assign(new Error('timeout while reading the response body'), { code: 'ETIMEDOUT' }));
			}, idleTimeoutMs);
		};
		const done = (fn: () => void) => {
			if (timer) clearTimeout(timer);
			fn();
		};
		arm();
		stream.on('data', (chunk: Buffer | string) => {
			const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
			size += buffer.length;
			if (size > maxBytes) {
				stream.destroy();
				done(() => reject(new BodyTooLargeError(maxBytes)));
				return;
			}
			chunks.push(buffer);
			arm();
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

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import { worldClock } from './clock';

/**
 * An HTTP server on 127.0.0.1 (ephemeral port) that plays a provider's API. Provider mocks
 * supply the handler (their wire format); this base adds what every test needs: a request log
 * and counters, latency, a server clock that can run behind or ahead, and faults on demand or
 * at random (error statuses with Retry-After, slow answers, truncated or malformed bodies,
 * dropped connections).
 */

export interface MockRequest {
	method: string;
	/** Path, percent-decoded. */
	path: string;
	/** Path as sent (a product id "A/B" arrives here as "A%2FB"). */
	rawPath: string;
	query: URLSearchParams;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
	text: string;
	/** Server clock (ms) when the request arrived. */
	at: number;
	/** What {@link MockServer.consumeBody} made of a body it read as a stream (`body` is then empty). */
	consumed?: unknown;
}

export interface MockReply {
	status?: number;
	headers?: Record<string, string>;
	body?: string | Buffer;
}

export type Fault =
	| { kind: 'status'; status: number; retryAfter?: string; body?: string; contentType?: string }
	| { kind: 'slow'; delayMs: number }
	| { kind: 'truncate' }
	| { kind: 'malformed'; body: string; contentType?: string }
	| { kind: 'reset' }
	/** The real answer's status and headers at once, then its body one byte per `intervalMs`: never idle, never done. */
	| { kind: 'drip'; intervalMs: number }
	/** A redirect instead of the answer; `location` may be built from the request (and so carry its secrets). */
	| { kind: 'redirect'; status: number; location: (request: MockRequest) => string }
	| HeaderFault;

/** The real answer, with some headers replaced (a `Date` from another year, say). */
export type HeaderFault = { kind: 'headers'; headers: Record<string, string> };

interface QueuedFault {
	fault: Fault;
	times: number;
	match?: (request: MockRequest) => boolean;
}

export type Handler = (request: MockRequest, server: MockServer) => MockReply | Promise<MockReply>;

export class MockServer {
	readonly requests: MockRequest[] = [];

	/** Added to every answer, in ms. */
	latencyMs = 0;

	/**
	 * Spreads {@link latencyMs} evenly over ± `spreadMs` (mean unchanged), as round trips vary on a
	 * real network; without it every answer takes exactly `latencyMs`.
	 */
	latencyJitter?: { spreadMs: number; random: () => number };

	/**
	 * Simulated time every answer takes, in ms: the clock moves on by this much per request instead
	 * of the answer waiting. With the test's real clock stopped, a poll's time budget then runs out
	 * after the same requests on any machine, however busy.
	 */
	answerTimeMs = 0;

	/** Server clock offset from the local clock, in ms (negative: the server runs behind). */
	clockOffsetMs = 0;

	/**
	 * Rare faults, each with its own probability per request, tried before the random faults (a
	 * redirect elsewhere, a Date from the future): what a hostile server does now and then.
	 */
	rareFaults?: {
		random: () => number;
		faults: Array<{ rate: number; fault: Fault; match?: (request: MockRequest) => boolean }>;
	};

	/** Random faults: with probability `rate`, one of `faults` is applied to a request. */
	randomFaults?: { rate: number; random: () => number; faults: Fault[]; match?: (request: MockRequest) => boolean };

	/** Requests being answered right now, and the most seen at once. */
	inFlight = 0;

	maxInFlight = 0;

	/** Each change of {@link inFlight} since the log was reset: [real time in ms, requests in flight after it]. */
	private readonly inFlightChanges: Array<[number, number]> = [];

	/**
	 * Optional: reads the body of some requests as a stream instead of keeping it in memory (a
	 * large upload whose bytes a test only needs to hash). Return a promise for what the handler
	 * should see as `request.consumed` (a rejection answers 400), or undefined to keep the body as usual.
	 */
	consumeBody?: (req: IncomingMessage, path: string) => Promise<unknown> | undefined;

	/**
	 * Test hook, awaited when a request has arrived (and counts as in flight), before latency,
	 * faults and the handler: a test holds answers back, e.g. until a number of requests are in
	 * flight at once.
	 */
	hold?: (request: MockRequest) => Promise<void> | void;

	/** Test hook: called when a request arrives; what it returns is called when its answer is done. */
	track?: (request: MockRequest) => (() => void) | void;

	/** Requests whose body never arrived whole (the client went away mid-way): `METHOD /path`, unhandled. */
	readonly abortedRequests: string[] = [];

	/** Count of faults applied, by kind. */
	readonly faultsApplied: Record<string, number> = {};

	/** Answers the client gave up on: the connection closed before the whole answer was sent. */
	abandoned = 0;

	private readonly queued: QueuedFault[] = [];

	/** Pending latency / slow-answer timers, cancelled on stop. */
	private readonly timers = new Set<NodeJS.Timeout>();

	private server?: Server;

	private readonly sockets = new Set<import('node:net').Socket>();

	baseUrl = '';

	constructor(private readonly handler: Handler) {}

	now(): number {
		return Date.now() + this.clockOffsetMs;
	}

	/** Lets `ms` pass, instantly: for the provider and for this machine alike (see test/harness/clock.ts). */
	advance(ms: number): void {
		worldClock.advance(ms);
	}

	/** Listens on 127.0.0.1, on `port` when given (the sandbox keeps its ports across runs), else on a free one. */
	async start(port = 0): Promise<string> {
		this.server = createServer((req, res) => void this.handle(req, res));
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(port, '127.0.0.1', () => {
				this.server!.off('error', reject);
				resolve();
			});
		});
		const { port: listening } = this.server.address() as AddressInfo;
		this.baseUrl = `http://127.0.0.1:${listening}`;
		return this.baseUrl;
	}

	async stop(): Promise<void> {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}

	/** The next `times` matching requests get `fault`. */
	injectFault(fault: Fault, options: { times?: number; match?: (request: MockRequest) => boolean } = {}): void {
		this.queued.push({ fault, times: options.times ?? 1, match: options.match });
	}

	clearFaults(): void {
		this.queued.length = 0;
	}

	/** Requests whose path starts with `prefix` (all when omitted). */
	count(prefix = ''): number {
		return this.requests.filter((r) => r.path.startsWith(prefix)).length;
	}

	resetLog(): void {
		this.requests.length = 0;
		this.abortedRequests.length = 0;
		this.maxInFlight = this.inFlight;
		this.inFlightChanges.length = 0;
	}

	private takeFault(request: MockRequest): Fault | undefined {
		for (const entry of this.queued) {
			if (entry.times > 0 && (!entry.match || entry.match(request))) {
				entry.times--;
				if (entry.times === 0) this.queued.splice(this.queued.indexOf(entry), 1);
				return entry.fault;
			}
		}
		for (const rare of this.rareFaults?.faults ?? []) {
			if ((!rare.match || rare.match(request)) && this.rareFaults!.random() < rare.rate) return rare.fault;
		}
		const random = this.randomFaults;
		if (random && (!random.match || random.match(request)) && random.random() < random.rate) {
			return random.faults[Math.floor(random.random() * random.faults.length)];
		}
		return undefined;
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = decodeURIComponentSafe(url.pathname);
		const consuming = this.consumeBody?.(req, path);
		let body = Buffer.alloc(0);
		let consumed: unknown;
		if (consuming) {
			try {
				consumed = await consuming;
			} catch (error) {
				this.send(res, {
					status: 400,
					headers: { 'content-type': 'text/plain' },
					body: `mock could not read the body: ${(error as Error).message}`,
				});
				return;
			}
		} else {
			const chunks: Buffer[] = [];
			try {
				for await (const chunk of req) chunks.push(chunk as Buffer);
			} catch {
				// The client went away before its body was complete: like a real server, nothing of the
				// request is handled (a web framework never sees it).
				this.abortedRequests.push(`${req.method ?? 'GET'} ${path}`);
				return;
			}
			body = Buffer.concat(chunks);
		}
		const request: MockRequest = {
			method: req.method ?? 'GET',
			path,
			rawPath: url.pathname,
			query: url.searchParams,
			headers: req.headers,
			body,
			text: body.toString('utf8'),
			at: this.now(),
			...(consuming ? { consumed } : {}),
		};
		this.requests.push(request);
		this.countInFlight(+1);
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		const untrack = this.track?.(request);
		res.on('close', () => {
			this.countInFlight(-1);
			untrack?.();
		});
		if (this.hold) await this.hold(request);

		if (this.latencyMs > 0) await this.delay(this.latency());
		if (this.answerTimeMs > 0) this.advance(this.answerTimeMs);
		const fault = this.takeFault(request);
		if (fault) {
			this.faultsApplied[fault.kind] = (this.faultsApplied[fault.kind] ?? 0) + 1;
			if (fault.kind === 'reset') {
				req.socket.destroy();
				return;
			}
			if (fault.kind === 'slow') await this.delay(fault.delayMs);
			if (fault.kind === 'redirect') {
				this.send(res, { status: fault.status, headers: { location: fault.location(request) } });
				return;
			}
			if (fault.kind === 'status') {
				this.send(res, {
					status: fault.status,
					headers: {
						'content-type': fault.contentType ?? 'application/json',
						...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
					},
					body: fault.body ?? JSON.stringify({ detail: `Injected ${fault.status}` }),
				});
				return;
			}
			if (fault.kind === 'malformed') {
				this.send(res, {
					status: 200,
					headers: { 'content-type': fault.contentType ?? 'application/json' },
					body: fault.body,
				});
				return;
			}
		}

		let reply: MockReply;
		try {
			reply = await this.handler(request, this);
		} catch (error) {
			reply = {
				status: 500,
				headers: { 'content-type': 'text/plain' },
				body: `mock handler failed: ${(error as Error).message}`,
			};
		}
		if (fault?.kind === 'headers') reply = { ...reply, headers: { ...reply.headers, ...fault.headers } };
		if (fault?.kind === 'drip') {
			this.drip(res, reply, fault.intervalMs);
			return;
		}
		if (fault?.kind === 'truncate') {
			const full = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body ?? '', 'utf8');
			res.writeHead(reply.status ?? 200, {
				...reply.headers,
				'content-length': String(full.length),
				date: new Date(this.now()).toUTCString(),
			});
			res.write(full.subarray(0, Math.floor(full.length / 2)));
			// Close mid-body: the client sees a premature end of the answer.
			setImmediate(() => req.socket.destroy());
			return;
		}
		this.send(res, reply);
	}

	private drip(res: ServerResponse, reply: MockReply, intervalMs: number): void {
		const full = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body ?? '', 'utf8');
		res.writeHead(reply.status ?? 200, {
			...reply.headers,
			'content-length': String(full.length),
			date: new Date(this.now()).toUTCString(),
		});
		let sent = 0;
		const timer = setInterval(() => {
			if (sent < full.length) res.write(full.subarray(sent, ++sent));
			else res.end();
		}, intervalMs);
		this.timers.add(timer);
		res.on('close', () => {
			clearInterval(timer);
			this.timers.delete(timer);
			if (!res.writableFinished) this.abandoned++;
		});
	}

	/**
	 * How many requests were in flight on average over the last `windowMs` before the last answer
	 * (from the first request after the log was reset when omitted): how much of a client's allowed
	 * concurrency it kept busy.
	 */
	meanInFlight(windowMs?: number): number {
		const changes = this.inFlightChanges;
		if (changes.length < 2) return 0;
		const end = changes[changes.length - 1][0];
		const start = windowMs === undefined ? changes[0][0] : Math.max(changes[0][0], end - windowMs);
		let area = 0;
		for (let i = 1; i < changes.length; i++) {
			const [from, count] = [Math.max(start, changes[i - 1][0]), changes[i - 1][1]];
			if (changes[i][0] > from) area += count * (changes[i][0] - from);
		}
		return end > start ? area / (end - start) : 0;
	}

	private countInFlight(change: 1 | -1): void {
		this.inFlight += change;
		this.inFlightChanges.push([performance.now(), this.inFlight]);
	}

	private latency(): number {
		const jitter = this.latencyJitter;
		if (!jitter) return this.latencyMs;
		return Math.max(0, this.latencyMs + (jitter.random() * 2 - 1) * jitter.spreadMs);
	}

	private delay(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.timers.delete(timer);
				resolve();
			}, ms);
			this.timers.add(timer);
		});
	}

	private send(res: ServerResponse, reply: MockReply): void {
		const body =
			reply.body === undefined
				? Buffer.alloc(0)
				: Buffer.isBuffer(reply.body)
					? reply.body
					: Buffer.from(reply.body, 'utf8');
		res.writeHead(reply.status ?? 200, {
			date: new Date(this.now()).toUTCString(),
			'content-length': String(body.length),
			...reply.headers,
		});
		res.end(body);
	}
}

function decodeURIComponentSafe(path: string): string {
	try {
		return decodeURIComponent(path);
	} catch {
		return path;
	}
}

import { extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

import type { Logger } from 'n8n-workflow';

import type { RawResponse } from '../transport/http';
import { MalformedResponseError, ProviderFailure } from '../transport/answerErrors';
import type { FromWorker, ToWorker } from './protocol';
import { type AnswerReader, fromWireError, joinRows } from './readers';

/**
 * One worker thread that reads large answers off n8n's event loop (see index.ts for when).
 *
 * - Started on first use, reused, and terminated after {@link WorkerLimits.idleMs} without work,
 *   which also frees whatever the last parse left in its heap. It is unref'd whenever it has
 *   nothing to do, so it never keeps a process alive; while a read is waiting it is ref'd, so a
 *   script that awaits a read does not exit under it.
 * - One job at a time, the rest queued here (not in the worker), so a job can be dropped before
 *   it starts and a job the worker is busy with is always the one in flight.
 * - The answer's body is transferred to the worker, not copied (a 64 MiB copy took the main
 *   thread ~270 ms), and transferred back with the worker's first answer about it, which then
 *   replaces `response.body`. (Should the worker die while reading, the body dies with it.)
 * - The result's long list comes in slices, each asked for only after the previous one was
 *   handled and the event loop had a turn (setImmediate): deserializing a large result in one
 *   message would stall the main thread as much as the parse did.
 * - A read that outlives its deadline (the poll's budget) or the time limit is abandoned: the
 *   worker is terminated, the read fails with a clear error, the next job gets a fresh worker.
 * - The worker's heap is limited, so an answer that needs too much memory to read ends the
 *   worker (a clear "size" error), never n8n's main process.
 * - If the worker cannot be started (or cannot load a reader), the read runs on the main thread
 *   with a warning in n8n's log: slower for everyone else, never a failed read.
 */

export interface ReadOptions {
	/** n8n's logger, for the fallback warning. */
	logger?: Logger;
	/** Epoch ms after which the read is abandoned (the poll budget). */
	deadline?: number;
}

export interface WorkerLimits {
	/** Time without work after which the worker is terminated. */
	idleMs: number;
	/** How long a read may take when the caller sets no deadline. */
	timeLimitMs: number;
	/** How long a read may take at least, whatever the deadline. */
	minReadMs: number;
	/** After a failed start, how long to read on the main thread before trying again. */
	retryStartAfterMs: number;
	/** Old-generation heap of the worker, MiB. */
	maxHeapMb: number;
	/** Bytes of answer per slice of rows (see protocol.ts). */
	sliceBytes: number;
	/** The worker's script instead of the package's own (tests: one that fails, for the fallback). */
	workerScript?: string;
}

export interface PoolStats {
	/** Reads done in the worker. */
	offThread: number;
	/** Reads that fell back to the main thread because the worker was unavailable. */
	fallbacks: number;
	workersStarted: number;
	/** Workers that ended unexpectedly (out of memory, crashed) or were ended for a deadline. */
	workersLost: number;
	/** Slices of rows received (messages beyond the first of each read). */
	slices: number;
}

interface Job {
	id: number;
	reader: AnswerReader<unknown>;
	response: RawResponse;
	/** The body's size (the body itself is in the worker while it is read). */
	bytes: number;
	options: ReadOptions;
	resolve(value: unknown): void;
	reject(error: unknown): void;
	timer?: NodeJS.Timeout;
	/** When the worker was handed the job (performance.now()). */
	sentAt?: number;
	head?: unknown;
	rows?: unknown[];
}

export class AnswerWorkerPool {
	readonly stats: PoolStats = { offThread: 0, fallbacks: 0, workersStarted: 0, workersLost: 0, slices: 0 };

	private worker?: Worker;

	private ready = false;

	private readonly queue: Job[] = [];

	private current?: Job;

	private nextId = 1;

	private idleTimer?: NodeJS.Timeout;

	private unavailableUntil = 0;

	constructor(readonly limits: WorkerLimits) {}

	/** Whether a worker thread exists right now (for tests and the benchmark). */
	get running(): boolean {
		return this.worker !== undefined;
	}

	/** Reads waiting or in flight. */
	get pending(): number {
		return this.queue.length + (this.current ? 1 : 0);
	}

	async read<T>(reader: AnswerReader<T>, response: RawResponse, options: ReadOptions = {}): Promise<T> {
		if (Date.now() < this.unavailableUntil) return this.onMainThread(reader, response);
		return await new Promise<T>((resolve, reject) => {
			const job: Job = {
				id: this.nextId++,
				reader: reader as AnswerReader<unknown>,
				response,
				bytes: response.body.length,
				options,
				resolve: resolve as (value: unknown) => void,
				reject,
			};
			// Even past the deadline a read gets a moment: the answer is here, reading it is cheap.
			const limit =
				options.deadline !== undefined
					? Math.max(this.limits.minReadMs, options.deadline - Date.now())
					: this.limits.timeLimitMs;
			job.timer = setTimeout(() => this.expire(job), limit);
			this.queue.push(job);
			this.pump();
		});
	}

	/** Ends the worker now (pending reads fail). For tests; the pool starts a new one when needed. */
	async terminate(): Promise<void> {
		const worker = this.worker;
		this.dropWorker();
		for (const job of [...(this.current ? [this.current] : []), ...this.queue.splice(0)]) {
			this.settle(job, () => job.reject(new Error('the answer worker was terminated')));
		}
		this.current = undefined;
		await worker?.terminate();
	}

	private onMainThread<T>(reader: AnswerReader<T>, response: RawResponse): T {
		this.stats.fallbacks++;
		return reader.read(response);
	}

	private pump(): void {
		if (this.current || this.queue.length === 0) {
			if (!this.current && this.queue.length === 0) this.idle();
			return;
		}
		if (!this.worker && !this.start()) return;
		this.worker!.ref();
		if (this.idleTimer) clearTimeout(this.idleTimer);
		this.idleTimer = undefined;
		if (!this.ready) return;
		const job = this.queue.shift()!;
		this.current = job;
		const body = ownedBytes(job.response.body);
		const message: ToWorker = {
			type: 'read',
			id: job.id,
			module: job.reader.module,
			table: job.reader.table,
			name: job.reader.name,
			response: { status: job.response.status, headers: job.response.headers, body },
			sliceBytes: this.limits.sliceBytes,
		};
		// The body's memory moves to the worker (until it hands it back): no copy on this thread.
		job.sentAt = performance.now();
		this.worker!.postMessage(message, [body.buffer as ArrayBuffer]);
	}

	/** Starts the worker; false (and the queue read on the main thread) when it cannot be. */
	private start(): boolean {
		let worker: Worker;
		try {
			worker = createWorker(this.limits);
		} catch (error) {
			this.startFailed(error);
			return false;
		}
		this.worker = worker;
		this.ready = false;
		this.stats.workersStarted++;
		worker.on('message', (message: FromWorker) => {
			if (this.worker === worker) this.onMessage(message);
		});
		worker.on('error', (error: Error) => {
			if (this.worker === worker) this.lost(error);
		});
		worker.on('exit', (code) => {
			if (this.worker === worker) this.lost(new Error(`the answer worker exited with code ${code}`));
		});
		return true;
	}

	private startFailed(error: unknown): void {
		this.unavailableUntil = Date.now() + this.limits.retryStartAfterMs;
		const jobs = this.queue.splice(0);
		jobs[0]?.options.logger?.warn(
			`media-sync: the XML answer worker could not be started (${describe(error)}); large answers are read on n8n's main thread for the next ${seconds(this.limits.retryStartAfterMs)}, which can stall n8n while they are read`,
		);
		for (const job of jobs) this.settle(job, () => this.runHere(job));
	}

	private runHere(job: Job): void {
		let value: unknown;
		try {
			value = this.onMainThread(job.reader, job.response);
		} catch (error) {
			job.reject(error);
			return;
		}
		job.resolve(value);
	}

	private onMessage(message: FromWorker): void {
		if (message.type === 'ready') {
			this.ready = true;
			this.pump();
			return;
		}
		const job = this.current;
		if (!job || job.id !== message.id) return;
		if ('body' in message) {
			const { body } = message;
			job.response.body = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
		}
		switch (message.type) {
			case 'result':
				job.head = message.head;
				job.rows = message.rows;
				if (message.more) this.askMore(job);
				else this.finish(job, () => job.resolve(joinRows(job.head, job.rows, job.reader.rows)));
				return;
			case 'rows':
				this.stats.slices++;
				for (const row of message.rows) job.rows!.push(row);
				if (message.more) this.askMore(job);
				else this.finish(job, () => job.resolve(joinRows(job.head, job.rows, job.reader.rows)));
				return;
			case 'failed':
				this.finish(job, () => job.reject(fromWireError(message.error)));
				return;
			case 'unavailable': {
				// The worker runs but cannot load this package's readers (an unusual installation):
				// read on the main thread, and do not try the worker again for a while.
				this.current = undefined;
				const worker = this.worker;
				this.dropWorker();
				void worker?.terminate();
				this.queue.unshift(job);
				this.startFailed(new Error(message.reason));
				return;
			}
		}
	}

	/** Asks for the next slice once the event loop has had a turn. */
	private askMore(job: Job): void {
		const worker = this.worker;
		setImmediate(() => {
			if (this.worker === worker && this.current === job) worker!.postMessage({ type: 'more', id: job.id } as ToWorker);
		});
	}

	private finish(job: Job, outcome: () => void): void {
		this.current = undefined;
		this.stats.offThread++;
		job.options.logger?.debug(
			`media-sync: read a ${(job.bytes / 1024).toFixed(0)} KiB answer in the XML answer worker (${(performance.now() - (job.sentAt ?? 0)).toFixed(0)} ms)`,
		);
		this.settle(job, outcome);
		this.pump();
	}

	private settle(job: Job, outcome: () => void): void {
		if (job.timer) clearTimeout(job.timer);
		job.timer = undefined;
		outcome();
	}

	/** A read ran out of time: drop it if it waits, end the worker if it is the one being read. */
	private expire(job: Job): void {
		const waiting = this.queue.indexOf(job);
		const mib = (job.bytes / 1048576).toFixed(1);
		const failure =
			job.options.deadline !== undefined
				? new ProviderFailure({
						kind: 'timeout',
						providerMessage: `Reading the ${mib} MiB answer did not finish within the time left for this run`,
						hint: 'The answer is large: narrow the request (a smaller page or date range) or raise the time budget.',
					})
				: new ProviderFailure({
						kind: 'size',
						providerMessage: `Reading the ${mib} MiB answer took longer than ${seconds(this.limits.timeLimitMs)}; it was abandoned`,
					});
		if (waiting >= 0) {
			this.queue.splice(waiting, 1);
			this.settle(job, () => job.reject(failure));
			return;
		}
		if (this.current !== job) return;
		this.current = undefined;
		this.stats.workersLost++;
		const worker = this.worker;
		this.dropWorker();
		void worker?.terminate();
		this.settle(job, () => job.reject(failure));
		this.pump();
	}

	/** The worker ended on its own: out of memory, or crashed. */
	private lost(error: Error): void {
		const wasReady = this.ready;
		this.dropWorker();
		if (!wasReady) {
			if (this.current) this.queue.unshift(this.current);
			this.current = undefined;
			this.startFailed(error);
			return;
		}
		this.stats.workersLost++;
		const job = this.current;
		this.current = undefined;
		if (job) {
			const mib = (job.bytes / 1048576).toFixed(1);
			const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
			const failure = outOfMemory
				? new ProviderFailure({
						kind: 'size',
						providerMessage: `The ${mib} MiB answer needs more memory to read than this node allows (${this.limits.maxHeapMb} MiB)`,
					})
				: new MalformedResponseError(`reading the ${mib} MiB answer failed (${describe(error)})`);
			this.settle(job, () => job.reject(failure));
		}
		this.pump();
	}

	private dropWorker(): void {
		const worker = this.worker;
		this.worker = undefined;
		this.ready = false;
		if (this.idleTimer) clearTimeout(this.idleTimer);
		this.idleTimer = undefined;
		worker?.removeAllListeners('message');
		// An 'error' after this is of a worker we no longer use; keep a listener so it is not thrown.
		worker?.on('error', () => undefined);
	}

	/** Nothing to do: let the process exit, and end the worker after a while. */
	private idle(): void {
		const worker = this.worker;
		if (!worker || this.idleTimer) return;
		worker.unref();
		this.idleTimer = setTimeout(() => {
			if (this.worker !== worker || this.pending > 0) return;
			this.dropWorker();
			void worker.terminate();
		}, this.limits.idleMs);
		this.idleTimer.unref();
	}
}

/**
 * The compiled worker next to this file (dist/…/worker.js), or — when this file runs from the
 * TypeScript sources (tests, benchmarks) — worker.ts through a bootstrap that transpiles it.
 */
function createWorker(limits: WorkerLimits): Worker {
	const extension = extname(__filename);
	const entry = limits.workerScript ?? join(__dirname, `worker${extension}`);
	const options = { workerData: { entry }, resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb } };
	if (extname(entry) === '.ts') return new Worker(join(__dirname, 'sourceBootstrap.js'), options);
	return new Worker(entry, options);
}

/**
 * The body as bytes that own their whole ArrayBuffer, so that transferring it moves nothing
 * else: a Buffer from Node's pool, or a view into a larger buffer, is copied first.
 */
function ownedBytes(body: Buffer): Uint8Array {
	const owns =
		body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
	return owns ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

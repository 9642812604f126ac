import type { RawResponse } from '../transport/http';
import { AnswerWorkerPool, type PoolStats, type ReadOptions, type WorkerLimits } from './pool';
import type { AnswerReader } from './readers';

export { type AnswerReader, type AnswerReaderSpec, answerReaders } from './readers';
export type { ReadOptions } from './pool';

/**
 * Reads provider answers without stalling n8n. Community nodes run on n8n's main thread (or a
 * queue-mode worker's): while an answer is parsed synchronously, nothing else in that process
 * runs — editor, webhooks, other workflows. An XML answer is read at roughly 10 MB/s, so
 * answers from {@link AnswerWorkerSettings.minBytes} up are read in a worker thread, and only
 * the reader's compact result comes back; smaller ones are read right here, where a thread
 * hop would cost more than it saves.
 */

export interface AnswerWorkerSettings extends WorkerLimits {
	/** Answers this large or larger are read in the worker. */
	minBytes: number;
	/** Off: every answer is read on the main thread. */
	enabled: boolean;
}

const settings: AnswerWorkerSettings = {
	// ~15 ms of synchronous parsing at ~9 MB/s (a 10,000-row PantherMedia page, 1.07 MiB, takes
	// ~120 ms): below it, reading here costs less than the hop to the worker and back.
	minBytes: 128 * 1024,
	enabled: true,
	idleMs: 60_000,
	// The largest answer (64 MiB, the DAM's cap) took 20–40 s on a busy 2-core machine.
	timeLimitMs: 180_000,
	minReadMs: 5_000,
	retryStartAfterMs: 5 * 60_000,
	// 64 MiB DAM answers needed 768 MiB (files) and 1,024 MiB (metadata records) of heap to
	// parse; 1.5× that leaves room for other shapes. A document that needs more (e.g. millions of
	// tiny elements) ends the worker with a clear error instead of exhausting n8n's memory.
	maxHeapMb: 1536,
	// ~64 KiB of answer per slice of the result: ~75 DAM metadata records, a few ms of
	// deserializing on the main thread (300 records took up to ~50 ms on a busy machine).
	sliceBytes: 64 * 1024,
};

let pool = new AnswerWorkerPool(settings);
let readHere = 0;

/**
 * Reads `response` with `reader`: in the worker when the answer is large, else right here. In
 * the worker case the body's memory travels there and back, and `response.body` is replaced by
 * the returned buffer: hold on to `response`, not to the Buffer it had.
 */
export async function readAnswer<T>(
	reader: AnswerReader<T>,
	response: RawResponse,
	options: ReadOptions = {},
): Promise<T> {
	if (!settings.enabled || response.body.length < settings.minBytes) {
		readHere++;
		return reader.read(response);
	}
	return await pool.read(reader, response, options);
}

export interface AnswerWorkerStats extends PoolStats {
	/** Reads done on the main thread because the answer was small (or the worker switched off). */
	onThread: number;
	/** A worker thread exists now. */
	running: boolean;
	/** Reads waiting or in flight. */
	pending: number;
}

export function answerWorkerStats(): AnswerWorkerStats {
	return { ...pool.stats, onThread: readHere, running: pool.running, pending: pool.pending };
}

/**
 * Changes the settings (tests and benchmarks: e.g. `minBytes: 0` to read every answer in the
 * worker) and returns the previous ones. `maxHeapMb` applies to workers started afterwards.
 */
export function configureAnswerWorker(changes: Partial<AnswerWorkerSettings>): AnswerWorkerSettings {
	const previous = { ...settings };
	Object.assign(settings, changes);
	return previous;
}

/** Ends the worker and forgets its statistics (tests). */
export async function resetAnswerWorker(): Promise<void> {
	await pool.terminate();
	pool = new AnswerWorkerPool(settings);
	readHere = 0;
}

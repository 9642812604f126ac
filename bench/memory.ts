import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

/**
 * Memory measurement for the benchmarks.
 *
 * - `forceGc()`: a full garbage collection, so a baseline holds only live objects. Uses
 *   `global.gc` when Node runs with --expose-gc, else turns the V8 flag on at run time and takes
 *   `gc` from a fresh context (the npm script needs no NODE_OPTIONS).
 * - `RssPeak`: the process's resident set size sampled every millisecond by a worker thread.
 *   RSS is per process, so the worker sees the main thread's memory even while the main thread
 *   is busy in a synchronous parse, where a timer on the main thread would never fire.
 */

let gcFn: (() => void) | undefined;

export function forceGc(): void {
	if (!gcFn) {
		const native = (globalThis as { gc?: () => void }).gc;
		if (typeof native === 'function') {
			gcFn = native;
		} else {
			setFlagsFromString('--expose-gc');
			gcFn = runInNewContext('gc') as () => void;
		}
	}
	gcFn();
	gcFn();
}

const SAMPLER = `
const { workerData } = require('node:worker_threads');
const control = new Int32Array(workerData.control);
const peak = new Float64Array(workerData.peak);
for (;;) {
	if (Atomics.load(control, 0) === 1) break;
	const rss = process.memoryUsage.rss();
	if (rss > peak[0]) peak[0] = rss;
	Atomics.wait(control, 1, 0, workerData.intervalMs);
}
`;

/** Highest RSS seen between `start()` and `stop()`, sampled by a worker thread. */
export class RssPeak {
	private readonly control = new SharedArrayBuffer(8);

	private readonly peakBuffer = new SharedArrayBuffer(8);

	private worker?: Worker;

	constructor(private readonly intervalMs = 1) {}

	/** Starts sampling; resolves once the worker runs (its own memory is then part of the baseline). */
	async start(): Promise<void> {
		new Float64Array(this.peakBuffer)[0] = 0;
		this.worker = new Worker(SAMPLER, {
			eval: true,
			workerData: { control: this.control, peak: this.peakBuffer, intervalMs: this.intervalMs },
		});
		await new Promise<void>((resolve, reject) => {
			this.worker!.once('online', () => resolve());
			this.worker!.once('error', reject);
		});
		// Let it take its first samples.
		await new Promise((resolve) => setTimeout(resolve, 20));
	}

	/** Forgets the peak so far (call right after taking the baseline). */
	reset(): void {
		new Float64Array(this.peakBuffer)[0] = process.memoryUsage.rss();
	}

	get peak(): number {
		return Math.max(new Float64Array(this.peakBuffer)[0], process.memoryUsage.rss());
	}

	async stop(): Promise<number> {
		const peak = this.peak;
		Atomics.store(new Int32Array(this.control), 0, 1);
		await this.worker?.terminate();
		this.worker = undefined;
		return peak;
	}
}

export function mib(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function kib(bytes: number): string {
	return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The 1, 5 and 15 minute load averages, for the figures' context. */
export function loadAverage(): string {
	return `${loadavg()
		.map((l) => l.toFixed(2))
		.join(' ')} (${cpus().length} CPUs)`;
}

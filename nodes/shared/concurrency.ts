import type { Attempt } from './attempt';

/**
 * Runs `task` over `inputs` with at most `limit` in flight and returns the results in input order.
 *
 * It stops starting new tasks when one fails or when `shouldStop` says so (quota low, deadline),
 * waits for the ones in flight, and reports the longest prefix of inputs that all succeeded.
 * Callers that move a cursor past "handled" inputs rely on that prefix: nothing after a failure
 * counts as handled, even if it happened to finish.
 */
export interface PrefixResult<R> {
	/** Results of inputs[0 .. results.length - 1], all successful. */
	results: R[];
	/** The first failure, if one ended the run. */
	error?: unknown;
	/** Why the run stopped early without a failure, if it did. */
	stopReason?: string;
}

export async function mapPrefix<I, R>(
	inputs: readonly I[],
	limit: number,
	task: (input: I, index: number) => Promise<R>,
	shouldStop?: () => string | undefined,
): Promise<PrefixResult<R>> {
	const width = Math.max(1, Math.min(limit, inputs.length));
	const settled: Array<Attempt<R> | undefined> = new Array(inputs.length);
	let nextIndex = 0;
	let halted = false;
	let stopReason: string | undefined;

	const worker = async () => {
		while (!halted && nextIndex < inputs.length) {
			const reason = shouldStop?.();
			if (reason) {
				stopReason ??= reason;
				halted = true;
				return;
			}
			const index = nextIndex++;
			try {
				settled[index] = { ok: true, value: await task(inputs[index], index) };
			} catch (error) {
				settled[index] = { ok: false, error };
				halted = true;
			}
		}
	};
	await Promise.all(Array.from({ length: width }, worker));

	const results: R[] = [];
	for (const entry of settled) {
		if (!entry) break;
		if (!entry.ok) return { results, error: entry.error };
		results.push(entry.value);
	}
	return { results, stopReason: results.length < inputs.length ? stopReason : undefined };
}

/**
 * At most `limit` holders at once; the others wait in arrival order. A released slot goes to the
 * longest waiter directly, so a late arrival cannot overtake it.
 */
export class Semaphore {
	private active = 0;

	private readonly waiting: Array<() => void> = [];

	constructor(readonly limit: number) {
		if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`A semaphore needs a limit ≥ 1, not ${limit}`);
	}

	/** Holders right now. */
	get inUse(): number {
		return this.active;
	}

	/** Waits for a slot; call the returned function once to give it back. */
	async acquire(): Promise<() => void> {
		if (this.active < this.limit) {
			this.active++;
		} else {
			// The releasing holder hands its slot over: `active` stays as it is.
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		}
		let released = false;
		return () => {
			if (released) return;
			released = true;
			const next = this.waiting.shift();
			if (next) next();
			else this.active--;
		};
	}
}

/** Shared by tasks that stop together: set when one of them failed. */
export interface StopSignal {
	stopped: boolean;
}

export interface UntilFailureResult<R> {
	/** By input index: the result of each input that finished; undefined for the others. */
	results: Array<R | undefined>;
	/** The first failure, if there was one. */
	error?: unknown;
	failed: boolean;
}

/**
 * Runs `task` over `inputs` with at most `limit` in flight until one fails (here, or in a
 * sibling sharing `signal`): then nothing new starts, and the tasks in flight are waited for, so
 * the caller knows everything that happened. Unlike {@link mapPrefix}, results after a failure
 * are kept: they are writes that were made.
 */
export async function mapUntilFailure<I, R>(
	inputs: readonly I[],
	limit: number,
	task: (input: I, index: number) => Promise<R>,
	signal: StopSignal = { stopped: false },
): Promise<UntilFailureResult<R>> {
	const results: Array<R | undefined> = new Array(inputs.length);
	let next = 0;
	let failed = false;
	let error: unknown;
	const worker = async () => {
		while (!signal.stopped && next < inputs.length) {
			const index = next++;
			try {
				results[index] = await task(inputs[index], index);
			} catch (caught) {
				if (!failed) error = caught;
				failed = true;
				signal.stopped = true;
			}
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, worker));
	return { results, failed, ...(failed ? { error } : {}) };
}

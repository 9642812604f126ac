import type { IDataObject } from 'n8n-workflow';

import type { DedupeMode } from './seen';

/**
 * The contract between the shared sync engine and a provider. A provider (a "source") knows its
 * API: how to ask for changes after a position, what identifies an item and its version, how far
 * back a later read can still reach. The engine knows everything else: state, first run, dedupe,
 * per-poll caps and time budget, partial progress, manual mode and the single commit at the end.
 */

/** A resumable position in a stream. JSON, small (a few hundred bytes), defined by the source. */
export type Checkpoint = IDataObject;

export type FirstRunMode = 'now' | 'date' | 'all';

export interface FirstRun {
	mode: FirstRunMode;
	/** Epoch ms, for mode "date". */
	date?: number;
}

/** One change found by a source. */
export interface Candidate<T> {
	/** Identity of the changed thing within its stream (product id, media id, asset id + file…). */
	key: string;
	/**
	 * What distinguishes this change from an earlier one of the same key: a modification date, an
	 * ETag, a content hash. Undefined while unknown (before enrichment, or for an API that only
	 * returns ids).
	 */
	version?: string;
	/**
	 * An upper bound of when the change happened, epoch ms. The engine forgets a remembered key
	 * once every later read is known to start after this time.
	 */
	time: number;
	item: T;
	/** Position meaning "everything up to and including this candidate is handled". */
	resume?: Checkpoint;
}

export interface ReadContext {
	/** At most this many candidates may be returned (the rest of the per-poll cap). */
	maxItems: number;
	/** Epoch ms; no request should start after it. */
	deadline: number;
	/** Changes this stream emitted in this poll so far: once there are some, a read may pause (see {@link ReadResult.pause}). */
	emitted: number;
	/**
	 * Whether a change is already emitted, by the engine's dedupe memory. A source that reads a
	 * list in one request may leave such changes out (they count as handled) instead of spending
	 * the per-poll cap, and further requests, on them.
	 */
	isEmitted(key: string, version?: string): boolean;
}

export interface ReadResult<T> {
	candidates: Array<Candidate<T>>;
	/** Position after all returned candidates. */
	next: Checkpoint;
	/** True when there is nothing more to read right now. */
	caughtUp: boolean;
	/**
	 * True when the rest of the per-poll cap is too small for the next request to be worth making
	 * (its answer would be cut at the cap and asked again next poll): the stream stops for this
	 * poll and goes on from `next` in the next one. Only once the stream emitted something in this
	 * poll (`ReadContext.emitted` > 0), so every poll makes progress.
	 */
	pause?: boolean;
	/**
	 * Lowest change time (epoch ms) any later read from `next` can return. Remembered keys older
	 * than this can no longer come back and are dropped.
	 */
	floor: number;
}

export interface EnrichResult<T> {
	/**
	 * The candidates that were enriched, in order: always a prefix of the input. Their `version`
	 * and `item` may have been completed.
	 */
	done: Array<Candidate<T>>;
	/** Why enrichment stopped before the end (quota low, budget…): the rest waits for the next poll. */
	stopReason?: string;
	/** A failure that stopped enrichment, if that is why it stopped. */
	error?: unknown;
}

export interface SyncSource<T> {
	/** Provider name for logs. */
	readonly name: string;
	/** Independent change streams (e.g. new / changed / deleted); each has its own cursor. */
	readonly streams: readonly string[];
	/**
	 * Identifies what is being synced (supplier, filters, endpoint). When it changes, the saved
	 * state belongs to something else and the trigger starts over with its first-run setting.
	 */
	readonly configKey: string;

	/**
	 * How to tell a new change from one already emitted: `events` when every version is its own
	 * immutable event (dates), `latest` when a read shows a key's current state (content hash).
	 */
	readonly dedupe: DedupeMode;

	/**
	 * Checks a checkpoint read back from saved state and returns a usable copy (never the saved
	 * object itself): repaired where the meaning is clear, each repair reported; or undefined when
	 * it cannot be used, and the stream starts over. Saved state can be edited by hand, written by
	 * another version, or hold a date from the future; none of that may make every poll fail.
	 * Helpers: restore.ts.
	 */
	restore(stream: string, checkpoint: unknown, report: (problem: string) => void): Checkpoint | undefined;

	/** The starting position of a stream on the first run. May call the API (and so validates it). */
	start(stream: string, firstRun: FirstRun): Promise<Checkpoint>;

	/** Reads the next changes after `checkpoint`. */
	read(stream: string, checkpoint: Checkpoint, context: ReadContext): Promise<ReadResult<T>>;

	/**
	 * Optional second step for new candidates only (fetch details, media, metadata). Must return a
	 * prefix of its input; what it could not do is read again next poll.
	 */
	enrich?(stream: string, candidates: Array<Candidate<T>>, context: ReadContext): Promise<EnrichResult<T>>;

	/** A few recent real changes for a manual "Fetch Test Event", without touching any state. */
	sample(stream: string, limit: number, context: ReadContext): Promise<Array<Candidate<T>>>;

	/** The output item for one emitted change. */
	toJson(stream: string, candidate: Candidate<T>): IDataObject;
}

import type { IDataObject, INode, INodeExecutionData, Logger } from 'n8n-workflow';

import { asNodeError } from '../transport/errors';

import { RECHECK_KEY, emittedKey, runRecheck } from './recheck';
import { SeenSet } from './seen';
import { STATE_KEY, type StreamState, type SyncState, loadState, stateSize } from './state';
import type { Candidate, FirstRun, ReadContext, SyncSource } from './types';

/**
 * The shared sync engine behind every polling trigger of this package.
 *
 * Guarantees (given a source that honours its contract):
 * - Nothing is skipped: a stream's checkpoint only moves past candidates that were emitted or
 *   were already emitted before; whatever was not reached (cap, time budget, quota, error) is
 *   read again by the next poll.
 * - Nothing is emitted twice while its key is remembered: overlapping reads are filtered
 *   against a bounded memory of emitted (key, version) pairs.
 * - The saved state is replaced once, at the very end, by a complete new state. A poll that
 *   throws leaves it untouched (n8n 1.x keeps a failed poll's in-memory static data, so the
 *   engine never mutates it), and any state a poll leaves behind is consistent whether n8n
 *   saves it (items emitted, durable cursors) or not (null return, default mode).
 */

export interface SyncSettings {
	firstRun: FirstRun;
	/**
	 * Changes emitted per poll at most; the rest waits for the next poll. Re-read changes that
	 * were already emitted do not count: reading is bounded by the time budget.
	 */
	maxItemsPerPoll: number;
	/** Epoch ms at which the poll stops starting new work. */
	deadline: number;
	/** Remembered emitted changes per stream at most. */
	seenCap: number;
	/** Items a manual "Fetch Test Event" returns. */
	sampleSize: number;
	/**
	 * Least time between two reads of a caught-up stream (n8n's Poll Times field cannot default
	 * to anything but every minute). A stream that is caught up skips ticks that come sooner; a
	 * stream with a backlog is read on every tick.
	 */
	minIntervalMs?: number;
	/** Opt-in re-check pass every this many ms (recheck.ts); 0 or undefined: off. */
	recheckMs?: number;
}

export interface SyncHost {
	/** `this.getWorkflowStaticData('node')`. */
	staticData: IDataObject;
	/** True for manual / test executions: return a sample and touch no state. */
	manual: boolean;
	logger: Logger;
	/** `${workflowId}:${nodeId}`: two polls of the same node never run at once in one process. */
	guardKey: string;
	node: INode;
}

export type StopReason = 'caught-up' | 'item-cap' | 'time-budget' | 'partial' | 'error';

export interface SyncReport {
	read: number;
	emitted: number;
	stop: StopReason;
	/** Per stream: emitted count and whether the stream is caught up. */
	streams: Record<string, { emitted: number; caughtUp: boolean; note?: string }>;
	stateBytes: number;
}

const running = new Set<string>();

/**
 * Reads of one stream in one poll at most. The time budget bounds a poll anyway; this bounds the
 * requests a provider answering without end (fast) can draw from one poll.
 */
export const MAX_READS_PER_STREAM = 10_000;

/** Reads in a row that find nothing and leave the position where it was, before a poll stops. */
const MAX_STALLED_READS = 3;

export async function runSync<T>(
	host: SyncHost,
	source: SyncSource<T>,
	settings: SyncSettings,
	onReport?: (report: SyncReport) => void,
): Promise<INodeExecutionData[][] | null> {
	if (host.manual) return await runSample(source, settings);

	if (running.has(host.guardKey)) {
		host.logger.warn(`${source.name} trigger: the previous poll is still running; skipping this one`);
		return null;
	}
	running.add(host.guardKey);
	try {
		return await runPoll(host, source, settings, onReport);
	} finally {
		running.delete(host.guardKey);
	}
}

async function runSample<T>(source: SyncSource<T>, settings: SyncSettings): Promise<INodeExecutionData[][] | null> {
	const context: ReadContext = {
		maxItems: settings.sampleSize,
		deadline: settings.deadline,
		emitted: 0,
		isEmitted: () => false,
	};
	const out: INodeExecutionData[] = [];
	for (const stream of source.streams) {
		if (out.length >= settings.sampleSize) break;
		let sample = await source.sample(stream, settings.sampleSize - out.length, context);
		if (source.enrich && sample.length > 0) sample = (await source.enrich(stream, sample, context)).done;
		for (const candidate of sample) out.push({ json: source.toJson(stream, candidate) });
	}
	return out.length > 0 ? [out] : null;
}

interface StreamRun {
	name: string;
	state: StreamState;
	seen: SeenSet;
	/** False until the stream has a position (saved, or chosen by its first run). */
	started: boolean;
	floor?: number;
	emitted: number;
	caughtUp: boolean;
	note?: string;
	/** What this poll emitted from the stream (for the re-check pass: never twice in one poll). */
	emittedKeys: string[];
}

async function runPoll<T>(
	host: SyncHost,
	source: SyncSource<T>,
	settings: SyncSettings,
	onReport?: (report: SyncReport) => void,
): Promise<INodeExecutionData[][] | null> {
	const { state, reset, problems } = loadState(host.staticData[STATE_KEY], source.configKey, (stream, cp, report) =>
		source.restore(stream, cp, report),
	);
	const firstRun = describeFirstRun(settings.firstRun);
	if (reset === 'config') {
		host.logger.info(`${source.name} trigger: the trigger's settings changed; starting over (${firstRun})`);
	} else if (reset === 'version') {
		host.logger.warn(`${source.name} trigger: saved state has an unknown format; starting over (${firstRun})`);
	}
	// Saved state is user-editable data: what cannot be used is replaced, loudly, never a reason to fail every poll.
	for (const problem of problems) {
		host.logger.warn(
			`${source.name} trigger: the saved sync state ${problem}${reset === 'unreadable' ? `; starting over (${firstRun}): changes made since the last poll may not be emitted` : ''}`,
		);
	}

	// Caught-up streams wait out the minimum interval; a tenth of it (at most 10 minutes) is slack
	// for poll schedules that fire a little early. A read inside the slack is saved as made when it
	// was due, so early reads never add up: under n8n's every-minute ticks a 60-minute interval
	// reads every 60 minutes, not every 54.
	const now = Date.now();
	const interval = settings.minIntervalMs ?? 0;
	const slack = Math.min(10 * 60_000, interval / 10);
	const lastRead = (name: string): number | undefined => {
		const saved = state.streams[name];
		return interval && saved?.done && saved.at !== undefined ? saved.at : undefined;
	};
	const waiting = (name: string): number | undefined => {
		const last = lastRead(name);
		if (last === undefined) return undefined;
		const elapsed = now - last;
		// A saved time further ahead than the slack means a clock that jumped back: read.
		return elapsed >= -slack && elapsed < interval - slack ? Math.max(0, elapsed) : undefined;
	};
	const readAt = (name: string): number => {
		const last = lastRead(name);
		const early = last !== undefined && now >= last + interval - slack && now < last + interval;
		return early ? last + interval : now;
	};
	const due = source.streams.filter((name) => waiting(name) === undefined);
	if (due.length === 0) {
		const elapsed = Math.min(...source.streams.map((name) => waiting(name) ?? 0));
		host.logger.info(
			`${source.name} trigger: up to date, last read ${Math.round(elapsed / 60_000)} min ago; the next read waits for the minimum interval of ${Math.round(interval / 60_000)} min (Options → Minimum Minutes Between Polls)`,
		);
		return null;
	}

	const order = rotate(due, state.rr);
	const out: INodeExecutionData[] = [];
	const runs: StreamRun[] = [];
	let read = 0;
	let stop: StopReason = 'caught-up';

	for (const name of order) {
		const run: StreamRun = {
			name,
			state: state.streams[name] ?? { cp: {}, seen: {} },
			seen: new SeenSet(state.streams[name]?.seen, source.dedupe),
			started: state.streams[name] !== undefined,
			emitted: 0,
			caughtUp: false,
			emittedKeys: [],
		};
		runs.push(run);
		if (stop !== 'caught-up') continue; // cap, budget or error already ended the poll

		try {
			if (!run.started) {
				// First run of this stream: the source picks the start (and its request checks the setup).
				run.state = { cp: await source.start(name, settings.firstRun), seen: {} };
				run.started = true;
			}
			stop = await drainStream(source, settings, run, out, (n) => (read += n));
		} catch (error) {
			if (out.length === 0) throw asNodeError(host.node, error); // nothing to lose: fail the poll, state untouched
			stop = 'error';
			run.note = error instanceof Error ? error.message : String(error);
			host.logger.warn(
				`${source.name} trigger: ${run.note}; emitting the ${out.length} changes found so far, the rest is read again next poll`,
			);
		}
	}

	// Opt-in self-healing (recheck.ts): emit once more what changed since the last re-check.
	const recheck = settings.recheckMs
		? await runRecheck({
				source,
				saved: host.staticData[RECHECK_KEY],
				intervalMs: settings.recheckMs,
				cursors: Object.fromEntries(runs.filter((r) => r.started).map((r) => [r.name, r.state.cp])),
				mainCaughtUp: stop === 'caught-up',
				out,
				emittedNow: new Set(runs.flatMap((r) => r.emittedKeys)),
				maxItems: settings.maxItemsPerPoll,
				deadline: settings.deadline,
				now,
				logger: host.logger,
				settingsChanged: reset === 'config',
			})
		: undefined;

	// Build the complete new state, then replace the saved one in a single assignment.
	const next: SyncState = { ...state, streams: { ...state.streams }, rr: state.rr + 1 };
	for (const run of runs) {
		if (!run.started) continue; // the poll ended before this stream's first run: it happens next time
		if (run.floor !== undefined) run.seen.pruneBefore(run.floor);
		const evicted = run.seen.capTo(settings.seenCap);
		if (evicted > 0) {
			host.logger.warn(
				`${source.name} trigger: dedupe memory of stream "${run.name}" is full; forgot ${evicted} older changes (this can only cause repeats, never losses)`,
			);
		}
		next.streams[run.name] = { cp: run.state.cp, seen: run.seen.toRecord(), at: readAt(run.name), done: run.caughtUp };
	}
	next.last = { at: new Date().toISOString(), read, emitted: out.length, stop };

	const report: SyncReport = {
		read,
		emitted: out.length,
		stop,
		streams: Object.fromEntries(runs.map((r) => [r.name, { emitted: r.emitted, caughtUp: r.caughtUp, note: r.note }])),
		stateBytes: stateSize(next),
	};
	host.logger.info(
		`${source.name} trigger: read ${read}, emitted ${out.length}, ${describeStop(stop)}` +
			` [${runs.map((r) => `${r.name}: ${r.emitted}${r.caughtUp ? '' : ' (more pending)'}${r.note ? ` — ${r.note}` : ''}`).join(', ')}]`,
	);
	onReport?.(report);

	host.staticData[STATE_KEY] = next as unknown as IDataObject;
	if (recheck) host.staticData[RECHECK_KEY] = recheck.state as unknown as IDataObject;
	else if (RECHECK_KEY in host.staticData) delete host.staticData[RECHECK_KEY];
	return out.length > 0 ? [out] : null;
}

/** Reads one stream until it is caught up or the poll's cap / budget ends it. */
async function drainStream<T>(
	source: SyncSource<T>,
	settings: SyncSettings,
	run: StreamRun,
	out: INodeExecutionData[],
	addRead: (n: number) => void,
): Promise<StopReason> {
	let stalls = 0;
	for (let reads = 1; ; reads++) {
		if (reads > MAX_READS_PER_STREAM) {
			throw new Error(
				`${source.name}: stream "${run.name}" needed more than ${MAX_READS_PER_STREAM} requests in one poll; stopped (the next poll continues)`,
			);
		}
		const remaining = settings.maxItemsPerPoll - out.length;
		if (remaining <= 0) return 'item-cap';
		if (Date.now() >= settings.deadline) return 'time-budget';
		const context: ReadContext = {
			maxItems: remaining,
			deadline: settings.deadline,
			emitted: run.emitted,
			isEmitted: (key, version) => run.seen.has(key, version),
		};

		const result = await source.read(run.name, run.state.cp, context);
		if (result.candidates.length > remaining) {
			throw new Error(
				`${source.name}: source returned ${result.candidates.length} candidates, more than the ${remaining} asked for`,
			);
		}
		addRead(result.candidates.length);

		// Already emitted (same key and version) → handled without emitting again. A candidate whose
		// version only enrichment can tell is decided after enrichment; one whose version nobody can
		// tell (id-only API) counts as emitted while its key is remembered.
		const fresh = result.candidates.filter(
			(c) => (c.version === undefined && source.enrich !== undefined) || !run.seen.has(c.key, c.version),
		);
		let ready = fresh;
		let cut: Candidate<T> | undefined; // first fresh candidate that could not be completed
		let stopNote: string | undefined;
		if (source.enrich && fresh.length > 0) {
			const enriched = await source.enrich(run.name, fresh, context);
			ready = enriched.done;
			if (ready.length < fresh.length) {
				cut = fresh[ready.length];
				stopNote =
					enriched.stopReason ?? (enriched.error instanceof Error ? enriched.error.message : 'enrichment stopped');
				if (enriched.error && out.length === 0 && ready.length === 0) throw enriched.error;
			}
		}

		for (const candidate of ready) {
			// Enrichment may have revealed the version: a re-reported, unchanged item stops here.
			if (candidate.version !== undefined && run.seen.has(candidate.key, candidate.version)) continue;
			out.push({ json: source.toJson(run.name, candidate) });
			run.seen.remember(candidate.key, candidate.version, candidate.time);
			run.emittedKeys.push(emittedKey(candidate.key, candidate.version));
			run.emitted++;
		}

		if (cut) {
			// Move only past what was handled: the candidates before the first incomplete one.
			const index = result.candidates.indexOf(cut);
			const before = index > 0 ? result.candidates[index - 1] : undefined;
			if (before?.resume) run.state = { ...run.state, cp: before.resume };
			run.note = stopNote;
			return 'partial';
		}
		// Nothing found and the position unchanged, again and again: the provider keeps answering a
		// page or cursor it answered before. (Once can be the source's own step, e.g. a sweep that
		// becomes due; a source's position always moves within a few reads.)
		const stalled =
			!result.caughtUp &&
			result.candidates.length === 0 &&
			JSON.stringify(result.next) === JSON.stringify(run.state.cp);
		stalls = stalled ? stalls + 1 : 0;
		if (stalls >= MAX_STALLED_READS) {
			throw new Error(
				`${source.name}: the answers repeat ones already read (a page or cursor that does not move on); stopped instead of asking again`,
			);
		}
		run.state = { ...run.state, cp: result.next };
		run.floor = result.floor;
		if (result.caughtUp) {
			run.caughtUp = true;
			return 'caught-up';
		}
		if (result.pause) {
			if (run.emitted === 0) throw new Error(`${source.name}: stream "${run.name}" paused before emitting anything`);
			return 'item-cap';
		}
	}
}

function rotate<T>(list: readonly T[], offset: number): T[] {
	if (list.length === 0) return [];
	const start = ((offset % list.length) + list.length) % list.length;
	return [...list.slice(start), ...list.slice(0, start)];
}

function describeStop(stop: StopReason): string {
	switch (stop) {
		case 'caught-up':
			return 'caught up';
		case 'item-cap':
			return 'stopped at the per-poll item cap, continuing next poll';
		case 'time-budget':
			return 'stopped at the poll time budget, continuing next poll';
		case 'partial':
			return 'stopped early (see note), continuing next poll';
		default:
			return 'stopped by an error after partial progress, continuing next poll';
	}
}

function describeFirstRun(firstRun: FirstRun): string {
	if (firstRun.mode === 'now') return 'from now';
	if (firstRun.mode === 'all') return 'everything';
	return `from ${new Date(firstRun.date ?? 0).toISOString()}`;
}

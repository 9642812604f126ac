import type { IDataObject, INodeExecutionData, Logger } from 'n8n-workflow';

import { inFuture, numberOf, record } from './restore';
import { configHash } from './state';
import type { Candidate, Checkpoint, ReadContext, SyncSource } from './types';

/**
 * Opt-in re-check pass: self-healing for executions that die after the trigger emitted.
 *
 * Why: a poll saves its position before the execution it starts has run. In queue mode the
 * execution then runs on a worker; if that worker is killed (or n8n restarts mid-run, or a
 * provider is down for the whole run), n8n marks the execution crashed or failed and never
 * runs it again, and the trigger has moved on: the change is never emitted again.
 *
 * What: every `recheckMs` the trigger reads again, from where its cursor was at the previous
 * re-check, everything that changed since, and emits it once more (with `recheck: true`) —
 * each change is emitted a second time within one re-check interval of its first emission, as
 * its source reads it now (PSRESTful with media content: the product's current media). That is
 * safe only when what the workflow does with an item is idempotent, as Sync Product Media and
 * Delete by Filter are; a re-emitted Hal Leonard file would be uploaded again.
 *
 * Guarantee: a change whose execution died is applied again by the execution of the first
 * complete re-check pass after it was emitted: at most one re-check interval (plus one poll
 * interval, and the time a re-check spends waiting for quota or budget) later. If that
 * execution dies too, the change waits for its next change at the supplier.
 *
 * Cost: a re-check pass reads like a poll over the last interval: for PSRESTful one listing plus,
 * with media content, one media request per product changed in the interval. It never runs in
 * a poll that was cut short (per-poll cap, time budget, an error): the backlog comes first.
 *
 * The main cursor and its dedupe memory are never touched: the pass has its own small state
 * under {@link RECHECK_KEY} (one checkpoint per stream, < 1 KiB), replaced with the main
 * state at the end of the poll.
 */
export const RECHECK_KEY = 'mediaSyncRecheck';

export interface RecheckState {
	v: 1;
	/** Hash of the source's configKey: a re-check state of another configuration is dropped. */
	cfg: string;
	/** When the current window started (epoch ms). */
	at: number;
	/** Per stream: the main cursor's checkpoint when the window started. */
	marks: Record<string, Checkpoint>;
	/** Per stream: how far an unfinished pass got (continued by the next poll). */
	cont?: Record<string, Checkpoint>;
	/** Streams an unfinished pass has completed. */
	done?: string[];
}

export interface RecheckInput<T> {
	source: SyncSource<T>;
	/** The saved re-check state (`staticData[RECHECK_KEY]`), anything. */
	saved: unknown;
	/** Re-check interval, ms (> 0). */
	intervalMs: number;
	/** The main cursor's checkpoints after this poll's main pass, per stream. */
	cursors: Record<string, Checkpoint | undefined>;
	/** Whether the main pass caught up (a backlog poll never re-checks). */
	mainCaughtUp: boolean;
	/** Items the main pass emits in this poll: the pass adds to them and never repeats one of them. */
	out: INodeExecutionData[];
	/** Keys (and versions) the main pass emitted in this poll. */
	emittedNow: Set<string>;
	maxItems: number;
	deadline: number;
	now: number;
	logger: Logger;
	/**
	 * Whether the main state was just dropped because the trigger's settings changed (the engine
	 * said so already): a re-check state of the old settings is then dropped without a warning.
	 */
	settingsChanged?: boolean;
}

export interface RecheckResult {
	/** The new re-check state, to be saved with the main state. */
	state: RecheckState;
	/** Items this pass emitted (already appended to `out`). */
	emitted: number;
	/** Whether a pass ran (complete or not) in this poll. */
	ran: boolean;
	note?: string;
}

/** Identity of an emitted change, for "not twice in one poll". */
export function emittedKey(key: string, version: string | undefined): string {
	return `${key}\u0000${version ?? ''}`;
}

/**
 * Runs the re-check pass when it is due (or unfinished) and returns the new re-check state.
 * Failures never fail the poll: the pass continues next poll from where it got.
 */
export async function runRecheck<T>(input: RecheckInput<T>): Promise<RecheckResult> {
	const { source, intervalMs, cursors, now } = input;
	const cfg = configHash(source.configKey);
	const { state: saved, problems } = loadRecheckState(input.saved, source, cfg, input.settingsChanged ?? false);
	// Saved state is user-editable data: what cannot be used is dropped, loudly, never a reason to fail the poll.
	for (const problem of problems) input.logger.warn(`${source.name} trigger: the saved re-check state ${problem}`);
	const marksNow = (): Record<string, Checkpoint> => {
		const marks: Record<string, Checkpoint> = {};
		for (const stream of source.streams) {
			const cp = cursors[stream];
			if (cp !== undefined) marks[stream] = cp;
		}
		return marks;
	};
	// First poll with the option on (or after a configuration change): the window starts now.
	if (!saved) return { state: { v: 1, cfg, at: now, marks: marksNow() }, emitted: 0, ran: false };

	const unfinished = saved.cont !== undefined;
	if (!input.mainCaughtUp || (!unfinished && now - saved.at < intervalMs)) {
		return { state: saved, emitted: 0, ran: false };
	}

	const state: RecheckState = { ...saved, cont: { ...(saved.cont ?? {}) }, done: [...(saved.done ?? [])] };
	const seenInPass = new Set(input.emittedNow);
	let emitted = 0;
	let complete = true;
	let note: string | undefined;
	for (const stream of source.streams) {
		if (state.done!.includes(stream)) continue;
		const start = state.cont![stream] ?? state.marks[stream];
		if (start === undefined) {
			state.done!.push(stream); // the stream had no position when the window started
			continue;
		}
		const result = await recheckStream(source, stream, start, input, seenInPass);
		emitted += result.emitted;
		if (result.finished) {
			delete state.cont![stream];
			state.done!.push(stream);
		} else {
			state.cont![stream] = result.cp;
			complete = false;
			note = result.note;
			break; // cap, budget, quota or an error: the rest waits for the next poll
		}
	}
	input.logger.info(
		`${source.name} trigger: re-check pass emitted ${emitted} change(s) again${complete ? '' : `; unfinished (${note}), continuing next poll`}`,
	);
	if (complete) {
		// The next window starts where the main cursor is now.
		return { state: { v: 1, cfg, at: now, marks: marksNow() }, emitted, ran: true };
	}
	return { state, emitted, ran: true, note };
}

export interface LoadedRecheckState {
	/** A validated, private copy of the saved state; undefined: the window starts now. */
	state?: RecheckState;
	/** What was wrong with the saved state and what was done about it, for a warning each. */
	problems: string[];
}

/**
 * Reads the saved re-check state into a fresh, validated copy, as `loadState` does for the main
 * state: the saved object is never mutated, only the known fields are read (anything else under
 * the key is dropped at the next save), and every checkpoint goes through the source's own
 * `restore` (repaired where the meaning is clear, each repair reported). A state that cannot be
 * used at all is dropped and the window starts now; a stream whose mark cannot be used is not
 * re-checked in this window; an unfinished pass that cannot be continued starts again from the
 * marks (emitting again is what the pass does anyway).
 */
export function loadRecheckState<T>(
	raw: unknown,
	source: Pick<SyncSource<T>, 'streams' | 'restore'>,
	cfg: string,
	settingsChanged = false,
): LoadedRecheckState {
	const problems: string[] = [];
	const dropped = (problem: string): LoadedRecheckState => ({
		problems: [...problems, `${problem}; it was dropped and the re-check window starts now`],
	});
	if (raw === undefined || raw === null) return { problems }; // first poll with the option on
	const saved = record(raw);
	if (!saved) return dropped(`is not an object but ${Array.isArray(raw) ? 'a list' : `a ${typeof raw}`}`);
	if (saved.v !== 1) return dropped('has an unknown format');
	if (saved.cfg !== cfg) {
		// After a change of settings the engine has said so; otherwise the state is another node's.
		return settingsChanged ? { problems } : dropped('belongs to other settings (or another node)');
	}
	const report = (problem: string) => problems.push(problem);
	let at = numberOf(saved.at);
	if (at === undefined) return dropped('holds no usable start of its window');
	if (inFuture(at)) {
		// Such a window would never end: no pass would ever run.
		report(`starts its window in the future (${new Date(at).toISOString()}); the window starts now`);
		at = Date.now();
	}
	const savedMarks = record(saved.marks);
	if (!savedMarks) return dropped('holds no usable positions');

	const restoreAll = (label: string, entries: Record<string, unknown>, onUnusable: string) => {
		const restored: Record<string, Checkpoint> = {};
		for (const [stream, checkpoint] of Object.entries(entries)) {
			if (!source.streams.includes(stream)) {
				report(`holds ${label} of an unknown stream "${stream}"; it was dropped`);
				continue;
			}
			const cp = source.restore(stream, checkpoint, (problem) =>
				report(`holds ${label} of stream "${stream}" where ${problem}`),
			);
			if (cp) restored[stream] = cp;
			else report(`holds ${label} of stream "${stream}" with no usable position; ${onUnusable}`);
		}
		return restored;
	};
	const state: RecheckState = {
		v: 1,
		cfg,
		at,
		marks: restoreAll('the mark', savedMarks, 'that stream is not re-checked in this window'),
	};
	if (saved.cont !== undefined) {
		// An unfinished pass: continued where each stream got, skipping the streams it completed.
		const cont = record(saved.cont);
		if (!cont) report('holds an unreadable unfinished pass; the pass starts again from the window’s start');
		state.cont = cont
			? restoreAll('the unfinished pass', cont, 'that stream is re-checked again from the window’s start')
			: {};
		if (cont && saved.done !== undefined) {
			if (!Array.isArray(saved.done)) {
				report('holds an unreadable list of completed streams; every stream is re-checked again');
				state.done = [];
			} else {
				const done = saved.done.filter((s): s is string => typeof s === 'string' && source.streams.includes(s));
				if (done.length < saved.done.length)
					report('lists unknown streams as completed; they were dropped from the list');
				state.done = [...new Set(done)];
			}
		}
	}
	return { state, problems };
}

/** Reads one stream from `start` until it is caught up, emitting every change not yet emitted in this poll. */
async function recheckStream<T>(
	source: SyncSource<T>,
	stream: string,
	start: Checkpoint,
	input: RecheckInput<T>,
	seenInPass: Set<string>,
): Promise<{ finished: boolean; cp: Checkpoint; emitted: number; note?: string }> {
	let cp = start;
	let emitted = 0;
	for (;;) {
		const remaining = input.maxItems - input.out.length;
		if (remaining <= 0) return { finished: false, cp, emitted, note: 'per-poll cap reached' };
		if (Date.now() >= input.deadline) return { finished: false, cp, emitted, note: 'poll time budget used up' };
		// Nothing counts as emitted: the point of the pass is to emit again.
		const context: ReadContext = { maxItems: remaining, deadline: input.deadline, emitted, isEmitted: () => false };
		let candidates: Array<Candidate<T>>;
		let next: Checkpoint;
		let caughtUp: boolean;
		let pause: boolean | undefined;
		let cut: Candidate<T> | undefined;
		let note: string | undefined;
		try {
			const result = await source.read(stream, cp, context);
			candidates = result.candidates;
			next = result.next;
			caughtUp = result.caughtUp;
			pause = result.pause;
			let ready = candidates;
			if (source.enrich && candidates.length > 0) {
				const enriched = await source.enrich(stream, candidates, context);
				ready = enriched.done;
				if (ready.length < candidates.length) {
					cut = candidates[ready.length];
					note =
						enriched.stopReason ?? (enriched.error instanceof Error ? enriched.error.message : 'enrichment stopped');
				}
			}
			for (const candidate of ready) {
				const id = emittedKey(candidate.key, candidate.version);
				if (seenInPass.has(id)) continue;
				seenInPass.add(id);
				input.out.push({ json: { ...source.toJson(stream, candidate), recheck: true } as IDataObject });
				emitted++;
			}
		} catch (error) {
			return { finished: false, cp, emitted, note: error instanceof Error ? error.message : String(error) };
		}
		if (cut) {
			// Move only past what was handled, as the main pass does.
			const index = candidates.indexOf(cut);
			const before = index > 0 ? candidates[index - 1] : undefined;
			return { finished: false, cp: before?.resume ?? cp, emitted, note };
		}
		cp = next;
		if (caughtUp) return { finished: true, cp, emitted };
		if (pause) return { finished: false, cp, emitted, note: 'per-poll cap reached' };
	}
}

import type { IDataObject } from 'n8n-workflow';

import { mapPrefix } from '../../shared/concurrency';
import { MAX_CLOCK_SKEW_MS } from '../../shared/clock';
import { toIsoSeconds } from '../../shared/dates';
import { PageLoop } from '../../shared/paging';
import { MAX_READS_PER_STREAM } from '../../shared/sync/engine';
import { type Report, inFuture, numberOf, record, textOf, watermarkAndFloor } from '../../shared/sync/restore';
import type {
	Candidate,
	Checkpoint,
	EnrichResult,
	FirstRun,
	ReadContext,
	ReadResult,
	SyncSource,
} from '../../shared/sync/types';
import { closedWatermark } from '../../shared/sync/watermark';
import { type EventType, MAX_POLL_LIMIT, type MediaInfo, parsePantherDate } from '../model';
import type { MediaInfoOptions, PantherMediaClient } from '../transport';
import { formatPantherDate } from '../transport/signature';

/**
 * PantherMedia's `poll` as a sync source: one stream per event type (new, changed, deleted),
 * each with its own cursor.
 *
 * What the API offers: rows (media id, date, next_page_id) of one type whose date is at or
 * after `last_polling`, oldest first, in pages continued by `next_page_id` — a keyset cursor
 * ("dateMs|id" in PantherMedia's samples): the next request returns the rows after that row.
 * PantherMedia only shows dates up to a horizon a few days in the past, so a change surfaces
 * days after its date.
 *
 * How it is read:
 * - Main cursor: `last_polling` plus the next_page_id of the last handled row. Every read
 *   continues strictly after that row, across polls, so no row is read twice and none is
 *   skipped, whatever the backlog (millions of rows for an initial import), with a checkpoint
 *   of a few hundred bytes. Each candidate's resume point is its own next_page_id.
 * - When a read is caught up (a short page), `last_polling` moves up to the watermark: the
 *   newest date PantherMedia showed, never the clock (the horizon lags days: a clock-based
 *   watermark would skip everything dated in that gap), and — `closedWatermark` — never past
 *   the server time (Date header) of the window's first read. The next_page_id is kept, so the
 *   rows at the watermark's own second are not read again either.
 * - Stragglers (a row that surfaces after rows dated later than it) are caught by a sweep
 *   that re-reads each stretch of the feed exactly once more, `lookback` after the main cursor
 *   caught up to it, from `lookback` before it. Only rows not remembered as emitted come out.
 *   Because every stretch is swept once, a row forgotten by the bounded dedupe memory (a burst
 *   of more rows than it holds) can repeat at most once — never at every poll.
 * - A change is (media id, date) within its stream: dedupe mode `events`, version = date, so a
 *   media changed again later is emitted again.
 */

export const EVERYTHING_SINCE = Date.UTC(2000, 0, 1);
/** PantherMedia's documented initial import: poll "new" from media id 1. */
export const INITIAL_IMPORT_MEDIA_ID = '1';

export interface PmItem {
	id: string;
	date: number;
	/** get-media-info of the media; null when PantherMedia no longer returns it. Absent when not asked. */
	media?: MediaInfo | null;
}

/** A row position: its next_page_id and the (date, id) it stands for. */
interface Position {
	page: string;
	date: number;
	id: string;
}

/** Saved per stream. All times are epoch ms on PantherMedia's clock. */
interface PmCheckpoint {
	/** Nothing dated before this is emitted (the first-run start). */
	floor: number;
	/** Newest date PantherMedia showed in a caught-up read (closed watermark). */
	wm: number;
	/** `last_polling` of the main cursor: a date, or media id "1" during the initial import. */
	lp: string;
	/** Last row the main cursor handled. */
	pos?: Position;
	/** Newest date seen since `lp` was set, and the server time of the first read since then. */
	max?: number;
	at?: number;
	/** Straggler sweep: where its next read starts (`last_polling`, next_page_id, lowest date it can return). */
	sweep?: { lp: string; page?: string; date: number };
	/** The main position the pending sweep runs up to, and the server time it was reached. */
	mark?: Position & { at: number };
}

export interface PmSourceOptions {
	streams: EventType[];
	lookbackMs: number;
	includeInfo: boolean;
	info: MediaInfoOptions;
	/** Media ids per get-media-info request. */
	batchSize: number;
	/** get-media-info requests in flight at once. */
	concurrency: number;
	/** Identifies the endpoint, so another base URL starts over. */
	endpointKey: string;
}

const DAY = 24 * 3600_000;

export class PantherMediaSource implements SyncSource<PmItem> {
	readonly name = 'PantherMedia';

	readonly dedupe = 'events' as const;

	readonly streams: readonly string[];

	readonly configKey: string;

	readonly enrich?: (
		stream: string,
		candidates: Array<Candidate<PmItem>>,
		context: ReadContext,
	) => Promise<EnrichResult<PmItem>>;

	/** Streams whose main cursor caught up during this poll (one source instance per poll). */
	private readonly mainCaughtUp = new Set<string>();

	/** Page loops of this poll, per stream and cursor. */
	private readonly loops = new Map<string, PageLoop>();

	constructor(
		private readonly client: PantherMediaClient,
		private readonly options: PmSourceOptions,
	) {
		this.streams = options.streams;
		this.configKey = `panthermedia|${options.endpointKey}`;
		if (options.includeInfo)
			this.enrich = async (stream, candidates, context) => await this.fetchInfo(stream, candidates, context);
	}

	/** The page loop of one stream's main cursor or sweep in this poll: a page repeated ends the poll. */
	private loop(stream: string, cursor: 'main' | 'sweep'): PageLoop {
		const key = `${stream}|${cursor}`;
		let loop = this.loops.get(key);
		if (!loop) this.loops.set(key, (loop = new PageLoop(`the poll of ${stream} media`, MAX_READS_PER_STREAM)));
		return loop;
	}

	restore(_stream: string, checkpoint: unknown, report: Report): Checkpoint | undefined {
		const cp = record(checkpoint);
		const times = watermarkAndFloor(cp, report);
		const lp = textOf(cp?.lp);
		const lpDate = lp === undefined || lp === INITIAL_IMPORT_MEDIA_ID ? undefined : parsePantherDate(lp);
		if (!times || lp === undefined) return undefined;
		const { floor, wm } = times;
		if (lp !== INITIAL_IMPORT_MEDIA_ID && lpDate === undefined) return undefined;
		if (lpDate !== undefined && inFuture(lpDate)) {
			report(`last_polling (${lp}) lies in the future; the stream reads on from its watermark`);
			return { floor, wm, lp: formatPantherDate(Math.max(floor, Math.min(wm, Date.now()))) } satisfies PmCheckpoint;
		}
		const restored: PmCheckpoint = { floor, wm, lp };
		const time = (value: unknown) => {
			const ms = numberOf(value);
			return ms !== undefined && !inFuture(ms) ? ms : undefined;
		};
		const pos = record(cp?.pos);
		const posDate = time(pos?.date);
		if (pos && textOf(pos.page) && textOf(pos.id) && posDate !== undefined) {
			restored.pos = { page: textOf(pos.page)!, date: posDate, id: textOf(pos.id)! };
		} else if (cp?.pos !== undefined) {
			report('the saved row position could not be used; rows since last_polling are read again (repeats are skipped)');
		}
		if (time(cp?.max) !== undefined) restored.max = time(cp?.max);
		if (time(cp?.at) !== undefined) restored.at = time(cp?.at);
		const sweep = record(cp?.sweep);
		const sweepDate = time(sweep?.date);
		if (sweep && textOf(sweep.lp) && sweepDate !== undefined) {
			restored.sweep = {
				lp: textOf(sweep.lp)!,
				date: sweepDate,
				...(textOf(sweep.page) ? { page: textOf(sweep.page) } : {}),
			};
			const mark = record(cp?.mark);
			const markDate = time(mark?.date);
			const markAt = time(mark?.at);
			if (mark && textOf(mark.page) && textOf(mark.id) && markDate !== undefined && markAt !== undefined) {
				restored.mark = { page: textOf(mark.page)!, id: textOf(mark.id)!, date: markDate, at: markAt };
			}
		} else if (cp?.sweep !== undefined) {
			report('the straggler sweep could not be resumed; it starts again with the next stretch');
		}
		return restored as unknown as Checkpoint;
	}

	async start(stream: string, firstRun: FirstRun): Promise<Checkpoint> {
		let at: number;
		if (firstRun.mode === 'date') {
			at = secondFloor(firstRun.date!);
		} else if (firstRun.mode === 'all') {
			if (stream === 'new')
				return { floor: 0, wm: 0, lp: INITIAL_IMPORT_MEDIA_ID } satisfies PmCheckpoint as unknown as Checkpoint;
			at = EVERYTHING_SINCE;
		} else {
			// "Now" is PantherMedia's now: one small poll reads its clock (and checks poll is allowed).
			await this.client.poll(stream, formatPantherDate(Date.now()), 1);
			at = secondFloor(this.client.http.serverNow());
		}
		return { floor: at, wm: at, lp: formatPantherDate(at) } satisfies PmCheckpoint as unknown as Checkpoint;
	}

	async read(stream: string, checkpoint: Checkpoint, context: ReadContext): Promise<ReadResult<PmItem>> {
		const cp = checkpoint as unknown as PmCheckpoint;
		// The sweep runs once the main cursor is caught up in this poll, so the server clock is known.
		if (this.mainCaughtUp.has(stream) && this.sweepDue(cp)) return await this.readSweep(stream, cp, context);
		return await this.readMain(stream, cp, context);
	}

	/** Poll after the main position; catching up moves `last_polling` to the watermark. */
	private async readMain(stream: string, cp: PmCheckpoint, context: ReadContext): Promise<ReadResult<PmItem>> {
		const limit = Math.max(1, Math.min(MAX_POLL_LIMIT, context.maxItems));
		const page = await this.client.poll(stream, cp.lp, limit, cp.pos?.page, this.loop(stream, 'main'));
		const at = cp.at ?? this.client.http.serverNow();
		// A row dated more than a day past the server's clock is a mistake, not the time: it is emitted
		// (once), but the position never moves past it, so it cannot carry the cursor into the future.
		const horizon = this.client.http.serverNow() + MAX_CLOCK_SKEW_MS;
		let max = cp.max ?? cp.wm;
		let pos = cp.pos;
		let stuck = false;
		const candidates: Array<Candidate<PmItem>> = [];
		for (const row of page.items) {
			const plausible = row.date <= horizon;
			if (plausible && !stuck) {
				max = Math.max(max, row.date);
				pos = { page: row.nextPageId, date: row.date, id: row.id };
			} else {
				stuck = true;
			}
			const candidate = this.candidate(row, cp.floor, context);
			if (!candidate) continue;
			if (!plausible) {
				this.client.http.warn(
					`media ${row.id} (${stream}) is dated ${toIsoSeconds(row.date)}, more than a day past PantherMedia's clock; it is emitted, but the trigger does not move its position past it`,
				);
			}
			candidates.push({ ...candidate, resume: { ...cp, pos, max, at } as unknown as Checkpoint });
		}

		// Full pages are judged by their rows, unreadable ones included; a page that ends in rows the
		// position cannot pass is as far as this read can go.
		if (page.rows >= limit && !stuck) {
			const next: PmCheckpoint = { ...cp, pos, max, at };
			return { candidates, next: next as unknown as Checkpoint, caughtUp: false, floor: this.lowerBound(next) };
		}
		this.mainCaughtUp.add(stream);
		const wm = closedWatermark(cp.wm, max, at);
		const next: PmCheckpoint = { floor: cp.floor, wm, lp: cp.lp, pos, sweep: cp.sweep, mark: cp.mark };
		if (pos) {
			// Rows after `pos` only (the next_page_id stays), from the watermark's second on.
			next.lp = formatPantherDate(Math.max(cp.floor, Math.min(wm, pos.date)));
			// A new stretch to sweep, unless the sweep already stands at this row (nothing new since).
			if (this.options.lookbackMs > 0 && !next.mark && next.sweep?.page !== pos.page) {
				next.mark = { ...pos, at: this.client.http.serverNow() };
				next.sweep ??= {
					lp: formatPantherDate(pos.date - this.options.lookbackMs),
					date: pos.date - this.options.lookbackMs,
				};
			}
		}
		return {
			candidates,
			next: next as unknown as Checkpoint,
			caughtUp: !this.sweepDue(next),
			floor: this.lowerBound(next),
		};
	}

	/**
	 * Re-reads the stretch up to the mark once; rows not remembered as emitted are stragglers.
	 * Most rows are already emitted and cost nothing against the per-poll cap, so the sweep asks
	 * for full pages and stops itself when the stragglers it found fill the cap.
	 */
	private async readSweep(stream: string, cp: PmCheckpoint, context: ReadContext): Promise<ReadResult<PmItem>> {
		const sweep = cp.sweep!;
		const mark = cp.mark!;
		const page = await this.client.poll(stream, sweep.lp, MAX_POLL_LIMIT, sweep.page, this.loop(stream, 'sweep'));
		const candidates: Array<Candidate<PmItem>> = [];
		let progress = sweep;
		let done = page.rows < MAX_POLL_LIMIT;
		for (const row of page.items) {
			if (row.date > mark.date) {
				done = true; // past the mark: the main cursor reads on from here
				break;
			}
			const candidate = this.candidate(row, cp.floor, context);
			if (candidate && candidates.length >= context.maxItems) {
				done = false; // the cap is full: the next read continues before this row
				break;
			}
			progress = { lp: sweep.lp, page: row.nextPageId, date: row.date };
			if (candidate) candidates.push({ ...candidate, resume: { ...cp, sweep: progress } as unknown as Checkpoint });
			if (row.nextPageId === mark.page) {
				done = true;
				break;
			}
		}
		const next: PmCheckpoint = done
			? { ...cp, sweep: { lp: formatPantherDate(mark.date), page: mark.page, date: mark.date }, mark: undefined }
			: { ...cp, sweep: progress };
		return { candidates, next: next as unknown as Checkpoint, caughtUp: done, floor: this.lowerBound(next) };
	}

	private candidate(
		row: { id: string; date: number },
		floor: number,
		context: ReadContext,
	): Omit<Candidate<PmItem>, 'resume'> | undefined {
		if (row.date < floor) return undefined; // before the first-run start: handled by not emitting it
		const version = toIsoSeconds(row.date);
		if (context.isEmitted(row.id, version)) return undefined; // read again by a sweep, already emitted
		return { key: row.id, version, time: row.date, item: { id: row.id, date: row.date } };
	}

	private sweepDue(cp: PmCheckpoint): boolean {
		return (
			this.options.lookbackMs > 0 &&
			cp.mark !== undefined &&
			cp.sweep !== undefined &&
			this.client.http.serverNow() >= cp.mark.at + this.options.lookbackMs
		);
	}

	/**
	 * The oldest date a later read from `cp` can return: after the main position, or after the
	 * sweep's start (a first sweep will start `lookback` before the main position). Remembered
	 * rows older than this are forgotten.
	 */
	private lowerBound(cp: PmCheckpoint): number {
		const main = cp.pos?.date ?? (cp.lp === INITIAL_IMPORT_MEDIA_ID ? cp.floor : (parsePantherDate(cp.lp) ?? cp.floor));
		if (this.options.lookbackMs <= 0) return Math.max(cp.floor, main);
		const sweep = cp.sweep?.date ?? main - this.options.lookbackMs;
		return Math.max(cp.floor, Math.min(main, sweep));
	}

	async sample(stream: string, limit: number): Promise<Array<Candidate<PmItem>>> {
		// The newest rows PantherMedia shows: the last of a page from a week back, or further if quiet.
		for (const days of [7, 30, 365]) {
			const page = await this.client.poll(stream, formatPantherDate(this.client.http.serverNow() - days * DAY), 1000);
			if (page.items.length > 0) {
				return page.items.slice(-limit).map((row) => ({
					key: row.id,
					version: toIsoSeconds(row.date),
					time: row.date,
					item: { id: row.id, date: row.date },
				}));
			}
		}
		return [];
	}

	toJson(stream: string, candidate: Candidate<PmItem>): IDataObject {
		const { id, date, media } = candidate.item;
		return {
			id,
			event: stream,
			date: toIsoSeconds(date),
			...(media !== undefined ? { media: media as IDataObject | null } : {}),
		};
	}

	/** get-media-info for new and changed media, a batch of ids per request, a few requests at once. */
	private async fetchInfo(
		stream: string,
		candidates: Array<Candidate<PmItem>>,
		context: ReadContext,
	): Promise<EnrichResult<PmItem>> {
		if (stream === 'deleted') return { done: candidates };
		const batches: Array<Array<Candidate<PmItem>>> = [];
		for (let i = 0; i < candidates.length; i += this.options.batchSize)
			batches.push(candidates.slice(i, i + this.options.batchSize));
		const result = await mapPrefix(
			batches,
			this.options.concurrency,
			async (batch) => {
				const { found } = await this.client.mediaInfo([...new Set(batch.map((c) => c.key))], this.options.info);
				const infos = new Map(found.map((info) => [info.id, info]));
				return batch.map((c) => ({ ...c, item: { ...c.item, media: infos.get(c.key) ?? null } }));
			},
			() =>
				Date.now() >= context.deadline ? 'poll time budget used up; the other media are fetched next poll' : undefined,
		);
		return { done: result.results.flat(), stopReason: result.stopReason, error: result.error };
	}
}

function secondFloor(ms: number): number {
	return Math.floor(ms / 1000) * 1000;
}

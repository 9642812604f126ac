import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { plausibleOffset } from '../../shared/clock';
import { toIsoSeconds } from '../../shared/dates';
import { PageLoop } from '../../shared/paging';
import { type Report, inFuture, integerOf, numberOf, record, watermarkAndFloor } from '../../shared/sync/restore';
import type { Candidate, Checkpoint, FirstRun, ReadContext, ReadResult, SyncSource } from '../../shared/sync/types';
import { closedWatermark } from '../../shared/sync/watermark';
import {
	type CountAhead,
	type CountsAhead,
	MAX_COUNTS_AHEAD,
	afterRead,
	expectedIn,
	spanExpecting,
	stretchOver,
	withCount,
} from './counts-ahead';
import { type ListQuery, MAX_PER_PAGE, type MediaItem, type MediaItemPage } from '../model';
import { type CommerceConnectClient, MAX_LIST_PAGES } from '../transport';

/**
 * CommerceConnect media items as a sync source: `GET /api/v2/media_items` filtered by
 * `updated_time_from/_to` (stream "updated") or `created_time_from/_to` (stream "created"),
 * paged by `page` / `per_page`, in whole seconds.
 *
 * Windows. A poll reads the window [wm − lookback, now − settle] on the server's clock: the
 * upper bound is frozen when the window starts and kept in the checkpoint until the window is
 * fully read, possibly over several polls. The watermark then moves to that bound, never past
 * what was read.
 *
 * No skips under offset paging. The list is paged by offset, and items change while pages are
 * read: an item edited meanwhile leaves its time range (its new time is later), which shifts
 * every later item one place up — the one at a page boundary would never be seen. So:
 * - the window is a slice of its own, in the past: its first request asks for all of it; when
 *   that fits in one page (fewer entries than per_page) it is the whole window, read in one
 *   atomic SELECT, and nothing can be skipped;
 * - otherwise the window is read in time slices, each sized from the density seen so far (the
 *   counts of the answers before it). A slice that fits one page is complete in one request;
 * - a slice in the past can only lose items (edits move them to the present), so it may also be
 *   paged, holding its count: the count is taken before the first page (the answer that showed
 *   the slice too full for one page) and checked on every page; the last page must hold exactly
 *   the rows that count leaves for it (else the count is asked once more). An unchanged count
 *   proves no item left and no page shifted. A slice found too full for one page is paged when
 *   its count is in hand: its pages are then the fewest requests that read it. Only up to
 *   {@link MAX_SLICE_PAGES} pages (what a restart can cost), only as many as
 *   {@link MAX_PAGED_POLLS} polls of the per-poll cap read (how long the count is held), and
 *   never with a cap below a page; a fuller slice is asked again narrower, down to one second,
 *   which is paged whatever its size. A changed count narrows a longer slice (the narrower
 *   slices are read afresh) and restarts a one-second one.
 * An item that leaves a slice is found again in the next window at its new time.
 *
 * Sizing. With `per_page` = 100 the fewest requests for N items are ⌈N / 100⌉. A slice read in
 * one request costs one request for at most 99 items, so single-page slices aim at
 * {@link FILL} of a page (a little growth still fits); a paged slice costs its pages + 1 (the
 * answer that counted it), so paged slices aim at up to {@link AIM_PAGES} pages, where it weighs
 * little (with a small cap, only where changes are dense enough that a one-page slice's padding
 * seconds cost more). A slice's length comes from the density of the last answer, over its whole
 * query (the padding seconds included), growing at most {@link MAX_GROWTH}-fold at once; after
 * an answer too full, empty, or far emptier than expected, from the counts seen ahead (see
 * counts-ahead.ts): the window's first count, and those of slices found too full, interpolated.
 * After an answer that missed what they put there, the next slice reaches at least half of the
 * counted stretch ahead, so a walk across empty time to bunched changes takes as many steps as
 * halvings.
 *
 * Bounds. Whether CommerceConnect's time filters are inclusive is not documented, and list
 * entries carry no timestamps, so every query reaches one second past its slice on both sides;
 * items read twice are recognised by the dedupe memory.
 *
 * Dedupe. Key = media item id; version = a hash of the whole entry (the entries have no
 * updated_at, and their `etag`, when present, describes the file at the URL, not the record:
 * a new description or tag keeps it). A changed entry is emitted again, an unchanged re-read is
 * not. The "created" stream emits each id once.
 */

/** Lag behind the server clock for the window's upper bound: writes still committing land before it. */
export const SETTLE_MS = 5_000;
/**
 * A new window's bound is set this much further back than the settle lag, before the server's
 * clock is known in the poll: room for the Date headers' whole seconds and the time an answer takes.
 */
export const CLOCK_SLACK_MS = 3_000;
/** A change at least this old when a poll starts is inside the poll's new window (the bound is in whole seconds). */
export const READ_AFTER_MS = SETTLE_MS + CLOCK_SLACK_MS + 1_000;
/** Every query reaches this far beyond its slice on both sides (bounds may be exclusive). */
export const PAD_MS = 1_000;
/** "Everything" starts here. */
export const EVERYTHING_SINCE = Date.UTC(2000, 0, 1);
/** A single-page slice is aimed at this share of a page, so a little growth still fits. */
export const FILL = 0.85;
/** A paged slice is aimed at this many pages (when the rest of the per-poll cap takes them). */
export const AIM_PAGES = 40;
/** Slices are aimed at {@link AIM_PAGES} pages only when the rest of the window and the per-poll cap hold this many. */
export const MIN_PAGED_PAGES = 5;
/** A slice is paged only if the per-poll cap reads it in this many polls (how long its count is held). */
export const MAX_PAGED_POLLS = 5;
/**
 * Paged slices are aimed at only when they read this much more of their own items per request
 * than one-page slices (which hold no count across requests, so nothing to restart).
 */
const PAGED_GAIN = 1.1;
/** A slice longer than one second is never paged beyond this many pages (what a restart can cost). */
export const MAX_SLICE_PAGES = 100;
/**
 * Once a poll emitted some items, no new slice is read when the rest of the per-poll cap is below
 * this (half a slice aimed at one page) and below half the cap: the next poll reads it with the
 * cap whole, rather than this one with a request for a few items.
 */
export const MIN_SLICE_ITEMS = Math.floor((MAX_PER_PAGE * FILL) / 2);
/** Slice length never grows more than this factor at once, when no count ahead tells more. */
const MAX_GROWTH = 8;
/** An answer with less than 1 / this of the items the counts ahead put in its slice (or of a one-page slice's aim) missed them. */
const MISSED_BY = 4;

export type CcStream = 'updated' | 'created';

/** What a poll leaves for the next slice: the rest of its per-poll cap, and the cap as a whole. */
interface Room {
	rest: number;
	cap: number;
}

/** What the next slice's length is sized from (see `spanFor`). */
interface SliceSizing {
	/** The slice's first second, epoch ms. */
	pos: number;
	ahead: CountsAhead;
	/** The last answer: the seconds its query reached (padding included) and its count. */
	seen: { seconds: number; count: number };
	perPage: number;
	room: Room;
	/** Seconds left to read in the window (or, for a slice found too full, in that slice). */
	rest: number;
	/** At most this many seconds, when no count ahead is known. */
	longest: number;
	/**
	 * Size from the counts ahead rather than the last answer's density: when that answer counted
	 * more than its slice (too full), held nothing, or held far fewer than the counts put there.
	 */
	byCounts: boolean;
	/** The last answer held far fewer items than the counts ahead put in its slice. */
	missed?: boolean;
}

interface CcWindow {
	/** Frozen upper bound, epoch ms, whole second (the last second of the window). */
	to: number;
	/** Server time of the window's first answer. */
	at: number;
	/** First second not read yet, epoch ms. */
	pos: number;
	/** Length of the next slice, in seconds. */
	span: number;
	/** A slice being paged under its count: its last second, the count it must keep, the next page. */
	pg?: { end: number; total: number; page: number };
	/** Counts seen ahead of `pos` (the window's own, and of slices found too full): they size the next slice. */
	ahead?: CountAhead[];
	/**
	 * The slice at `pos` was sized after an answer that missed what the counts put there: it may
	 * reach across empty time into the changes, so its answer's density says little about the
	 * slice after it, which the counts size instead.
	 */
	probe?: true;
}

const probe = (missed: boolean): Pick<CcWindow, 'probe'> => (missed ? { probe: true } : {});

export interface CcCheckpoint {
	/** Everything that changed before this time (ms) was read in a window that ended there. */
	wm: number;
	/** The first-run start: nothing before it is asked for. */
	floor: number;
	win?: CcWindow;
	/**
	 * The server's clock less this machine's (ms), as the last window's answers told it: the next
	 * poll's guess of the server's clock for its new window's bound, before an answer tells it.
	 */
	skew?: number;
}

export interface CcSourceOptions {
	stream: CcStream;
	lookbackMs: number;
	associatedFields?: string[];
	/** Identifies account and endpoint, so another one starts over. */
	endpointKey: string;
}

const sec = (ms: number) => Math.floor(ms / 1000) * 1000;

/** Canonical JSON (sorted keys), so the same entry always hashes the same. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value && typeof value === 'object') {
		return `{${Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonical((value as IDataObject)[key])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

export function entryVersion(entry: MediaItem): string {
	return createHash('sha1').update(canonical(entry)).digest('base64url').slice(0, 16);
}

/** Stop this poll here (see {@link ReadResult.pause}); the next one goes on from `cp`. */
function pauseAt(cp: CcCheckpoint, floor: number): ReadResult<MediaItem> {
	return { ...readResult([], cp, false, floor), pause: true };
}

/** Saved counts ahead of `pos`, when they are what {@link withCount} keeps: ends ascending within the window, counts not falling. */
function countsAhead(saved: unknown, pos: number, to: number): CountAhead[] | undefined {
	if (!Array.isArray(saved) || saved.length > MAX_COUNTS_AHEAD) return undefined;
	const counts: CountAhead[] = [];
	for (const entry of saved) {
		const known = record(entry);
		const [end, count] = [integerOf(known?.end), integerOf(known?.count)];
		const last = counts.at(-1);
		if (end === undefined || count === undefined || count < 0 || end < pos || end > to) return undefined;
		if (last && (end <= last.end || count < last.count)) return undefined;
		counts.push({ end, count });
	}
	return counts;
}

/** A read's outcome, with the checkpoint typed for this source. */
function readResult(
	candidates: Array<Candidate<MediaItem>>,
	next: CcCheckpoint,
	caughtUp: boolean,
	floor: number,
): ReadResult<MediaItem> {
	return { candidates, next: next as unknown as Checkpoint, caughtUp, floor };
}

export class CommerceConnectSource implements SyncSource<MediaItem> {
	readonly name = 'CommerceConnect';

	readonly streams: readonly string[];

	readonly dedupe = 'latest' as const;

	readonly configKey: string;

	/** Page loops of this poll (one source instance per poll), by the second being paged. */
	private readonly loops = new Map<number, PageLoop>();

	constructor(
		private readonly client: CommerceConnectClient,
		private readonly options: CcSourceOptions,
	) {
		this.streams = [options.stream];
		this.configKey = `commerceconnect|${options.endpointKey}|${options.stream}|${(options.associatedFields ?? []).join(',')}`;
	}

	private query(from: number, to: number | undefined, page: number, perPage: number): ListQuery {
		const query: ListQuery = { page, perPage, associatedFields: this.options.associatedFields };
		if (this.options.stream === 'created') {
			query.createdFrom = from;
			query.createdTo = to;
		} else {
			query.updatedFrom = from;
			query.updatedTo = to;
		}
		return query;
	}

	private async list(
		from: number,
		to: number | undefined,
		page: number,
		perPage = MAX_PER_PAGE,
		loop?: PageLoop,
	): Promise<MediaItemPage> {
		return await this.client.list(this.query(from, to, page, perPage), `list ${this.what}`, loop);
	}

	private get what(): string {
		return this.options.stream === 'created' ? 'new media items' : 'changed media items';
	}

	/** The page loop of one crowded second paged in this poll: a page repeated ends the poll. */
	private pagedLoop(end: number): PageLoop {
		let loop = this.loops.get(end);
		if (!loop) this.loops.set(end, (loop = new PageLoop(`the ${this.what} of one second`, MAX_LIST_PAGES)));
		return loop;
	}

	/**
	 * Whether to stop this poll before a request that may bring `rows` new items: once the poll
	 * emitted some, a request whose answer the rest of the per-poll cap would cut (it is asked again
	 * next poll) waits for the next poll instead.
	 */
	private static worthPausing(context: ReadContext, rows: number): boolean {
		return context.emitted > 0 && context.maxItems < rows;
	}

	/**
	 * The least of the per-poll cap that must be left for a poll that emitted some items to read
	 * another slice: {@link MIN_SLICE_ITEMS}, or half the cap when that is smaller. (The cap as far
	 * as this stream is concerned: what it emitted in this poll and what it may still emit.)
	 */
	private static sliceRoom(context: ReadContext): number {
		return Math.min(MIN_SLICE_ITEMS, Math.ceil((context.emitted + context.maxItems) / 2));
	}

	/** Whether a poll in `context` stops before another slice (see {@link sliceRoom}). */
	private static pausesBeforeSlice(context: ReadContext): boolean {
		return CommerceConnectSource.worthPausing(context, CommerceConnectSource.sliceRoom(context));
	}

	/** The room this poll leaves for the slice the read in `context` is about to ask for. */
	private static roomNow(context: ReadContext): Room {
		return { rest: context.maxItems, cap: context.emitted + context.maxItems };
	}

	/**
	 * The room the next slice is sized for, after this read returns `returned` items: the rest of
	 * the cap, or the whole cap when that rest is too small for another slice in this poll (the
	 * next poll reads it).
	 */
	private static roomForNext(context: ReadContext, returned: number): Room {
		const after = { ...context, emitted: context.emitted + returned, maxItems: context.maxItems - returned };
		const cap = after.emitted + after.maxItems;
		return { rest: CommerceConnectSource.pausesBeforeSlice(after) ? cap : after.maxItems, cap };
	}

	/** Whether one answer holds everything its query matches: fewer entries than a full page. */
	private static complete(page: MediaItemPage): boolean {
		// Counted by rows, unreadable ones included: a skipped entry does not make a full page look short.
		return page.rows < page.perPage && page.totalPages <= 1;
	}

	restore(_stream: string, checkpoint: unknown, report: Report): Checkpoint | undefined {
		const cp = record(checkpoint);
		const times = watermarkAndFloor(cp, report);
		if (!times) return undefined;
		const restored: CcCheckpoint = { ...times };
		// Only a first guess, checked by the next answer: one that cannot be read is left out.
		if (cp?.skew !== undefined) {
			const skew = numberOf(cp.skew);
			if (skew !== undefined && plausibleOffset(skew)) restored.skew = skew;
			else report('the saved offset of the server’s clock could not be read; the next answer tells it again');
		}
		if (cp?.win === undefined) return restored as unknown as Checkpoint;
		const win = record(cp.win);
		const [to, at, pos, span] = [win?.to, win?.at, win?.pos, win?.span].map(numberOf);
		const pg = record(win?.pg);
		const paged = pg && [pg.end, pg.total, pg.page].map(integerOf);
		const valid =
			to !== undefined &&
			at !== undefined &&
			pos !== undefined &&
			span !== undefined &&
			span >= 1 &&
			!inFuture(to) &&
			!inFuture(at);
		if (!valid || (win?.pg !== undefined && (!paged || paged.some((n) => n === undefined) || paged[2]! < 1))) {
			report('an unfinished window could not be resumed; it is read again from the watermark');
			return restored as unknown as Checkpoint;
		}
		restored.win = {
			to,
			at,
			pos,
			span: Math.floor(span),
			...(paged ? { pg: { end: paged[0]!, total: paged[1]!, page: paged[2]! } } : {}),
			...probe(win?.probe === true),
		};
		if (win?.ahead !== undefined) {
			// Only a guess for sizing slices, checked by every answer: counts that cannot be read are left out.
			const ahead = countsAhead(win.ahead, pos, to);
			if (ahead) restored.win.ahead = ahead;
			else
				report(
					'the counts saved ahead of the unfinished window could not be read; its next slices are sized without them',
				);
		}
		return restored as unknown as Checkpoint;
	}

	async start(_stream: string, firstRun: FirstRun): Promise<Checkpoint> {
		if (firstRun.mode === 'date') return { wm: sec(firstRun.date!), floor: sec(firstRun.date!) } satisfies CcCheckpoint;
		if (firstRun.mode === 'all') return { wm: EVERYTHING_SINCE, floor: EVERYTHING_SINCE } satisfies CcCheckpoint;
		// "Now" on the server's clock: one small request (which also checks the credential).
		await this.client.list({ page: 1, perPage: 1 }, 'check access to media items');
		const now = sec(this.client.http.serverNow());
		return { wm: now, floor: now } satisfies CcCheckpoint;
	}

	async read(_stream: string, checkpoint: Checkpoint, context: ReadContext): Promise<ReadResult<MediaItem>> {
		const cp = checkpoint as unknown as CcCheckpoint;
		if (!cp.win) return await this.openWindow(cp, context);

		const win = cp.win;
		if (win.pg) return await this.readPaged(cp, win, win.pg, context);

		if (win.pos > win.to) return this.close(cp, win, []);

		if (CommerceConnectSource.pausesBeforeSlice(context)) return pauseAt(cp, this.floorOf(cp, win));
		const end = Math.min(win.pos + (win.span - 1) * 1000, win.to);
		const answer = await this.list(win.pos - PAD_MS, end + PAD_MS, 1);
		return this.sliceAnswered(cp, win, end, answer, context);
	}

	/**
	 * A new window, [wm − lookback, now − settle], read first as one slice: its first answer either
	 * holds the whole window or counts it, so a window of several pages costs its pages + 1.
	 *
	 * Its bound is set before the server's clock is known in this poll (from this machine's clock
	 * and the Date headers seen so far), so it is checked afterwards: the query ran no earlier than
	 * the server's clock when the request left, which is at least the answer's Date less the time
	 * the answer took. A bound at least {@link SETTLE_MS} behind that makes the answer a count of a
	 * past slice, which can only lose items. Otherwise (the server's clock runs behind this
	 * machine's by more than {@link CLOCK_SLACK_MS}) the answer is only what it shows: its entries,
	 * complete for what had settled when it ran, or the density of the window, and the window's
	 * bound moves behind the clock learned from it.
	 */
	private async openWindow(cp: CcCheckpoint, context: ReadContext): Promise<ReadResult<MediaItem>> {
		const start = sec(Math.max(cp.floor, cp.wm - this.options.lookbackMs));
		const http = this.client.http;
		const boundAt = (serverNow: number) => sec(serverNow - SETTLE_MS - CLOCK_SLACK_MS);
		let to = boundAt(Date.now() + (http.stats.serverClockOffsetMs ?? cp.skew ?? 0));
		if (to < start && http.stats.serverClockOffsetMs === undefined && cp.skew === undefined) {
			// Only this machine's clock says nothing has settled yet: the server's may be far ahead.
			await this.client.list({ page: 1, perPage: 1 }, 'read the server’s clock');
			to = boundAt(http.serverNow());
		}
		// Nothing has settled since the last window began (polls seconds apart, no lookback).
		if (to < start) return readResult([], this.withSkew(cp), true, start - PAD_MS);
		const sent = performance.now();
		const answer = await this.list(start - PAD_MS, to + PAD_MS, 1);
		const ranAtLeast = http.serverNow() - (performance.now() - sent);
		const at = sec(ranAtLeast);
		const win: CcWindow = { to, at, pos: start, span: (to - start) / 1000 + 1 };
		if (to + SETTLE_MS <= ranAtLeast) return this.sliceAnswered(cp, win, to, answer, context);

		// The bound was not yet behind the settle lag when the query ran.
		const settled = Math.min(to, sec(ranAtLeast - SETTLE_MS));
		if (CommerceConnectSource.complete(answer)) {
			const fresh = this.fresh(answer.entries, to + PAD_MS + 1000, context);
			if (fresh.length > context.maxItems)
				return readResult(fresh.slice(0, context.maxItems), cp, false, start - PAD_MS);
			return this.close(cp, { ...win, to: settled }, fresh);
		}
		// Later requests leave after this answer came, when the server's clock was past its Date.
		const bound = Math.min(to, sec(http.serverNow()) - SETTLE_MS);
		if (bound < start) return readResult([], cp, true, start - PAD_MS);
		const rest = (bound - start) / 1000 + 1;
		// The count reached as far as `to`, so it holds at most as many items up to `bound`.
		const ahead = withCount([], bound, answer.totalEntries);
		const span = this.spanFor({
			pos: start,
			ahead,
			seen: { seconds: rest + 2, count: answer.totalEntries },
			perPage: answer.perPage,
			room: CommerceConnectSource.roomNow(context),
			rest,
			longest: rest,
			byCounts: true,
		});
		const next: CcWindow = { ...win, to: bound, span, ahead };
		return readResult([], { ...cp, win: next }, false, this.floorOf(cp, next));
	}

	/** The window is read to its frozen end: the watermark moves there. */
	private close(cp: CcCheckpoint, win: CcWindow, candidates: Array<Candidate<MediaItem>>): ReadResult<MediaItem> {
		const wm = closedWatermark(cp.wm, win.to, win.at);
		return readResult(
			candidates,
			this.withSkew({ wm, floor: cp.floor }, cp.skew),
			true,
			Math.max(cp.floor, wm - this.options.lookbackMs) - PAD_MS,
		);
	}

	/** `next`, with the server's clock offset this poll's answers told, or else the one known before. */
	private withSkew(next: CcCheckpoint, known = next.skew): CcCheckpoint {
		const skew = this.client.http.stats.serverClockOffsetMs ?? known;
		return skew === undefined ? next : { ...next, skew };
	}

	/**
	 * What the first answer for the slice [win.pos, end] leads to: the slice is complete in it, or
	 * paged under the count it gave, or asked again narrower.
	 */
	private sliceAnswered(
		cp: CcCheckpoint,
		win: CcWindow,
		end: number,
		answer: MediaItemPage,
		context: ReadContext,
	): ReadResult<MediaItem> {
		const seconds = (end - win.pos) / 1000 + 1;
		if (CommerceConnectSource.complete(answer)) {
			const fresh = this.fresh(answer.entries, end + PAD_MS + 1000, context);
			if (fresh.length > context.maxItems)
				return readResult(fresh.slice(0, context.maxItems), { ...cp, win }, false, this.floorOf(cp, win));
			if (end >= win.to) return this.close(cp, win, fresh);
			const ahead = afterRead(win.ahead ?? [], win.pos, end, answer.totalEntries);
			// Far fewer items than the counts ahead put here, and too few for a one-page slice: the
			// changes lie further on. (A slice that brought a good share of a page found them.)
			const expected = Math.min(expectedIn(win.ahead ?? [], win.pos, seconds), answer.perPage * FILL);
			const missed = answer.totalEntries * MISSED_BY < expected;
			const span = this.spanFor({
				pos: end + 1000,
				ahead,
				seen: { seconds: seconds + 2, count: answer.totalEntries },
				perPage: answer.perPage,
				room: CommerceConnectSource.roomForNext(context, fresh.length),
				rest: (win.to - end) / 1000,
				longest: win.span * MAX_GROWTH,
				byCounts: missed || answer.totalEntries === 0 || win.probe === true,
				missed,
			});
			const next: CcWindow = { to: win.to, at: win.at, pos: end + 1000, span, ahead, ...probe(missed) };
			return readResult(fresh, { ...cp, win: next }, false, this.floorOf(cp, next));
		}
		if (end === win.pos || this.pageable(answer.totalEntries, answer.perPage, CommerceConnectSource.roomNow(context))) {
			// Page the slice, holding its count (this answer's: taken before the first page is read).
			// One second with more than a page of items is paged whatever its size.
			const next: CcWindow = { ...win, pg: { end, total: answer.totalEntries, page: 1 } };
			return readResult([], { ...cp, win: next }, false, this.floorOf(cp, next));
		}
		// Too full for one page, and not worth paging (or too much to page): a shorter slice, sized
		// from this count and those seen before.
		const ahead = withCount(win.ahead ?? [], end, answer.totalEntries);
		const span = Math.min(
			Math.max(1, Math.floor(seconds / 2)),
			this.spanFor({
				pos: win.pos,
				ahead,
				seen: { seconds: seconds + 2, count: answer.totalEntries },
				perPage: answer.perPage,
				room: CommerceConnectSource.roomNow(context),
				rest: seconds,
				longest: seconds,
				byCounts: true,
			}),
		);
		const narrower: CcWindow = { to: win.to, at: win.at, pos: win.pos, span, ahead };
		return readResult([], { ...cp, win: narrower }, false, this.floorOf(cp, win));
	}

	private async readPaged(
		cp: CcCheckpoint,
		win: CcWindow,
		pg: NonNullable<CcWindow['pg']>,
		context: ReadContext,
	): Promise<ReadResult<MediaItem>> {
		const floor = this.floorOf(cp, win);
		const seconds = (pg.end - win.pos) / 1000 + 1;
		const restart = (total: number): CcCheckpoint => {
			this.loops.delete(pg.end);
			if (seconds > 1) {
				// Items left the slice while it was paged: read it again in narrower slices (each
				// complete in itself, or paged with fewer pages to hold). What was emitted stays
				// emitted; the re-read is deduped.
				const narrower: CcWindow = {
					to: win.to,
					at: win.at,
					pos: win.pos,
					span: Math.max(1, Math.floor(seconds / 2)),
					ahead: withCount(win.ahead ?? [], pg.end, total),
				};
				return { ...cp, win: narrower };
			}
			// The second changed while it was paged: a new pass from page 1, which may repeat pages.
			return { ...cp, win: { ...win, pg: { end: pg.end, total, page: 1 } } };
		};
		// The rows this page is due (at the documented page size): a page the cap would cut waits.
		const due = Math.min(MAX_PER_PAGE, pg.total - (pg.page - 1) * MAX_PER_PAGE);
		if (CommerceConnectSource.worthPausing(context, due)) return pauseAt(cp, floor);
		const answer = await this.list(win.pos - PAD_MS, pg.end + PAD_MS, pg.page, MAX_PER_PAGE, this.pagedLoop(pg.end));
		if (answer.totalEntries !== pg.total) return readResult([], restart(answer.totalEntries), false, floor);

		const fresh = this.fresh(answer.entries, pg.end + PAD_MS + 1000, context);
		if (fresh.length > context.maxItems) return readResult(fresh.slice(0, context.maxItems), cp, false, floor);
		// The count says how many pages there are: a server that claims fewer is paged on.
		const pages = Math.max(answer.totalPages, Math.ceil(pg.total / answer.perPage));
		if (pg.page < pages && answer.rows > 0) {
			return readResult(fresh, { ...cp, win: { ...win, pg: { ...pg, page: pg.page + 1 } } }, false, floor);
		}
		// Last page read: the slice must still hold the count taken before the first page. Its rows
		// say so without another request: a past slice only loses items, so a last page with exactly
		// the rows that count leaves for it was read from an unchanged slice, and so was every page
		// before it. A last page short of them (an item left between this page's COUNT and its
		// SELECT, or a server whose rows and count disagree) is settled by asking the count once more.
		const left = pg.total - (pg.page - 1) * answer.perPage;
		if (answer.rows !== left) {
			const check = await this.list(win.pos - PAD_MS, pg.end + PAD_MS, 1, 1);
			if (check.totalEntries !== pg.total) return readResult(fresh, restart(check.totalEntries), false, floor);
			// The count held, yet the pages do not add up to it: nothing more can be read of this slice.
			this.client.http.warn(
				`the ${this.what} from ${toIsoSeconds(win.pos)} to ${toIsoSeconds(pg.end)} are counted as ${pg.total}, but page ${pg.page}, the last, held ${answer.rows} entries where ${Math.max(0, left)} were due; the trigger moves on`,
			);
		}
		this.loops.delete(pg.end);
		const ahead = afterRead(win.ahead ?? [], win.pos, pg.end, pg.total);
		const span = this.spanFor({
			pos: pg.end + 1000,
			ahead,
			seen: { seconds: seconds + 2, count: pg.total },
			perPage: answer.perPage,
			room: CommerceConnectSource.roomForNext(context, fresh.length),
			rest: (win.to - pg.end) / 1000,
			longest: seconds * MAX_GROWTH,
			byCounts: win.probe === true,
		});
		const next: CcWindow = { to: win.to, at: win.at, pos: pg.end + 1000, span, ahead };
		return readResult(fresh, { ...cp, win: next }, false, this.floorOf(cp, next));
	}

	/** Lowest change time a later read from this position can return (for pruning the dedupe memory). */
	private floorOf(cp: CcCheckpoint, win: CcWindow): number {
		return Math.min(win.pos, Math.max(cp.floor, win.to - this.options.lookbackMs)) - PAD_MS;
	}

	/**
	 * Whether a slice found too full for one page is paged under its count rather than asked again
	 * narrower: its count is in hand, so its pages are the fewest requests that read it, where
	 * narrower slices cost at least as many and, when its items are bunched, a search for where
	 * they are. Only up to {@link MAX_SLICE_PAGES} pages (what a restart may cost), and only as many
	 * as {@link MAX_PAGED_POLLS} polls of the per-poll cap read (how long the count is held).
	 */
	private pageable(count: number, perPage: number, room: Room): boolean {
		return count <= MAX_SLICE_PAGES * perPage && room.cap >= perPage && count <= MAX_PAGED_POLLS * room.cap;
	}

	/**
	 * Items a slice is aimed at: {@link FILL} of one page (or of the rest of the per-poll cap when
	 * that is smaller), or a paged slice of up to {@link AIM_PAGES} pages, as many as
	 * {@link MAX_PAGED_POLLS} polls of the cap read, when the rest of the window is expected to hold
	 * one and it reads more of its own items per request. Each query reads the second beyond each
	 * end of its slice again (2 × `density` items it does not move on by), which a one-page slice
	 * pays on every request and a paged one once per slice: where changes are dense, paged slices
	 * pay off even with a small cap.
	 */
	private aim(perPage: number, room: Room, expected: number, density: number): number {
		const onePage = Math.max(1, Math.floor(Math.min(perPage, room.rest) * FILL));
		const pages = Math.min(AIM_PAGES, Math.floor((MAX_PAGED_POLLS * room.cap) / perPage));
		if (expected < MIN_PAGED_PAGES * perPage || pages < MIN_PAGED_PAGES) return onePage;
		const pad = 2 * density;
		const pagedGain = (pages * perPage - pad) / (pages + 1) / Math.max(1, onePage - pad);
		return pagedGain >= PAGED_GAIN ? pages * perPage : onePage;
	}

	/**
	 * The length in seconds of the next slice, aimed at {@link aim} for the rest of the window:
	 * from the counts seen ahead, interpolated between them (after a missed answer at least half
	 * the counted stretch that holds more than the aim, so a walk across empty time takes as many
	 * steps as halvings); else from the density of the last answer, which tells the items near
	 * the next slice better than counts of longer stretches do, at most `longest` seconds
	 * (nothing seen: the longest).
	 */
	private spanFor(sizing: SliceSizing): number {
		const { pos, ahead, seen, perPage, room, rest, longest, byCounts, missed } = sizing;
		if (byCounts && ahead.length > 0) {
			const expected = expectedIn(ahead, pos, rest);
			const aim = this.aim(perPage, room, expected, expected / (rest + 2));
			let span = spanExpecting(ahead, pos, aim) ?? rest;
			const over = missed ? stretchOver(ahead, pos, aim) : undefined;
			if (over !== undefined) span = Math.max(span, Math.floor(over / 2));
			return Math.max(1, Math.floor(Math.min(rest, span)));
		}
		const most = Math.max(1, Math.floor(Math.min(longest, rest)));
		if (seen.count <= 0) return most;
		const density = seen.count / seen.seconds;
		// Every query reaches a second beyond both ends of its slice: those seconds count too.
		const span = Math.floor(this.aim(perPage, room, density * rest, density) / density) - 2;
		return Math.max(1, Math.min(most, span));
	}

	/** The entries not emitted yet in this version, as candidates (each id once). */
	private fresh(entries: readonly MediaItem[], time: number, context: ReadContext): Array<Candidate<MediaItem>> {
		const out: Array<Candidate<MediaItem>> = [];
		const ids = new Set<number>();
		for (const entry of entries) {
			if (ids.has(entry.id)) continue;
			ids.add(entry.id);
			const key = String(entry.id);
			const version = this.options.stream === 'created' ? undefined : entryVersion(entry);
			if (context.isEmitted(key, version)) continue;
			out.push({ key, version, time, item: entry });
		}
		return out;
	}

	async sample(_stream: string, limit: number): Promise<Array<Candidate<MediaItem>>> {
		// Recent items: those of the last 30 days (or any, when there are none), from the last page
		// of the list, which is oldest-first.
		let from = sec(this.client.http.serverNow() - 30 * 24 * 3600_000);
		let first = await this.list(from, undefined, 1, limit);
		if (first.totalEntries === 0) {
			from = EVERYTHING_SINCE;
			first = await this.list(from, undefined, 1, limit);
		}
		let entries = first.entries;
		if (first.totalPages > 1) {
			entries = (await this.list(from, undefined, first.totalPages, limit)).entries;
			if (entries.length < limit)
				entries = [...(await this.list(from, undefined, first.totalPages - 1, limit)).entries, ...entries];
		}
		const now = this.client.http.serverNow();
		return [...entries]
			.reverse()
			.slice(0, limit)
			.map((item) => ({ key: String(item.id), version: entryVersion(item), time: now, item }));
	}

	toJson(_stream: string, candidate: Candidate<MediaItem>): IDataObject {
		return candidate.item;
	}
}

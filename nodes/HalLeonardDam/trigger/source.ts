import type { IDataObject } from 'n8n-workflow';

import { plausibleOffset } from '../../shared/clock';
import { type Report, integerOf, numberOf, record, textOf } from '../../shared/sync/restore';
import type { Candidate, Checkpoint, FirstRun, ReadContext, ReadResult, SyncSource } from '../../shared/sync/types';
import { type Day, dayFromParts, dayMs, isoDay, todayIn } from '../days';
import { type MetadataRecord, type ModifiedFile, metadataJson, modifiedFileJson } from '../model';
import type { DamClient } from '../transport';

/**
 * The Hal Leonard DAM as a sync source, with two streams:
 * - `modifiedFile`: ModifiedFileRequest, files whose LastModified day is in a range;
 * - `assetMetadata`: AssetMetadataRequest, assets/packages added, changed or deleted in a range.
 *
 * Day windows. The DAM knows whole days only (StartDate inclusive, StopDate exclusive) and
 * works on its own calendar. The DAM's "today" is the day, in the DAM's time zone (US Central by
 * default), at the server time of the last answer (HTTP Date header) — never this machine's
 * clock or the workflow's zone, so every n8n instance sees the same days. Each read asks for
 * `[watermark − lookback, today + 2)`: today is included (the DAM may add to it until midnight),
 * and one spare day on each side covers a DAM day that runs in another zone than assumed. The
 * watermark only moves to days that are closed — the days before the server's today — so the
 * open day is asked for again by every later read until it has passed; repeats are filtered by
 * the engine's dedupe memory. With "only complete days" the read stops before today instead:
 * a day of lag, and no item is seen before its day has ended.
 *
 * Dedupe (engine mode `events`: each (key, version) pair is emitted once):
 * - files: key AssetId + FileName, version the LastModified day. A second change of a file on
 *   the same day has the same LastModified and is not emitted again (the DAM cannot tell);
 * - metadata: key kind + AssetId, version a fingerprint of the whole record (SHA-1 of its
 *   canonical form) plus its delete marker. The DAM documents no per-asset change time, so the
 *   record's own content is its change marker: a re-report of unchanged metadata in an
 *   overlapping window is recognised, any real change — or a deletion — is a new version.
 *
 * Ranges are read at most {@link CHUNK_DAYS} days at a time (the DAM caps metadata ranges at
 * three months), so a backfill is a series of requests over as many polls as the per-poll cap
 * and time budget need. A window larger than the per-poll cap is continued by asking the same
 * range again and skipping the candidates up to the last emitted one (sorted), so the state
 * stays a few hundred bytes whatever the backlog.
 */

export const STREAM_FILES = 'modifiedFile';
export const STREAM_METADATA = 'assetMetadata';
export const STREAMS = [STREAM_FILES, STREAM_METADATA] as const;

/**
 * Days per request at most. The DAM limits metadata ranges to three months; the shortest three
 * calendar months (February to April of a common year) have 89 days.
 */
export const CHUNK_DAYS = 89;

/** Where "Everything" starts. */
export const EVERYTHING_SINCE: Day = dayFromParts(2000, 1, 1)!;

/** Spare days after today in a read (a DAM day that runs ahead of the assumed zone). */
const DAYS_AHEAD = 1;

export type DamItem =
	{ type: 'file'; file: ModifiedFile } | { type: 'metadata'; record: MetadataRecord; from: Day; before: Day };

interface DayCheckpoint {
	/** Every day before this one is closed and handled (the "watermark"). */
	wm: Day;
	/** Nothing before this day is read (the first run's start). */
	floor: Day;
	/** An unfinished window: its range, the server day at its first read, the last emitted sort key. */
	cont?: { start: Day; stop: Day; ts: Day; after: string };
	/** Server clock − this machine's clock at the last answer, ms. */
	off?: number;
	/**
	 * Set while a backlog is read range after range: the next range starts where the last one
	 * stopped (its days are closed and fully read), not a lookback earlier.
	 */
	nb?: true;
}

export interface DamSourceOptions {
	streams: readonly string[];
	fileType: string;
	requestType: 'A' | 'P' | 'X';
	timeZone: string;
	lookbackDays: number;
	completeDaysOnly: boolean;
	/** First day for first-run mode "date". */
	startDay?: Day;
	/** Endpoint and vendor, so another account starts over. */
	accountKey: string;
}

interface Entry {
	candidate: Candidate<DamItem>;
	sortKey: string;
}

export class DamSource implements SyncSource<DamItem> {
	readonly name = 'Hal Leonard DAM';

	readonly streams: readonly string[];

	readonly dedupe = 'events' as const;

	readonly configKey: string;

	constructor(
		private readonly client: DamClient,
		private readonly options: DamSourceOptions,
	) {
		this.streams = options.streams;
		this.configKey = `halleonard|${options.accountKey}|${options.fileType}|${options.requestType}`;
	}

	/** The DAM's day now, by the server clock as far as known (the saved offset until an answer arrives). */
	private today(savedOffset?: number): Day {
		const offset = this.client.serverOffsetMs() ?? savedOffset ?? 0;
		return todayIn(this.options.timeZone, Date.now() + offset);
	}

	restore(_stream: string, checkpoint: unknown, report: Report): Checkpoint | undefined {
		const cp = record(checkpoint);
		const savedOffset = numberOf(cp?.off);
		const off = savedOffset !== undefined && plausibleOffset(savedOffset) ? savedOffset : undefined;
		if (savedOffset !== undefined && off === undefined)
			report('the saved server clock offset is implausible and was dropped');
		const today = this.today(off);
		const day = (value: unknown, label: string): Day | undefined => {
			const d = integerOf(value);
			if (d === undefined || d <= today + 1) return d;
			report(`${label} (${isoDay(d)}) lies in the future; it was moved back to the DAM's today`);
			return today;
		};
		const wm = day(cp?.wm, 'the watermark');
		const floor = day(cp?.floor, 'the start day');
		if (wm === undefined || floor === undefined) return undefined;
		const restored: DayCheckpoint = { wm, floor, ...(off !== undefined ? { off } : {}) };
		if (cp?.nb === true) restored.nb = true;
		if (cp?.cont !== undefined) {
			const cont = record(cp.cont);
			const [start, stop, ts] = [integerOf(cont?.start), integerOf(cont?.stop), integerOf(cont?.ts)];
			const after = textOf(cont?.after);
			if (
				start !== undefined &&
				stop !== undefined &&
				ts !== undefined &&
				after !== undefined &&
				start < stop &&
				ts <= today + 1
			) {
				restored.cont = { start, stop, ts, after };
			} else {
				report('an unfinished range could not be resumed; it is read again from the watermark');
			}
		}
		return restored as unknown as Checkpoint;
	}

	async start(_stream: string, firstRun: FirstRun): Promise<Checkpoint> {
		let day: Day;
		if (firstRun.mode === 'all') {
			day = EVERYTHING_SINCE;
		} else if (firstRun.mode === 'date') {
			day = this.options.startDay ?? Math.floor((firstRun.date ?? 0) / 86_400_000);
		} else {
			// "Now" is the DAM's today. Ask once for today's files: that reads the server clock and
			// checks the credential at activation.
			if (this.client.serverOffsetMs() === undefined) {
				const estimate = this.today();
				await this.client.modifiedFiles(this.options.fileType, estimate, estimate + 1);
			}
			day = this.today();
		}
		const cp: DayCheckpoint = { wm: day, floor: day, off: this.client.serverOffsetMs() };
		return cp as unknown as Checkpoint;
	}

	private startOf(cp: DayCheckpoint): Day {
		if (cp.cont) return cp.cont.start;
		return Math.max(cp.floor, cp.nb ? cp.wm : cp.wm - this.options.lookbackDays);
	}

	async read(stream: string, checkpoint: Checkpoint, context: ReadContext): Promise<ReadResult<DamItem>> {
		const cp = checkpoint as unknown as DayCheckpoint;
		const hold = (next: DayCheckpoint, caughtUp: boolean): ReadResult<DamItem> => ({
			candidates: [],
			next: next as unknown as Checkpoint,
			caughtUp,
			floor: dayMs(this.startOf(next)),
		});

		// The minimum interval between query rounds (the DAM asks for 1–4 a day) is the engine's:
		// a caught-up stream is not read again sooner; a backlog is read on every poll.
		const estimate = this.today(cp.off);
		const start = this.startOf(cp);
		let stop: Day;
		if (cp.cont) {
			stop = cp.cont.stop;
		} else {
			stop = this.options.completeDaysOnly ? estimate : estimate + 1 + DAYS_AHEAD;
			stop = Math.min(stop, start + CHUNK_DAYS);
		}
		if (stop <= start) {
			// Only complete days, and no day has closed since the last read: nothing to ask.
			return hold(cp, true);
		}

		const entries = await this.fetch(stream, start, stop);
		const serverToday = this.today();
		const off = this.client.serverOffsetMs();
		if (!cp.cont && this.options.completeDaysOnly && stop > serverToday) {
			// The estimate ran ahead of the server: the answer may hold the DAM's open day. Ask again
			// with the server's clock, now known.
			return hold({ ...cp, off }, false);
		}
		const ts = cp.cont ? cp.cont.ts : serverToday;

		const pending = entries.filter(
			(e) => (!cp.cont || e.sortKey > cp.cont.after) && !context.isEmitted(e.candidate.key, e.candidate.version),
		);
		const taken = pending.slice(0, context.maxItems);
		const continueAfter = (sortKey: string): DayCheckpoint => ({
			...cp,
			off,
			cont: { start, stop, ts, after: sortKey },
		});
		const candidates = taken.map((e) => ({
			...e.candidate,
			resume: continueAfter(e.sortKey) as unknown as Checkpoint,
		}));
		for (const { candidate } of taken) {
			// A file dated after the DAM's tomorrow is a mistake, not the date: emitted once all the same
			// (the watermark only ever follows the ranges asked for, never a file's date).
			if (candidate.item.type === 'file' && candidate.item.file.day > serverToday + 1) {
				this.client.http.warn(
					`file ${candidate.item.file.fileName} of asset ${candidate.item.file.assetId} is dated ${isoDay(candidate.item.file.day)}, after the DAM's today; it is emitted once`,
				);
			}
		}

		if (taken.length < pending.length) {
			return {
				candidates,
				next: continueAfter(taken[taken.length - 1].sortKey) as unknown as Checkpoint,
				caughtUp: false,
				floor: dayMs(start),
			};
		}

		// The window is done: the watermark moves to the closed days it covered, never backwards.
		const caughtUp = this.options.completeDaysOnly ? stop >= ts : stop > ts;
		const next: DayCheckpoint = {
			wm: Math.max(cp.wm, Math.min(stop, ts)),
			floor: cp.floor,
			off,
			...(caughtUp ? {} : { nb: true as const }),
		};
		return { candidates, next: next as unknown as Checkpoint, caughtUp, floor: dayMs(this.startOf(next)) };
	}

	/** One request for `[start, stop)`, as candidates sorted by their sort key, one per key. */
	private async fetch(stream: string, start: Day, stop: Day): Promise<Entry[]> {
		const byKey = new Map<string, Entry>();
		if (stream === STREAM_FILES) {
			for (const file of await this.client.modifiedFiles(this.options.fileType, start, stop)) {
				const key = `${file.assetId}|${file.fileName}`;
				const previous = byKey.get(key);
				if (previous && (previous.candidate.item as { file: ModifiedFile }).file.day >= file.day) continue;
				byKey.set(key, {
					sortKey: `${isoDay(file.day)}|${key}`,
					candidate: { key, version: isoDay(file.day), time: dayMs(file.day + 1), item: { type: 'file', file } },
				});
			}
		} else {
			const records = await this.client.assetMetadata({
				requestType: this.options.requestType,
				range: { start, stop },
			});
			for (const record of records) {
				const key = `${record.kind}|${record.assetId}`;
				byKey.set(key, {
					sortKey: key,
					candidate: {
						key,
						version: record.fingerprint,
						time: dayMs(stop),
						item: { type: 'metadata', record, from: start, before: stop },
					},
				});
			}
		}
		return [...byKey.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
	}

	async sample(stream: string, limit: number): Promise<Array<Candidate<DamItem>>> {
		const today = this.today();
		if (stream === STREAM_FILES) {
			const entries = await this.fetch(stream, today - 30, today + 1 + DAYS_AHEAD);
			return entries
				.reverse() // newest days first
				.slice(0, limit)
				.map((e) => e.candidate);
		}
		const entries = await this.fetch(stream, today - 7, today + 1 + DAYS_AHEAD);
		return entries.slice(0, limit).map((e) => e.candidate);
	}

	toJson(_stream: string, candidate: Candidate<DamItem>): IDataObject {
		const { item } = candidate;
		if (item.type === 'file') return { event: 'fileModified', ...modifiedFileJson(item.file, this.options.fileType) };
		const today = this.today();
		return {
			event: item.record.deleted ? 'assetDeleted' : 'metadataChanged',
			...metadataJson(item.record),
			changedFrom: isoDay(item.from),
			changedBefore: isoDay(Math.min(item.before, today + 1)),
		};
	}
}

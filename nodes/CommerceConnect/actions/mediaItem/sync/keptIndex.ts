import type { IDataObject } from 'n8n-workflow';

import { PageLoop } from '../../../../shared/paging';
import { MAX_PER_PAGE, MEDIA_ITEM_TYPES, type ListQuery, type MediaItem, type MediaItemPage } from '../../../model';
import { type CommerceConnectClient, MAX_LIST_PAGES } from '../../../transport';
import {
	ProductMediaIndex,
	type ScanStats,
	ScanUnstableError,
	carriesAny,
	hasTag,
	pauseBeforeAttempt,
	tagKey,
} from './mediaIndex';

/**
 * Sync Product Media's index of synced media, kept between runs in the node's static data, so a
 * run reads what changed since the last one instead of every media item of the PIM.
 *
 * What CommerceConnect's list offers for this: filters on creation and update time (no filter by
 * product or tag, no deleted items, entries without timestamps). So:
 *
 * - **Changes** (creates, edits, a tag added or removed, a move to another product) are read by
 *   update time since the last run (less {@link CHANGE_OVERLAP_MS}, for writes made visible late).
 *   That assumes every such change moves the item's `updated_at`, as a Rails record's does.
 * - **Deletions** are invisible in the list. They are proven absent instead: the media items
 *   created up to the index's time `at` (a whole second that had passed) can only become fewer,
 *   since creation times never change; if CommerceConnect still counts as many of them as the
 *   index says (one per_page=1 request), none was deleted — anywhere in the PIM. If the count
 *   differs, the run reads everything (a full scan), as it does without a kept index, every
 *   {@link IndexScope.fullScanEveryMs} (Options → Full Scan Every), after a change of account, base
 *   URL, sync tags or Synced Media Created After, and when the kept index cannot be read.
 * - What is saved is only ever true: the index as of `at` (never the run's own creates and
 *   updates, which the next run reads as changes), less the items the run deleted (the count goes
 *   down with them). n8n saves static data with every execution, failed ones included, so the
 *   index is assigned once, at the end of the run (router.ts), and a run that failed before its
 *   index was complete leaves the previous one, which is still true as of its own time.
 * - The run itself also reads the last second or two (the "tail": updated since `at` − 1 s) so it
 *   sees what changed after `at`; the tail is not saved.
 *
 * Requests: a run with a usable index makes three counts, the changed items (one page per 100)
 * and the tail — five for a quiet hour, whatever the size of the PIM. A full scan makes
 * ceil(items ÷ 100) + 3.
 */

/** Static data key of the kept index (a JSON string: n8n wraps every object of static data in a proxy). */
export const KEPT_INDEX_KEY = 'productMediaIndex';
const FORMAT = 1;

/** Synced media items the kept index holds at most (about 150 bytes each in static data); beyond that nothing is kept. */
export const MAX_KEPT_ITEMS = 100_000;

/** Sync tags one kept index covers at most: a full scan keeps the tags of earlier runs up to this. */
const MAX_KEPT_TAGS = 50;

/** Changes are read again from this long before the last run's time: writes CommerceConnect made visible late. */
export const CHANGE_OVERLAP_MS = 5 * 60_000;

export const DEFAULT_FULL_SCAN_HOURS = 24;

export interface IndexScope {
	/** Tag keys the run's items sync. */
	tags: ReadonlySet<string>;
	/** Only items created at or after this time are read (Synced Media Created After), epoch ms. */
	createdFrom?: number;
	/** Longest time between two full scans. */
	fullScanEveryMs: number;
}

interface Snapshot {
	/** Whose index: base URL and account. */
	key: string;
	/** Tag keys whose items it holds. */
	tags: string[];
	createdFrom?: number;
	/** Server time, a whole second that had passed, the index is exact for. */
	at: number;
	/** Media items created up to `at` (from `createdFrom`) as CommerceConnect counted them, less those the package deleted since. */
	count: number;
	/** Server time of the last full scan. */
	fullAt: number;
	items: Map<number, MediaItem>;
}

export type ListFn = (query: ListQuery, loop?: PageLoop) => Promise<MediaItemPage>;

export class KeptIndex {
	/** What the end of the run saves: set once the index of this run is complete. */
	private snapshot?: Snapshot;

	constructor(
		private readonly staticData: IDataObject,
		/** Base URL and account of the credential. */
		private readonly key: string,
	) {}

	/** The run's index: the kept one brought up to date, or a full scan. */
	async build(client: CommerceConnectClient, scope: IndexScope): Promise<ProductMediaIndex> {
		let requests = 0;
		const list: ListFn = async (query, loop) => {
			requests++;
			return await client.list(
				{ perPage: MAX_PER_PAGE, page: 1, ...query },
				'read the media items to compare with the wanted media',
				loop,
			);
		};
		const count = async (query: ListQuery) => (await list({ ...query, page: 1, perPage: 1 })).totalEntries;

		const loaded = this.load();
		let reason: string | undefined;
		let saved: Snapshot | undefined;
		if ('problem' in loaded) reason = loaded.problem;
		else if (loaded.key !== this.key) reason = 'the account or base URL changed';
		else if ([...scope.tags].some((tag) => !loaded.tags.includes(tag))) reason = 'a sync tag is new to the kept index';
		else if (loaded.createdFrom !== undefined && (scope.createdFrom ?? -Infinity) < loaded.createdFrom)
			reason = 'Synced Media Created After is earlier than the kept index';
		else saved = loaded;

		let attempts = 1;
		if (saved) {
			const from = saved.createdFrom;
			const before = await count({ createdFrom: from, createdTo: saved.at });
			const now = client.http.serverNow();
			const at = wholeSecondBefore(now);
			if (now - saved.fullAt >= scope.fullScanEveryMs) reason = 'a full scan is due (Options → Full Scan Every)';
			else if (before !== saved.count) reason = deletedReason(saved.count, before);
			else if (at < saved.at) reason = 'CommerceConnect’s clock went back';
			else {
				// The count at the new time first, then the proof again: a deletion between the two
				// counts would otherwise be in neither.
				const total = await count({ createdFrom: from, createdTo: at });
				const again = await count({ createdFrom: from, createdTo: saved.at });
				if (again !== saved.count) reason = deletedReason(saved.count, again);
				else {
					const tags = new Set(saved.tags);
					const changed = await readStable(list, {
						createdFrom: from,
						createdTo: at,
						updatedFrom: saved.at - CHANGE_OVERLAP_MS,
						updatedTo: at,
					});
					attempts = changed.attempts;
					for (const item of changed.items.values()) {
						if (carriesAny(item, tags) && typeof item.product_id === 'number') saved.items.set(item.id, item);
						else saved.items.delete(item.id);
					}
					this.snapshot = { ...saved, at, count: total };
					const index = await this.withTail(list, this.snapshot, {
						listRequests: 0,
						scanned: changed.items.size,
						kept: 0,
						attempts,
						mode: 'incremental',
					});
					index.stats.listRequests = requests;
					return index;
				}
			}
		}

		// A full scan: everything created up to a second that has passed, then the tail.
		if (requests === 0) await count({ createdFrom: scope.createdFrom });
		const now = client.http.serverNow();
		const at = wholeSecondBefore(now);
		const createdFrom = scope.createdFrom;
		const tags = new Set(scope.tags);
		if (!('problem' in loaded) && loaded.key === this.key && loaded.createdFrom === createdFrom) {
			for (const tag of loaded.tags) if (tags.size < MAX_KEPT_TAGS) tags.add(tag);
		}
		const all = await readStable(list, { createdFrom, createdTo: at });
		const items = new Map<number, MediaItem>();
		for (const item of all.items.values()) {
			if (carriesAny(item, tags) && typeof item.product_id === 'number') items.set(item.id, item);
		}
		this.snapshot = { key: this.key, tags: [...tags], createdFrom, at, count: all.total, fullAt: now, items };
		const index = await this.withTail(list, this.snapshot, {
			listRequests: 0,
			scanned: all.items.size,
			kept: 0,
			attempts: all.attempts,
			mode: 'full',
			...(reason ? { reason } : {}),
		});
		index.stats.listRequests = requests;
		return index;
	}

	/** The run's working index: the snapshot, and what changed in the last second or two (not saved). */
	private async withTail(list: ListFn, snapshot: Snapshot, stats: ScanStats): Promise<ProductMediaIndex> {
		if (snapshot.items.size > MAX_KEPT_ITEMS) {
			stats.note = `${snapshot.items.size} synced media items are more than the ${MAX_KEPT_ITEMS} an index kept between runs holds: the next run reads every media item again`;
		}
		const index = ProductMediaIndex.of(snapshot.items.values(), stats);
		const tail = await readStable(list, { createdFrom: snapshot.createdFrom, updatedFrom: snapshot.at - 1000 });
		const tags = new Set(snapshot.tags);
		for (const item of tail.items.values()) index.apply(item, tags);
		index.stats.scanned += tail.items.size;
		index.stats.kept = index.size;
		return index;
	}

	/** The run deleted this media item: the kept index forgets it, and counts one fewer. */
	deleted(id: number): void {
		if (this.snapshot?.items.delete(id)) this.snapshot.count--;
	}

	/** The run deleted the product's media carrying `tag` (Delete by Filter). */
	deletedTagged(productId: number, tag: string): void {
		for (const item of [...(this.snapshot?.items.values() ?? [])]) {
			if (item.product_id === productId && hasTag(item, tag)) this.deleted(item.id);
		}
	}

	/**
	 * Saves the run's index to static data (n8n stores it with the execution). Without one (the
	 * run failed before its index was complete) the kept index stays as it was: true as of its time.
	 */
	save(): void {
		const snapshot = this.snapshot;
		if (!snapshot) return;
		if (snapshot.items.size > MAX_KEPT_ITEMS) delete this.staticData[KEPT_INDEX_KEY];
		else this.staticData[KEPT_INDEX_KEY] = encode(snapshot);
	}

	private load(): Snapshot | { problem: string } {
		const text = this.staticData[KEPT_INDEX_KEY];
		if (text === undefined) return { problem: 'no index kept from an earlier run' };
		return decode(text);
	}
}

function deletedReason(expected: number, found: number): string {
	const n = Math.abs(expected - found);
	const items = n === 1 ? '1 media item was' : `${n} media items were`;
	return found < expected
		? `${items} deleted in CommerceConnect since the last run`
		: `${items} made visible late by CommerceConnect (created before the last run)`;
}

/** The start of the second before `now`: every item created up to it was created in a second that has passed. */
function wholeSecondBefore(now: number): number {
	return Math.floor(now / 1000) * 1000 - 1000;
}

/**
 * Every media item matching `query`, read so that none is missed: a set that can only shrink
 * while it is read (frozen by upper time bounds) loses items only by deletion or by an update
 * moving them out, so every page's `total_entries` equal to the first page's, a closing count
 * equal to it (more than one page) and as many entries as counted prove the pages did not shift.
 * Otherwise it is read again after a pause, while the pauses add up to at most two minutes
 * ({@link pauseBeforeAttempt}). `total` is that count.
 */
export async function readStable(
	list: ListFn,
	query: ListQuery,
): Promise<{ items: Map<number, MediaItem>; total: number; attempts: number }> {
	for (let attempt = 1; ; attempt++) {
		const loop = new PageLoop('the media items', MAX_LIST_PAGES);
		const items = new Map<number, MediaItem>();
		const first = await list({ ...query, page: 1 }, loop);
		const total = first.totalEntries;
		let stable = true;
		for (const entry of first.entries) items.set(entry.id, entry);
		let page = 1;
		while (stable && page < first.totalPages && first.rows > 0) {
			page++;
			const next = await list({ ...query, page }, loop);
			if (next.totalEntries !== total) stable = false;
			for (const entry of next.entries) items.set(entry.id, entry);
			if (next.rows === 0) break;
		}
		if (stable && page > 1) stable = (await list({ ...query, page: 1, perPage: 1 })).totalEntries === total;
		// More items than counted: one left between the page's SELECT and its COUNT (two queries).
		if (stable && items.size <= total) return { items, total, attempts: attempt };
		if (!(await pauseBeforeAttempt(attempt))) throw new ScanUnstableError(attempt);
	}
}

// ---------------------------------------------------------------------------------------------
// Static data: one JSON string; each item as [id, product, url, type, primary, position, description, tags].

type Entry = [number, number, string, number | string, 0 | 1, number | null, string | null, string[]];

function encode(snapshot: Snapshot): string {
	const items: Entry[] = [];
	for (const item of snapshot.items.values()) {
		const type = MEDIA_ITEM_TYPES.indexOf(item.media_item_type as never);
		items.push([
			item.id,
			item.product_id as number,
			String(item.url ?? ''),
			type >= 0 ? type : String(item.media_item_type ?? ''),
			item.is_primary === true ? 1 : 0,
			typeof item.position === 'number' ? item.position : null,
			typeof item.description === 'string' ? item.description : null,
			(item.tag_list ?? []).filter((tag): tag is string => typeof tag === 'string'),
		]);
	}
	return JSON.stringify({
		format: FORMAT,
		key: snapshot.key,
		tags: snapshot.tags,
		...(snapshot.createdFrom !== undefined ? { createdFrom: snapshot.createdFrom } : {}),
		at: snapshot.at,
		count: snapshot.count,
		fullAt: snapshot.fullAt,
		items,
	});
}

const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isCount = isTime;
const isString = (value: unknown): value is string => typeof value === 'string';

/** Reads a kept index; anything that does not look exactly like one is refused with why (the run scans everything). */
function decode(text: unknown): Snapshot | { problem: string } {
	const problem = { problem: 'the kept index could not be read' };
	if (typeof text !== 'string') return problem;
	let raw: Record<string, unknown>;
	try {
		raw = JSON.parse(text) as Record<string, unknown>;
	} catch {
		return problem;
	}
	if (!raw || typeof raw !== 'object' || raw.format !== FORMAT) return problem;
	const { key, tags, createdFrom, at, count, fullAt, items } = raw;
	if (!isString(key) || !Array.isArray(tags) || !tags.every(isString) || tags.length > MAX_KEPT_TAGS) return problem;
	if (createdFrom !== undefined && !isTime(createdFrom)) return problem;
	if (!isTime(at) || !isCount(count) || !isTime(fullAt) || !Array.isArray(items) || items.length > MAX_KEPT_ITEMS)
		return problem;
	const byId = new Map<number, MediaItem>();
	for (const entry of items as unknown[]) {
		if (!Array.isArray(entry) || entry.length !== 8) return problem;
		const [id, productId, url, type, primary, position, description, itemTags] = entry as unknown[];
		if (!Number.isSafeInteger(id) || !Number.isSafeInteger(productId) || !isString(url)) return problem;
		if (!(isString(type) || (Number.isInteger(type) && MEDIA_ITEM_TYPES[type as number] !== undefined))) return problem;
		if ((primary !== 0 && primary !== 1) || (position !== null && !Number.isSafeInteger(position))) return problem;
		if ((description !== null && !isString(description)) || !Array.isArray(itemTags) || !itemTags.every(isString))
			return problem;
		byId.set(id as number, {
			id: id as number,
			product_id: productId as number,
			url,
			media_item_type: isString(type) ? type : MEDIA_ITEM_TYPES[type as number],
			is_primary: primary === 1,
			position: position as number | null,
			description: description as string | null,
			tag_list: itemTags,
		});
	}
	return {
		key,
		tags: tags.map(tagKey),
		...(createdFrom !== undefined ? { createdFrom } : {}),
		at,
		count,
		fullAt,
		items: byId,
	};
}

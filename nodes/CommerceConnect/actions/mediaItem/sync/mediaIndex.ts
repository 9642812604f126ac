import { PageLoop } from '../../../../shared/paging';
import { timing } from '../../../../shared/transport/timing';
import { MAX_PER_PAGE, type MediaItem } from '../../../model';
import { type CommerceConnectClient, MAX_LIST_PAGES } from '../../../transport';

/**
 * The media items of every product, as far as Sync Product Media needs them: those carrying one
 * of the run's sync tags, by product.
 *
 * CommerceConnect's list endpoint cannot filter by product or tag, so the index is one scan of
 * `GET /api/v2/media_items` per node run, shared by all input items: N products cost
 * ceil(total / 100) + 2 list requests once, not per product.
 *
 * The scan must not miss an item (a missed synced item would be created again). Offset paging
 * misses items when earlier ones disappear or appear while later pages are read, so the scan
 * reads a set that can only shrink, and proves nothing shrank:
 * 1. one small request (per_page=1) gives the server's clock and the item count;
 * 2. every page is read with `created_time_to` frozen at that clock (+1 s), so items created
 *    meanwhile are not part of the set — creation times never change, so the set can only lose
 *    items (deletions) while it is read;
 * 3. every page's `total_entries` and a last per_page=1 request must equal the first count:
 *    then no item left the set between the first and the last read, and no page shifted.
 * If a count differs, the scan starts again after a pause ({@link pauseBeforeAttempt}).
 */

export interface ScanOptions {
	/** Only items carrying one of these tags are kept. */
	tags: ReadonlySet<string>;
	/** Only items created at or after this time are read (a user-supplied bound), epoch ms. */
	createdFrom?: number;
}

/**
 * How long, in all, a scan waits for CommerceConnect's media items to hold still before it gives
 * up. What moves them is nearly always another run of a sync writing: n8n starts the next poll's
 * execution while a long one is still running (1,000 changed products take a minute or more), and
 * reading again at once only meets the same writes. Waiting lets that run finish; the sync then
 * reads a stable list and writes, instead of failing and leaving its changes to a retry by hand.
 */
export const UNSTABLE_WAIT_MS = 120_000;

/** Pauses before the 2nd, 3rd … attempt: 1, 2, 4, 8 s, then 15 s each. */
const UNSTABLE_PAUSES_MS = [1_000, 2_000, 4_000, 8_000];
const UNSTABLE_PAUSE_MAX_MS = 15_000;

/**
 * Waits before attempt `attempt + 1` of an unstable read, and returns true; returns false (without
 * waiting) once the pauses so far add up to {@link UNSTABLE_WAIT_MS}: the caller gives up.
 */
export async function pauseBeforeAttempt(attempt: number): Promise<boolean> {
	let waited = 0;
	for (let i = 0; i < attempt - 1; i++) waited += UNSTABLE_PAUSES_MS[i] ?? UNSTABLE_PAUSE_MAX_MS;
	if (waited >= UNSTABLE_WAIT_MS) return false;
	await timing.sleep(Math.min(UNSTABLE_PAUSES_MS[attempt - 1] ?? UNSTABLE_PAUSE_MAX_MS, UNSTABLE_WAIT_MS - waited));
	return true;
}

export interface ScanStats {
	/** List requests the scan made (retries not counted). */
	listRequests: number;
	/** Media items read in the final, consistent pass. */
	scanned: number;
	/** Media items kept (carrying a sync tag). */
	kept: number;
	attempts: number;
	/**
	 * `full`: every media item was read; `incremental`: the index kept from the last run was
	 * brought up to date with what changed since (see savedIndex.ts).
	 */
	mode?: 'full' | 'incremental';
	/** Why a run with a kept index read everything after all. */
	reason?: string;
	/** Why this run's index will not be kept, if it will not. */
	note?: string;
}

/**
 * Tags compare without case: `tag_list` is the attribute name of Rails' acts-as-taggable-on,
 * which can be set to store tags in lower case; an exact comparison would then never find the
 * synced items again (and create them on every run).
 */
export function tagKey(tag: string): string {
	return tag.trim().toLowerCase();
}

/** Whether the item carries one of `tags` (tag keys). */
export function carriesAny(item: MediaItem, tags: ReadonlySet<string>): boolean {
	return (item.tag_list ?? []).some((tag) => typeof tag === 'string' && tags.has(tagKey(tag)));
}

export function hasTag(item: MediaItem, tag: string): boolean {
	const key = tagKey(tag);
	return (item.tag_list ?? []).some((t) => typeof t === 'string' && tagKey(t) === key);
}

export class ScanUnstableError extends Error {
	constructor(attempts: number) {
		super(
			`CommerceConnect's media items kept changing while they were read (${attempts} attempts over ${UNSTABLE_WAIT_MS / 1000} s), so the sync could not be sure it saw all of them`,
		);
		this.name = 'ScanUnstableError';
	}
}

export class ProductMediaIndex {
	private readonly byProduct = new Map<number, Map<number, MediaItem>>();

	/** The product each indexed item is under, so an item moved to another product moves here too. */
	private readonly productOf = new Map<number, number>();

	constructor(readonly stats: ScanStats) {}

	/** An index of `items` (each carrying one of the sync tags, as read). */
	static of(items: Iterable<MediaItem>, stats: ScanStats): ProductMediaIndex {
		const index = new ProductMediaIndex(stats);
		for (const item of items) index.put(item);
		index.stats.kept = index.size;
		return index;
	}

	/** Media items indexed. */
	get size(): number {
		return this.productOf.size;
	}

	static async scan(client: CommerceConnectClient, options: ScanOptions): Promise<ProductMediaIndex> {
		let requests = 0;
		const list = async (page: number, perPage: number, createdTo?: number, loop?: PageLoop) => {
			requests++;
			return await client.list(
				{ page, perPage, createdFrom: options.createdFrom, createdTo },
				'read the media items to compare with the wanted media',
				loop,
			);
		};

		const first = await list(1, 1);
		// Whole seconds on the wire; +1 s so everything created up to this answer is inside.
		const createdTo = Math.floor(client.http.serverNow() / 1000) * 1000 + 1000;
		let expected = first.totalEntries;

		for (let attempt = 1; ; attempt++) {
			if (attempt > 1) expected = (await list(1, 1, createdTo)).totalEntries;
			const found = new Map<number, MediaItem>();
			const loop = new PageLoop('the media items', MAX_LIST_PAGES);
			let stable = true;
			for (let page = 1; ; page++) {
				const result = await list(page, MAX_PER_PAGE, createdTo, loop);
				if (result.totalEntries !== expected) {
					stable = false;
					break;
				}
				for (const entry of result.entries) found.set(entry.id, entry);
				if (page >= result.totalPages || result.rows === 0) break;
			}
			if (stable && (await list(1, 1, createdTo)).totalEntries === expected) {
				const index = new ProductMediaIndex({
					listRequests: requests,
					scanned: found.size,
					kept: 0,
					attempts: attempt,
				});
				const wanted = new Set([...options.tags].map(tagKey));
				for (const item of found.values()) if (carriesAny(item, wanted)) index.put(item);
				index.stats.kept = index.size;
				return index;
			}
			if (!(await pauseBeforeAttempt(attempt))) throw new ScanUnstableError(attempt);
		}
	}

	/** The product's media items carrying `tag`, oldest first. */
	tagged(productId: number, tag: string): MediaItem[] {
		const items = this.byProduct.get(productId);
		if (!items) return [];
		return [...items.values()].filter((item) => hasTag(item, tag)).sort((a, b) => a.id - b.id);
	}

	/** Records an item as CommerceConnect now has it (after a create or update). */
	put(item: MediaItem): void {
		const productId = item.product_id;
		const before = this.productOf.get(item.id);
		if (before !== undefined && before !== productId) this.remove(before, item.id);
		if (typeof productId !== 'number') return;
		this.productOf.set(item.id, productId);
		let items = this.byProduct.get(productId);
		if (!items) this.byProduct.set(productId, (items = new Map()));
		// A product has one primary media item: making one primary makes the others not.
		if (item.is_primary === true) {
			for (const other of items.values())
				if (other.id !== item.id && other.is_primary) items.set(other.id, { ...other, is_primary: false });
		}
		items.set(item.id, item);
	}

	remove(productId: number, id: number): void {
		if (this.byProduct.get(productId)?.delete(id)) this.productOf.delete(id);
	}

	/** Forgets an item wherever it is (it was deleted, or lost its sync tag). */
	drop(id: number): void {
		const productId = this.productOf.get(id);
		if (productId !== undefined) this.remove(productId, id);
	}

	/** Takes in a media item as read: kept when it carries one of `tags` (tag keys), else forgotten. */
	apply(item: MediaItem, tags: ReadonlySet<string>): void {
		if (carriesAny(item, tags) && typeof item.product_id === 'number') this.put(item);
		else this.drop(item.id);
	}

	/** Every indexed item. */
	*items(): IterableIterator<MediaItem> {
		for (const items of this.byProduct.values()) yield* items.values();
	}

	removeTagged(productId: number, tag: string): void {
		for (const item of this.tagged(productId, tag)) this.remove(productId, item.id);
	}
}

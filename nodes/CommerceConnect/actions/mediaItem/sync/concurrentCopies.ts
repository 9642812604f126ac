import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MAX_PER_PAGE, type MediaItem } from '../../../model';
import type { CommerceConnectClient } from '../../../transport';
import { readStable } from './keptIndex';
import { tagKey } from './mediaIndex';

/**
 * Two runs of one sync can overlap: in queue mode a re-check emits a change again while the
 * execution of its first emission still waits in the queue, and the two run side by side on two
 * workers; n8n also starts a poll's execution while the last one still runs. Both read the product
 * before either creates, and both create the same URL: a copy.
 *
 * So a run that created media ends by reading the media items created since its index was read,
 * and for each product, sync tag and URL it created keeps the oldest item (lowest ID) and deletes
 * the others. Every overlapping run does the same after its own creates, and the run that created
 * last reads after both creates: whichever order they come in, one item stays. A run that died
 * before its check leaves a copy the next overlapping run's check, or the next sync of the
 * product, removes. Cost: one list request per 100 items created meanwhile, once per node run.
 */

/** What one input item's output reports; the check adds the copies it deleted. */
export interface SyncReport extends IDataObject {
	deleted: number;
	changes: IDataObject[];
	warnings?: string[];
}

interface OwnCreate {
	productId: number;
	syncTag: string;
	url: string;
	id: number;
	report?: SyncReport;
}

export class ConcurrentCopies {
	private readonly creates: OwnCreate[] = [];

	/** This run created media item `id`; `report` is the output of its input item, if it has one. */
	record(create: OwnCreate): void {
		this.creates.push(create);
	}

	/**
	 * Deletes the copies of what this run created (see above). `since`: server time (epoch ms) at
	 * which this run's index began reading. Never throws: a check that fails is a warning on the
	 * items it could not check (the next sync of the product removes any copy).
	 */
	async remove(
		client: CommerceConnectClient,
		since: number,
		deleted: (id: number) => void,
		logger: IExecuteFunctions['logger'],
	): Promise<void> {
		if (this.creates.length === 0) return;
		const log = (text: string) => logger.warn(`CommerceConnect Sync Product Media: ${text}`);
		const groups = new Map<string, OwnCreate>();
		for (const create of this.creates) groups.set(copyKey(create.productId, create.syncTag, create.url), create);
		// By key, the listed items by ID: an item carrying the tag twice (in two cases) counts once.
		const copies = new Map<string, Map<number, MediaItem>>();
		try {
			// Whole seconds on the wire: one second of margin on each side.
			const listed = await readStable(
				async (query, loop) =>
					await client.list(
						{ perPage: MAX_PER_PAGE, page: 1, ...query },
						'look for media items another run created at the same time',
						loop,
					),
				{
					createdFrom: Math.floor(since / 1000) * 1000 - 1000,
					createdTo: Math.floor(client.http.serverNow() / 1000) * 1000 + 1000,
				},
			);
			for (const item of listed.items.values()) {
				if (typeof item.product_id !== 'number') continue;
				for (const tag of item.tag_list ?? []) {
					const key = copyKey(item.product_id, tag, String(item.url ?? '').trim());
					if (!groups.has(key)) continue;
					const same = copies.get(key) ?? new Map<number, MediaItem>();
					copies.set(key, same.set(item.id, item));
				}
			}
		} catch (error) {
			this.warnAll(`could not look for copies another run created at the same time (${message(error)})`, log);
			return;
		}
		let removed = 0;
		for (const [key, items] of copies) {
			const create = groups.get(key)!;
			const same = [...items.values()].sort((a, b) => a.id - b.id);
			if (same.length < 2) continue;
			const kept = same[0];
			for (const copy of same.slice(1)) {
				try {
					await client.remove(copy.id, { missingIsDone: true });
				} catch (error) {
					warn(create, `could not delete media item ${copy.id}, a copy of ${kept.id} (${message(error)})`, log);
					continue;
				}
				removed++;
				deleted(copy.id);
				if (create.report) {
					create.report.deleted++;
					create.report.changes.push({
						action: 'deleted',
						id: copy.id,
						url: create.url,
						reason: `a copy of media item ${kept.id}: another run created the same media at the same time`,
					});
				}
			}
		}
		if (removed > 0)
			logger.info(
				`CommerceConnect Sync Product Media: ${removed} media item(s) that another run created at the same time as this one were copies; deleted`,
			);
	}

	/** One warning per input item that created media (a product's creates share their report). */
	private warnAll(text: string, log: (message: string) => void): void {
		const warned = new Set<SyncReport | number>();
		for (const create of this.creates) {
			const who = create.report ?? create.productId;
			if (warned.has(who)) continue;
			warned.add(who);
			warn(create, text, log);
		}
	}
}

function copyKey(productId: number, tag: string, url: string): string {
	return `${productId}\n${tagKey(tag)}\n${url}`;
}

function warn(create: OwnCreate, text: string, log: (message: string) => void): void {
	const full = `Product ${create.productId}: ${text}; the next sync of the product removes any copy.`;
	if (create.report) (create.report.warnings ??= []).push(full);
	else log(full);
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

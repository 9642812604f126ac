import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { mapPrefix } from '../../shared/concurrency';
import { type Report, pastTime, record, textOf, watermarkAndFloor } from '../../shared/sync/restore';
import type {
	Candidate,
	Checkpoint,
	EnrichResult,
	FirstRun,
	ReadContext,
	ReadResult,
	SyncSource,
} from '../../shared/sync/types';
import { type MediaContent, type ModifiedProduct, newestChange } from '../model';
import type { PsRestfulClient } from '../transport';

/**
 * PSRESTful as a sync source.
 *
 * The API answers "which products' media changed since T" with ids only, up to the server's
 * present, in one unpaged list. The watermark is therefore the server time (from the Date
 * header) of the listing that was fully emitted, and the next listing starts `lookback` before
 * it to catch changes the supplier indexes late. A listing larger than the per-poll cap is
 * continued by re-asking the same `since` and skipping ids up to the last emitted one (ids are
 * sorted), so the state stays a few bytes whatever the backlog.
 *
 * Dedupe: without media content the API gives no version, so a product re-reported inside the
 * overlap is taken as the same change (a second real change of the same product within the
 * lookback window is then not emitted again: the API cannot tell the two apart). With media
 * content, the version is the newest changeTimeStamp plus a hash of the media list, which makes
 * dedupe exact.
 */

/** "Everything" starts here: PromoStandards media dates before 2000 do not exist. */
export const EVERYTHING_SINCE = Date.UTC(2000, 0, 1);

export interface PsItem {
	product: ModifiedProduct;
	/** Server time at which the change was seen. */
	detectedAt: number;
	media?: MediaContent[];
	/** Newest changeTimeStamp of the media, when the supplier fills it in. */
	newestChange?: string;
	/** False when the supplier reported the product as changed but no longer knows it. */
	productFound?: boolean;
}

interface PsCheckpoint {
	/** Server time (ms) up to which every listed change is handled. */
	wm: number;
	/** Nothing before this time is read (the first-run start). */
	floor: number;
	/** An unfinished listing: its `since`, the server time it was first read, the last id emitted. */
	cont?: { since: number; at: number; after: string };
}

export interface PsSourceOptions {
	supplier: string;
	includeMedia: boolean;
	mediaType?: string;
	lookbackMs: number;
	concurrency: number;
	/** Stop fetching media when PSRESTful says this few calls are left today. */
	quotaReserve: number;
	/** Identifies the account/endpoint, so another base URL or environment starts over. */
	endpointKey: string;
}

const STREAM = 'media';

export class PsRestfulSource implements SyncSource<PsItem> {
	readonly name = 'PSRESTful';

	readonly streams = [STREAM];

	/** A media listing shows each product's current media: a revert is a change too. */
	readonly dedupe = 'latest' as const;

	readonly configKey: string;

	readonly enrich?: (
		stream: string,
		candidates: Array<Candidate<PsItem>>,
		context: ReadContext,
	) => Promise<EnrichResult<PsItem>>;

	constructor(
		private readonly client: PsRestfulClient,
		private readonly options: PsSourceOptions,
	) {
		this.configKey = `psrestful|${options.endpointKey}|${options.supplier}`;
		if (options.includeMedia)
			this.enrich = async (_stream, candidates, context) => await this.fetchMedia(candidates, context);
	}

	restore(_stream: string, checkpoint: unknown, report: Report): Checkpoint | undefined {
		const cp = record(checkpoint);
		const times = watermarkAndFloor(cp, report);
		if (!times) return undefined;
		const restored: PsCheckpoint = { ...times };
		if (cp?.cont !== undefined) {
			const cont = record(cp.cont);
			const since = pastTime(cont?.since, 'the unfinished listing’s start', report);
			const at = pastTime(cont?.at, 'the unfinished listing’s time', report);
			const after = textOf(cont?.after);
			if (since !== undefined && at !== undefined && after !== undefined) restored.cont = { since, at, after };
			else report('an unfinished listing could not be resumed; it is read again from the watermark');
		}
		return restored as unknown as Checkpoint;
	}

	async start(_stream: string, firstRun: FirstRun): Promise<Checkpoint> {
		if (firstRun.mode === 'date') return { wm: firstRun.date!, floor: firstRun.date! } satisfies PsCheckpoint;
		if (firstRun.mode === 'all') return { wm: EVERYTHING_SINCE, floor: EVERYTHING_SINCE } satisfies PsCheckpoint;
		// "Now" is the server's now: ask once (this also checks the supplier supports the method).
		await this.client.modifiedSince(this.options.supplier, Date.now());
		const now = this.client.http.serverNow();
		return { wm: now, floor: now } satisfies PsCheckpoint;
	}

	async read(_stream: string, checkpoint: Checkpoint, context: ReadContext): Promise<ReadResult<PsItem>> {
		const cp = checkpoint as unknown as PsCheckpoint;
		const since = cp.cont ? cp.cont.since : Math.max(cp.floor, cp.wm - this.options.lookbackMs);
		const listed = await this.client.modifiedSince(this.options.supplier, since);
		const observed = this.client.http.serverNow();
		const at = cp.cont ? cp.cont.at : observed;

		const products = uniqueSorted(listed);
		// Without media content a remembered id is a re-report of a change already emitted: skip it
		// here rather than spend the per-poll cap and another listing on it.
		const pending = products.filter(
			(p) => (!cp.cont || keyOf(p) > cp.cont.after) && (this.options.includeMedia || !context.isEmitted(keyOf(p))),
		);
		const taken = pending.slice(0, context.maxItems);
		const caughtUp = taken.length === pending.length;

		const continueAfter = (key: string): PsCheckpoint => ({
			wm: cp.wm,
			floor: cp.floor,
			cont: { since, at, after: key },
		});
		// Remembered at least until the watermark the read started from: a server clock that went back
		// for one answer must not make an emitted change look older than the next read's start.
		const remembered = Math.max(observed, cp.wm);
		const candidates = taken.map((product) => ({
			key: keyOf(product),
			time: remembered,
			item: { product, detectedAt: observed },
			resume: continueAfter(keyOf(product)) as unknown as Checkpoint,
		}));
		const next: PsCheckpoint = caughtUp ? { wm: at, floor: cp.floor } : continueAfter(keyOf(taken[taken.length - 1]));
		return {
			candidates,
			next: next as unknown as Checkpoint,
			caughtUp,
			floor: caughtUp ? Math.max(cp.floor, at - this.options.lookbackMs) : since,
		};
	}

	async sample(_stream: string, limit: number): Promise<Array<Candidate<PsItem>>> {
		// The last 30 days, or (one more call) anything, so a quiet supplier still shows real data.
		let listed = uniqueSorted(await this.client.modifiedSince(this.options.supplier, Date.now() - 30 * 24 * 3600_000));
		if (listed.length === 0)
			listed = uniqueSorted(await this.client.modifiedSince(this.options.supplier, EVERYTHING_SINCE));
		const observed = this.client.http.serverNow();
		return listed
			.slice(0, limit)
			.map((product) => ({ key: keyOf(product), time: observed, item: { product, detectedAt: observed } }));
	}

	toJson(_stream: string, candidate: Candidate<PsItem>): IDataObject {
		const { product, detectedAt, media, newestChange: newest, productFound } = candidate.item;
		return {
			productId: product.productId,
			...(product.partId ? { partId: product.partId } : {}),
			supplier: this.options.supplier,
			detectedAt: new Date(detectedAt).toISOString(),
			...(media
				? {
						productFound: productFound !== false,
						changeTimeStamp: newest ?? null,
						mediaCount: media.length,
						media,
					}
				: {}),
		};
	}

	private async fetchMedia(candidates: Array<Candidate<PsItem>>, context: ReadContext): Promise<EnrichResult<PsItem>> {
		const { supplier, mediaType, concurrency, quotaReserve } = this.options;
		const result = await mapPrefix(
			candidates,
			concurrency,
			async (candidate) => {
				const { product } = candidate.item;
				// A product listed as changed that the supplier no longer knows is reported with no media.
				const found = await this.client.mediaContentOrMissing(
					supplier,
					product.productId,
					{ partId: product.partId, mediaType },
					true,
				);
				const media: MediaContent[] = found ?? [];
				const productFound = found !== null;
				const newest = newestChange(media);
				return {
					...candidate,
					version: `${newest ?? ''}#${contentHash(media)}`,
					item: { ...candidate.item, media, newestChange: newest, productFound },
				};
			},
			() => {
				const remaining = this.client.quota()?.remaining;
				if (remaining !== undefined && remaining <= quotaReserve) {
					return `PSRESTful quota low (${remaining} calls left today, reserve ${quotaReserve}); the other products are fetched next poll`;
				}
				if (Date.now() >= context.deadline) return 'poll time budget used up; the other products are fetched next poll';
				return undefined;
			},
		);
		return { done: result.results, stopReason: result.stopReason, error: result.error };
	}
}

function keyOf(product: ModifiedProduct): string {
	return product.partId ? `${product.productId}|${product.partId}` : product.productId;
}

function uniqueSorted(products: readonly ModifiedProduct[]): ModifiedProduct[] {
	const byKey = new Map<string, ModifiedProduct>();
	for (const product of products) byKey.set(keyOf(product), product);
	return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
}

function contentHash(media: readonly MediaContent[]): string {
	return createHash('sha1').update(JSON.stringify(media)).digest('base64url').slice(0, 16);
}

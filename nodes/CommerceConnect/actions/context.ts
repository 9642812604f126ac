import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { CommerceConnectClient } from '../transport';
import { ConcurrentCopies } from './mediaItem/sync/concurrentCopies';
import { type IndexScope, KeptIndex } from './mediaItem/sync/keptIndex';
import { ProductMediaIndex, tagKey } from './mediaItem/sync/mediaIndex';

/** Scans of the PIM's media items one run starts at most when they fail. */
export const MAX_SCANS_PER_RUN = 3;

/**
 * What the operations of one node run share: one client (so retries, clock and product-code
 * lookups are per run) and the product media index of Sync Product Media, built once per run
 * for all input items.
 */
export class RunContext {
	readonly client: CommerceConnectClient;

	/** Requests of this run at once, at most; an operation may run one item's requests side by side up to it. */
	concurrency = 1;

	private index?: Promise<ProductMediaIndex>;

	private failedScans = 0;

	/** The index kept between runs in static data, when this run uses one. */
	private kept?: KeptIndex;

	/** Server time at which the run's index began reading: media created since may be missing from it. */
	private indexSince?: number;

	/** What Sync Product Media created in this run, checked for copies at the end. */
	readonly copies = new ConcurrentCopies();

	constructor(private readonly ctx: IExecuteFunctions) {
		this.client = new CommerceConnectClient(ctx);
	}

	/** Lets this run send up to `limit` requests at once (Options → Concurrency). Before the first request. */
	useConcurrency(limit: number): void {
		this.concurrency = limit;
		this.client.http.limitInFlight(limit);
	}

	/** The ID of the product with this code; a clear error when there is none or several. */
	async productIdByCode(code: string, itemIndex: number): Promise<number> {
		const ids = await this.client.productIdsByCode(code);
		if (ids.length === 0) {
			throw new NodeOperationError(this.ctx.getNode(), `No product has the code ${JSON.stringify(code)}`, {
				itemIndex,
				description:
					'Check the Product Code (codes are compared exactly, including case), or identify the product by ID.',
			});
		}
		if (ids.length > 1) {
			throw new NodeOperationError(
				this.ctx.getNode(),
				`Several products have the code ${JSON.stringify(code)} (IDs ${ids.join(', ')})`,
				{
					itemIndex,
					description: 'Identify the product by ID instead.',
				},
			);
		}
		return ids[0];
	}

	/**
	 * The run's product media index, built the first time it is needed (`scope()` says what it
	 * must hold): the index kept between runs brought up to date, or a scan of every media item —
	 * always in manual executions (n8n keeps no static data of them) and with Full Scan Every = 0.
	 */
	async mediaIndex(scope: () => IndexScope): Promise<ProductMediaIndex> {
		if (!this.index) {
			const attempt = this.buildIndex(scope());
			this.index = attempt;
			// A failed scan is not kept: the next item may try again — up to MAX_SCANS_PER_RUN scans in
			// all, then the last failure stands for every item left (a PIM that is down is not scanned
			// once per input item).
			attempt.catch(() => {
				if (++this.failedScans < MAX_SCANS_PER_RUN) this.index = undefined;
			});
		}
		return await this.index;
	}

	private async buildIndex(scope: IndexScope): Promise<ProductMediaIndex> {
		const started = Date.now();
		const index = await this.readIndex(scope);
		// The server's clock is known once the index has read: its start, on that clock.
		this.indexSince = this.client.http.serverNow() - (Date.now() - started);
		return index;
	}

	private async readIndex(scope: IndexScope): Promise<ProductMediaIndex> {
		const tags = new Set([...scope.tags].map(tagKey));
		if (this.ctx.getMode() === 'manual' || scope.fullScanEveryMs <= 0) {
			this.kept = undefined;
			return await ProductMediaIndex.scan(this.client, { tags, createdFrom: scope.createdFrom });
		}
		this.kept = new KeptIndex(this.ctx.getWorkflowStaticData('node'), await this.client.accountKey());
		return await this.kept.build(this.client, { ...scope, tags });
	}

	/** The run deleted a media item (Sync Product Media): the kept index forgets it. */
	deleted(id: number): void {
		this.kept?.deleted(id);
	}

	/** The run deleted the product's media carrying `tag`: the kept index forgets them. */
	deletedTagged(productId: number, tag: string): void {
		this.kept?.deletedTagged(productId, tag);
	}

	/**
	 * At the end of the run, failed or not, before {@link finish}: deletes copies of what Sync
	 * Product Media created that another run created at the same time (see ConcurrentCopies).
	 */
	async removeConcurrentCopies(): Promise<void> {
		if (this.indexSince === undefined) return;
		await this.copies.remove(this.client, this.indexSince, (id) => this.deleted(id), this.ctx.logger);
	}

	/** At the end of the run, failed or not: keeps the index for the next run (static data). */
	finish(): void {
		this.kept?.save();
	}
}

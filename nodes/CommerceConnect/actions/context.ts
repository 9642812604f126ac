import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { CommerceConnectClient } from '../transport';
import type { ProductMediaIndex } from './mediaItem/sync/mediaIndex';

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

	/** The run's product media index, built by `build` the first time it is needed. */
	async mediaIndex(build: () => Promise<ProductMediaIndex>): Promise<ProductMediaIndex> {
		if (!this.index) {
			this.index = build();
			// A failed scan is not kept: the next item may try again.
			this.index.catch(() => (this.index = undefined));
		}
		return await this.index;
	}
}

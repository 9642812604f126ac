import type { IExecuteFunctions } from 'n8n-workflow';

/** An execute context whose parameter reads an item's run takes from its key phase (see below). */
export interface RememberedParameters {
	context: IExecuteFunctions;
	/** Drops what was kept for an item (call once its run has ended). */
	forget(itemIndex: number): void;
}

/**
 * An execute context that keeps the parameters it read, item by item, until the item is
 * forgotten. When items run side by side, each item's key (what it touches) is worked out before
 * any item runs, from the same parameters the item's run reads again (a product ID, a media item
 * ID). Two reasons to take the run's values from the key phase:
 * - the run writes to what its key named, also when an expression gives a new answer each time
 *   it is worked out (`$now`, a random value), so items that share a product never overlap;
 * - n8n works an expression out again on every read (a new data proxy each time, about a tenth of
 *   a millisecond of CPU).
 *
 * Kept: what a read without a fallback and without options returned, when it is a string,
 * number, boolean or null. Such a value came from the parameter itself, so it is also what a
 * later read with a fallback returns. An object is not kept (its reader may change it), nor a
 * failed read (the item's run reads again and fails with its own message).
 */
export function rememberParameters(ctx: IExecuteFunctions): RememberedParameters {
	const kept = new Map<number, Map<string, unknown>>();
	const read = ctx.getNodeParameter.bind(ctx) as (
		name: string,
		itemIndex: number,
		fallback?: unknown,
		options?: unknown,
	) => unknown;
	const getNodeParameter = (name: string, itemIndex: number, fallback?: unknown, options?: unknown): unknown => {
		if (options !== undefined) return read(name, itemIndex, fallback, options);
		const item = kept.get(itemIndex);
		if (item?.has(name)) return item.get(name);
		if (fallback !== undefined) return read(name, itemIndex, fallback);
		const value = read(name, itemIndex);
		if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
			if (item) item.set(name, value);
			else kept.set(itemIndex, new Map([[name, value]]));
		}
		return value;
	};
	// Everything else is the node run's own context, reached through the prototype: n8n-core's
	// contexts set their fields in the constructor only, so nothing is written to this object.
	const context = Object.create(ctx, { getNodeParameter: { value: getNodeParameter } }) as IExecuteFunctions;
	return { context, forget: (itemIndex) => kept.delete(itemIndex) };
}

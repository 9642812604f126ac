import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { clampInteger } from '../../../shared/numbers';

/**
 * How the write operations run their items side by side, and what each item touches (its keys):
 * items sharing a key run one after another in input order (see `forEachItem` in
 * nodes/shared/execute.ts).
 *
 * CommerceConnect documents no rate limit. Ten requests at once is a moderate load for a web
 * API (one request per item at a time, ten items); a 429 with Retry-After holds back every request
 * of the run (nodes/shared/transport/http.ts) and is sent again, creates included (a 429 was not
 * processed). At 50 ms per request, 10 makes a run of creates 9.3–9.6× faster than one at a time
 * (docs/performance.md, "Writes in parallel").
 */
export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 20;

export const concurrencyOption: INodeProperties = {
	displayName: 'Concurrency',
	name: 'concurrency',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY },
	default: DEFAULT_CONCURRENCY,
	description:
		'How many requests run at once across the input items (1: one after another). Items for the same product still run in input order.',
};

/** The Options collection of Create, Upload, Update, Delete and Delete by Filter. */
export function optionsField(): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [concurrencyOption],
	};
}

/**
 * Reads Concurrency from the collection `collection` of the first item: the option is the run's,
 * not an item's. A value that is not a number counts as the default; one out of range is clamped.
 */
export function concurrencyFrom(collection: string) {
	return function (this: IExecuteFunctions): number {
		let raw: unknown;
		try {
			raw = (this.getNodeParameter(collection, 0, {}) as IDataObject | undefined)?.concurrency;
		} catch {
			// An expression that fails here fails again, with its message, in the item's own run.
			raw = undefined;
		}
		return clampInteger(raw, { min: 1, max: MAX_CONCURRENCY }, DEFAULT_CONCURRENCY);
	};
}

/** Keys of what an item touches. Raw parameter text: an invalid value fails in the item's own run. */
export const keys = {
	product: (id: unknown) => `product:${normalId(id)}`,
	productCode: (code: unknown) => `product-code:${String(code ?? '').trim()}`,
	entity: (type: string, by: string, value: unknown) => `${type}:${by}:${String(value ?? '').trim()}`,
	mediaItem: (id: unknown) => `media-item:${normalId(id)}`,
	/**
	 * Making a media item primary makes its product's other media not primary, and an update
	 * does not say which product that is: such updates run one after another, so the last one in
	 * input order wins, as it does one at a time.
	 */
	primary: 'makes-primary',
};

/** "9", " 9 ", "09" and 9 are one ID (as the field checks read them). */
function normalId(value: unknown): string {
	const text = String(value ?? '').trim();
	return /^\d+$/.test(text) ? String(Number(text)) : text;
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { mapPrefix } from '../../../shared/concurrency';
import { clampInteger } from '../../../shared/numbers';
import type { PsRestfulClient } from '../../transport';
import { contentOptions, outputField, readContentOptions, refuseDotSegment, supplierField } from '../common';
import { shapeOutput } from './getContent.operation';
import { readSupplier } from './getModifiedSince.operation';

const displayOptions = { show: { resource: ['media'], operation: ['getContentForMany'] } };

const properties: INodeProperties[] = [
	supplierField(),
	{
		displayName: 'Product IDs',
		name: 'productIds',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 5989, 6234, 7891',
		description: 'Product IDs separated by commas or new lines, or an array mapped from the input with an expression',
	},
	outputField(),
	{
		displayName: 'Requests in Parallel',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: 10,
		description: 'How many products are fetched at the same time',
	},
	{
		displayName: 'Quota Reserve',
		name: 'quotaReserve',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 5,
		description:
			'Stop before PSRESTful’s daily quota falls to this many calls; products not fetched are returned with fetched = false so a later run can take them',
	},
	contentOptions(),
];

export const description = updateDisplayOptions(displayOptions, properties);

/** getMediaContent for a list of products, in parallel within a bound, stopping before the quota runs out. */
export async function execute(
	this: IExecuteFunctions,
	client: PsRestfulClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const supplier = readSupplier.call(this, itemIndex);
	const ids = parseIdList(this.getNodeParameter('productIds', itemIndex));
	if (ids.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Product IDs is empty', {
			itemIndex,
			description: 'Enter at least one product ID, separated by commas or new lines.',
		});
	}
	for (const id of ids) refuseDotSegment.call(this, id, 'Product ID', itemIndex);
	const filters = readContentOptions.call(this, itemIndex);
	const output = this.getNodeParameter('output', itemIndex, 'media') as string;
	const concurrency = clampInteger(this.getNodeParameter('concurrency', itemIndex, 10), { min: 1, max: 20 }, 10);
	const reserve = clampInteger(this.getNodeParameter('quotaReserve', itemIndex, 5), { min: 0, max: Infinity }, 5);

	const result = await mapPrefix(
		ids,
		concurrency,
		async (productId) => await client.mediaContent(supplier, productId, filters),
		() => {
			const remaining = client.quota()?.remaining;
			return remaining !== undefined && remaining <= reserve
				? `quota reserve reached (${remaining} calls left today)`
				: undefined;
		},
	);
	if (result.error) throw result.error;

	const out: IDataObject[] = [];
	result.results.forEach((media, index) => out.push(...shapeOutput(output, supplier, ids[index], media)));
	for (const productId of ids.slice(result.results.length)) {
		out.push({ supplier, productId, fetched: false, reason: result.stopReason ?? 'not fetched' });
	}
	return out;
}

/** Accepts an array, or a string separated by commas / new lines; drops blanks and repeats. */
export function parseIdList(value: unknown): string[] {
	const raw = Array.isArray(value) ? value.map((v) => String(v ?? '')) : String(value ?? '').split(/[\n,]+/);
	return [...new Set(raw.map((id) => id.trim()).filter(Boolean))];
}

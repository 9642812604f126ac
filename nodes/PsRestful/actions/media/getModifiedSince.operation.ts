import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { parseDateInput } from '../../../shared/dates';
import type { PsRestfulClient } from '../../transport';
import { readSupplierCode, refuseDotSegment, supplierField } from '../common';

const displayOptions = { show: { resource: ['media'], operation: ['getModifiedSince'] } };

const properties: INodeProperties[] = [
	supplierField(),
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		required: true,
		default: '',
		description: 'Return products whose media changed on or after this time (UTC when no offset is given)',
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/** getMediaDateModified: one output item per product. */
export async function execute(
	this: IExecuteFunctions,
	client: PsRestfulClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const supplier = readSupplier.call(this, itemIndex);
	const since = parseDateInput(this.getNodeParameter('since', itemIndex), 'Since', this.getNode(), itemIndex);
	const products = await client.modifiedSince(supplier, since);
	return products.map((product) => ({ ...product, supplier }));
}

export function readSupplier(this: IExecuteFunctions, itemIndex: number): string {
	const supplier = readSupplierCode(this.getNodeParameter('supplierCode', itemIndex, '', { extractValue: true }));
	if (supplier === '') {
		throw new NodeOperationError(this.getNode(), 'Supplier is empty', {
			itemIndex,
			description: 'Choose a supplier from the list, or enter its PromoStandards code (e.g. HIT).',
		});
	}
	refuseDotSegment.call(this, supplier, 'Supplier', itemIndex);
	return supplier;
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { MediaContent } from '../../model';
import type { PsRestfulClient } from '../../transport';
import { contentOptions, outputField, readContentOptions, requireProductId, supplierField } from '../common';
import { readSupplier } from './getModifiedSince.operation';

const displayOptions = { show: { resource: ['media'], operation: ['getContent'] } };

const properties: INodeProperties[] = [
	supplierField(),
	{
		displayName: 'Product ID',
		name: 'productId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 5989',
		description: 'The supplier’s product ID. IDs containing "/" are supported.',
	},
	outputField(),
	contentOptions(),
];

export const description = updateDisplayOptions(displayOptions, properties);

/** getMediaContent for one product. */
export async function execute(
	this: IExecuteFunctions,
	client: PsRestfulClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const supplier = readSupplier.call(this, itemIndex);
	const productId = requireProductId.call(this, this.getNodeParameter('productId', itemIndex), itemIndex);
	const filters = readContentOptions.call(this, itemIndex);
	const media = await client.mediaContent(supplier, productId, filters);
	return shapeOutput(this.getNodeParameter('output', itemIndex, 'media') as string, supplier, productId, media);
}

export function shapeOutput(output: string, supplier: string, productId: string, media: MediaContent[]): IDataObject[] {
	if (output === 'product') return [{ supplier, productId, mediaCount: media.length, media }];
	return media.map((entry) => ({ supplier, ...entry }));
}

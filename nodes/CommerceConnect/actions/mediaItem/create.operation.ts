import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { FieldChecker } from '../../model';
import type { RunContext } from '../context';
import {
	MEDIA_ITEM_TYPE_OPTIONS,
	attributeValuesField,
	derivedMediaItemsField,
	descriptionOption,
	etagOption,
	positionOption,
	primaryOption,
	processingOptionsField,
	readAttributeValues,
	readCommonFields,
	readDerivedMediaItems,
	readProcessingOptions,
	tagsOption,
} from './fields';
import { concurrencyFrom, keys, optionsField } from './parallel';

const displayOptions = { show: { resource: ['mediaItem'], operation: ['create'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Media Item Type',
		name: 'mediaItemType',
		type: 'options',
		required: true,
		default: 'ImageMediaItem',
		options: MEDIA_ITEM_TYPE_OPTIONS,
	},
	{
		displayName: 'Attach To',
		name: 'attachTo',
		type: 'options',
		default: 'product',
		options: [
			{
				name: 'Category',
				value: 'Category',
				description: 'A category, by ID (CommerceConnect does not support category codes)',
			},
			{ name: 'NPC Entity', value: 'NpcEntity', description: 'A non-product entity (e.g. a material), by ID or code' },
			{ name: 'Product', value: 'product', description: 'A product, by ID or code' },
		],
	},
	{
		displayName: 'Identify Product By',
		name: 'productBy',
		type: 'options',
		default: 'id',
		options: [
			{ name: 'ID', value: 'id' },
			{ name: 'Code', value: 'code', description: 'Sent as product_code; CommerceConnect finds the product' },
		],
		displayOptions: { show: { attachTo: ['product'] } },
	},
	{
		displayName: 'Product ID',
		name: 'productId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 1043',
		description: 'The numeric ID of the product',
		displayOptions: { show: { attachTo: ['product'], productBy: ['id'] } },
	},
	{
		displayName: 'Product Code',
		name: 'productCode',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'SKU-1001',
		displayOptions: { show: { attachTo: ['product'], productBy: ['code'] } },
	},
	{
		displayName: 'Identify Entity By',
		name: 'entityBy',
		type: 'options',
		default: 'id',
		options: [
			{ name: 'ID', value: 'id' },
			{ name: 'Code', value: 'code' },
		],
		displayOptions: { show: { attachTo: ['NpcEntity'] } },
	},
	{
		displayName: 'Entity ID',
		name: 'entityId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 312',
		displayOptions: { show: { attachTo: ['NpcEntity'], entityBy: ['id'] } },
	},
	{
		displayName: 'Entity Code',
		name: 'entityCode',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'cotton',
		displayOptions: { show: { attachTo: ['NpcEntity'], entityBy: ['code'] } },
	},
	{
		displayName: 'CommerceConnect attaches media to a category by its ID only: category codes are not supported',
		name: 'categoryNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { attachTo: ['Category'] } },
	},
	{
		displayName: 'Category ID',
		name: 'categoryId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 57',
		displayOptions: { show: { attachTo: ['Category'] } },
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://cdn.example.com/image.jpg',
		description: 'Where the media file is. CommerceConnect stores the URL.',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add field',
		default: {},
		options: [descriptionOption, etagOption, positionOption, primaryOption, tagsOption],
	},
	derivedMediaItemsField(),
	attributeValuesField(),
	processingOptionsField({ mediaItemType: ['ImageMediaItem'] }),
	optionsField(),
];

export const description = updateDisplayOptions(displayOptions, properties);

/** Builds the `media_item` of a create request from the node's fields (all checked, nothing sent). */
export function readCreateFields(this: IExecuteFunctions, itemIndex: number): IDataObject {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const type = check.mediaItemType(this.getNodeParameter('mediaItemType', itemIndex));
	const item: IDataObject = { media_item_type: type };

	const attachTo = this.getNodeParameter('attachTo', itemIndex, 'product') as string;
	if (attachTo === 'product') {
		const by = this.getNodeParameter('productBy', itemIndex, 'id') as string;
		if (by === 'id') item.product_id = check.id(this.getNodeParameter('productId', itemIndex), 'Product ID');
		else if (by === 'code')
			item.product_code = check.code(this.getNodeParameter('productCode', itemIndex), 'Product Code');
		else check.fail(`Identify Product By must be ID or Code, not ${JSON.stringify(by)}`);
	} else if (attachTo === 'NpcEntity') {
		item.associated_type = 'NpcEntity';
		const by = this.getNodeParameter('entityBy', itemIndex, 'id') as string;
		if (by === 'id') item.associated_id = check.id(this.getNodeParameter('entityId', itemIndex), 'Entity ID');
		else if (by === 'code')
			item.associated_code = check.code(this.getNodeParameter('entityCode', itemIndex), 'Entity Code');
		else check.fail(`Identify Entity By must be ID or Code, not ${JSON.stringify(by)}`);
	} else if (attachTo === 'Category') {
		item.associated_type = 'Category';
		const value = this.getNodeParameter('categoryId', itemIndex);
		if (!check.isBlank(value) && !/^\s*\d+\s*$/.test(String(value))) {
			check.fail(
				`Category ID must be a whole number, not ${JSON.stringify(String(value))}: CommerceConnect cannot attach media to a category by code`,
				'CommerceConnect supports associated_code for NPC entities only. Look up the category’s numeric ID in CommerceConnect.',
			);
		}
		item.associated_id = check.id(value, 'Category ID');
	} else {
		check.fail(`Attach To must be Product, NPC Entity or Category, not ${JSON.stringify(attachTo)}`);
	}

	item.url = check.url(this.getNodeParameter('url', itemIndex), 'URL');
	readCommonFields(check, this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject, item);
	const derived = readDerivedMediaItems(check, this.getNodeParameter('derivedMediaItems', itemIndex, {}));
	if (derived) item.derived_media_items = derived;
	const attributes = readAttributeValues(check, this.getNodeParameter('attributeValues', itemIndex, {}));
	if (attributes) item.attribute_values = attributes;
	// Hidden for other types in the editor, but still checked: the type may come from an expression.
	const processing = readProcessingOptions(
		check,
		this.getNodeParameter('processingOptions', itemIndex, {}),
		type,
		'Set Media Item Type to Image, or remove the processing options.',
	);
	if (processing) item.processing_options = processing;
	return item;
}

/** Creates for one product (or entity) run in input order: its media's order and primary follow the input. */
export const parallel = {
	concurrency: concurrencyFrom('options'),
	key(this: IExecuteFunctions, _run: RunContext, itemIndex: number): string {
		const attachTo = this.getNodeParameter('attachTo', itemIndex, 'product') as string;
		if (attachTo === 'product') {
			return this.getNodeParameter('productBy', itemIndex, 'id') === 'code'
				? keys.productCode(this.getNodeParameter('productCode', itemIndex))
				: keys.product(this.getNodeParameter('productId', itemIndex));
		}
		if (attachTo === 'NpcEntity') {
			const by = this.getNodeParameter('entityBy', itemIndex, 'id') as string;
			return keys.entity(attachTo, by, this.getNodeParameter(by === 'code' ? 'entityCode' : 'entityId', itemIndex));
		}
		return keys.entity(attachTo, 'id', this.getNodeParameter('categoryId', itemIndex));
	},
};

export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const item = readCreateFields.call(this, itemIndex);
	return [await run.client.create(item)];
}

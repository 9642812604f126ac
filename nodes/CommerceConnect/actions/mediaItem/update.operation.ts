import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { FieldChecker, type MediaItemType } from '../../model';
import type { RunContext } from '../context';
import {
	MEDIA_ITEM_TYPE_OPTIONS,
	attributeValuesField,
	derivedMediaItemsField,
	descriptionOption,
	etagOption,
	mediaItemIdField,
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

const displayOptions = { show: { resource: ['mediaItem'], operation: ['update'] } };

const properties: INodeProperties[] = [
	mediaItemIdField(),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add field',
		default: {},
		description: 'Only the fields you add are sent; the others keep their values',
		options: [
			{
				displayName: 'Associated Code',
				name: 'associatedCode',
				type: 'string',
				default: '',
				description: 'Code of the NPC entity to move the media item to (with Associated Type; not for categories)',
			},
			{
				displayName: 'Associated ID',
				name: 'associatedId',
				type: 'string',
				default: '',
				description: 'ID of the NPC entity or category to move the media item to (with Associated Type)',
			},
			{
				displayName: 'Associated Type',
				name: 'associatedType',
				type: 'options',
				default: 'NpcEntity',
				options: [
					{ name: 'Category', value: 'Category' },
					{ name: 'NPC Entity', value: 'NpcEntity' },
				],
				description: 'Kind of entity to move the media item to',
			},
			descriptionOption,
			etagOption,
			{
				displayName: 'Media Item Type',
				name: 'mediaItemType',
				type: 'options',
				default: 'ImageMediaItem',
				options: MEDIA_ITEM_TYPE_OPTIONS,
			},
			positionOption,
			primaryOption,
			{
				displayName: 'Product Code',
				name: 'productCode',
				type: 'string',
				default: '',
				description: 'Code of the product to move the media item to',
			},
			{
				displayName: 'Product ID',
				name: 'productId',
				type: 'string',
				default: '',
				description: 'ID of the product to move the media item to',
			},
			tagsOption,
			{
				displayName: 'URL',
				name: 'url',
				type: 'string',
				default: '',
				placeholder: 'https://cdn.example.com/image.jpg',
			},
		],
	},
	derivedMediaItemsField(),
	attributeValuesField(),
	processingOptionsField(),
	optionsField(),
];

export const description = updateDisplayOptions(displayOptions, properties);

/** The `media_item` of an update: exactly the fields the user set, all checked. */
export function readUpdateFields(this: IExecuteFunctions, itemIndex: number): { id: number; item: IDataObject } {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const id = check.id(this.getNodeParameter('mediaItemId', itemIndex), 'Media Item ID');
	const raw = this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject;
	const item: IDataObject = {};

	let type: MediaItemType | undefined;
	if (raw.mediaItemType !== undefined) item.media_item_type = type = check.mediaItemType(raw.mediaItemType);
	if (raw.url !== undefined) item.url = check.url(raw.url, 'URL');
	readCommonFields(check, raw, item);

	const productId = check.isBlank(raw.productId) ? undefined : check.id(raw.productId, 'Product ID');
	const productCode = check.isBlank(raw.productCode) ? undefined : check.code(raw.productCode, 'Product Code');
	if (productId !== undefined && productCode !== undefined)
		check.fail('Set either Product ID or Product Code, not both');
	if (productId !== undefined) item.product_id = productId;
	if (productCode !== undefined) item.product_code = productCode;

	const associatedId = check.isBlank(raw.associatedId) ? undefined : raw.associatedId;
	const associatedCode = check.isBlank(raw.associatedCode) ? undefined : raw.associatedCode;
	if (raw.associatedType !== undefined) {
		const associatedType = String(raw.associatedType);
		if (associatedType !== 'NpcEntity' && associatedType !== 'Category') {
			check.fail(`Associated Type must be NpcEntity or Category, not ${JSON.stringify(associatedType)}`);
		}
		if (productId !== undefined || productCode !== undefined)
			check.fail('Set either a product or an Associated Type, not both');
		if (associatedId === undefined && associatedCode === undefined) {
			check.fail(
				'Associated Type needs Associated ID or Associated Code',
				'Add the ID (or, for an NPC entity, the code) of the entity to move the media item to.',
			);
		}
		if (associatedId !== undefined && associatedCode !== undefined)
			check.fail('Set either Associated ID or Associated Code, not both');
		if (associatedType === 'Category' && associatedCode !== undefined) {
			check.fail(
				'Associated Code is not supported for categories',
				'CommerceConnect attaches media to a category by its ID only: use Associated ID.',
			);
		}
		item.associated_type = associatedType;
		if (associatedId !== undefined) item.associated_id = check.id(associatedId, 'Associated ID');
		if (associatedCode !== undefined) item.associated_code = check.code(associatedCode, 'Associated Code');
	} else if (associatedId !== undefined || associatedCode !== undefined) {
		check.fail(
			'Associated ID and Associated Code need Associated Type',
			'Add Associated Type (NPC Entity or Category) under Update Fields.',
		);
	}

	const derived = readDerivedMediaItems(check, this.getNodeParameter('derivedMediaItems', itemIndex, {}));
	if (derived) item.derived_media_items = derived;
	const attributes = readAttributeValues(check, this.getNodeParameter('attributeValues', itemIndex, {}));
	if (attributes) item.attribute_values = attributes;
	const processing = readProcessingOptions(
		check,
		this.getNodeParameter('processingOptions', itemIndex, {}),
		type,
		'The node cannot see the media item’s current type: add Media Item Type = Image under Update Fields to use them.',
	);
	if (processing) item.processing_options = processing;

	if (Object.keys(item).length === 0) {
		check.fail(
			'Nothing to update',
			'Add at least one field under Update Fields (or a derived media item, attribute value or processing option).',
		);
	}
	return { id, item };
}

/**
 * Updates of one media item run in input order; so do updates that move media to one product,
 * and updates that make a media item primary (the last one in input order wins, as one at a time).
 */
export const parallel = {
	concurrency: concurrencyFrom('options'),
	key(this: IExecuteFunctions, _run: RunContext, itemIndex: number): string[] {
		const touched = [keys.mediaItem(this.getNodeParameter('mediaItemId', itemIndex))];
		const fields = (this.getNodeParameter('updateFields', itemIndex, {}) as IDataObject | undefined) ?? {};
		if (fields.productId !== undefined && fields.productId !== '') touched.push(keys.product(fields.productId));
		if (fields.productCode !== undefined && fields.productCode !== '')
			touched.push(keys.productCode(fields.productCode));
		if (fields.isPrimary === true || fields.isPrimary === 'true') touched.push(keys.primary);
		return touched;
	},
};

export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const { id, item } = readUpdateFields.call(this, itemIndex);
	return [await run.client.update(id, item)];
}

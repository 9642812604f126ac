import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FieldChecker, type MediaItemType } from '../../model';
import type { RunContext } from '../context';

/**
 * Field definitions several Media Item operations share, and the readers that turn their values
 * into API fields. Every reader checks before anything is sent and names the field it rejects.
 */

export const MEDIA_ITEM_TYPE_OPTIONS = [
	{ name: 'File', value: 'FileMediaItem' },
	{ name: 'Image', value: 'ImageMediaItem' },
	{ name: 'Video', value: 'VideoMediaItem' },
];

export function mediaItemIdField(): INodeProperties {
	return {
		displayName: 'Media Item ID',
		name: 'mediaItemId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 968',
		description: 'The numeric ID of the media item',
	};
}

/** Product by ID or by code (resolved through GET /api/v2/products?code=…). */
export function productFields(): INodeProperties[] {
	return [
		{
			displayName: 'Identify Product By',
			name: 'productBy',
			type: 'options',
			default: 'id',
			options: [
				{ name: 'ID', value: 'id' },
				{ name: 'Code', value: 'code', description: 'The product code, looked up once per run' },
			],
		},
		{
			displayName: 'Product ID',
			name: 'productId',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. 1043',
			description: 'The numeric ID of the product',
			displayOptions: { show: { productBy: ['id'] } },
		},
		{
			displayName: 'Product Code',
			name: 'productCode',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'SKU-1001',
			description: 'The product’s code in CommerceConnect',
			displayOptions: { show: { productBy: ['code'] } },
		},
	];
}

/** Resolves the product of an operation that only the product ID can be sent for. */
export async function readProductId(
	this: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
): Promise<{ productId: number; productCode?: string }> {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const by = this.getNodeParameter('productBy', itemIndex, 'id') as string;
	if (by === 'code') {
		const code = check.code(this.getNodeParameter('productCode', itemIndex), 'Product Code');
		return { productId: await run.productIdByCode(code, itemIndex), productCode: code };
	}
	if (by !== 'id') check.fail(`Identify Product By must be ID or Code, not ${JSON.stringify(by)}`);
	return { productId: check.id(this.getNodeParameter('productId', itemIndex), 'Product ID') };
}

// ---------------------------------------------------------------------------------------------
// Optional media fields (Create, Upload, Update).

export const descriptionOption: INodeProperties = {
	displayName: 'Description',
	name: 'description',
	type: 'string',
	default: '',
	description: 'Description of the media item',
};

export const positionOption: INodeProperties = {
	displayName: 'Position',
	name: 'position',
	type: 'number',
	typeOptions: { numberPrecision: 0 },
	default: 1,
	description:
		'Sort position among the product’s media. Sorting by drag and drop in CommerceConnect may change it later.',
};

export const primaryOption: INodeProperties = {
	displayName: 'Primary',
	name: 'isPrimary',
	type: 'boolean',
	default: false,
	description: 'Whether this is the primary media item of its product',
};

export const tagsOption: INodeProperties = {
	displayName: 'Tags',
	name: 'tags',
	type: 'string',
	default: '',
	placeholder: 'front, lifestyle',
	description: 'Tags separated by commas, or a list from an expression',
};

export const etagOption: INodeProperties = {
	displayName: 'ETag',
	name: 'etag',
	type: 'string',
	default: '',
	description: 'ETag of the file at the URL, if you know it',
};

/** Reads description / position / primary / tags / etag from a collection into API fields. */
export function readCommonFields(check: FieldChecker, raw: IDataObject, out: IDataObject, allowEtag = true): void {
	if (raw.description !== undefined) out.description = check.text(raw.description, 'Description');
	if (raw.position !== undefined && raw.position !== '') out.position = check.integer(raw.position, 'Position');
	if (raw.isPrimary !== undefined) out.is_primary = check.boolean(raw.isPrimary, 'Primary');
	if (raw.tags !== undefined) out.tag_list = check.tags(raw.tags, 'Tags');
	if (allowEtag && raw.etag !== undefined && raw.etag !== '') out.etag = check.text(raw.etag, 'ETag');
}

// ---------------------------------------------------------------------------------------------
// Derived media items, attribute values, image processing options (Create, Update).

export function derivedMediaItemsField(): INodeProperties {
	return {
		displayName: 'Derived Media Items',
		name: 'derivedMediaItems',
		type: 'fixedCollection',
		placeholder: 'Add derived media item',
		typeOptions: { multipleValues: true },
		default: {},
		description: 'Transformations of this media item (e.g. a crop), each with a name and its own URL',
		options: [
			{
				displayName: 'Derived Media Item',
				name: 'items',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'crop',
						description: 'Name of the transformation',
					},
					{
						displayName: 'URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://cdn.example.com/image-crop.jpg',
						description: 'URL of the transformed file',
					},
				],
			},
		],
	};
}

export function readDerivedMediaItems(check: FieldChecker, raw: unknown): IDataObject[] | undefined {
	const items = ((raw ?? {}) as { items?: IDataObject[] }).items;
	if (!items || items.length === 0) return undefined;
	return items.map((item, index) => {
		const label = `Derived Media Items → item ${index + 1}`;
		if (check.isBlank(item.name))
			check.fail(`${label}: Name is empty`, 'Give every derived media item a name, e.g. crop.');
		return { name: check.text(item.name, `${label}: Name`).trim(), url: check.url(item.url, `${label}: URL`) };
	});
}

export function attributeValuesField(): INodeProperties {
	return {
		displayName: 'Attribute Values',
		name: 'attributeValues',
		type: 'fixedCollection',
		placeholder: 'Add attribute value',
		typeOptions: { multipleValues: true },
		default: {},
		description: 'Values of the media item’s attributes, each for an attribute definition given by ID or code',
		options: [
			{
				displayName: 'Attribute Value',
				name: 'values',
				values: [
					{
						displayName: 'Attribute Definition Code',
						name: 'definitionCode',
						type: 'string',
						default: '',
						placeholder: 'img_desc',
						displayOptions: { show: { definitionBy: ['code'] } },
					},
					{
						displayName: 'Attribute Definition ID',
						name: 'definitionId',
						type: 'string',
						default: '',
						placeholder: 'e.g. 16',
						displayOptions: { show: { definitionBy: ['id'] } },
					},
					{
						displayName: 'Data',
						name: 'data',
						type: 'string',
						default: '',
						description:
							'The value. With Data Is JSON, a JSON value such as {"associated_code": ["code_1"]}, or [] which with Reset removes every value.',
					},
					{
						displayName: 'Data Is JSON',
						name: 'dataIsJson',
						type: 'boolean',
						default: false,
						description: 'Whether Data is JSON (an object, list, number…) rather than text',
					},
					{
						displayName: 'Identify Definition By',
						name: 'definitionBy',
						type: 'options',
						default: 'id',
						options: [
							{ name: 'ID', value: 'id' },
							{ name: 'Code', value: 'code' },
						],
					},
					{
						displayName: 'Mode',
						name: 'mode',
						type: 'options',
						default: 'upsert',
						options: [
							{
								name: 'Create or Update',
								value: 'upsert',
								description: 'Create a new record, or update the current one if it already exists (upsert)',
							},
							{
								name: 'Reset',
								value: 'reset',
								description: 'Delete every existing value of this attribute, then set this one',
							},
						],
					},
				],
			},
		],
	};
}

export function readAttributeValues(check: FieldChecker, raw: unknown): IDataObject[] | undefined {
	const values = ((raw ?? {}) as { values?: IDataObject[] }).values;
	if (!values || values.length === 0) return undefined;
	return values.map((value, index) => {
		const label = `Attribute Values → value ${index + 1}`;
		const out: IDataObject = {};
		const by = value.definitionBy ?? 'id';
		if (by === 'id') out.attribute_definition_id = check.id(value.definitionId, `${label}: Attribute Definition ID`);
		else if (by === 'code')
			out.attribute_definition_code = check.code(value.definitionCode, `${label}: Attribute Definition Code`);
		else check.fail(`${label}: Identify Definition By must be ID or Code, not ${JSON.stringify(by)}`);
		if (value.dataIsJson === true) {
			const data = value.data;
			if (typeof data === 'string') {
				try {
					out.data = JSON.parse(data) as IDataObject;
				} catch {
					check.fail(
						`${label}: Data is not valid JSON`,
						'Turn off Data Is JSON to send it as text, or fix the JSON (e.g. {"associated_code": ["code_1"]}).',
					);
				}
			} else {
				out.data = data as IDataObject;
			}
		} else {
			if (value.data === undefined || value.data === null) check.fail(`${label}: Data is empty`);
			out.data = typeof value.data === 'object' ? (value.data as IDataObject) : String(value.data);
		}
		const mode = value.mode ?? 'upsert';
		if (mode !== 'upsert' && mode !== 'reset')
			check.fail(`${label}: Mode must be upsert or reset, not ${JSON.stringify(mode)}`);
		// Upsert is the API's default; the documented requests send `mode` only to reset.
		if (mode === 'reset') out.mode = 'reset';
		return out;
	});
}

export function processingOptionsField(show?: Record<string, string[]>): INodeProperties {
	return {
		displayName: 'Image Processing Options',
		name: 'processingOptions',
		type: 'collection',
		placeholder: 'Add processing option',
		default: {},
		description: 'Extra processing CommerceConnect applies to images only',
		...(show ? { displayOptions: { show } } : {}),
		options: [
			{
				displayName: 'Apply Background',
				name: 'applyBackground',
				type: 'boolean',
				default: false,
				description:
					'Whether CommerceConnect creates a second media item of the product with a background applied (removes transparency)',
			},
			{
				displayName: 'Background Colour',
				name: 'backgroundColour',
				type: 'color',
				default: '#ffffff',
				description:
					'Colour of the background: a hex code, or a colour name such as white from an expression (CommerceConnect’s default is white)',
			},
			{
				displayName: 'Processed Tags',
				name: 'processedTags',
				type: 'string',
				default: '',
				description: 'Tags of the processed media item, separated by commas',
			},
		],
	};
}

export function readProcessingOptions(
	check: FieldChecker,
	raw: unknown,
	type: MediaItemType | undefined,
	typeFieldHint: string,
): IDataObject | undefined {
	const options = (raw ?? {}) as IDataObject;
	if (Object.keys(options).length === 0) return undefined;
	if (type !== 'ImageMediaItem') {
		check.fail(
			`Image Processing Options apply only to images, but Media Item Type is ${type ?? 'not set'}`,
			`CommerceConnect applies processing options only when media_item_type is ImageMediaItem. ${typeFieldHint}`,
		);
	}
	const out: IDataObject = {};
	if (options.applyBackground !== undefined)
		out.apply_background = check.boolean(options.applyBackground, 'Apply Background');
	if (options.backgroundColour !== undefined && options.backgroundColour !== '')
		out.background_colour = check.colour(options.backgroundColour, 'Background Colour');
	if (options.processedTags !== undefined) out.processed_tags = check.tags(options.processedTags, 'Processed Tags');
	return out;
}

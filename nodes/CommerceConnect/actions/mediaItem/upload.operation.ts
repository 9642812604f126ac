import type { IBinaryData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { BINARY_ENCODING, updateDisplayOptions } from 'n8n-workflow';

import { FieldChecker } from '../../model';
import { buildMultipart } from '../../transport/multipart';
import type { RunContext } from '../context';
import {
	descriptionOption,
	positionOption,
	primaryOption,
	productFields,
	readCommonFields,
	readProductId,
	tagsOption,
} from './fields';
import { concurrencyFrom, keys, optionsField } from './parallel';

const displayOptions = { show: { resource: ['mediaItem'], operation: ['upload'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the input binary field containing the file to upload',
	},
	...productFields(),
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add field',
		default: {},
		options: [
			descriptionOption,
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'front.png',
				description: 'Name to give the file in CommerceConnect, instead of the binary data’s own file name',
			},
			positionOption,
			primaryOption,
			tagsOption,
		],
	},
	optionsField(),
];

export const description = updateDisplayOptions(displayOptions, properties);

interface UploadFile {
	fileName: string;
	mimeType: string;
	size: number;
	open: () => Promise<Buffer | import('node:stream').Readable>;
}

/**
 * The file to upload, without reading it: in n8n's filesystem / S3 binary modes the binary has
 * an id and is streamed from the store (its exact size from the store's metadata); in memory
 * mode it is already a base64 string in the item, decoded once.
 */
async function binaryFile(
	this: IExecuteFunctions,
	binary: IBinaryData,
	check: FieldChecker,
	fileNameOverride?: string,
): Promise<UploadFile> {
	const fileName =
		(fileNameOverride || binary.fileName || '').trim() ||
		`upload${binary.fileExtension ? `.${binary.fileExtension}` : ''}`;
	const mimeType = binary.mimeType || 'application/octet-stream';
	if (binary.id) {
		const id = binary.id;
		const metadata = await this.helpers.getBinaryMetadata(id);
		const size = typeof metadata.fileSize === 'number' ? metadata.fileSize : Number(binary.bytes);
		if (!Number.isSafeInteger(size) || size < 0)
			check.fail('The size of the binary file is unknown, so it cannot be uploaded');
		return { fileName, mimeType, size, open: async () => await this.helpers.getBinaryStream(id) };
	}
	const buffer = Buffer.from(binary.data, BINARY_ENCODING);
	return { fileName, mimeType, size: buffer.length, open: async () => buffer };
}

/** Uploads for one product run in input order (its media's order and primary follow the input). */
export const parallel = {
	concurrency: concurrencyFrom('options'),
	async key(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<string> {
		return keys.product((await readProductId.call(this, run, itemIndex)).productId);
	},
};

export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const property = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
	if (!property)
		check.fail('Input Binary Field is empty', 'Enter the name of the binary field that holds the file, e.g. data.');
	const binary = this.helpers.assertBinaryData(itemIndex, property);

	const raw = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const fields: IDataObject = {};
	readCommonFields(check, raw, fields, false);
	const fileNameOverride = raw.fileName === undefined ? undefined : check.text(raw.fileName, 'File Name');
	const file = await binaryFile.call(this, binary, check, fileNameOverride);
	if (file.size === 0) check.fail(`The binary file in ${property} is empty`);

	const { productId } = await readProductId.call(this, run, itemIndex);
	// Field names as in CommerceConnect's documented curl example.
	const parts: Array<[string, string]> = [['product_id', String(productId)]];
	if (fields.description !== undefined) parts.push(['image_media_item[description]', String(fields.description)]);
	if (fields.position !== undefined) parts.push(['image_media_item[position]', String(fields.position)]);
	if (fields.is_primary !== undefined) parts.push(['image_media_item[is_primary]', String(fields.is_primary)]);
	if (fields.tag_list !== undefined && (fields.tag_list as string[]).length > 0) {
		parts.push(['image_media_item[tag_list]', (fields.tag_list as string[]).join(',')]);
	}
	const body = buildMultipart(parts, {
		field: 'image_media_item[asset]',
		fileName: file.fileName,
		contentType: file.mimeType,
		size: file.size,
		open: file.open,
	});
	return [await run.client.upload(body, file.fileName)];
}

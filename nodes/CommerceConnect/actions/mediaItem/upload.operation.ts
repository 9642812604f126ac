import type { Readable } from 'node:stream';

import type { IBinaryData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { BINARY_ENCODING, NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { asNodeError } from '../../../shared/transport/errors';
import { FieldChecker } from '../../model';
import type { OpenedStream } from '../../../shared/transport/openStream';
import { describeFileUrl } from '../../transport';
import { type MultipartBody, buildMultipart } from '../../transport/multipart';
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

/** The largest file an upload fetches from a URL (streamed: memory does not grow with it). */
export const urlUploadLimits = { maxBytes: 1024 * 1024 * 1024 };

const properties: INodeProperties[] = [
	{
		displayName: 'File Source',
		name: 'fileSource',
		type: 'options',
		default: 'binary',
		options: [
			{
				name: 'Binary Field',
				value: 'binary',
				description: 'A file in the input item, e.g. from Get Access with Download File on',
			},
			{
				name: 'URL',
				value: 'url',
				description:
					'Downloads the file and streams it on to CommerceConnect as it arrives; it never becomes n8n binary data',
			},
		],
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the input binary field containing the file to upload',
		displayOptions: { show: { fileSource: ['binary'] } },
	},
	{
		displayName: 'File URL',
		name: 'fileUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://files.example.com/front.png',
		description:
			'Where to download the file (http or https); sent without any credential. Its server must give the file’s size (Content-Length). Little memory in any binary data mode, e.g. queue mode with binary data in the database.',
		displayOptions: { show: { fileSource: ['url'] } },
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
			{
				displayName: 'MIME Type',
				name: 'mimeType',
				type: 'string',
				default: '',
				placeholder: 'application/pdf',
				description:
					'Content type to send the file with, instead of the binary data’s own or the one its URL answered with (e.g. Get Access’s mimeType). Empty keeps that.',
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
	open: () => Promise<Buffer | Readable>;
	/** Ends whatever is still open of the file (a download); after the upload, failed or not. */
	close?: () => Promise<void>;
	/** Where the file came from, when it was downloaded, and how its download failed, if it did. */
	download?: { url: string; failure: () => Error | undefined };
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

/**
 * The file at a URL, streamed: the download starts here (its answer gives size and type) and its
 * body becomes the upload's file part as it arrives. An upload sent again (a 429) downloads the
 * file again, and the new download must have the same size.
 */
async function urlFile(
	run: RunContext,
	check: FieldChecker,
	url: string,
	fileNameOverride?: string,
): Promise<UploadFile> {
	const maxBytes = urlUploadLimits.maxBytes;
	let current: OpenedStream = await run.client.openFile(url, maxBytes);
	const close = async () => {
		current.body.destroy();
		await current.done;
	};
	const size = declaredSize(current);
	if (size === undefined || size === 0 || size > maxBytes) {
		await close();
		if (size === 0) check.fail(`The file at the File URL (${describeFileUrl(url)}) is empty`);
		if (size === undefined)
			check.fail(
				`The server of the File URL (${describeFileUrl(url)}) did not give the file’s size`,
				'An upload must declare its size before it starts, and the answer had no Content-Length. Download the file into a binary field first (e.g. with an HTTP Request node) and upload from there.',
			);
		check.fail(
			`The file at the File URL has ${size} bytes, more than the ${maxBytes} an upload from a URL takes`,
			'Nothing was uploaded.',
		);
	}
	const mimeType = current.response.headers['content-type']?.split(';')[0].trim() || 'application/octet-stream';
	let opened = 0;
	return {
		fileName: (fileNameOverride || fileNameOf(url) || '').trim() || 'upload',
		mimeType,
		size,
		open: async () => {
			if (opened++ > 0) {
				await close();
				current = await run.client.openFile(url, maxBytes);
				const again = declaredSize(current);
				if (again !== size)
					throw new Error(
						`the file at the File URL changed size between two downloads (${size}, then ${again ?? 'unknown'})`,
					);
			}
			return current.body;
		},
		close,
		download: { url, failure: () => current.body.errored ?? undefined },
	};
}

/** The size a download's answer declares (Content-Length), if it declares one. */
function declaredSize(opened: OpenedStream): number | undefined {
	const declared = opened.response.headers['content-length']?.trim();
	return declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
}

/** The MIME Type field: empty (or an expression that gave nothing) keeps the file's own type. */
function readMimeType(check: FieldChecker, value: unknown): string | undefined {
	if (check.isBlank(value)) return undefined;
	const text = check.text(value, 'MIME Type').trim();
	if (!/^[\w.+-]+\/[\w.+-]+$/.test(text))
		check.fail(`MIME Type must look like type/subtype, e.g. application/pdf, not ${JSON.stringify(text).slice(0, 60)}`);
	return text;
}

/** The last segment of a URL's path, decoded: a file name when none is given. */
function fileNameOf(url: string): string | undefined {
	try {
		return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || undefined;
	} catch {
		return undefined;
	}
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
	const source = this.getNodeParameter('fileSource', itemIndex, 'binary') as string;
	if (source !== 'binary' && source !== 'url') check.fail(`File Source must be Binary Field or URL, not ${source}`);
	const raw = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const fields: IDataObject = {};
	readCommonFields(check, raw, fields, false);
	const fileNameOverride = raw.fileName === undefined ? undefined : check.text(raw.fileName, 'File Name');
	const mimeType = readMimeType(check, raw.mimeType);

	let file: UploadFile;
	let productId: number;
	if (source === 'url') {
		const url = check.url(this.getNodeParameter('fileUrl', itemIndex, ''), 'File URL');
		// The product first: the download starts only when the upload can follow at once.
		({ productId } = await readProductId.call(this, run, itemIndex));
		file = await urlFile(run, check, url, fileNameOverride);
	} else {
		const property = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
		if (!property)
			check.fail('Input Binary Field is empty', 'Enter the name of the binary field that holds the file, e.g. data.');
		const binary = this.helpers.assertBinaryData(itemIndex, property);
		file = await binaryFile.call(this, binary, check, fileNameOverride);
		if (file.size === 0) check.fail(`The binary file in ${property} is empty`);
		({ productId } = await readProductId.call(this, run, itemIndex));
	}
	if (mimeType) file.mimeType = mimeType;
	try {
		return [await run.client.upload(multipartOf(file, fields, productId), file.fileName)];
	} catch (error) {
		// The upload broke because its file did: say so, not that CommerceConnect's connection failed.
		const broken = file.download?.failure();
		if (!broken) throw asNodeError(this.getNode(), error, itemIndex);
		throw new NodeOperationError(
			this.getNode(),
			`The download of the file at ${describeFileUrl(file.download!.url)} broke off, so nothing was uploaded (${broken.message})`,
			{
				itemIndex,
				description:
					'CommerceConnect does not keep an upload that ends before its declared size. Run the node again; if it keeps breaking, check the file host.',
			},
		);
	} finally {
		await file.close?.();
	}
}

/** The upload's body: the fields as in CommerceConnect's documented curl example, then the file. */
function multipartOf(file: UploadFile, fields: IDataObject, productId: number): MultipartBody {
	const parts: Array<[string, string]> = [['product_id', String(productId)]];
	if (fields.description !== undefined) parts.push(['image_media_item[description]', String(fields.description)]);
	if (fields.position !== undefined) parts.push(['image_media_item[position]', String(fields.position)]);
	if (fields.is_primary !== undefined) parts.push(['image_media_item[is_primary]', String(fields.is_primary)]);
	if (fields.tag_list !== undefined && (fields.tag_list as string[]).length > 0) {
		parts.push(['image_media_item[tag_list]', (fields.tag_list as string[]).join(',')]);
	}
	return buildMultipart(parts, {
		field: 'image_media_item[asset]',
		fileName: file.fileName,
		contentType: file.mimeType,
		size: file.size,
		open: file.open,
	});
}

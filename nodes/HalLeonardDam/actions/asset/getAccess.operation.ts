import type { IBinaryData, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { MediaSyncApiError, asNodeError } from '../../../shared/transport/errors';
import type { DamClient } from '../../transport';
import { readAssetId } from '../common';

/** Largest file downloaded into n8n (an object, so tests can lower it). */
export const downloadLimits = { maxBytes: 200 * 1024 * 1024 };

const displayOptions = { show: { resource: ['asset'], operation: ['getAccess'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Asset ID',
		name: 'assetId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 00345694',
		description: 'The DAM asset ID',
	},
	{
		displayName: 'Country Code',
		name: 'countryCode',
		type: 'string',
		default: '',
		placeholder: 'US',
		description: 'Two-letter ISO code of the country the asset would be sold in. Empty means US, as the DAM assumes.',
	},
	{
		displayName: 'Download File',
		name: 'download',
		type: 'boolean',
		default: false,
		description: 'Whether to download the file at the FileURL into the item as binary data (up to 200 MB)',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'The name of the binary field to put the file in',
		displayOptions: { show: { download: [true] } },
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/**
 * AssetAccessRequest: the read-only check whether the vendor may use an asset, with the file's
 * name, type, MIME type and URL — and the file itself when asked. It opens no transaction and
 * bills nothing.
 */
export async function execute(
	this: IExecuteFunctions,
	client: DamClient,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const assetId = readAssetId.call(this, this.getNodeParameter('assetId', itemIndex, ''), 'Asset ID', itemIndex);
	const countryCode = String(this.getNodeParameter('countryCode', itemIndex, '') ?? '')
		.trim()
		.toUpperCase();
	if (countryCode && !/^[A-Z]{2}$/.test(countryCode)) {
		throw new NodeOperationError(
			node,
			`Country Code must be a two-letter ISO code such as US or GB, not ${JSON.stringify(countryCode).slice(0, 40)}`,
			{
				itemIndex,
			},
		);
	}
	const download = this.getNodeParameter('download', itemIndex, false) as boolean;
	const binaryPropertyName = download
		? String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim()
		: '';
	if (download && !binaryPropertyName) {
		throw new NodeOperationError(node, 'Put Output File in Field is empty', {
			itemIndex,
			description: 'Enter a field name such as data.',
		});
	}

	const access = await client.assetAccess(assetId, countryCode || undefined);
	const json = {
		assetId,
		countryCode: access.countryCode ?? (countryCode || 'US'),
		fileName: access.fileName ?? null,
		fileType: access.fileType ?? null,
		mimeType: access.mimeType ?? null,
		fileUrl: access.fileUrl ?? null,
	};
	if (!download) return [{ json }];

	// The body goes straight into n8n's binary data store as a stream: in n8n's filesystem and S3
	// modes no copy of the file is held in memory (its database mode collects it; see
	// docs/deployment.md → Binary data). A file over the limit fails mid-way and nothing is kept.
	const fileName = access.fileName || `${assetId}`;
	const maxBytes = downloadLimits.maxBytes;
	let file: { binary: IBinaryData; size: number };
	try {
		file = await client.download(access.fileUrl!, maxBytes, `the file of asset ${assetId}`, async (body, response) => {
			const mimeType = access.mimeType || response.headers['content-type']?.split(';')[0] || 'application/octet-stream';
			const binary = await this.helpers.prepareBinaryData(body, fileName, mimeType);
			return { binary, size: response.bytes() };
		});
	} catch (error) {
		if (!(error instanceof MediaSyncApiError && error.apiFailure.kind === 'size'))
			throw asNodeError(node, error, itemIndex);
		throw new NodeOperationError(
			node,
			`The file of asset ${assetId} is larger than ${describeSize(maxBytes)}, the most Get Access downloads`,
			{
				itemIndex,
				description: 'Nothing was kept of it. Turn off Download File and fetch the file at fileUrl another way.',
			},
		);
	}
	return [{ json: { ...json, fileSize: file.size }, binary: { [binaryPropertyName]: file.binary } }];
}

function describeSize(bytes: number): string {
	return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`;
}

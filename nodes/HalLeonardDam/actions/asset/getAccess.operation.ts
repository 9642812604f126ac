import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { DamClient } from '../../transport';
import { readAssetId } from '../common';

/** Largest file downloaded into n8n. */
export const MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024;

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

	const response = await client.download(access.fileUrl!, MAX_DOWNLOAD_BYTES, `the file of asset ${assetId}`);
	const fileName = access.fileName || `${assetId}`;
	const mimeType = access.mimeType || response.headers['content-type']?.split(';')[0] || 'application/octet-stream';
	const binary = await this.helpers.prepareBinaryData(response.body, fileName, mimeType);
	return [{ json: { ...json, fileSize: response.body.length }, binary: { [binaryPropertyName]: binary } }];
}

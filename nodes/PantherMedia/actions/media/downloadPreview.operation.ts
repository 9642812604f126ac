import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { PantherMediaClient } from '../../transport';
import { requireMediaId } from '../common';

const displayOptions = { show: { resource: ['media'], operation: ['downloadPreview'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Media ID',
		name: 'mediaId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 2345',
		description: 'The PantherMedia media ID whose preview to download',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the output binary field to put the file in',
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/** download-image-preview: the watermarked preview as binary data, with its MIME type and file name. */
export async function execute(
	this: IExecuteFunctions,
	client: PantherMediaClient,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const id = requireMediaId.call(this, this.getNodeParameter('mediaId', itemIndex), itemIndex, 'Media ID');
	const property = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
	if (!property) {
		throw new NodeOperationError(this.getNode(), 'Put Output File in Field is empty', {
			itemIndex,
			description: 'Enter a field name such as data.',
		});
	}
	const file = await client.downloadPreview(id);
	const binary = await this.helpers.prepareBinaryData(file.data, file.fileName, file.mimeType);
	return [
		{
			json: { id, fileName: file.fileName, mimeType: file.mimeType, fileSize: file.data.length },
			binary: { [property]: binary },
			pairedItem: { item: itemIndex },
		},
	];
}

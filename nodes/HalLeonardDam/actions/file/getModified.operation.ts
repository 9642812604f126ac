import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { modifiedFileJson } from '../../model';
import type { DamClient } from '../../transport';
import { FILE_TYPES, dateField, fileTypeValue, readRange } from '../common';

const displayOptions = { show: { resource: ['file'], operation: ['getModified'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'File Type',
		name: 'fileType',
		type: 'options',
		options: [...FILE_TYPES],
		default: 'pdf',
		description: 'Type of the files to list (the DAM supports PDF only today)',
	},
	dateField('startDate', 'Start Date', true, 'First day to include (a DAM day; the time of day is ignored)'),
	dateField(
		'stopDate',
		'Stop Date',
		false,
		'Day to stop before: files modified on this day are not included. Leave empty for everything up to now.',
	),
];

export const description = updateDisplayOptions(displayOptions, properties);

/** ModifiedFileRequest: one output item per file whose LastModified day is in the range. */
export async function execute(this: IExecuteFunctions, client: DamClient, itemIndex: number): Promise<IDataObject[]> {
	const fileType = fileTypeValue(this.getNodeParameter('fileType', itemIndex, 'pdf'), this.getNode(), itemIndex);
	const { start, stop } = readRange.call(this, itemIndex);
	const files = await client.modifiedFiles(fileType, start, stop);
	return files.map((file) => modifiedFileJson(file, fileType));
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { type Day, DEFAULT_DAM_TIME_ZONE, splitRange, todayIn } from '../../days';
import { metadataJson } from '../../model';
import type { DamClient } from '../../transport';
import { CHUNK_DAYS } from '../../trigger/source';
import { REQUEST_TYPES, dateField, readAssetId, readRange, requestTypeCode } from '../common';

const displayOptions = { show: { resource: ['asset'], operation: ['getMetadata'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Request Type',
		name: 'requestType',
		type: 'options',
		options: REQUEST_TYPES,
		default: 'all',
		description: 'Which kind of metadata to return',
	},
	{
		displayName: 'Select By',
		name: 'selectBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Date Range', value: 'dateRange', description: 'Assets added, changed or deleted in a range of days' },
			{ name: 'Asset IDs', value: 'assetIds', description: 'The current metadata of given assets' },
		],
		default: 'dateRange',
		description: 'The DAM takes a date range or a list of asset IDs, never both',
	},
	{
		...dateField('startDate', 'Start Date', true, 'First day to include (a DAM day; the time of day is ignored)'),
		displayOptions: { show: { selectBy: ['dateRange'] } },
	},
	{
		...dateField(
			'stopDate',
			'Stop Date',
			false,
			'Day to stop before (exclusive). Leave empty for the DAM’s current date. Ranges over 3 months are split into several requests.',
		),
		displayOptions: { show: { selectBy: ['dateRange'] } },
	},
	{
		displayName: 'Asset IDs',
		name: 'assetIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 00345694, 00412873',
		description: 'DAM asset IDs separated by commas, spaces or new lines, or a list from an expression',
		displayOptions: { show: { selectBy: ['assetIds'] } },
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/** AssetMetadataRequest: one output item per asset or package record. */
export async function execute(this: IExecuteFunctions, client: DamClient, itemIndex: number): Promise<IDataObject[]> {
	const node = this.getNode();
	const requestType = requestTypeCode(this.getNodeParameter('requestType', itemIndex, 'all'), node, itemIndex);
	const selectBy = this.getNodeParameter('selectBy', itemIndex, 'dateRange') as string;
	if (selectBy === 'assetIds') {
		const assetIds = readAssetIds.call(this, itemIndex);
		const records = await client.assetMetadata({ requestType, assetIds });
		return records.map((record) => ({ event: record.deleted ? 'assetDeleted' : 'metadata', ...metadataJson(record) }));
	}
	if (selectBy !== 'dateRange') {
		throw new NodeOperationError(node, `Select By must be Date Range or Asset IDs, not ${JSON.stringify(selectBy)}`, {
			itemIndex,
		});
	}
	const { start, stop } = readRange.call(this, itemIndex);
	const out: IDataObject[] = [];
	for (const range of ranges(start, stop)) {
		const records = await client.assetMetadata({ requestType, range });
		for (const record of records)
			out.push({ event: record.deleted ? 'assetDeleted' : 'metadataChanged', ...metadataJson(record) });
	}
	return out;
}

/**
 * The request ranges: as asked when it fits the DAM's three-month limit (an empty Stop Date is
 * left to the DAM), else consecutive pieces of at most {@link CHUNK_DAYS} days up to tomorrow.
 */
function ranges(start: Day, stop: Day | undefined): Array<{ start: Day; stop?: Day }> {
	const end = stop ?? todayIn(DEFAULT_DAM_TIME_ZONE, Date.now()) + 1;
	if (end - start <= CHUNK_DAYS) return [{ start, stop }];
	return splitRange(start, end, CHUNK_DAYS).map(([from, to]) => ({ start: from, stop: to }));
}

function readAssetIds(this: IExecuteFunctions, itemIndex: number): string[] {
	const raw = this.getNodeParameter('assetIds', itemIndex, '') as unknown;
	const parts = (Array.isArray(raw) ? raw : String(raw ?? '').split(/[\s,;]+/))
		.map((part) => (part === null || part === undefined ? '' : String(part).trim()))
		.filter(Boolean);
	if (parts.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Asset IDs is empty', {
			itemIndex,
			description: 'Enter one or more DAM asset IDs, e.g. 1234, 1412 — or choose Select By: Date Range.',
		});
	}
	return [...new Set(parts.map((part) => readAssetId.call(this, part, 'Asset IDs', itemIndex)))];
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { returnAllOrLimit } from '../../../shared/description';
import { PageLoop } from '../../../shared/paging';
import { MAX_LIST_PAGES } from '../../transport';
import { ASSOCIATED_FIELDS, FieldChecker, type ListQuery, MAX_PER_PAGE, type MediaItem } from '../../model';
import type { RunContext } from '../context';

const displayOptions = { show: { resource: ['mediaItem'], operation: ['getMany'] } };

const properties: INodeProperties[] = [
	...returnAllOrLimit(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		options: [
			{
				displayName: 'Created After',
				name: 'createdAfter',
				type: 'dateTime',
				default: '',
				description: 'Only media items created at or after this time (created_time_from; UTC when no offset is given)',
			},
			{
				displayName: 'Created Before',
				name: 'createdBefore',
				type: 'dateTime',
				default: '',
				description: 'Only media items created at or before this time (created_time_to)',
			},
			{
				displayName: 'Updated After',
				name: 'updatedAfter',
				type: 'dateTime',
				default: '',
				description: 'Only media items changed at or after this time (updated_time_from)',
			},
			{
				displayName: 'Updated Before',
				name: 'updatedBefore',
				type: 'dateTime',
				default: '',
				description: 'Only media items changed at or before this time (updated_time_to)',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Include',
				name: 'include',
				type: 'multiOptions',
				default: [],
				options: [
					{ name: 'Association Attribute Values', value: 'association_attribute_values' },
					{ name: 'Attribute Values', value: 'attribute_values' },
				],
				description: 'Related data to include in each media item (response_associated_fields)',
			},
		],
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/** Reads the list filters of Get Many (times checked as ISO 8601, ranges in order). */
export function readListFilters(this: IExecuteFunctions, itemIndex: number): ListQuery {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const query: ListQuery = {
		createdFrom: check.optionalTime(filters.createdAfter, 'Created After'),
		createdTo: check.optionalTime(filters.createdBefore, 'Created Before'),
		updatedFrom: check.optionalTime(filters.updatedAfter, 'Updated After'),
		updatedTo: check.optionalTime(filters.updatedBefore, 'Updated Before'),
	};
	if (query.createdFrom !== undefined && query.createdTo !== undefined && query.createdFrom > query.createdTo) {
		check.fail('Created After is later than Created Before');
	}
	if (query.updatedFrom !== undefined && query.updatedTo !== undefined && query.updatedFrom > query.updatedTo) {
		check.fail('Updated After is later than Updated Before');
	}
	const include = options.include;
	if (include !== undefined) {
		const list = Array.isArray(include)
			? include.map(String)
			: String(include)
					.split(',')
					.map((s) => s.trim())
					.filter(Boolean);
		for (const field of list) {
			if (!(ASSOCIATED_FIELDS as readonly string[]).includes(field)) {
				check.fail(
					`Include must list attribute_values and/or association_attribute_values, not ${JSON.stringify(field)}`,
				);
			}
		}
		if (list.length > 0) query.associatedFields = list;
	}
	return query;
}

/**
 * Pages through `GET /api/v2/media_items` by `total_pages`, `per_page` 100 (or the limit when
 * smaller). An item that moves between pages while they are read is returned once (deduplicated
 * by ID); for a read that must not miss changes under concurrent edits use the trigger.
 */
export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const check = new FieldChecker(this.getNode(), itemIndex);
	const limit = returnAll ? Infinity : check.integer(this.getNodeParameter('limit', itemIndex, 50), 'Limit');
	if (limit < 1) check.fail('Limit must be 1 or more');
	const query = readListFilters.call(this, itemIndex);

	const perPage = Math.min(MAX_PER_PAGE, limit);
	const seen = new Set<number>();
	const out: MediaItem[] = [];
	const loop = new PageLoop('the media items', MAX_LIST_PAGES);
	for (let page = 1; out.length < limit; page++) {
		const result = await run.client.list({ ...query, page, perPage }, undefined, loop);
		for (const entry of result.entries) {
			if (seen.has(entry.id)) continue;
			seen.add(entry.id);
			out.push(entry);
		}
		if (page >= result.totalPages || result.rows === 0) break;
	}
	return out.slice(0, limit);
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { LANGUAGES, SEARCH_EXTRA_INFO } from '../../model';
import type { PantherMediaClient, SearchParams } from '../../transport';
import { requireInt, requireLanguage } from '../common';

/** Largest result page search returns. */
export const MAX_SEARCH_LIMIT = 100;

const displayOptions = { show: { resource: ['media'], operation: ['search'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Query',
		name: 'query',
		type: 'string',
		default: '',
		placeholder: 'woman -man',
		description: 'Keywords or an image number. Words after a minus (-) are excluded; OR is not supported.',
	},
	{
		displayName: 'Page',
		name: 'page',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		description: 'Which page of results, from 1',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_SEARCH_LIMIT },
		default: 50,
		description: 'Max number of results to return',
	},
	{
		displayName: 'Options',
		name: 'searchOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Extra Info',
				name: 'extraInfo',
				type: 'multiOptions',
				default: [],
				options: SEARCH_EXTRA_INFO.map((value) => ({ name: value, value })),
				description: 'Fields to add to each result (preview URLs are watermarked)',
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'string',
				default: '',
				placeholder: 'type: photos; orientation: landscape; sort: rel;',
				description: 'PantherMedia search filters as "name: value;" pairs',
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'options',
				default: 'en',
				options: LANGUAGES.map((l) => ({ name: l, value: l })),
				description: 'Language of the query and of the results',
			},
		],
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/** search (v1.2): one item per media found on the requested page. */
export async function execute(
	this: IExecuteFunctions,
	client: PantherMediaClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const params = readSearchParams.call(this, itemIndex);
	const result = await client.search(params);
	return result.items.map((media) => ({
		...media,
		...(result.total !== undefined ? { totalResults: result.total } : {}),
	}));
}

export function readSearchParams(this: IExecuteFunctions, itemIndex: number): SearchParams {
	const q = String(this.getNodeParameter('query', itemIndex, '') ?? '').trim();
	const page = requireInt.call(this, this.getNodeParameter('page', itemIndex, 1), itemIndex, 'Page', 1, 100_000);
	const limit = requireInt.call(
		this,
		this.getNodeParameter('limit', itemIndex, 50),
		itemIndex,
		'Limit',
		1,
		MAX_SEARCH_LIMIT,
	);
	const options = this.getNodeParameter('searchOptions', itemIndex, {}) as IDataObject;
	const extraInfo = (Array.isArray(options.extraInfo) ? options.extraInfo : []).map(String);
	const unknown = extraInfo.filter((e) => !(SEARCH_EXTRA_INFO as readonly string[]).includes(e));
	if (unknown.length > 0) {
		throw new NodeOperationError(this.getNode(), `Extra Info has unknown values: ${unknown.join(', ')}`, { itemIndex });
	}
	const filters = String(options.filters ?? '').trim();
	if (filters) {
		const bad = filters
			.split(';')
			.map((f) => f.trim())
			.filter(Boolean)
			.find((f) => !/^[A-Za-z0-9_.-]+\s*:\s*\S/.test(f));
		if (bad !== undefined) {
			throw new NodeOperationError(
				this.getNode(),
				`Filters has an entry that is not "name: value": "${bad.slice(0, 60)}"`,
				{
					itemIndex,
					description:
						'Write filters as name: value pairs separated by semicolons, e.g. type: photos; orientation: landscape;',
				},
			);
		}
	}
	if (!q && !filters) {
		throw new NodeOperationError(this.getNode(), 'Query is empty', {
			itemIndex,
			description: 'Enter keywords or an image number to search for, or set Filters.',
		});
	}
	return {
		q,
		lang: requireLanguage.call(this, options.language, itemIndex),
		page,
		limit,
		extraInfo,
		filters: filters || undefined,
	};
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { returnAllOrLimit } from '../../../shared/description';
import { parseDateInput, toIsoSeconds } from '../../../shared/dates';
import { PageLoop } from '../../../shared/paging';
import { EVENT_TYPES, MAX_POLL_LIMIT, type PollItem } from '../../model';
import type { PantherMediaClient } from '../../transport';
import { formatPantherDate } from '../../transport/signature';
import { requireInt, requireMediaId } from '../common';

const displayOptions = { show: { resource: ['media'], operation: ['poll'] } };

const properties: INodeProperties[] = [
	{
		displayName:
			'Poll is not available for partner media: it lists PantherMedia’s own media only. PantherMedia shows changes a few days after they happen.',
		name: 'pollNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Type',
		name: 'type',
		type: 'options',
		default: 'new',
		options: [
			{ name: 'New', value: 'new', description: 'Media added' },
			{ name: 'Changed', value: 'changed', description: 'Media whose data changed' },
			{ name: 'Deleted', value: 'deleted', description: 'Media removed' },
		],
		description: 'Which changes to list',
	},
	{
		displayName: 'Since',
		name: 'sinceMode',
		type: 'options',
		default: 'date',
		options: [
			{ name: 'Date', value: 'date', description: 'Changes at or after a date' },
			{
				name: 'Media ID',
				value: 'mediaId',
				description: 'From a media ID on; media ID 1 with type New is PantherMedia’s initial import',
			},
		],
	},
	{
		displayName: 'Since Date',
		name: 'sinceDate',
		type: 'dateTime',
		required: true,
		default: '',
		description: 'List changes at or after this time (UTC when no offset is given)',
		displayOptions: { show: { sinceMode: ['date'] } },
	},
	{
		displayName: 'Since Media ID',
		name: 'sinceMediaId',
		type: 'string',
		required: true,
		default: '1',
		description: 'List media from this ID on. Use 1 with type New for a full initial import.',
		displayOptions: { show: { sinceMode: ['mediaId'] } },
	},
	...returnAllOrLimit({ maxLimit: MAX_POLL_LIMIT }),
	{
		displayName: 'Options',
		name: 'pollOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Continue After (Next Page ID)',
				name: 'nextPageId',
				type: 'string',
				default: '',
				description:
					'The nextPageId of the last item of an earlier run with the same Type and Since: the list continues after it',
			},
			{
				displayName: 'Page Size',
				name: 'pageSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_POLL_LIMIT },
				default: MAX_POLL_LIMIT,
				description: 'With Return All: media per request',
			},
		],
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/**
 * Pages Return All reads at most: ten million rows at the largest page size, far beyond any
 * execution's memory; a provider repeating pages cannot keep the node asking for ever.
 */
export const MAX_POLL_PAGES = 1_000;

/** poll: one item per media id, with its date and the next_page_id to continue after it. */
export async function execute(
	this: IExecuteFunctions,
	client: PantherMediaClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const type = String(this.getNodeParameter('type', itemIndex));
	if (!(EVENT_TYPES as readonly string[]).includes(type)) {
		throw new NodeOperationError(this.getNode(), `Type must be one of ${EVENT_TYPES.join(', ')}, not "${type}"`, {
			itemIndex,
		});
	}
	const mode = String(this.getNodeParameter('sinceMode', itemIndex, 'date'));
	const lastPolling =
		mode === 'mediaId'
			? requireMediaId.call(this, this.getNodeParameter('sinceMediaId', itemIndex, '1'), itemIndex, 'Since Media ID')
			: formatPantherDate(
					parseDateInput(this.getNodeParameter('sinceDate', itemIndex), 'Since Date', this.getNode(), itemIndex),
				);
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll
		? Infinity
		: requireInt.call(this, this.getNodeParameter('limit', itemIndex, 50), itemIndex, 'Limit', 1, MAX_POLL_LIMIT);
	const options = this.getNodeParameter('pollOptions', itemIndex, {}) as IDataObject;
	const pageSize = returnAll
		? requireInt.call(this, options.pageSize ?? MAX_POLL_LIMIT, itemIndex, 'Page Size', 1, MAX_POLL_LIMIT)
		: (limit as number);
	let nextPageId =
		typeof options.nextPageId === 'string' && options.nextPageId.trim() ? options.nextPageId.trim() : undefined;

	const out: IDataObject[] = [];
	const loop = new PageLoop(`the poll of ${type} media`, MAX_POLL_PAGES);
	for (;;) {
		const want = Math.min(pageSize, limit - out.length);
		const page = await client.poll(type, lastPolling, want, nextPageId, loop);
		out.push(...page.items.map((row) => toItem(type, row)));
		// Full pages are judged by their rows, unreadable ones included (they are reported and skipped).
		const last = page.items.at(-1);
		if (page.rows < want || out.length >= limit || !last) break;
		nextPageId = last.nextPageId;
	}
	return out;
}

function toItem(type: string, row: PollItem): IDataObject {
	return { id: row.id, type, date: toIsoSeconds(row.date), nextPageId: row.nextPageId };
}

import type { INodeProperties } from 'n8n-workflow';

import * as downloadPreview from './downloadPreview.operation';
import * as getInfo from './getInfo.operation';
import * as poll from './poll.operation';
import * as search from './search.operation';

export { downloadPreview, getInfo, poll, search };

/** Only reading operations: nothing here buys, licenses or spends deposit (download-media is an order). */
export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['media'] } },
		options: [
			{
				name: 'Download Preview',
				value: 'downloadPreview',
				description: 'Download the watermarked preview image of a media',
				action: 'Download the preview of a media',
			},
			{
				name: 'Get Info',
				value: 'getInfo',
				description: 'Get metadata and preview URLs of one or more media',
				action: 'Get info of media',
			},
			{
				name: 'Poll',
				value: 'poll',
				description: 'List media added, changed or deleted since a date or a media ID',
				action: 'Poll media changes',
			},
			{
				name: 'Search',
				value: 'search',
				description: 'Search PantherMedia’s media by keywords and filters',
				action: 'Search media',
			},
		],
		default: 'getInfo',
	},
	...poll.description,
	...getInfo.description,
	...downloadPreview.description,
	...search.description,
];

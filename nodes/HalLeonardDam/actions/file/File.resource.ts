import type { INodeProperties } from 'n8n-workflow';

import * as getModified from './getModified.operation';

export { getModified };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['file'] } },
		options: [
			{
				name: 'Get Modified Files',
				value: 'getModified',
				description: 'List the files modified in a date range (ModifiedFileRequest)',
				action: 'Get modified files',
			},
		],
		default: 'getModified',
	},
	...getModified.description,
];

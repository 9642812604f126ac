import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';

export { getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['supplier'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the suppliers PSRESTful connects to',
				action: 'Get many suppliers',
			},
		],
		default: 'getMany',
	},
	...getMany.description,
];

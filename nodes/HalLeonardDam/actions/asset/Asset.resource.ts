import type { INodeProperties } from 'n8n-workflow';

import * as getAccess from './getAccess.operation';
import * as getMetadata from './getMetadata.operation';

export { getAccess, getMetadata };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['asset'] } },
		options: [
			{
				name: 'Get Access',
				value: 'getAccess',
				description:
					'Check access to an asset and get its file name, type and URL, optionally the file (AssetAccessRequest, read-only)',
				action: 'Get asset access',
			},
			{
				name: 'Get Metadata',
				value: 'getMetadata',
				description: 'Get the metadata of assets changed in a date range, or of given asset IDs (AssetMetadataRequest)',
				action: 'Get asset metadata',
			},
		],
		default: 'getMetadata',
	},
	...getAccess.description,
	...getMetadata.description,
];

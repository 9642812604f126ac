import type { INodeProperties } from 'n8n-workflow';

import * as getContent from './getContent.operation';
import * as getContentForMany from './getContentForMany.operation';
import * as getModifiedSince from './getModifiedSince.operation';

export { getContent, getContentForMany, getModifiedSince };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['media'] } },
		options: [
			{
				name: 'Get Content',
				value: 'getContent',
				description: 'Get the images, videos and documents of one product',
				action: 'Get media content of a product',
			},
			{
				name: 'Get Content for Many',
				value: 'getContentForMany',
				description: 'Get the media of a list of products, several at a time',
				action: 'Get media content of many products',
			},
			{
				name: 'Get Modified Since',
				value: 'getModifiedSince',
				description: 'List the products whose media changed since a date',
				action: 'Get products with media modified since a date',
			},
		],
		default: 'getContent',
	},
	...getContent.description,
	...getContentForMany.description,
	...getModifiedSince.description,
];

import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as deleteMediaItem from './delete.operation';
import * as deleteByFilter from './deleteByFilter.operation';
import * as getMany from './getMany.operation';
import * as syncProductMedia from './syncProductMedia.operation';
import * as update from './update.operation';
import * as upload from './upload.operation';

export { create, deleteByFilter, deleteMediaItem, getMany, syncProductMedia, update, upload };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['mediaItem'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a media item from a URL, for a product, NPC entity or category',
				action: 'Create a media item',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a media item by ID',
				action: 'Delete a media item',
			},
			{
				name: 'Delete by Filter',
				value: 'deleteByFilter',
				description: 'Delete the media items of a product that carry given tags',
				action: 'Delete media items by product and tags',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List media items, optionally by creation or change time',
				action: 'Get many media items',
			},
			{
				name: 'Sync Product Media',
				value: 'syncProductMedia',
				description: 'Make a product’s synced media equal to a wanted list (safe to run again)',
				action: 'Sync the media of a product',
			},
			{
				name: 'Update',
				value: 'update',
				description: 'Change the fields you set of a media item',
				action: 'Update a media item',
			},
			{
				name: 'Upload',
				value: 'upload',
				description: 'Upload a file from binary data as an image media item of a product',
				action: 'Upload a media item file',
			},
		],
		default: 'create',
	},
	...create.description,
	...upload.description,
	...update.description,
	...deleteMediaItem.description,
	...deleteByFilter.description,
	...getMany.description,
	...syncProductMedia.description,
];

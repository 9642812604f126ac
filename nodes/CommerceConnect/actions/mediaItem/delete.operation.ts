import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { FieldChecker } from '../../model';
import type { RunContext } from '../context';
import { mediaItemIdField } from './fields';
import { concurrencyFrom, keys, optionsField } from './parallel';

const displayOptions = { show: { resource: ['mediaItem'], operation: ['delete'] } };

const properties: INodeProperties[] = [mediaItemIdField(), optionsField()];

export const description = updateDisplayOptions(displayOptions, properties);

/** Deletes of one media item run in input order (the second finds it gone, as one at a time). */
export const parallel = {
	concurrency: concurrencyFrom('options'),
	key(this: IExecuteFunctions, _run: RunContext, itemIndex: number): string {
		return keys.mediaItem(this.getNodeParameter('mediaItemId', itemIndex));
	},
};

export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const id = new FieldChecker(this.getNode(), itemIndex).id(
		this.getNodeParameter('mediaItemId', itemIndex),
		'Media Item ID',
	);
	const result = await run.client.remove(id);
	return [
		{
			...result.response,
			id,
			deleted: true,
			...(result.alreadyDeleted ? { note: 'An earlier attempt of this request had already deleted it' } : {}),
		},
	];
}

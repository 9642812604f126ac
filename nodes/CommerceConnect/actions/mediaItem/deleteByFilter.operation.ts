import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { FieldChecker } from '../../model';
import type { RunContext } from '../context';
import { productFields, readProductId } from './fields';
import { concurrencyFrom, keys, optionsField } from './parallel';

const displayOptions = { show: { resource: ['mediaItem'], operation: ['deleteByFilter'] } };

const properties: INodeProperties[] = [
	{
		displayName:
			'Deletes every media item of the product that carries the tags. CommerceConnect does not document whether an item needs all the tags or any of them: use one tag for a predictable result.',
		name: 'deleteByFilterNotice',
		type: 'notice',
		default: '',
	},
	...productFields(),
	{
		displayName: 'Tags',
		name: 'tags',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'supplier-sync',
		description:
			'Tags separated by commas, or a list from an expression. At least one: the node never sends an empty filter.',
	},
	optionsField(),
];

export const description = updateDisplayOptions(displayOptions, properties);

/** Deletes for one product run in input order. */
export const parallel = {
	concurrency: concurrencyFrom('options'),
	async key(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<string> {
		return keys.product((await readProductId.call(this, run, itemIndex)).productId);
	},
};

export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const tags = check.tags(this.getNodeParameter('tags', itemIndex), 'Tags');
	if (tags.length === 0) {
		check.fail(
			'Tags is empty',
			'Delete by Filter needs at least one tag: without one it could delete every media item of the product.',
		);
	}
	const { productId, productCode } = await readProductId.call(this, run, itemIndex);
	const response = await run.client.deleteByFilter(productId, tags);
	return [{ productId, ...(productCode ? { productCode } : {}), tags, deleted: true, response }];
}

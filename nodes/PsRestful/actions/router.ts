import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { forEachItem } from '../../shared/execute';
import { PsRestfulClient } from '../transport';
import * as media from './media/Media.resource';
import * as supplier from './supplier/Supplier.resource';

type Operation = (this: IExecuteFunctions, client: PsRestfulClient, itemIndex: number) => Promise<IDataObject[]>;

const operations: Record<string, Record<string, Operation>> = {
	media: {
		getContent: media.getContent.execute,
		getContentForMany: media.getContentForMany.execute,
		getModifiedSince: media.getModifiedSince.execute,
	},
	supplier: {
		getMany: supplier.getMany.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const client = new PsRestfulClient(this);
	const out = await forEachItem(this, async (itemIndex) => {
		const resource = this.getNodeParameter('resource', itemIndex) as string;
		const operation = this.getNodeParameter('operation', itemIndex) as string;
		const run = operations[resource]?.[operation];
		if (!run) {
			throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`, { itemIndex });
		}
		return await run.call(this, client, itemIndex);
	});
	const quota = client.quota();
	if (quota?.remaining !== undefined) {
		this.addExecutionHints({
			message: `PSRESTful quota: ${quota.remaining} of ${quota.limit ?? '?'} calls left today`,
			location: 'outputPane',
		});
	}
	return [out];
}

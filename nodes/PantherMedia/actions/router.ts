import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { forEachItem } from '../../shared/execute';
import { PantherMediaClient } from '../transport';
import * as media from './media/Media.resource';

type Operation = (this: IExecuteFunctions, client: PantherMediaClient, itemIndex: number) => Promise<IDataObject[] | INodeExecutionData[]>;

const operations: Record<string, Record<string, Operation>> = {
	media: {
		poll: media.poll.execute,
		getInfo: media.getInfo.execute,
		downloadPreview: media.downloadPreview.execute,
		search: media.search.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const client = new PantherMediaClient(this);
	const out = await forEachItem(this, async (itemIndex) => {
		const resource = this.getNodeParameter('resource', itemIndex) as string;
		const operation = this.getNodeParameter('operation', itemIndex) as string;
		const run = operations[resource]?.[operation];
		if (!run) {
			throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`, { itemIndex });
		}
		return await run.call(this, client, itemIndex);
	});
	return [out];
}

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { forEachItem } from '../../shared/execute';
import { RunContext } from './context';
import * as mediaItem from './mediaItem/MediaItem.resource';

type Operation = (this: IExecuteFunctions, run: RunContext, itemIndex: number) => Promise<IDataObject[]>;

const operations: Record<string, Record<string, Operation>> = {
	mediaItem: {
		create: mediaItem.create.execute,
		upload: mediaItem.upload.execute,
		update: mediaItem.update.execute,
		delete: mediaItem.deleteMediaItem.execute,
		deleteByFilter: mediaItem.deleteByFilter.execute,
		getMany: mediaItem.getMany.execute,
		syncProductMedia: mediaItem.syncProductMedia.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const run = new RunContext(this);
	const out = await forEachItem(this, async (itemIndex) => {
		const resource = this.getNodeParameter('resource', itemIndex) as string;
		const operation = this.getNodeParameter('operation', itemIndex) as string;
		const execute = operations[resource]?.[operation];
		if (!execute) {
			throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`, { itemIndex });
		}
		return await execute.call(this, run, itemIndex);
	});
	return [out];
}

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { type OperationTable, routeOperations } from '../../shared/execute';
import type { CommerceConnectMap } from './node.type';
import { RunContext } from './context';
import * as mediaItem from './mediaItem/MediaItem.resource';

export const operations: OperationTable<RunContext, CommerceConnectMap> = {
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
	const out = await routeOperations(this, run, operations);
	return [out];
}

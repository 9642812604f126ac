import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { type OperationTable, routeOperations } from '../../shared/execute';
import type { CommerceConnectMap } from './node.type';
import { RunContext } from './context';
import * as mediaItem from './mediaItem/MediaItem.resource';

export const operations: OperationTable<RunContext, CommerceConnectMap> = {
	// The writes run their items side by side (Options → Concurrency); Get Many one after another.
	mediaItem: {
		create: { execute: mediaItem.create.execute, ...mediaItem.create.parallel },
		upload: { execute: mediaItem.upload.execute, ...mediaItem.upload.parallel },
		update: { execute: mediaItem.update.execute, ...mediaItem.update.parallel },
		delete: { execute: mediaItem.deleteMediaItem.execute, ...mediaItem.deleteMediaItem.parallel },
		deleteByFilter: { execute: mediaItem.deleteByFilter.execute, ...mediaItem.deleteByFilter.parallel },
		getMany: mediaItem.getMany.execute,
		syncProductMedia: { execute: mediaItem.syncProductMedia.execute, ...mediaItem.syncProductMedia.parallel },
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const run = new RunContext(this);
	try {
		const out = await routeOperations(this, run, operations, { onConcurrency: (limit) => run.useConcurrency(limit) });
		return [out];
	} finally {
		await run.removeConcurrentCopies();
		// Static data is saved with the execution whether it failed or not: assigned once, here.
		run.finish();
	}
}

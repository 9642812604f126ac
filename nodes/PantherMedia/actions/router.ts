import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { type OperationTable, routeOperations } from '../../shared/execute';
import type { PantherMediaMap } from './node.type';
import { PantherMediaClient } from '../transport';
import * as media from './media/Media.resource';

export const operations: OperationTable<PantherMediaClient, PantherMediaMap> = {
	media: {
		poll: media.poll.execute,
		getInfo: media.getInfo.execute,
		downloadPreview: media.downloadPreview.execute,
		search: media.search.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const client = new PantherMediaClient(this);
	const out = await routeOperations(this, client, operations);
	return [out];
}

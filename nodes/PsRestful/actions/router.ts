import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { type OperationTable, routeOperations } from '../../shared/execute';
import type { PsRestfulMap } from './node.type';
import { PsRestfulClient } from '../transport';
import * as media from './media/Media.resource';
import * as supplier from './supplier/Supplier.resource';

export const operations: OperationTable<PsRestfulClient, PsRestfulMap> = {
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
	const out = await routeOperations(this, client, operations);
	const quota = client.quota();
	if (quota?.remaining !== undefined) {
		this.addExecutionHints({
			message: `PSRESTful quota: ${quota.remaining} of ${quota.limit ?? '?'} calls left today`,
			location: 'outputPane',
		});
	}
	return [out];
}

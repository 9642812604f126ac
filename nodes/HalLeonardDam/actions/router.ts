import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { forEachItem } from '../../shared/execute';
import { DamClient } from '../transport';
import * as asset from './asset/Asset.resource';
import * as file from './file/File.resource';

type Operation = (this: IExecuteFunctions, client: DamClient, itemIndex: number) => Promise<IDataObject[] | INodeExecutionData[]>;

const operations: Record<string, Record<string, Operation>> = {
	file: {
		getModified: file.getModified.execute,
	},
	asset: {
		getMetadata: asset.getMetadata.execute,
		getAccess: asset.getAccess.execute,
	},
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const client = new DamClient(this);
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

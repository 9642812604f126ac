import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { type OperationTable, routeOperations } from '../../shared/execute';
import type { HalLeonardDamMap } from './node.type';
import { DamClient } from '../transport';
import * as asset from './asset/Asset.resource';
import * as file from './file/File.resource';

export const operations: OperationTable<DamClient, HalLeonardDamMap> = {
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
	const out = await routeOperations(this, client, operations);
	return [out];
}

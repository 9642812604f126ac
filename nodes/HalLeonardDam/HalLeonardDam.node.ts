import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as asset from './actions/asset/Asset.resource';
import * as file from './actions/file/File.resource';
import { router } from './actions/router';
import { halLeonardDamApiTest } from './methods/credentialTest';

export class HalLeonardDam implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Hal Leonard DAM',
		name: 'halLeonardDam',
		icon: { light: 'file:halleonard.svg', dark: 'file:halleonard.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Read sheet music assets, metadata and changed files from the Hal Leonard Digital Asset Management (DAM) system',
		defaults: { name: 'Hal Leonard DAM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'halLeonardDamApi', required: true, testedBy: 'halLeonardDamApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Asset', value: 'asset' },
					{ name: 'File', value: 'file' },
				],
				default: 'asset',
			},
			...asset.description,
			...file.description,
		],
	};

	methods = { credentialTest: { halLeonardDamApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}

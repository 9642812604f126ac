import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as media from './actions/media/Media.resource';
import { router } from './actions/router';
import { pantherMediaApiTest } from './methods/credentialTest';

export class PantherMedia implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'PantherMedia',
		name: 'pantherMedia',
		icon: { light: 'file:panthermedia.svg', dark: 'file:panthermedia.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read PantherMedia stock media: changes, metadata, previews and search (nothing is bought)',
		defaults: { name: 'PantherMedia' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pantherMediaApi', required: true, testedBy: 'pantherMediaApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Media', value: 'media' }],
				default: 'media',
			},
			...media.description,
		],
	};

	methods = { credentialTest: { pantherMediaApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}

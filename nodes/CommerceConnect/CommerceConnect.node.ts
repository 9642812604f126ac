import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as mediaItem from './actions/mediaItem/MediaItem.resource';
import { router } from './actions/router';
import { commerceConnectApiTest } from './methods/credentialTest';

export class CommerceConnect implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'CommerceConnect',
		name: 'commerceConnect',
		icon: { light: 'file:commerceconnect.svg', dark: 'file:commerceconnect.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Create, upload, update, delete, list and sync product media items in the CommerceConnect (Comestri) PIM',
		defaults: { name: 'CommerceConnect' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'commerceConnectApi', required: true, testedBy: 'commerceConnectApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Media Item', value: 'mediaItem' }],
				default: 'mediaItem',
			},
			...mediaItem.description,
		],
	};

	methods = { credentialTest: { commerceConnectApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}

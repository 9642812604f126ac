import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as media from './actions/media/Media.resource';
import { router } from './actions/router';
import * as supplier from './actions/supplier/Supplier.resource';
import { searchSuppliers } from './methods/listSearch';
import { psRestfulApiTest } from './methods/credentialTest';

export class PsRestful implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'PSRESTful',
		name: 'psRestful',
		icon: { light: 'file:psrestful.svg', dark: 'file:psrestful.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read PromoStandards product media (Media Content 1.1.0) through PSRESTful',
		defaults: { name: 'PSRESTful' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'psRestfulApi', required: true, testedBy: 'psRestfulApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Media', value: 'media' },
					{ name: 'Supplier', value: 'supplier' },
				],
				default: 'media',
			},
			...media.description,
			...supplier.description,
		],
	};

	methods = { listSearch: { searchSuppliers }, credentialTest: { psRestfulApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}

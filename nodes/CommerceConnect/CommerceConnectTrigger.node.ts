import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { runSync } from '../shared/sync/engine';
import {
	type TriggerDefaults,
	firstRunProperties,
	readTriggerSettings,
	syncOptionsProperty,
} from '../shared/sync/triggerSettings';
import { ASSOCIATED_FIELDS } from './model';
import { CommerceConnectClient, DEFAULT_BASE_URL } from './transport';
import { type CcStream, CommerceConnectSource } from './trigger/source';
import { commerceConnectApiTest } from './methods/credentialTest';
import { baseUrlOf, endpointKey } from '../shared/transport/client';

const DEFAULTS: TriggerDefaults = {
	itemNoun: 'media item',
	everythingDescription: 'Every media item changed since 2000 (a full backfill, spread over several polls)',
	maxItemsPerPoll: 100,
	maxItemsLimit: 10_000,
	lookbackMinutes: 10,
	lookbackDescription:
		'Each poll reads again this much time before the end of the last one, to catch changes CommerceConnect saves late (long imports). Items already emitted are not emitted again.',
	extraOptions: [
		{
			displayName: 'Include',
			name: 'include',
			type: 'multiOptions',
			default: [],
			options: [
				{ name: 'Association Attribute Values', value: 'association_attribute_values' },
				{ name: 'Attribute Values', value: 'attribute_values' },
			],
			description:
				'Related data to include in each media item (response_associated_fields). A change of these alone is not a change of the media item.',
		},
	],
};

export class CommerceConnectTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'CommerceConnect Trigger',
		name: 'commerceConnectTrigger',
		icon: { light: 'file:commerceconnect.svg', dark: 'file:commerceconnect.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"] === "created" ? "New media items" : "New or changed media items"}}',
		description: 'Starts the workflow when media items are created or changed in CommerceConnect',
		defaults: { name: 'CommerceConnect Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'commerceConnectApi', required: true, testedBy: 'commerceConnectApiTest' }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				default: 'updated',
				options: [
					{
						name: 'Media Item Created or Changed',
						value: 'updated',
						action: 'On media item created or changed',
						description: 'Every new version of a media item (by its update time); a new item counts as changed',
					},
					{
						name: 'Media Item Created',
						value: 'created',
						action: 'On media item created',
						description: 'Each new media item once (by its creation time)',
					},
				],
			},
			...firstRunProperties(DEFAULTS),
			syncOptionsProperty(DEFAULTS),
		],
	};

	methods = { credentialTest: { commerceConnectApiTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event', 'updated') as string;
		if (event !== 'updated' && event !== 'created') {
			throw new NodeOperationError(
				this.getNode(),
				`Event must be "updated" or "created", not ${JSON.stringify(event)}`,
			);
		}
		const { settings, host, options } = readTriggerSettings(this, DEFAULTS);
		const include = Array.isArray(options.include) ? options.include.map(String) : [];
		for (const field of include) {
			if (!(ASSOCIATED_FIELDS as readonly string[]).includes(field)) {
				throw new NodeOperationError(
					this.getNode(),
					`Include must list attribute_values and/or association_attribute_values, not ${JSON.stringify(field)}`,
				);
			}
		}
		const credentials = (await this.getCredentials('commerceConnectApi')) as IDataObject;
		const client = new CommerceConnectClient(this, { deadline: settings.deadline });
		const source = new CommerceConnectSource(client, {
			stream: event as CcStream,
			lookbackMs: options.lookbackMs,
			associatedFields: include.length > 0 ? include : undefined,
			endpointKey: endpointKey(baseUrlOf(credentials.baseUrl, DEFAULT_BASE_URL), credentials.email),
		});
		return await runSync(host, source, settings);
	}
}

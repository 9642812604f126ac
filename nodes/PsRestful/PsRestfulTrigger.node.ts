import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { runSync } from '../shared/sync/engine';
import {
	type TriggerDefaults,
	firstRunProperties,
	readTriggerSettings,
	syncOptionsProperty,
} from '../shared/sync/triggerSettings';
import { searchSuppliers } from './methods/listSearch';
import { readSupplierCode, supplierField } from './actions/common';
import { MEDIA_TYPES } from './model';
import { PsRestfulClient } from './transport';
import { PsRestfulSource } from './trigger/source';
import { psRestfulApiTest } from './methods/credentialTest';
import { clampInteger } from '../shared/numbers';
import { endpointKey } from '../shared/transport/client';

const DEFAULTS: TriggerDefaults = {
	itemNoun: 'product',
	everythingDescription:
		'Every product whose media the supplier reports as changed since 2000 (a full backfill, spread over several polls)',
	maxItemsPerPoll: 100,
	maxItemsLimit: 10_000,
	lookbackMinutes: 15,
	// 24 listings a day: with 20 changed products and media content ~49 calls, inside the Free plan's 50.
	minIntervalMinutes: 60,
	minIntervalReason: 'Protects PSRESTful’s daily quota (Free plan: 50 calls). Lower it on bigger plans.',
	lookbackDescription:
		'Each poll asks again for this much time before the last one, to catch changes the supplier indexes late. Repeats are filtered out.',
	extraOptions: [
		{
			displayName: 'Media Requests in Parallel',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 20 },
			default: 10,
			description: 'With Include Media Content: how many products’ media are fetched at the same time',
		},
		{
			displayName: 'Quota Reserve',
			name: 'quotaReserve',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 5,
			description:
				'With Include Media Content: stop fetching media when PSRESTful reports this few calls left today; the remaining products are fetched by a later poll instead of failing',
		},
	],
};

export class PsRestfulTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'PSRESTful Trigger',
		name: 'psRestfulTrigger',
		icon: { light: 'file:psrestful.svg', dark: 'file:psrestful.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ (($parameter["supplierCode"] || {}).value ?? $parameter["supplierCode"]) ? "Supplier " + (($parameter["supplierCode"] || {}).value ?? $parameter["supplierCode"]) : "" }}',
		description: 'Starts the workflow when a PromoStandards supplier changes product media (via PSRESTful)',
		defaults: { name: 'PSRESTful Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'psRestfulApi', required: true, testedBy: 'psRestfulApiTest' }],
		properties: [
			{
				displayName:
					'PSRESTful plans allow 50 (Free) or 300 (Standard) calls a day: each poll makes 1 call, plus 1 per changed product with Include Media Content. The trigger polls at most hourly by default (Options).',
				name: 'quotaNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Trigger On',
				name: 'event',
				type: 'options',
				default: 'productMediaChanged',
				options: [
					{
						name: 'Product Media Changed',
						value: 'productMediaChanged',
						action: 'On product media changed',
						description: 'A product whose media the supplier reports as changed',
					},
				],
			},
			supplierField(),
			{
				displayName: 'Include Media Content',
				name: 'includeMediaContent',
				type: 'boolean',
				default: false,
				description:
					'Whether to fetch each changed product’s media (one call per product) and emit it with the product. Repeats are then recognised by content, exactly.',
			},
			{
				displayName: 'Media Type',
				name: 'mediaType',
				type: 'options',
				default: '',
				options: [{ name: 'All', value: '' }, ...MEDIA_TYPES.map((t) => ({ name: t, value: t }))],
				displayOptions: { show: { includeMediaContent: [true] } },
				description: 'Only fetch media of this type',
			},
			...firstRunProperties(DEFAULTS),
			syncOptionsProperty(DEFAULTS),
		],
	};

	methods = { listSearch: { searchSuppliers }, credentialTest: { psRestfulApiTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const supplier = readSupplierCode(this.getNodeParameter('supplierCode', '', { extractValue: true }));
		if (!supplier) {
			throw new NodeOperationError(this.getNode(), 'Supplier is empty', {
				description: 'Choose a supplier, or enter its PromoStandards code (e.g. HIT).',
			});
		}
		const { settings, host, options } = readTriggerSettings(this, DEFAULTS);
		const credentials = (await this.getCredentials('psRestfulApi')) as IDataObject;
		const client = new PsRestfulClient(this, { deadline: settings.deadline });
		const source = new PsRestfulSource(client, {
			supplier,
			includeMedia: this.getNodeParameter('includeMediaContent', false) as boolean,
			mediaType: (this.getNodeParameter('mediaType', '') as string) || undefined,
			lookbackMs: options.lookbackMs,
			concurrency: clampInteger(options.concurrency, { min: 1, max: 20 }, 10),
			quotaReserve: clampInteger(options.quotaReserve, { min: 0, max: Infinity }, 5),
			endpointKey: endpointKey(credentials.baseUrl, credentials.environment ?? 'PROD'),
		});
		const result = await runSync(host, source, settings);
		const quota = client.quota();
		if (quota?.remaining !== undefined) {
			this.logger.info(`PSRESTful quota: ${quota.remaining} of ${quota.limit ?? '?'} calls left today`);
		}
		return result;
	}
}

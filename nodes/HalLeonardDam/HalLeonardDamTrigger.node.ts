import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { runSync } from '../shared/sync/engine';
import {
	type TriggerDefaults,
	firstRunProperties,
	readTriggerSettings,
	syncOptionsProperty,
} from '../shared/sync/triggerSettings';
import { FILE_TYPES, REQUEST_TYPES, fileTypeValue, requestTypeCode } from './actions/common';
import { parseDayInput } from './dayInput';
import { DEFAULT_DAM_TIME_ZONE, isValidTimeZone } from './days';
import { halLeonardDamApiTest } from './methods/credentialTest';
import { CREDENTIAL_TYPE, DamClient } from './transport';
import { DamSource, STREAMS } from './trigger/source';
import { endpointKey } from '../shared/transport/client';

const DEFAULTS: TriggerDefaults = {
	itemNoun: 'change',
	everythingDescription:
		'Every change the DAM reports since 2000-01-01, three months per request, spread over several polls. For a first full catalogue Hal Leonard recommends the Vendor Admin export.',
	maxItemsPerPoll: 500,
	maxItemsLimit: 10_000,
	lookbackMinutes: 1440,
	// The DAM asks vendors to query 1–4 times a day: 6 hours = at most 4 query rounds once caught up.
	minIntervalMinutes: 360,
	minIntervalReason:
		'Hal Leonard allows 1–4 queries a day; 360 (6 hours) allows 4. A backlog is caught up without waiting.',
	lookbackDescription:
		'Each poll asks again from this many days before the last closed DAM day (rounded up); one day covers a DAM day that ends in another time zone. Repeats are filtered out.',
	extraOptions: [
		{
			displayName: 'DAM Time Zone',
			name: 'timeZone',
			type: 'string',
			default: DEFAULT_DAM_TIME_ZONE,
			placeholder: 'America/Chicago',
			description:
				'IANA time zone of the DAM’s calendar, used to tell which DAM day it is from the server’s clock. Hal Leonard is in US Central Time; the workflow’s own time zone is never used.',
		},
	],
};

export class HalLeonardDamTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Hal Leonard DAM Trigger',
		name: 'halLeonardDamTrigger',
		icon: { light: 'file:halleonard.svg', dark: 'file:halleonard.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ ($parameter["events"] || []).includes("modifiedFile") ? (($parameter["events"] || []).includes("assetMetadata") ? "Files and metadata" : "Modified files") : "Asset metadata" }}',
		description: 'Starts the workflow when Hal Leonard DAM files or asset metadata change (added, updated or deleted)',
		defaults: { name: 'Hal Leonard DAM Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'halLeonardDamApi', required: true, testedBy: 'halLeonardDamApiTest' }],
		properties: [
			{
				displayName:
					'Hal Leonard asks vendors to query the DAM 1–4 times a day: set Poll Times to e.g. every 6 hours. Once up to date, the trigger queries at most every 6 hours anyway (Options).',
				name: 'pollNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{
						name: 'Asset Metadata Changed',
						value: 'assetMetadata',
						action: 'On asset metadata changed',
						description: 'Assets or packages added, updated or deleted (deletions come as event assetDeleted)',
					},
					{
						name: 'Modified File',
						value: 'modifiedFile',
						action: 'On file modified',
						description:
							'A PDF file changed. A file change without a metadata change appears only here: a full sync needs both.',
					},
				],
				default: ['modifiedFile', 'assetMetadata'],
				description: 'Which changes start the workflow',
			},
			{
				displayName: 'File Type',
				name: 'fileType',
				type: 'options',
				options: [...FILE_TYPES],
				default: 'pdf',
				description: 'Type of the modified files to watch (the DAM supports PDF only today)',
				displayOptions: { show: { events: ['modifiedFile'] } },
			},
			{
				displayName: 'Request Type',
				name: 'requestType',
				type: 'options',
				options: REQUEST_TYPES,
				default: 'all',
				description: 'Which kind of metadata changes to watch',
				displayOptions: { show: { events: ['assetMetadata'] } },
			},
			{
				displayName: 'Only Complete Days',
				name: 'completeDaysOnly',
				type: 'boolean',
				default: false,
				description:
					'Whether to read only days that have ended in the DAM: changes arrive a day later, but a second change on the same day is never missed. Off: today is read too.',
			},
			...firstRunProperties(DEFAULTS),
			syncOptionsProperty(DEFAULTS),
		],
	};

	methods = { credentialTest: { halLeonardDamApiTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const node = this.getNode();
		const events = this.getNodeParameter('events', []) as unknown;
		const streams = STREAMS.filter((stream) => Array.isArray(events) && events.includes(stream));
		if (streams.length === 0) {
			throw new NodeOperationError(node, 'Events is empty', {
				description: 'Choose Modified File, Asset Metadata Changed, or both.',
			});
		}
		const { settings, host, options } = readTriggerSettings(this, DEFAULTS);
		const timeZone = String(options.timeZone ?? DEFAULT_DAM_TIME_ZONE).trim() || DEFAULT_DAM_TIME_ZONE;
		if (!isValidTimeZone(timeZone)) {
			throw new NodeOperationError(node, `DAM Time Zone is not a time zone: ${JSON.stringify(timeZone).slice(0, 60)}`, {
				description: 'Use an IANA time zone name such as America/Chicago.',
			});
		}
		const startDay =
			settings.firstRun.mode === 'date'
				? parseDayInput(this.getNodeParameter('startDate', ''), 'Start Date', node)
				: undefined;

		const client = new DamClient(this, { deadline: settings.deadline });
		const credentials = (await this.getCredentials(CREDENTIAL_TYPE)) as IDataObject;
		const source = new DamSource(client, {
			streams,
			fileType: fileTypeValue(this.getNodeParameter('fileType', 'pdf'), node),
			requestType: requestTypeCode(this.getNodeParameter('requestType', 'all'), node),
			timeZone,
			lookbackDays: Math.ceil(options.lookbackMs / 86_400_000),
			completeDaysOnly: this.getNodeParameter('completeDaysOnly', false) as boolean,
			startDay,
			accountKey: endpointKey(await client.endpoint(), String(credentials.vendorId ?? '').trim()),
		});
		return await runSync(host, source, settings);
	}
}

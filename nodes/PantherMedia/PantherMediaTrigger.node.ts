import type { IDataObject, INodeExecutionData, INodeType, INodeTypeDescription, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { runSync } from '../shared/sync/engine';
import {
	type TriggerDefaults,
	firstRunProperties,
	readTriggerSettings,
	syncOptionsProperty,
} from '../shared/sync/triggerSettings';
import { pantherMediaApiTest } from './methods/credentialTest';
import { EVENT_TYPES, type EventType, LANGUAGES } from './model';
import { DEFAULT_BASE_URL, PantherMediaClient } from './transport';
import { PantherMediaSource } from './trigger/source';
import { clampInteger } from '../shared/numbers';
import { baseUrlOf, endpointKey } from '../shared/transport/client';

/**
 * Dedupe memory is ~40 bytes per remembered change. Whatever the user asks, all streams together
 * remember at most this many, so the saved state stays under 64 KiB.
 */
export const MAX_REMEMBERED_TOTAL = 1500;

/** get-media-info ids per request: small enough for a quick answer, large enough to spare requests. */
export const DEFAULT_INFO_BATCH = 50;

const DEFAULTS: TriggerDefaults = {
	itemNoun: 'media item',
	everythingDescription:
		'An initial import: every media PantherMedia has (New from media ID 1, as PantherMedia documents it; Changed and Deleted since 2000), spread over many polls',
	maxItemsPerPoll: 1000,
	maxItemsLimit: 10_000,
	lookbackMinutes: 10,
	lookbackDescription:
		'Reads each stretch of PantherMedia’s list once more, this long after reaching it, to catch media listed late; only changes not emitted yet come out. 0 turns the re-check off.',
	extraOptions: [
		{
			displayName: 'Media Info Batch Size',
			name: 'infoBatchSize',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: DEFAULT_INFO_BATCH,
			description: 'With Include Media Info: how many media IDs one get-media-info request asks for',
		},
		{
			displayName: 'Media Info Requests in Parallel',
			name: 'infoConcurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10 },
			default: 3,
			description: 'With Include Media Info: how many get-media-info requests run at the same time',
		},
	],
};

export class PantherMediaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'PantherMedia Trigger',
		name: 'pantherMediaTrigger',
		icon: { light: 'file:panthermedia.svg', dark: 'file:panthermedia.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ (($parameter["events"] || []).join(", ") || "no") + " media" }}',
		description: 'Starts the workflow when PantherMedia adds, changes or deletes media',
		defaults: { name: 'PantherMedia Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'pantherMediaApi', required: true, testedBy: 'pantherMediaApiTest' }],
		properties: [
			{
				displayName:
					'Covers PantherMedia’s own media only: partner media are not included. PantherMedia lists changes a few days after they happen, so events arrive with that delay — none is lost.',
				name: 'pollNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['new', 'changed', 'deleted'],
				description:
					'Which changes start the workflow. Each has its own position, so a backlog of one cannot hold up the others.',
				options: [
					{ name: 'New', value: 'new', action: 'On new media', description: 'Media added to PantherMedia' },
					{ name: 'Changed', value: 'changed', action: 'On changed media', description: 'Media whose data changed' },
					{
						name: 'Deleted',
						value: 'deleted',
						action: 'On deleted media',
						description: 'Media removed from PantherMedia',
					},
				],
			},
			{
				displayName: 'Include Media Info',
				name: 'includeMediaInfo',
				type: 'boolean',
				default: false,
				description:
					'Whether to add each new or changed media’s info (preview URLs, size, title, keywords…) from get-media-info, asked for in batches. Not for deleted media.',
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'options',
				default: 'en',
				options: LANGUAGES.map((l) => ({ name: l, value: l })),
				displayOptions: { show: { includeMediaInfo: [true] } },
				description: 'Language of titles, descriptions and keywords in the media info',
			},
			{
				displayName: 'Include Top 10 Keywords',
				name: 'top10Keywords',
				type: 'boolean',
				default: false,
				displayOptions: { show: { includeMediaInfo: [true] } },
				description: 'Whether the media info includes the ten keywords PantherMedia ranks highest',
			},
			...firstRunProperties(DEFAULTS),
			syncOptionsProperty(DEFAULTS),
		],
	};

	methods = { credentialTest: { pantherMediaApiTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const events = readEvents(this);
		const { settings, host, options } = readTriggerSettings(this, DEFAULTS);
		const credentials = (await this.getCredentials('pantherMediaApi')) as IDataObject;
		const includeInfo = this.getNodeParameter('includeMediaInfo', false) as boolean;
		const client = new PantherMediaClient(this, { deadline: settings.deadline });
		const source = new PantherMediaSource(client, {
			streams: events,
			lookbackMs: options.lookbackMs,
			includeInfo,
			info: includeInfo
				? {
						lang: this.getNodeParameter('language', 'en') as string,
						top10Keywords: this.getNodeParameter('top10Keywords', false) as boolean,
					}
				: {},
			batchSize: clampInteger(options.infoBatchSize, { min: 1, max: 100 }, DEFAULT_INFO_BATCH),
			concurrency: clampInteger(options.infoConcurrency, { min: 1, max: 10 }, 3),
			endpointKey: endpointKey(baseUrlOf(credentials.baseUrl, DEFAULT_BASE_URL)),
		});
		// The dedupe memory is shared out between the streams and bounded in total (see above).
		settings.seenCap = Math.max(1, Math.min(settings.seenCap, Math.floor(MAX_REMEMBERED_TOTAL / events.length)));
		return await runSync(host, source, settings);
	}
}

function readEvents(ctx: IPollFunctions): EventType[] {
	const raw = ctx.getNodeParameter('events', []) as unknown;
	const list = (Array.isArray(raw) ? raw : [raw]).map(String).filter(Boolean);
	const unknown = list.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e));
	if (unknown.length > 0) {
		throw new NodeOperationError(ctx.getNode(), `Events has an unknown value: ${unknown.join(', ')}`, {
			description: `Choose from ${EVENT_TYPES.join(', ')}.`,
		});
	}
	if (list.length === 0) {
		throw new NodeOperationError(ctx.getNode(), 'Events is empty', {
			description: 'Choose at least one of New, Changed and Deleted.',
		});
	}
	// Fixed order, so the streams (and their saved positions) do not depend on the click order.
	return EVENT_TYPES.filter((e) => list.includes(e));
}

import type { INodeProperties, IPollFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { parseDateInput } from '../dates';
import type { SyncHost, SyncSettings } from './engine';
import type { FirstRunMode } from './types';

/**
 * Node fields every polling trigger of this package shares, and how they become engine settings.
 * Providers pass their own defaults and wording; the meaning is the same everywhere.
 */

export interface TriggerDefaults {
	/** What "Everything" means for this provider, shown under the option. */
	everythingDescription: string;
	maxItemsPerPoll: number;
	/** Upper bound of the per-poll cap the UI allows. */
	maxItemsLimit: number;
	lookbackMinutes: number;
	lookbackDescription: string;
	/** Provider-specific entries added to the Options collection. */
	extraOptions?: INodeProperties[];
	/** Word for one item in the UI ("product", "media", "file"…). */
	itemNoun: string;
	/** Default least minutes between two polls that call the API (0: every tick). */
	minIntervalMinutes?: number;
	/** Why this provider wants a minimum interval, for the field's description. */
	minIntervalReason?: string;
}

export const DEFAULT_BUDGET_SECONDS = 240;
export const DEFAULT_SEEN_CAP = 1000;
export const SAMPLE_SIZE = 5;

export function firstRunProperties(defaults: TriggerDefaults): INodeProperties[] {
	return [
		{
			displayName: 'Start From',
			name: 'firstRun',
			type: 'options',
			default: 'now',
			description: 'What the first poll after activation emits. Later polls continue from where the last one stopped.',
			options: [
				{ name: 'Now', value: 'now', description: 'Only changes made after the trigger is activated' },
				{ name: 'A Date', value: 'date', description: 'Every change since a date you choose, then new ones' },
				{ name: 'Everything', value: 'all', description: defaults.everythingDescription },
			],
		},
		{
			displayName: 'Start Date',
			name: 'startDate',
			type: 'dateTime',
			default: '',
			required: true,
			description: 'Emit changes made on or after this date (UTC when no offset is given)',
			displayOptions: { show: { firstRun: ['date'] } },
		},
	];
}

export function syncOptionsProperty(defaults: TriggerDefaults): INodeProperties {
	return {
		displayName: 'Options',
		name: 'syncOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			...(defaults.extraOptions ?? []),
			{
				displayName: 'Dedupe Memory Size',
				name: 'seenCap',
				type: 'number',
				typeOptions: { minValue: 100, maxValue: 5000 },
				default: DEFAULT_SEEN_CAP,
				description:
					'How many recently emitted changes the trigger remembers to skip repeats in overlapping reads. Each takes about 40 bytes of the workflow’s saved data.',
			},
			// eslint-disable-next-line n8n-nodes-base/node-param-default-missing -- the default is the provider's, passed in; the rule only recognises literals
			{
				displayName: 'Lookback (Minutes)',
				name: 'lookbackMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: defaults.lookbackMinutes,
				description: defaults.lookbackDescription,
			},
			// eslint-disable-next-line n8n-nodes-base/node-param-default-missing -- the default is the provider's, passed in; the rule only recognises literals
			{
				displayName: 'Minimum Minutes Between Polls',
				name: 'minIntervalMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: defaults.minIntervalMinutes ?? 0,
				description: `At most this often, whatever Poll Times says. ${defaults.minIntervalReason ?? ''}`.trim(),
			},
			// eslint-disable-next-line n8n-nodes-base/node-param-default-missing -- the default is the provider's, passed in; the rule only recognises literals
			{
				displayName: `Max ${capitalize(defaults.itemNoun)}s per Poll`,
				name: 'maxItemsPerPoll',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: defaults.maxItemsLimit },
				default: defaults.maxItemsPerPoll,
				description:
					'A larger backlog is emitted over several polls, in order, without gaps. Keeps each execution small.',
			},
			{
				displayName: 'Poll Time Budget (Seconds)',
				name: 'budgetSeconds',
				type: 'number',
				typeOptions: { minValue: 10, maxValue: 3600 },
				default: DEFAULT_BUDGET_SECONDS,
				description:
					'The poll stops starting new requests after this time and continues where it stopped next poll. n8n 2.x’s own poll budget lowers it further when shorter.',
			},
			{
				displayName: 'Re-Check Every (Minutes)',
				name: 'recheckMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Self-healing, e.g. for queue mode: at this interval the trigger reads again what changed since the previous re-check and emits it once more (marked recheck: true), so a change whose execution crashed or failed is applied again. Only for workflows that are safe to run twice per change (like Sync Product Media). Costs one more read of each change. 0 = off.',
			},
		],
	};
}

export interface CommonSyncOptions {
	lookbackMs: number;
	maxItemsPerPoll: number;
	seenCap: number;
	budgetSeconds: number;
	[key: string]: unknown;
}

/** Reads the shared fields of a polling trigger into engine settings and the engine host. */
export function readTriggerSettings(
	ctx: IPollFunctions,
	defaults: TriggerDefaults,
): { settings: SyncSettings; host: SyncHost; options: CommonSyncOptions } {
	const node = ctx.getNode();
	const mode = ctx.getNodeParameter('firstRun', 'now') as FirstRunMode;
	if (!['now', 'date', 'all'].includes(mode)) {
		throw new NodeOperationError(node, `Start From has an unknown value: ${String(mode)}`);
	}
	const date = mode === 'date' ? parseDateInput(ctx.getNodeParameter('startDate', ''), 'Start Date', node) : undefined;
	const raw = (ctx.getNodeParameter('syncOptions', {}) ?? {}) as Record<string, unknown>;

	const lookbackMinutes = nonNegative(raw.lookbackMinutes, defaults.lookbackMinutes, 'Lookback (Minutes)', node);
	const maxItemsPerPoll = Math.min(
		defaults.maxItemsLimit,
		Math.max(1, Math.floor(nonNegative(raw.maxItemsPerPoll, defaults.maxItemsPerPoll, 'Max per Poll', node))),
	);
	const seenCap = Math.max(100, Math.floor(nonNegative(raw.seenCap, DEFAULT_SEEN_CAP, 'Dedupe Memory Size', node)));
	const budgetSeconds = Math.max(10, nonNegative(raw.budgetSeconds, DEFAULT_BUDGET_SECONDS, 'Poll Time Budget', node));
	const recheckMinutes = nonNegative(raw.recheckMinutes, 0, 'Re-Check Every (Minutes)', node);
	const minIntervalMinutes = nonNegative(
		raw.minIntervalMinutes,
		defaults.minIntervalMinutes ?? 0,
		'Minimum Minutes Between Polls',
		node,
	);

	// n8n 2.x tells a poll how long it may take; leave a fifth of it for emitting and saving.
	const engineBudgetMs = typeof ctx.getPollBudgetMs === 'function' ? ctx.getPollBudgetMs() * 0.8 : Infinity;
	const budgetMs = Math.min(budgetSeconds * 1000, engineBudgetMs);

	const manual = ctx.getMode() === 'manual';
	const settings: SyncSettings = {
		firstRun: { mode, date },
		maxItemsPerPoll,
		deadline: Date.now() + budgetMs,
		seenCap,
		sampleSize: SAMPLE_SIZE,
		minIntervalMs: minIntervalMinutes * 60_000,
		recheckMs: recheckMinutes * 60_000,
	};
	const host: SyncHost = {
		staticData: ctx.getWorkflowStaticData('node'),
		manual,
		logger: ctx.logger,
		guardKey: `${ctx.getWorkflow().id ?? ''}:${node.id ?? node.name}`,
		node,
	};
	return {
		settings,
		host,
		options: { ...raw, lookbackMs: lookbackMinutes * 60_000, maxItemsPerPoll, seenCap, budgetSeconds },
	};
}

function nonNegative(
	value: unknown,
	fallback: number,
	field: string,
	node: ReturnType<IPollFunctions['getNode']>,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0) {
		throw new NodeOperationError(node, `${field} must be a number of 0 or more, not ${JSON.stringify(value)}`);
	}
	return n;
}

function capitalize(word: string): string {
	return word.charAt(0).toUpperCase() + word.slice(1);
}

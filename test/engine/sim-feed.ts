import type { IDataObject, INodeExecutionData, INodeType, IPollFunctions } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { runSync } from '../../nodes/shared/sync/engine';
import {
	type TriggerDefaults,
	firstRunProperties,
	readTriggerSettings,
	syncOptionsProperty,
} from '../../nodes/shared/sync/triggerSettings';
import type {
	Candidate,
	Checkpoint,
	EnrichResult,
	FirstRun,
	ReadContext,
	ReadResult,
	SyncSource,
} from '../../nodes/shared/sync/types';
import { closedWatermark } from '../../nodes/shared/sync/watermark';

/**
 * A simulated provider for the engine's tests: a feed of change events (id, date) that become
 * visible after a delay, read by "date ≥ since" in (date, id) order with a keyset cursor, and
 * failing at random. It is the shape of PantherMedia's poll, without HTTP, so thousands of polls
 * run in seconds.
 */
export interface FeedEvent {
	id: string;
	/** Change time on the provider's clock; also the event's version. */
	date: number;
	visibleAt: number;
}

export class SimFeed {
	now = Date.UTC(2026, 0, 1);

	readonly events: FeedEvent[] = [];

	failRate = 0;

	random: () => number = Math.random;

	queries = 0;

	/** Optional enrichment failure rate (detail fetch). */
	enrichFailRate = 0;

	add(id: string, lagMs: number): FeedEvent {
		const event = { id, date: this.now, visibleAt: this.now + lagMs };
		this.events.push(event);
		return event;
	}

	query(since: number, after: [number, string] | undefined, limit: number): FeedEvent[] {
		this.queries++;
		if (this.failRate > 0 && this.random() < this.failRate) throw new Error('simulated provider failure');
		return this.events
			.filter((e) => e.visibleAt <= this.now && e.date >= since)
			.filter((e) => !after || e.date > after[0] || (e.date === after[0] && e.id > after[1]))
			.sort((a, b) => a.date - b.date || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
			.slice(0, limit);
	}
}

/**
 * When the simulated source stops a poll early (`ReadResult.pause`): never; once the poll emitted
 * some and the rest of the cap is less than a page; or always, even before emitting (a broken source).
 */
export type SimPause = 'never' | 'below-page' | 'always';

interface FeedCp {
	wm: number;
	floor: number;
	cont?: { since: number; after: [number, string]; max: number; at: number };
}

export class FeedSource implements SyncSource<FeedEvent> {
	readonly name = 'SimFeed';

	readonly dedupe = 'events' as const;

	readonly configKey: string;

	enrich?: (
		stream: string,
		candidates: Array<Candidate<FeedEvent>>,
		context: ReadContext,
	) => Promise<EnrichResult<FeedEvent>>;

	constructor(
		private readonly feed: SimFeed,
		private readonly lookbackMs: number,
		readonly streams: readonly string[] = ['events'],
		private readonly pageSize = 50,
		withEnrichment = false,
		private readonly pause: SimPause = 'never',
	) {
		this.configKey = `sim|${streams.join(',')}`;
		if (withEnrichment) {
			this.enrich = async (_stream, candidates) => {
				const done: Array<Candidate<FeedEvent>> = [];
				for (const candidate of candidates) {
					if (this.feed.enrichFailRate > 0 && this.feed.random() < this.feed.enrichFailRate) {
						return { done, error: new Error('simulated detail failure') };
					}
					done.push(candidate);
				}
				return { done };
			};
		}
	}

	restore(_stream: string, checkpoint: unknown): Checkpoint | undefined {
		// The simulation's own checkpoints: a structural copy is enough.
		return checkpoint && typeof checkpoint === 'object'
			? (JSON.parse(JSON.stringify(checkpoint)) as Checkpoint)
			: undefined;
	}

	async start(_stream: string, firstRun: FirstRun): Promise<Checkpoint> {
		const at = firstRun.mode === 'now' ? this.feed.now : firstRun.mode === 'date' ? firstRun.date! : 0;
		return { wm: at, floor: at } satisfies FeedCp;
	}

	async read(stream: string, checkpoint: Checkpoint, context: ReadContext): Promise<ReadResult<FeedEvent>> {
		const cp = checkpoint as unknown as FeedCp;
		const since = cp.cont ? cp.cont.since : Math.max(cp.floor, cp.wm - this.lookbackMs);
		const short = context.emitted > 0 && context.maxItems < this.pageSize;
		if (this.pause === 'always' || (this.pause === 'below-page' && short))
			return { candidates: [], next: checkpoint, caughtUp: false, floor: since, pause: true };
		const limit = Math.min(this.pageSize, context.maxItems);
		const raw = this.feed.query(since, cp.cont?.after, limit);
		const at = cp.cont?.at ?? this.feed.now; // server time of the window's first page
		const page = raw.filter((e) => streamOf(e.id, this.streams) === stream);
		const max = Math.max(cp.cont?.max ?? cp.wm, ...raw.map((e) => e.date));
		const caughtUp = raw.length < limit;
		const after = (e: FeedEvent): FeedCp => ({
			wm: cp.wm,
			floor: cp.floor,
			cont: { since, after: [e.date, e.id], max: Math.max(cp.cont?.max ?? cp.wm, e.date), at },
		});
		const wm = closedWatermark(cp.wm, max, at);
		const next: FeedCp = caughtUp ? { wm, floor: cp.floor } : after(raw[raw.length - 1]);
		const candidates = page.map((event) => ({
			key: event.id,
			version: String(event.date),
			time: event.date,
			item: event,
			resume: after(event) as unknown as Checkpoint,
		}));
		return {
			candidates,
			next: next as unknown as Checkpoint,
			caughtUp,
			floor: caughtUp ? Math.max(cp.floor, wm - this.lookbackMs) : since,
		};
	}

	async sample(_stream: string, limit: number): Promise<Array<Candidate<FeedEvent>>> {
		return this.feed.events
			.slice(-limit)
			.map((event) => ({ key: event.id, version: String(event.date), time: event.date, item: event }));
	}

	toJson(stream: string, candidate: Candidate<FeedEvent>): IDataObject {
		return { stream, id: candidate.item.id, date: candidate.item.date };
	}
}

/** Streams are chosen by id prefix ("a:…" → stream "a") when there is more than one. */
function streamOf(id: string, streams: readonly string[]): string {
	return streams.length === 1 ? streams[0] : id.split(':')[0];
}

/** What the current test wants the simulated trigger to use. */
export const simulation: {
	feed: SimFeed;
	lookbackMs: number;
	streams: string[];
	pageSize: number;
	enrichment: boolean;
	pause: SimPause;
} = {
	feed: new SimFeed(),
	lookbackMs: 10 * 60_000,
	streams: ['events'],
	pageSize: 50,
	enrichment: false,
	pause: 'never',
};

const DEFAULTS: TriggerDefaults = {
	itemNoun: 'event',
	everythingDescription: 'Every event',
	maxItemsPerPoll: 1000,
	maxItemsLimit: 100_000,
	lookbackMinutes: 10,
	lookbackDescription: 'Overlap',
};

export const simFeedTrigger: INodeType = {
	description: {
		displayName: 'Sim Feed Trigger',
		name: 'simFeedTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Simulated provider for engine tests',
		defaults: { name: 'Sim Feed Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [...firstRunProperties(DEFAULTS), syncOptionsProperty(DEFAULTS)],
	},
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const { settings, host } = readTriggerSettings(this, DEFAULTS);
		const source = new FeedSource(
			simulation.feed,
			simulation.lookbackMs,
			simulation.streams,
			simulation.pageSize,
			simulation.enrichment,
			simulation.pause,
		);
		return await runSync(host, source, settings);
	},
};

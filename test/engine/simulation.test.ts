import { registerTestNodeType, PollHarness } from '../harness/n8n';
import { seededRandom } from '../../sandbox/random';
import { SimFeed, simFeedTrigger, simulation } from './sim-feed';

/**
 * Seeded randomized simulation of the sync engine: a provider whose changes become visible
 * after a random delay (up to the lookback), whose answers fail at random, polled thousands of
 * times, with n8n restarts in between — under n8n's default static-data saving and under
 * durable poll cursors. Every change must be emitted exactly once.
 */
registerTestNodeType(simFeedTrigger);

interface Outcome {
	changes: number;
	emitted: number;
	lost: number;
	duplicated: number;
	polls: number;
	failedPolls: number;
	restarts: number;
	maxStateBytes: number;
}

async function run(
	seed: number,
	options: {
		polls: number;
		durable: boolean;
		maxItemsPerPoll: number;
		failRate: number;
		enrichFailRate?: number;
		streams?: string[];
	},
): Promise<Outcome> {
	const random = seededRandom(seed);
	const feed = new SimFeed();
	feed.random = random;
	simulation.feed = feed;
	simulation.lookbackMs = 10 * 60_000;
	simulation.streams = options.streams ?? ['events'];
	simulation.pageSize = 20;
	simulation.enrichment = options.enrichFailRate !== undefined;
	feed.enrichFailRate = options.enrichFailRate ?? 0;

	const harness = new PollHarness(
		{ type: 'simFeedTrigger', parameters: { syncOptions: { maxItemsPerPoll: options.maxItemsPerPoll } } as never },
		{ durableCursors: options.durable },
	);
	const emitted = new Map<string, number>();
	let polls = 0;
	let failedPolls = 0;
	let restarts = 0;
	let maxStateBytes = 0;
	let activated = false;
	let idCounter = 0;

	const pollOnce = async () => {
		polls++;
		try {
			const out = await harness.poll();
			activated = true;
			for (const item of out?.[0] ?? []) {
				const key = `${item.json.id}@${item.json.date}`;
				emitted.set(key, (emitted.get(key) ?? 0) + 1);
			}
		} catch {
			failedPolls++;
		}
		maxStateBytes = Math.max(maxStateBytes, JSON.stringify(harness.saved).length);
	};

	for (let tick = 0; tick < options.polls; tick++) {
		feed.now += Math.floor(random() * 120_000); // 0–2 minutes between polls
		if (activated) {
			const n = Math.floor(random() * 4);
			for (let i = 0; i < n; i++) {
				// A few ids change again and again; lag up to 9 minutes (< the 10-minute lookback).
				const stream = simulation.streams[Math.floor(random() * simulation.streams.length)];
				const id = random() < 0.3 ? `${stream}:hot${Math.floor(random() * 5)}` : `${stream}:item${++idCounter}`;
				feed.add(id, Math.floor(random() * 9 * 60_000));
			}
		}
		if (random() < 0.02) {
			harness.restart();
			restarts++;
		}
		feed.failRate = options.failRate;
		feed.enrichFailRate = options.enrichFailRate ?? 0;
		await pollOnce();
	}
	// Drain: no new changes, no faults, time enough for every change to become visible.
	feed.failRate = 0;
	feed.enrichFailRate = 0;
	for (let i = 0; i < 200; i++) {
		feed.now += 60_000;
		await pollOnce();
	}

	// Changes made before the trigger's first successful poll are before "now": not expected.
	// Two changes of one id at the same instant are one change (the same key and version).
	const expected = [...new Set(feed.events.map((e) => `${e.id}@${e.date}`))];
	let lost = 0;
	let duplicated = 0;
	for (const key of expected) {
		const count = emitted.get(key) ?? 0;
		if (count === 0) lost++;
		if (count > 1) duplicated += count - 1;
	}
	return {
		changes: expected.length,
		emitted: [...emitted.values()].reduce((a, b) => a + b, 0),
		lost,
		duplicated,
		polls,
		failedPolls,
		restarts,
		maxStateBytes,
	};
}

describe('sync engine simulation', () => {
	it.each([
		['default saving', { durable: false, maxItemsPerPoll: 1000, failRate: 0.2 }],
		['durable poll cursors', { durable: true, maxItemsPerPoll: 1000, failRate: 0.2 }],
		['a small per-poll cap (backlogs over many polls)', { durable: false, maxItemsPerPoll: 3, failRate: 0.1 }],
		[
			'three streams sharing the cap',
			{ durable: false, maxItemsPerPoll: 4, failRate: 0.1, streams: ['new', 'changed', 'deleted'] },
		],
		[
			'detail fetches failing at random (partial progress)',
			{ durable: false, maxItemsPerPoll: 50, failRate: 0.05, enrichFailRate: 0.02 },
		],
	] as const)(
		'emits every change exactly once with %s',
		async (name, options) => {
			const outcome = await run(20261123, {
				polls: 2000,
				...options,
				streams: 'streams' in options ? [...options.streams] : undefined,
			});
			console.log(`simulation (${name}): ${JSON.stringify(outcome)}`);
			expect(outcome.changes).toBeGreaterThan(1000);
			expect(outcome.failedPolls).toBeGreaterThan(0);
			expect(outcome.restarts).toBeGreaterThan(10);
			expect(outcome.lost).toBe(0);
			expect(outcome.duplicated).toBe(0);
			expect(outcome.emitted).toBe(outcome.changes);
			expect(outcome.maxStateBytes).toBeLessThan(64 * 1024);
		},
		300_000,
	);
});

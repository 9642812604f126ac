import { SeenSet } from '../../nodes/shared/sync/seen';
import { STATE_KEY, STATE_VERSION, configHash, loadState } from '../../nodes/shared/sync/state';
import { closedWatermark } from '../../nodes/shared/sync/watermark';
import { caught } from '../harness/assertions';
import { PollHarness, logLines, registerTestNodeType } from '../harness/n8n';
import { SimFeed, simFeedTrigger, simulation } from './sim-feed';

registerTestNodeType(simFeedTrigger);

describe('sync engine', () => {
	let feed: SimFeed;
	beforeEach(() => {
		feed = new SimFeed();
		simulation.feed = feed;
		simulation.lookbackMs = 10 * 60_000;
		simulation.streams = ['events'];
		simulation.pageSize = 50;
		simulation.enrichment = false;
		simulation.pause = 'never';
	});

	const trigger = (parameters: Record<string, unknown> = {}) =>
		new PollHarness({ type: 'simFeedTrigger', parameters: parameters as never });
	const ids = (out: Awaited<ReturnType<PollHarness['poll']>>) => (out ? out[0].map((i) => i.json.id) : []);

	it('writes state once, as a whole, and only at the end of a successful poll', async () => {
		const harness = trigger();
		await harness.poll();
		feed.now += 1000;
		feed.add('a', 0);
		const before = harness.memoryState[STATE_KEY];
		const out = await harness.poll();
		expect(ids(out)).toEqual(['a']);
		const after = harness.memoryState[STATE_KEY];
		expect(after).not.toBe(before); // replaced, not mutated in place
		expect(JSON.stringify(before)).not.toBe(JSON.stringify(after));
		expect((after as { v: number }).v).toBe(STATE_VERSION);
	});

	it('does not touch the in-memory state when a poll throws', async () => {
		const harness = trigger();
		await harness.poll();
		feed.now += 1000;
		feed.add('a', 0);
		const before = JSON.stringify(harness.memoryState);
		feed.failRate = 1;
		const error = await caught(() => harness.poll());
		expect(error.message).toBe('simulated provider failure');
		expect(error.name).toBe('NodeOperationError');
		expect(JSON.stringify(harness.memoryState)).toBe(before);
		feed.failRate = 0;
		expect(ids(await harness.poll())).toEqual(['a']);
	});

	it('skips a poll while the previous one of the same node is still running', async () => {
		const harness = trigger();
		await harness.poll();
		feed.now += 1000;
		feed.add('a', 0);
		const [one, two] = await Promise.all([harness.poll(), harness.poll()]);
		expect([ids(one), ids(two)].sort()).toEqual([[], ['a']]);
		expect(logLines.some((l) => /previous poll is still running/.test(l.message))).toBe(true);
	});

	it('starts over from the first-run setting when the saved state has another format', async () => {
		const harness = trigger({ firstRun: 'date', startDate: '2025-12-31T00:00:00Z' });
		feed.add('old', 0);
		harness.saved = { 'node:Node': { [STATE_KEY]: { v: 99, streams: {} } } };
		harness.restart();
		expect(ids(await harness.poll())).toEqual(['old']);
		expect(logLines.some((l) => /unknown format; starting over/.test(l.message))).toBe(true);
	});

	it('reads nothing from before activation in "now" mode, even inside the lookback', async () => {
		feed.add('before', 0);
		feed.now += 1000;
		const harness = trigger();
		expect(await harness.poll()).toBeNull();
		feed.now += 1000;
		feed.add('after', 0);
		expect(ids(await harness.poll())).toEqual(['after']);
	});

	it('returns a sample in manual mode without creating any state', async () => {
		feed.add('x', 0);
		const harness = trigger();
		const out = await harness.poll({ mode: 'manual' });
		expect(ids(out)).toEqual(['x']);
		expect(harness.memoryState).toEqual({});
	});

	it('shares the per-poll cap fairly between streams', async () => {
		simulation.streams = ['new', 'changed'];
		const harness = trigger({ firstRun: 'all', syncOptions: { maxItemsPerPoll: 2 } });
		for (let i = 0; i < 4; i++) feed.add(`new:${i}`, 0);
		for (let i = 0; i < 4; i++) feed.add(`changed:${i}`, 0);
		const polls = [];
		for (let i = 0; i < 5; i++) polls.push(ids(await harness.poll()));
		// Each poll starts with the other stream, so "changed" is not starved by "new".
		expect(
			polls
				.slice(0, 2)
				.flat()
				.some((id) => String(id).startsWith('changed:')),
		).toBe(true);
		expect(polls.flat().sort()).toEqual(
			[
				...Array.from({ length: 4 }, (_, i) => `changed:${i}`),
				...Array.from({ length: 4 }, (_, i) => `new:${i}`),
			].sort(),
		);
	});

	it('lets a source stop a poll before a read the rest of the cap would cut short; the next poll goes on', async () => {
		simulation.pause = 'below-page';
		const harness = trigger({ firstRun: 'all', syncOptions: { maxItemsPerPoll: 70 } });
		for (let i = 0; i < 200; i++) feed.add(`e${String(i).padStart(3, '0')}`, 0);
		const sizes: number[] = [];
		const all: unknown[] = [];
		for (let i = 0; i < 5; i++) {
			const out = ids(await harness.poll());
			sizes.push(out.length);
			all.push(...out);
		}
		// A page of 50 each, not 50 + a short page of 20: every poll makes one read.
		expect(sizes).toEqual([50, 50, 50, 50, 0]);
		expect(new Set(all).size).toBe(200);
		expect(logLines.some((l) => /stopped at the per-poll item cap, continuing next poll/.test(l.message))).toBe(true);
		expect(logLines.some((l) => /error/.test(l.message))).toBe(false);
	});

	it('fails a poll whose source stops before emitting anything, rather than never move on', async () => {
		simulation.pause = 'always';
		const harness = trigger({ firstRun: 'all' });
		feed.add('a', 0);
		const error = await caught(() => harness.poll());
		expect(error.message).toMatch(/stream "events" paused before emitting anything/);
	});

	it('keeps the dedupe memory bounded, warns when it has to forget', async () => {
		simulation.lookbackMs = 24 * 3600_000; // everything stays in reach
		const harness = trigger({ syncOptions: { seenCap: 100, maxItemsPerPoll: 1000 } });
		await harness.poll();
		feed.now += 1000;
		for (let i = 0; i < 250; i++) feed.add(`k${String(i).padStart(3, '0')}`, 0);
		expect(ids(await harness.poll())).toHaveLength(250);
		const state = harness.memoryState[STATE_KEY] as { streams: { events: { seen: object } } };
		expect(Object.keys(state.streams.events.seen)).toHaveLength(100);
		expect(
			logLines.some((l) => /forgot 150 older changes \(this can only cause repeats, never losses\)/.test(l.message)),
		).toBe(true);
	});
});

describe('dedupe memory', () => {
	it('in events mode keeps every version of a key apart', () => {
		const seen = new SeenSet({}, 'events');
		seen.remember('a', '1', 1000);
		seen.remember('a', '2', 2000);
		expect(seen.has('a', '1')).toBe(true);
		expect(seen.has('a', '2')).toBe(true);
		expect(seen.has('a', '3')).toBe(false);
	});

	it('in latest mode treats a revert to an earlier state as a change', () => {
		const seen = new SeenSet({}, 'latest');
		seen.remember('a', 'v1', 1000);
		seen.remember('a', 'v2', 2000);
		expect(seen.has('a', 'v2')).toBe(true);
		expect(seen.has('a', 'v1')).toBe(false);
	});

	it('without a version, knows a key once it was remembered', () => {
		const seen = new SeenSet({}, 'latest');
		expect(seen.has('id', undefined)).toBe(false);
		seen.remember('id', undefined, 1000);
		expect(seen.has('id', undefined)).toBe(true);
	});

	it('forgets what can no longer be read, and the oldest first when over its cap', () => {
		const seen = new SeenSet({}, 'events');
		for (let i = 0; i < 10; i++) seen.remember(`k${i}`, 'v', i * 1000);
		expect(seen.pruneBefore(3000)).toBe(3);
		expect(seen.capTo(5)).toBe(2);
		expect(seen.has('k4', 'v')).toBe(false);
		expect(seen.has('k5', 'v')).toBe(true);
		// ~40 bytes an entry in the saved form
		expect(JSON.stringify(seen.toRecord()).length / seen.size).toBeLessThan(40);
	});
});

describe('state and watermark', () => {
	it('recognises state of another configuration', () => {
		const restore = (_stream: string, cp: unknown) => cp as never;
		expect(loadState({ v: STATE_VERSION, cfg: configHash('a'), streams: {}, rr: 0 }, 'b', restore).reset).toBe(
			'config',
		);
		expect(loadState(undefined, 'b', restore).reset).toBe('first-run');
		expect(loadState({ v: STATE_VERSION, cfg: configHash('b'), streams: {}, rr: 3 }, 'b', restore)).toEqual({
			state: { v: STATE_VERSION, cfg: configHash('b'), streams: {}, rr: 3 },
			problems: [],
		});
	});

	it('never lets the watermark pass the first read of a window, nor move back', () => {
		expect(closedWatermark(100, 500, 300)).toBe(300);
		expect(closedWatermark(100, 200, 300)).toBe(200);
		expect(closedWatermark(400, 200, 300)).toBe(400);
	});
});

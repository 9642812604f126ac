import { PollHarness, registerTestNodeType } from '../harness/n8n';
import { SimFeed, simFeedTrigger, simulation } from './sim-feed';

registerTestNodeType(simFeedTrigger);

/**
 * The minimum interval between reads (Options → Minimum Minutes Between Polls) holds on average
 * whatever n8n's Poll Times are: n8n ticks every minute by default, and the slack that lets an
 * early tick read must not turn a 60-minute interval into 54 minutes (26 reads a day instead of
 * 24: over PSRESTful's Free plan with media content). Only Date is faked; the engine is real.
 */
describe('sync engine: minimum interval between reads', () => {
	const MINUTE = 60_000;
	const start = Date.UTC(2026, 10, 24);
	let feed: SimFeed;
	beforeEach(() => {
		feed = new SimFeed();
		simulation.feed = feed;
		simulation.lookbackMs = 10 * MINUTE;
		simulation.streams = ['events'];
		simulation.pageSize = 50;
		simulation.enrichment = false;
		jest.useFakeTimers({
			now: start,
			doNotFake: [
				'setTimeout',
				'clearTimeout',
				'setImmediate',
				'clearImmediate',
				'setInterval',
				'clearInterval',
				'nextTick',
				'queueMicrotask',
				'hrtime',
				'performance',
			],
		});
	});
	afterEach(() => jest.useRealTimers());

	const trigger = (minIntervalMinutes: number) =>
		new PollHarness({ type: 'simFeedTrigger', parameters: { syncOptions: { minIntervalMinutes } } as never });

	/** Polls at the given minutes after activation; returns the minutes at which the feed was read. */
	async function readsAt(harness: PollHarness, minutes: number[]): Promise<number[]> {
		await harness.poll(); // activation
		const reads: number[] = [];
		for (const minute of minutes) {
			jest.setSystemTime(start + minute * MINUTE);
			feed.now = start + minute * MINUTE;
			const before = feed.queries;
			await harness.poll();
			if (feed.queries > before) reads.push(minute);
		}
		return reads;
	}

	it('with n8n’s every-minute ticks, a 60-minute interval reads every 60 minutes: 24 reads a day', async () => {
		const reads = await readsAt(
			trigger(60),
			Array.from({ length: 1440 }, (_, i) => i + 1),
		);
		const gaps = reads.slice(1).map((minute, i) => minute - reads[i]);
		expect(new Set(gaps)).toEqual(new Set([60]));
		expect(reads).toHaveLength(24);
		expect(reads[0]).toBe(54); // the first may come within the slack (a tenth of the interval)
	});

	it('with an hourly schedule, reads on every tick, even after a poll that started minutes late', async () => {
		const ticks = [60, 123, 180, 240, 300]; // the tick at 120 ran 3 minutes late
		expect(await readsAt(trigger(60), ticks)).toEqual(ticks);
	});

	it('reads when the saved time lies ahead by more than the slack (a clock set back)', async () => {
		const harness = trigger(60);
		expect(await readsAt(harness, [60])).toEqual([60]);
		for (const minute of [-120, -119]) {
			jest.setSystemTime(start + minute * MINUTE);
			const before = feed.queries;
			await harness.poll();
			expect({ minute, read: feed.queries > before }).toEqual({ minute, read: minute === -120 });
		}
	});
});

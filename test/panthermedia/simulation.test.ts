import type { IDataObject } from 'n8n-workflow';

import { stateSize } from '../../nodes/shared/sync/state';
import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { withMock } from '../harness/servers';
import { type GeneratedEvent, PantherMediaMock, type RowType } from '../../sandbox/panthermedia';
import { pantherEventKey as eventKey, pantherMediaSoak } from '../soak/adapters/panthermedia';
import { runSoak } from '../soak/runner';
import { formatResult } from '../soak/types';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const KIB = 1024;

function count(events: GeneratedEvent[], emitted: Map<string, number>) {
	let lost = 0;
	let duplicated = 0;
	for (const event of events) {
		const n = emitted.get(eventKey(event)) ?? 0;
		if (n === 0) lost++;
		if (n > 1) duplicated += n - 1;
	}
	const expected = new Set(events.map(eventKey));
	const unexpected = [...emitted.keys()].filter((k) => !expected.has(k)).length;
	return { lost, duplicated, unexpected, total: [...emitted.values()].reduce((a, b) => a + b, 0) };
}

/**
 * The PantherMedia Trigger over real HTTP against the mock for thousands of polls (the small
 * version of `npm run soak`, scenario in test/soak/adapters/panthermedia.ts): media are added,
 * changed and deleted at random, PantherMedia shows each change three days after its date (some
 * up to 50 minutes later still: stragglers inside the 60-minute lookback), a fifth of all
 * requests fail (429 with Retry-After, 421, 500, 503, truncated and malformed XML, dropped
 * connections), n8n restarts now and then, and media info is fetched in batches. Every change is
 * emitted exactly once.
 */
describe('PantherMedia Trigger simulation', () => {
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(() => (sleeps = recordSleeps()));
	afterAll(() => sleeps.restore());

	it.each([
		['start from a date, n8n’s default saving', 'date', false, 11, 2000],
		['start from now, durable poll cursors', 'now', true, 12, 1200],
	] as const)(
		'emits every change exactly once (%s)',
		async (name, firstRun, durableCursors, seed, ticks) => {
			const result = await runSoak(pantherMediaSoak, {
				seed,
				polls: ticks,
				faultRate: 0.2,
				firstRun,
				durableCursors,
				name,
			});
			console.log(formatResult(result));
			const details = result.details as {
				rows: number;
				byType: Record<RowType, number>;
				unexpected: number;
				withInfo: { ok: number };
				maxStateBytes: number;
			};
			expect(details.rows).toBeGreaterThan(ticks / 2);
			expect(details.byType.changed).toBeGreaterThan(ticks / 20);
			expect(details.byType.deleted).toBeGreaterThan(ticks / 100);
			expect(result.failedPolls).toBeGreaterThan(0);
			expect(result.restarts).toBeGreaterThan(10);
			expect(result.lost).toBe(0);
			// Redirects to another origin and Dates from 2100 were answered now and then; nothing left the host.
			expect(result.faults.redirect).toBeGreaterThan(0);
			expect(result.faults.headers).toBeGreaterThan(0);
			expect(result.leaked).toBe(0);
			expect(result.duplicated).toBe(0);
			expect(details.unexpected).toBe(0);
			expect(result.emitted).toBe(details.rows);
			expect(details.withInfo.ok).toBeGreaterThan(0);
			expect(details.maxStateBytes).toBeLessThan(64 * KIB);
		},
		300_000,
	);

	it('imports 50,000 media over polls with next_page_id, exactly once, state < 64 KiB', async () => {
		await withMock(new PantherMediaMock({ seed: false }), async (mock, baseUrl) => {
			// Ten seconds apart over almost six days, all visible (dated weeks ago).
			const from = mock.now() - 40 * DAY;
			mock.bulkNew(50_000, from, 10_000);
			for (let i = 0; i < 3000; i++) mock.change(String(40_000_001 + i * 7), { at: from + i * 10_000 });
			for (let i = 0; i < 1000; i++) mock.remove(String(40_000_003 + i * 11), { at: from + i * 10_000 });
			const harness = new PollHarness({
				type: 'pantherMediaTrigger',
				parameters: {
					events: ['new', 'changed', 'deleted'],
					firstRun: 'all',
					syncOptions: { maxItemsPerPoll: 5000 },
				} as never,
				credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl } },
			});
			const emitted = new Map<string, number>();
			const newOrder: string[] = [];
			let polls = 0;
			let maxStateBytes = 0;
			for (;;) {
				polls++;
				const out = await harness.poll();
				maxStateBytes = Math.max(maxStateBytes, stateSize(harness.saved));
				if (!out) break;
				for (const item of out[0]) {
					const key = eventKey(item.json as IDataObject & { id: string; date: string });
					emitted.set(key, (emitted.get(key) ?? 0) + 1);
					if (item.json.event === 'new') newOrder.push(String(item.json.id));
				}
				expect(polls).toBeLessThan(100);
			}
			const result = count(mock.events, emitted);
			const requests = mock.server.requests
				.filter((r) => r.path === '/poll')
				.map((r) => Object.fromEntries(new URLSearchParams(r.text)));
			console.log(
				`PantherMedia initial import: ${JSON.stringify({ rows: mock.events.length, emitted: result.total, lost: result.lost, duplicated: result.duplicated, polls, pollRequests: requests.length, maxStateBytes })}`,
			);
			expect(result.lost).toBe(0);
			expect(result.duplicated).toBe(0);
			expect(result.total).toBe(54_000);
			expect(newOrder).toEqual(mock.events.filter((e) => e.type === 'new').map((e) => e.id));
			expect(requests[0]).toMatchObject({ type: 'new', last_polling: '1' });
			expect(requests.some((r) => r.type === 'new' && r.last_polling === '1' && r.next_page_id)).toBe(true);
			expect(polls).toBeGreaterThanOrEqual(11);
			expect(maxStateBytes).toBeLessThan(64 * KIB);
		});
	}, 300_000);

	it('keeps the state under 64 KiB when a burst overflows the dedupe memory, and repeats a row at most once', async () => {
		await withMock(new PantherMediaMock({ seed: false }), async (mock, baseUrl) => {
			// 3,000 rows per stream, one per second: a 60-minute lookback reaches all of them, far
			// more than the memory may hold (1,500 in total, 500 per stream).
			const from = mock.now() - 10 * DAY;
			mock.bulkNew(3000, from, 1000);
			for (let i = 0; i < 3000; i++) mock.change(String(40_000_001 + i), { at: from + i * 1000 });
			for (let i = 0; i < 3000; i++) mock.remove(String(40_000_001 + i), { at: from + i * 1000 });
			const harness = new PollHarness({
				type: 'pantherMediaTrigger',
				parameters: {
					events: ['new', 'changed', 'deleted'],
					firstRun: 'date',
					startDate: new Date(from).toISOString(),
					syncOptions: { maxItemsPerPoll: 1000, lookbackMinutes: 60, seenCap: 5000 },
				} as never,
				credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl } },
			});
			const emitted = new Map<string, number>();
			let maxStateBytes = 0;
			let maxRemembered = 0;
			const perPoll: number[] = [];
			for (let i = 0; i < 60; i++) {
				mock.server.advance(5 * MINUTE);
				const out = await harness.poll();
				perPoll.push(out?.[0].length ?? 0);
				maxStateBytes = Math.max(maxStateBytes, stateSize(harness.saved));
				const streams = ((harness.savedState?.mediaSync as IDataObject | undefined)?.streams ?? {}) as Record<
					string,
					{ seen: object }
				>;
				maxRemembered = Math.max(
					maxRemembered,
					Object.values(streams).reduce((n, s) => n + Object.keys(s.seen).length, 0),
				);
				for (const item of out?.[0] ?? []) {
					const key = eventKey(item.json as IDataObject & { id: string; date: string });
					emitted.set(key, (emitted.get(key) ?? 0) + 1);
				}
			}
			const result = count(mock.events, emitted);
			const most = Math.max(...emitted.values());
			console.log(
				`PantherMedia burst beyond the dedupe memory: ${JSON.stringify({ rows: mock.events.length, emitted: result.total, lost: result.lost, duplicated: result.duplicated, mostTimesOneRow: most, maxRemembered, maxStateBytes, lastPolls: perPoll.slice(-5) })}`,
			);
			expect(maxRemembered).toBe(1500);
			expect(maxStateBytes).toBeLessThan(64 * KIB);
			expect(result.lost).toBe(0);
			// Forgotten rows come back once, from the one sweep over their stretch — never at every poll.
			expect(most).toBeLessThanOrEqual(2);
			expect(perPoll.slice(-20).every((n) => n === 0)).toBe(true);
		});
	}, 300_000);
});

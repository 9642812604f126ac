import type { IDataObject } from 'n8n-workflow';

import { stateSize } from '../../nodes/shared/sync/state';
import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { type GeneratedEvent, PantherMediaMock, type RowType } from '../mocks/panthermedia';
import { seededRandom } from '../mocks/random';
import type { Fault } from '../mocks/server';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KIB = 1024;

const eventKey = (e: { type?: unknown; event?: unknown; id: unknown; date: unknown }) =>
	`${String(e.type ?? e.event)}:${String(e.id)}:${typeof e.date === 'number' ? new Date(e.date).toISOString().replace('.000Z', 'Z') : String(e.date)}`;

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
 * The PantherMedia Trigger over real HTTP against the mock for thousands of polls: media are
 * added, changed and deleted at random, PantherMedia shows each change three days after its
 * date (some up to 50 minutes later still: stragglers inside the 60-minute lookback), a fifth
 * of all requests fail (429 with Retry-After, 421, 500, 503, truncated and malformed XML,
 * dropped connections), n8n restarts now and then, and media info is fetched in batches. Every
 * change is emitted exactly once.
 */
describe('PantherMedia Trigger simulation', () => {
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(() => (sleeps = recordSleeps()));
	afterAll(() => sleeps.restore());

	it.each([
		['start from a date, n8n’s default saving', 'date', false, 11, 2000],
		['start from now, durable poll cursors', 'now', true, 12, 1200],
	] as const)('emits every change exactly once (%s)', async (name, firstRun, durableCursors, seed, ticks) => {
		const random = seededRandom(seed);
		const mock = new PantherMediaMock({ seed: false });
		const baseUrl = await mock.start();
		try {
			const simStart = mock.now();
			const harness = new PollHarness(
				{
					type: 'pantherMediaTrigger',
					parameters: {
						events: ['new', 'changed', 'deleted'],
						includeMediaInfo: true,
						firstRun,
						startDate: new Date(simStart).toISOString(),
						syncOptions: { maxItemsPerPoll: 7, lookbackMinutes: 60, infoBatchSize: 3, infoConcurrency: 2 },
					} as never,
					credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl } },
				},
				{ durableCursors },
			);
			const faults: Fault[] = [
				{ kind: 'status', status: 429, retryAfter: '1' },
				{ kind: 'status', status: 421, body: '<rsp stat="fail"><err code="421" msg="Too many Request"/></rsp>', contentType: 'text/xml' },
				{ kind: 'status', status: 500 },
				{ kind: 'status', status: 503 },
				{ kind: 'truncate' },
				{ kind: 'malformed', body: '<?xml version="1.0"?><rsp stat="ok"><items type="new"><media id="1" date="Mon, 11 Jan', contentType: 'text/xml' },
				{ kind: 'reset' },
			];

			const emitted = new Map<string, number>();
			const withInfo = { ok: 0, gone: 0 };
			let activatedAt: number | undefined;
			let polls = 0;
			let failed = 0;
			let restarts = 0;
			let maxStateBytes = 0;
			const poll = async () => {
				polls++;
				try {
					const out = await harness.poll();
					activatedAt ??= mock.now();
					for (const item of out?.[0] ?? []) {
						const key = eventKey(item.json as IDataObject & { id: string; date: string });
						emitted.set(key, (emitted.get(key) ?? 0) + 1);
						if (item.json.event !== 'deleted') {
							if (item.json.media) withInfo.ok++;
							else if (item.json.media === null) withInfo.gone++;
						}
					}
				} catch {
					failed++;
				}
				maxStateBytes = Math.max(maxStateBytes, stateSize(harness.saved), stateSize((harness.memoryState ?? {}) as IDataObject));
			};
			const alive = () => [...mock.media.values()].filter((m) => !m.deleted);
			const lastChange = (id: string) => mock.events.filter((e) => e.id === id && e.type === 'changed').at(-1);

			mock.server.randomFaults = { rate: 0.2, random, faults };
			for (let tick = 0; tick < ticks; tick++) {
				mock.server.advance(20 * MINUTE);
				if (activatedAt !== undefined) {
					const straggle = () => (random() < 0.1 ? Math.floor(random() * 50 * MINUTE) : 0);
					if (random() < 0.5) mock.addMedia({ extraLagMs: straggle() });
					const pool = alive();
					if (pool.length > 0 && random() < 0.3) {
						// Changes of one media are days apart here: a change PantherMedia replaced before
						// showing it could not be emitted by anyone (see docs/panthermedia.md, "Limits").
						const media = pool[Math.floor(random() * pool.length)];
						const previous = lastChange(media.id);
						if (!previous || emitted.has(eventKey(previous))) mock.change(media.id, { extraLagMs: straggle() });
					}
					if (pool.length > 20 && random() < 0.05) mock.remove(pool[Math.floor(random() * pool.length)].id, { extraLagMs: straggle() });
				}
				if (random() < 0.02) {
					harness.restart();
					restarts++;
				}
				await poll();
			}
			mock.server.randomFaults = undefined;
			for (let i = 0; i < 6 * 24; i++) {
				mock.server.advance(HOUR);
				await poll();
			}

			const events = mock.events.filter((e) => activatedAt !== undefined && e.date >= simStart);
			const result = count(events, emitted);
			const byType = Object.fromEntries((['new', 'changed', 'deleted'] as RowType[]).map((t) => [t, events.filter((e) => e.type === t).length]));
			console.log(
				`PantherMedia simulation (${name}): ${JSON.stringify({
					changes: events.length,
					byType,
					emitted: result.total,
					lost: result.lost,
					duplicated: result.duplicated,
					unexpected: result.unexpected,
					withInfo,
					polls,
					failedPolls: failed,
					restarts,
					requests: mock.server.requests.length,
					faults: mock.server.faultsApplied,
					maxStateBytes,
				})}`,
			);
			expect(events.length).toBeGreaterThan(ticks / 2);
			expect(byType.changed).toBeGreaterThan(ticks / 20);
			expect(byType.deleted).toBeGreaterThan(ticks / 100);
			expect(failed).toBeGreaterThan(0);
			expect(restarts).toBeGreaterThan(10);
			expect(result.lost).toBe(0);
			expect(result.duplicated).toBe(0);
			expect(result.unexpected).toBe(0);
			expect(result.total).toBe(events.length);
			expect(withInfo.ok).toBeGreaterThan(0);
			expect(maxStateBytes).toBeLessThan(64 * KIB);
		} finally {
			await mock.stop();
		}
	}, 300_000);

	it('imports 50,000 media over polls with next_page_id, exactly once, state < 64 KiB', async () => {
		const mock = new PantherMediaMock({ seed: false });
		const baseUrl = await mock.start();
		try {
			// Ten seconds apart over almost six days, all visible (dated weeks ago).
			const from = mock.now() - 40 * DAY;
			mock.bulkNew(50_000, from, 10_000);
			for (let i = 0; i < 3000; i++) mock.change(String(40_000_001 + i * 7), { at: from + i * 10_000 });
			for (let i = 0; i < 1000; i++) mock.remove(String(40_000_003 + i * 11), { at: from + i * 10_000 });
			const harness = new PollHarness({
				type: 'pantherMediaTrigger',
				parameters: { events: ['new', 'changed', 'deleted'], firstRun: 'all', syncOptions: { maxItemsPerPoll: 5000 } } as never,
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
			const requests = mock.server.requests.filter((r) => r.path === '/poll').map((r) => Object.fromEntries(new URLSearchParams(r.text)));
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
		} finally {
			await mock.stop();
		}
	}, 300_000);

	it('keeps the state under 64 KiB when a burst overflows the dedupe memory, and repeats a row at most once', async () => {
		const mock = new PantherMediaMock({ seed: false });
		const baseUrl = await mock.start();
		try {
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
				const streams = ((harness.savedState?.mediaSync as IDataObject | undefined)?.streams ?? {}) as Record<string, { seen: object }>;
				maxRemembered = Math.max(maxRemembered, Object.values(streams).reduce((n, s) => n + Object.keys(s.seen).length, 0));
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
		} finally {
			await mock.stop();
		}
	}, 300_000);
});

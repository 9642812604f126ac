import type { IDataObject } from 'n8n-workflow';

import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { useRealClock } from '../harness/clock';
import { PollHarness, TestCredentialsHelper, logLines } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { PsRestfulMock } from '../../sandbox/psrestful';

describe('PSRESTful Trigger', () => {
	const mock = new PsRestfulMock();
	let supplierIndex = 0;
	const baseUrl = useMock(mock, {
		reset: () => {
			// Every test gets its own supplier and a quiet minute, so earlier changes cannot leak in.
			mock.server.advance(60_000);
			mock.quota = undefined;
			mock.indexLagMs = 0;
		},
	});
	useRecordedSleeps();
	const realClock = useRealClock();

	function newSupplier(): string {
		const code = `S${++supplierIndex}`;
		mock.suppliers.push({ id: 100 + supplierIndex, code, name: `Supplier ${supplierIndex}` });
		return code;
	}

	const credentials = () => ({
		psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl(), environment: 'PROD', cultureName: 'us_en' },
	});

	/** A trigger polled as fast as the test likes (the one-hour default minimum interval is tested on its own). */
	function trigger(parameters: Record<string, unknown>, behaviour: { durableCursors?: boolean } = {}) {
		const syncOptions = { minIntervalMinutes: 0, ...(parameters.syncOptions as object | undefined) };
		return new PollHarness(
			{ type: 'psRestfulTrigger', parameters: { ...parameters, syncOptions } as never, credentials: credentials() },
			behaviour,
		);
	}

	const ids = (out: Awaited<ReturnType<PollHarness['poll']>>) => (out ? out[0].map((i) => i.json.productId) : []);

	it('decrypts its credential once per poll, not once per request (n8n 2.x resolves it in an isolate each time)', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier, includeMediaContent: true });
		await harness.poll();
		for (let i = 0; i < 25; i++) mock.modify(supplier, `D${i}`);
		mock.server.advance(5_000);
		mock.server.resetLog();
		const before = TestCredentialsHelper.decryptions;
		expect(ids(await harness.poll())).toHaveLength(25);
		expect(mock.server.requests).toHaveLength(26); // one listing, 25 media requests…
		expect(mock.server.requests.every((r) => r.headers['x-api-key'] === mock.apiKey)).toBe(true);
		// …and the credential read by the node and by its client for their settings, and once by the
		// transport for every request (it was read for each request: 29 times here).
		expect(TestCredentialsHelper.decryptions - before).toBe(3);
	});

	it('starts from now: nothing on the first poll, then each new change once', async () => {
		realClock.stop(); // the distance between a request and the "since" it sent below is the trigger's alone
		const supplier = newSupplier();
		mock.modify(supplier, 'OLD');
		mock.server.advance(5_000);
		const harness = trigger({ supplierCode: supplier });
		expect(await harness.poll()).toBeNull();
		const first = mock.server.requests[0];
		expect(first.path).toBe(`/v1.1.0/suppliers/${supplier}/media-modified-since/`);
		expect(first.headers['x-api-key']).toBe(mock.apiKey);
		expect(first.query.get('culture_name')).toBe('us_en');

		mock.server.advance(1_000);
		mock.modify(supplier, 'A100');
		mock.modify(supplier, 'B200');
		const out = await harness.poll();
		expect(ids(out)).toEqual(['A100', 'B200']);
		expect(out![0][0].json).toMatchObject({ supplier, productId: 'A100' });
		expect(Date.parse(out![0][0].json.detectedAt as string)).toBeGreaterThan(0);
		// Later polls ask again from 15 minutes before the previous poll (never before activation):
		// the same ids come back, nothing new is emitted.
		mock.server.advance(40 * 60_000);
		expect(await harness.poll()).toBeNull();
		const previousPoll = mock.server.requests.at(-1)!.at;
		mock.server.advance(60_000);
		expect(await harness.poll()).toBeNull();
		const since = Date.parse(`${mock.server.requests.at(-1)!.query.get('since')}Z`);
		// Date headers and `since` have whole seconds: allow two.
		expect(Math.abs(previousPoll - 15 * 60_000 - since)).toBeLessThanOrEqual(2_000);
	});

	it('asks PSRESTful at most once per minimum interval, whatever n8n’s Poll Times say', async () => {
		const supplier = newSupplier();
		const hourly = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: { supplierCode: supplier } as never,
			credentials: credentials(),
		});
		await hourly.poll();
		const requests = mock.server.requests.length;
		mock.modify(supplier, 'EARLY');
		expect(await hourly.poll()).toBeNull(); // the default: one hour
		expect(mock.server.requests).toHaveLength(requests);

		const fast = trigger({ supplierCode: supplier, syncOptions: { minIntervalMinutes: 0.01 } });
		await fast.poll();
		mock.server.advance(1_000);
		mock.modify(supplier, 'LATER');
		await new Promise((resolve) => setTimeout(resolve, 700)); // past the 0.6 s interval
		expect(ids(await fast.poll())).toEqual(['LATER']);
	});

	it('starts from a date: the first poll emits every change since then', async () => {
		const harness = trigger({ supplierCode: 'HIT', firstRun: 'date', startDate: '2024-11-30T00:00:00Z' });
		const out = await harness.poll();
		expect(ids(out)).toEqual(expect.arrayContaining(['5989', '6234', '7891']));
		expect(mock.server.requests[0].query.get('since')).toBe('2024-11-30T00:00:00');
		expect(await harness.poll()).toBeNull();
	});

	it('"Everything" backfills from 2000 and spreads a backlog over polls without gaps or repeats', async () => {
		const supplier = newSupplier();
		const all = Array.from({ length: 25 }, (_, i) => `P${String(i).padStart(3, '0')}`);
		for (const id of all) mock.modify(supplier, id);
		const harness = trigger({ supplierCode: supplier, firstRun: 'all', syncOptions: { maxItemsPerPoll: 10 } });

		const polls = [await harness.poll(), await harness.poll(), await harness.poll(), await harness.poll()];
		expect(polls.map((p) => ids(p).length)).toEqual([10, 10, 5, 0]);
		expect(polls.flatMap(ids)).toEqual(all);
		// The continuation re-asks the same "since" (state: one cursor, not a list of pending ids).
		const sinces = mock.server.requests.map((r) => r.query.get('since'));
		expect(sinces.slice(0, 3)).toEqual(['2000-01-01T00:00:00', '2000-01-01T00:00:00', '2000-01-01T00:00:00']);
		expect(stateSize(harness.memoryState[STATE_KEY] as IDataObject)).toBeLessThan(4096);
		expect(logLines.some((l) => /stopped at the per-poll item cap/.test(l.message))).toBe(true);
	});

	it('catches a change the supplier indexes late, within the lookback, exactly once', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier, syncOptions: { lookbackMinutes: 15 } });
		await harness.poll();
		mock.server.advance(1_000);
		mock.modify(supplier, 'LATE', { lagMs: 10 * 60_000 }); // visible 10 minutes after it happened
		mock.modify(supplier, 'ONTIME');
		mock.server.advance(60_000);
		expect(ids(await harness.poll())).toEqual(['ONTIME']);
		mock.server.advance(5 * 60_000);
		expect(await harness.poll()).toBeNull();
		mock.server.advance(5 * 60_000);
		expect(ids(await harness.poll())).toEqual(['LATE']);
		mock.server.advance(5 * 60_000);
		expect(await harness.poll()).toBeNull();
	});

	it('misses a change indexed later than the lookback (the documented limit)', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier, syncOptions: { lookbackMinutes: 5 } });
		await harness.poll();
		mock.server.advance(1_000);
		mock.modify(supplier, 'TOO-LATE', { lagMs: 30 * 60_000 });
		for (let i = 0; i < 8; i++) {
			mock.server.advance(10 * 60_000);
			expect(await harness.poll()).toBeNull();
		}
	});

	it('uses the server’s clock, so a server running behind loses nothing', async () => {
		const supplier = newSupplier();
		mock.server.advance(-3 * 3600_000); // the server is three hours behind this machine
		try {
			const harness = trigger({ supplierCode: supplier, syncOptions: { lookbackMinutes: 1 } });
			await harness.poll();
			mock.server.advance(2_000);
			mock.modify(supplier, 'BEHIND');
			mock.server.advance(60_000);
			expect(ids(await harness.poll())).toEqual(['BEHIND']);
		} finally {
			mock.server.advance(3 * 3600_000);
		}
	});

	it('leaves the saved state untouched when a poll fails, then continues', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier });
		await harness.poll();
		mock.server.advance(1_000);
		mock.modify(supplier, 'X1');
		const before = JSON.stringify(harness.memoryState);
		mock.server.injectFault({ kind: 'status', status: 500 }, { times: 4 });
		const error = await caught(() => harness.poll());
		expect(error.message).toBe('PSRESTful: Injected 500');
		expect(error.description).toMatch(/The provider is having trouble/);
		expect(mock.server.requests.filter((r) => r.path.includes('modified-since')).length).toBeGreaterThanOrEqual(4);
		expect(JSON.stringify(harness.memoryState)).toBe(before); // n8n keeps this in memory: it must not move
		expectNoSecrets(error, [mock.apiKey]);
		expect(ids(await harness.poll())).toEqual(['X1']);
	});

	it('emits what it fetched when a media request fails midway, and fetches the rest next poll', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier, includeMediaContent: true, syncOptions: { concurrency: 1 } });
		await harness.poll();
		mock.server.advance(1_000);
		for (const id of ['K1', 'K2', 'K3']) mock.modify(supplier, id);
		mock.server.injectFault(
			{ kind: 'status', status: 500 },
			{ times: 4, match: (r) => r.path.endsWith('/medias/K2/') },
		);
		const first = await harness.poll();
		expect(ids(first)).toEqual(['K1']);
		expect(logLines.some((l) => /emitting the 1 changes found so far|continuing next poll/.test(l.message))).toBe(true);
		expect(ids(await harness.poll())).toEqual(['K2', 'K3']);
		expect(await harness.poll()).toBeNull();
	});

	it('with media content, carries products to the next poll when the quota runs low', async () => {
		const supplier = newSupplier();
		const harness = trigger({
			supplierCode: supplier,
			includeMediaContent: true,
			syncOptions: { concurrency: 1, quotaReserve: 2 },
		});
		await harness.poll();
		mock.server.advance(1_000);
		for (const id of ['Q1', 'Q2', 'Q3', 'Q4']) mock.modify(supplier, id);
		mock.quota = { limit: 50, used: 45 }; // 5 left: list (4 left), Q1 (3), Q2 (2) → reserve reached
		expect(ids(await harness.poll())).toEqual(['Q1', 'Q2']);
		expect(logLines.some((l) => /quota low \(2 calls left today, reserve 2\)/.test(l.message))).toBe(true);
		mock.quota = { limit: 50, used: 0 }; // the next day
		expect(ids(await harness.poll())).toEqual(['Q3', 'Q4']);
		expect(await harness.poll()).toBeNull();
	});

	it('with media content, emits a product again only when its media really changed', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier, includeMediaContent: true });
		await harness.poll();
		mock.server.advance(1_000);
		mock.modify(supplier, 'V');
		const first = await harness.poll();
		expect(first![0][0].json).toMatchObject({ productId: 'V', mediaCount: 1 });
		mock.server.advance(60_000);
		expect(await harness.poll()).toBeNull(); // re-reported inside the lookback, same media
		mock.modify(supplier, 'V'); // a second change inside the lookback window
		mock.server.advance(60_000);
		const second = await harness.poll();
		expect((second![0][0].json.media as IDataObject[])[0].url).toMatch(/v2\.jpg$/);
	});

	it('reports a supplier without getMediaDateModified on activation, with the full-sync hint', async () => {
		const harness = trigger({ supplierCode: 'NOMOD' });
		const error = await caught(() => harness.poll());
		expect(error.name).toBe('NodeApiError');
		expect(error.description).toMatch(/does not implement getMediaDateModified.*full sync/);
		expect(harness.savedState).toBeUndefined();
	});

	it('refuses an empty supplier', async () => {
		const error = await caught(() => trigger({ supplierCode: '  ' }).poll());
		expect(error.message).toBe('Supplier is empty');
	});

	it('returns a small real sample in manual mode and saves nothing', async () => {
		const harness = trigger({ supplierCode: 'HIT', includeMediaContent: true });
		const out = await harness.poll({ mode: 'manual' });
		expect(out![0].length).toBeGreaterThan(0);
		expect(out![0].length).toBeLessThanOrEqual(5);
		expect(out![0][0].json).toHaveProperty('media');
		expect(harness.memoryState ?? {}).toEqual({});
		expect(harness.saved).toEqual({});
	});

	it('survives restarts: never re-emits what was saved, never loses what was not', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier });
		await harness.poll(); // first run: state only in memory (null return)
		mock.server.advance(1_000);
		mock.modify(supplier, 'R1');
		expect(ids(await harness.poll())).toEqual(['R1']); // emitted → saved
		mock.server.advance(60_000);
		expect(await harness.poll()).toBeNull(); // advanced in memory only
		harness.restart();
		expect(await harness.poll()).toBeNull(); // rolls back to the saved state, re-reads, R1 not re-emitted
		mock.modify(supplier, 'R2');
		harness.restart();
		mock.server.advance(60_000);
		expect(ids(await harness.poll())).toEqual(['R2']);
	});

	it('starts over when the supplier changes', async () => {
		const harness = trigger({ supplierCode: 'HIT', firstRun: 'date', startDate: '2024-11-30' });
		expect((await harness.poll())![0].length).toBeGreaterThan(0);
		const other = newSupplier();
		mock.modify(other, 'NEW1');
		harness.setParameter('supplierCode', other);
		expect(ids(await harness.poll())).toEqual(['NEW1']);
		expect(logLines.some((l) => /settings changed; starting over/.test(l.message))).toBe(true);
	});

	it('cuts off a slow answer at the poll budget with a clear error, and moves nothing', async () => {
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier });
		await harness.poll();
		const before = JSON.stringify(harness.memoryState);
		mock.server.injectFault({ kind: 'slow', delayMs: 4_000 });
		// 0.8 × 2 s budget: the request may wait ~1.6 s (at least 1 s), then the poll gives up.
		const error = await caught(() => harness.poll({ pollBudgetMs: 2_000 }));
		expect(error.name).toBe('NodeApiError');
		expect(error.message).toBe('PSRESTful: Timed out waiting for the server');
		expect(error.description).toMatch(/did not answer in time.*ETIMEDOUT/);
		expect(JSON.stringify(harness.memoryState)).toBe(before);
		expectNoSecrets(error, [mock.apiKey]);
	});

	it('stops at n8n’s poll budget and continues where it stopped', async () => {
		realClock.stop(); // the budget is used up by the answers' simulated time alone
		const supplier = newSupplier();
		const harness = trigger({ supplierCode: supplier, includeMediaContent: true, syncOptions: { concurrency: 1 } });
		await harness.poll();
		mock.server.advance(1_000);
		const all = Array.from({ length: 8 }, (_, i) => `T${i}`);
		for (const id of all) mock.modify(supplier, id);
		mock.server.answerTimeMs = 40;
		const seen: unknown[] = [];
		try {
			for (let i = 0; i < 10 && seen.length < all.length; i++) {
				// 0.8 × 200 ms: time for the list and about three media requests per poll.
				seen.push(...ids(await harness.poll({ pollBudgetMs: 200 })));
			}
		} finally {
			mock.server.answerTimeMs = 0;
		}
		expect(seen).toEqual(all);
		expect(logLines.some((l) => /time budget/.test(l.message))).toBe(true);
	});
});

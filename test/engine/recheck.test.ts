import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { RECHECK_KEY } from '../../nodes/shared/sync/recheck';
import { STATE_KEY } from '../../nodes/shared/sync/state';
import { PollHarness } from '../harness/n8n';
import { PsRestfulMock } from '../../sandbox/psrestful';

/**
 * The opt-in re-check pass (nodes/shared/sync/recheck.ts) on the PSRESTful Trigger, in n8n-core's
 * real PollContext against the PSRESTful mock: a change is emitted once more, with the product's
 * current media, within one re-check interval; never twice in one poll; not while a backlog is
 * being read; its cost is one listing plus one media request per product changed in the interval.
 */
describe('Re-check pass (self-healing after a lost execution)', () => {
	const mock = new PsRestfulMock();
	let baseUrl: string;
	let supplierIndex = 0;
	let shift = 0;
	const realNow = Date.now.bind(Date);

	beforeAll(async () => {
		baseUrl = await mock.start();
	});
	afterAll(async () => await mock.stop());
	beforeEach(() => {
		shift += 24 * 3600_000; // a fresh day for each test: earlier changes cannot leak in
		jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
		mock.server.resetLog();
		mock.quota = undefined;
		mock.indexLagMs = 0;
	});
	afterEach(() => jest.restoreAllMocks());

	/** Time passes for n8n and the provider alike. */
	const advance = (ms: number) => (shift += ms);

	function newSupplier(): string {
		const code = `R${++supplierIndex}`;
		mock.suppliers.push({ id: 500 + supplierIndex, code, name: `Supplier R${supplierIndex}` });
		return code;
	}

	function trigger(supplierCode: string, syncOptions: IDataObject = {}) {
		return new PollHarness({
			type: 'psRestfulTrigger',
			parameters: {
				supplierCode,
				includeMediaContent: true,
				firstRun: 'now',
				syncOptions: { minIntervalMinutes: 0, recheckMinutes: 60, ...syncOptions },
			} as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl, environment: 'PROD', cultureName: 'us_en' } },
		});
	}

	const items = (out: INodeExecutionData[][] | null) => (out ? out[0].map((item) => item.json) : []);
	const summary = (out: INodeExecutionData[][] | null) =>
		items(out).map((json) => `${String(json.productId)}${json.recheck ? ' (re-check)' : ''}`);
	const mediaUrls = (json: IDataObject) => (json.media as Array<{ url: string }>).map((m) => m.url);

	it('emits each change once more within one re-check interval, with the product’s current media', async () => {
		const supplier = newSupplier();
		const harness = trigger(supplier);
		expect(await harness.poll()).toBeNull(); // starts from now; the re-check window starts too
		advance(60_000);
		mock.modify(supplier, 'A1');
		expect(summary(await harness.poll())).toEqual(['A1']);

		// Before the interval is over nothing is repeated.
		advance(30 * 60_000);
		expect(await harness.poll()).toBeNull();

		// The product changes again meanwhile: the main pass emits the new version, and the due
		// re-check does not repeat it in the same poll, nor the older version.
		advance(31 * 60_000);
		const current = mock.modify(supplier, 'A1');
		mock.modify(supplier, 'B2');
		const out = await harness.poll();
		expect(summary(out)).toEqual(['A1', 'B2']);
		expect(mediaUrls(items(out)[0])).toEqual(current.media.map((m) => m.url));

		// The next interval re-emits both, as they are now, marked as a re-check. (A poll in between
		// moves the main listing past its 15-minute lookback, so the figures below are the pass's own.)
		advance(30 * 60_000);
		expect(await harness.poll()).toBeNull();
		advance(31 * 60_000);
		mock.server.resetLog();
		const again = await harness.poll();
		expect(summary(again)).toEqual(['A1 (re-check)', 'B2 (re-check)']);
		expect(mediaUrls(items(again)[0])).toEqual(current.media.map((m) => m.url));
		// Cost: the main pass's listing, the pass's listing, one media request per product.
		const paths = mock.server.requests.map((r) => r.path);
		expect(paths.filter((p) => p.includes('media-modified-since'))).toHaveLength(2);
		expect(paths.filter((p) => !p.includes('media-modified-since'))).toHaveLength(2);

		// Then nothing: each change is re-checked once (the window moved on).
		advance(61 * 60_000);
		expect(await harness.poll()).toBeNull();
		// The state is small and saved next to the main state.
		expect(JSON.stringify(harness.memoryState[RECHECK_KEY]).length).toBeLessThan(1024);
		expect(harness.memoryState[STATE_KEY]).toBeDefined();
	});

	it('heals a lost execution: the change emitted before n8n lost its run comes again, and a restart keeps the window', async () => {
		const supplier = newSupplier();
		const harness = trigger(supplier, { recheckMinutes: 10 });
		await harness.poll();
		advance(60_000);
		mock.modify(supplier, 'LOST');
		// Emitted; n8n saved the trigger's state; the execution then died (nothing applied it).
		expect(summary(await harness.poll())).toEqual(['LOST']);
		harness.restart(); // and n8n restarted too
		advance(11 * 60_000);
		expect(summary(await harness.poll())).toEqual(['LOST (re-check)']);
	});

	it('is off by default: nothing is repeated and no re-check state is kept', async () => {
		const supplier = newSupplier();
		const harness = trigger(supplier, { recheckMinutes: 0 });
		await harness.poll();
		advance(60_000);
		mock.modify(supplier, 'C3');
		expect(summary(await harness.poll())).toEqual(['C3']);
		advance(5 * 3600_000);
		expect(await harness.poll()).toBeNull();
		expect(harness.memoryState[RECHECK_KEY]).toBeUndefined();
	});

	it('waits while a backlog is read, and continues an interrupted pass next poll without losing a product', async () => {
		const supplier = newSupplier();
		const harness = trigger(supplier, { maxItemsPerPoll: 2, concurrency: 1, quotaReserve: 2 });
		await harness.poll();
		advance(60_000);
		for (const id of ['P1', 'P2', 'P3']) mock.modify(supplier, id);
		advance(61 * 60_000); // the re-check is due, but the main pass has a backlog
		expect(summary(await harness.poll())).toEqual(['P1', 'P2']);
		// Caught up: the due pass fills the rest of the per-poll cap, and continues next poll.
		expect(summary(await harness.poll())).toEqual(['P3', 'P1 (re-check)']);
		expect(summary(await harness.poll())).toEqual(['P2 (re-check)', 'P3 (re-check)']);
		expect(await harness.poll()).toBeNull();

		// PSRESTful's quota runs low when the next pass is due: it stops before the reserve…
		mock.modify(supplier, 'Q1');
		expect(summary(await harness.poll())).toEqual(['Q1']);
		advance(30 * 60_000);
		expect(await harness.poll()).toBeNull();
		advance(31 * 60_000);
		mock.quota = { limit: 50, used: 46 }; // 4 left: main listing (3), the pass's listing (2) = reserve
		expect(await harness.poll()).toBeNull();
		// …and finishes with the next day's quota.
		mock.quota = { limit: 50, used: 0 };
		advance(60_000);
		expect(summary(await harness.poll())).toEqual(['Q1 (re-check)']);
	});
});

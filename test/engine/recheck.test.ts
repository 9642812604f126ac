import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { RECHECK_KEY } from '../../nodes/shared/sync/recheck';
import { STATE_KEY } from '../../nodes/shared/sync/state';
import { PollHarness, logLines } from '../harness/n8n';
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

	/**
	 * Ways the saved re-check state can be broken (hand edits, another node's or another version's
	 * state), what the poll then says, and whether the window survives.
	 */
	const DROPPED = /the saved re-check state .*; it was dropped and the re-check window starts now/;
	const CORRUPT: Array<{
		name: string;
		corrupt: (state: IDataObject) => unknown;
		warning?: RegExp;
		keepsWindow: boolean;
	}> = [
		{ name: 'the state saved as a string', corrupt: () => 'recheck was here', warning: DROPPED, keepsWindow: false },
		{ name: 'the state as a list', corrupt: () => [1, 2, 3], warning: DROPPED, keepsWindow: false },
		{ name: 'another format', corrupt: (s) => ({ ...s, v: 2 }), warning: DROPPED, keepsWindow: false },
		{
			name: 'another node’s state (other settings)',
			corrupt: (s) => ({ ...s, cfg: 'someone-else' }),
			warning: DROPPED,
			keepsWindow: false,
		},
		{
			name: 'no start of the window',
			corrupt: (s) => ({ ...s, at: 'yesterday' }),
			warning: DROPPED,
			keepsWindow: false,
		},
		{
			name: 'positions saved as a string',
			corrupt: (s) => ({ ...s, marks: 'nowhere' }),
			warning: DROPPED,
			keepsWindow: false,
		},
		{
			name: 'a mark that is no checkpoint',
			corrupt: (s) => ({ ...s, marks: { media: { wm: 'soon', floor: null } } }),
			warning: /the saved re-check state holds the mark of stream "media" with no usable position/,
			keepsWindow: false,
		},
		{
			name: 'a start of the window in the future',
			corrupt: (s) => ({ ...s, at: Date.now() + 400 * 24 * 3600_000 }),
			warning: /the saved re-check state starts its window in the future \(.*\); the window starts now/,
			keepsWindow: false,
		},
		{
			name: 'a mark of another provider’s stream',
			corrupt: (s) => ({ ...s, marks: { ...(s.marks as IDataObject), photos: { page: 3 } } }),
			warning: /the saved re-check state holds the mark of an unknown stream "photos"/,
			keepsWindow: true,
		},
		{
			name: 'an unfinished pass that cannot be read (its completed streams saved as a number)',
			corrupt: (s) => ({ ...s, cont: { media: 'half-way' }, done: 42 }),
			warning:
				/the saved re-check state holds the unfinished pass of stream "media" with no usable position(.|\n)*unreadable list of completed streams/,
			keepsWindow: true,
		},
		{
			name: 'numbers saved as text',
			corrupt: (s) => ({ ...s, at: String(s.at), marks: numbersAsText(s.marks) }),
			keepsWindow: true,
		},
		{
			name: 'a 5 MB blob beside the state',
			corrupt: (s) => ({ ...s, blob: 'x'.repeat(5 * 1024 * 1024) }),
			keepsWindow: true,
		},
	];

	it.each(CORRUPT)(
		'never fails a poll on a corrupt saved re-check state, and says what it did: $name',
		async ({ corrupt, warning, keepsWindow }) => {
			const supplier = newSupplier();
			const harness = trigger(supplier, { recheckMinutes: 10 });
			await harness.poll();
			advance(60_000);
			mock.modify(supplier, 'K1');
			expect(summary(await harness.poll())).toEqual(['K1']);

			// The saved re-check state is corrupted, then n8n restarts and reads it.
			const nodeKey = Object.keys(harness.saved).find((k) => k.startsWith('node:'))!;
			const saved = harness.saved[nodeKey] as IDataObject;
			const original = JSON.parse(JSON.stringify(saved[RECHECK_KEY])) as IDataObject;
			expect(original).toMatchObject({ v: 1, marks: { media: expect.any(Object) } });
			saved[RECHECK_KEY] = corrupt(original) as IDataObject;
			harness.restart();
			logLines.length = 0;

			advance(11 * 60_000);
			const out = await harness.poll(); // never throws
			const warned = logLines.filter((l) => l.level === 'warn').map((l) => l.message);
			if (warning) expect(warned.join('\n')).toMatch(warning);
			else expect(warned).toEqual([]);
			// What could be used was kept: the change emitted before the restart comes again. Otherwise
			// the window starts over and nothing (certainly no garbage) is emitted.
			if (keepsWindow) expect(summary(out)).toEqual(['K1 (re-check)']);
			else expect(out).toBeNull();

			// The next save is the trigger's own, small, well-formed re-check state…
			advance(60_000);
			mock.modify(supplier, 'K2');
			expect(summary(await harness.poll())).toEqual(['K2']);
			const next = harness.memoryState[RECHECK_KEY] as IDataObject;
			expect(JSON.stringify(next).length).toBeLessThan(1024);
			expect(next).toMatchObject({ v: 1, cfg: original.cfg, at: expect.any(Number) });
			expect(Object.keys(next.marks as IDataObject)).toEqual(['media']);
			// …and the pass works again: K2 comes once more within the next interval.
			advance(11 * 60_000);
			expect(summary(await harness.poll())).toContain('K2 (re-check)');
		},
	);
});

function numbersAsText(value: unknown): unknown {
	if (typeof value === 'number') return String(value);
	if (Array.isArray(value)) return value.map(numbersAsText);
	if (value && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbersAsText(v)]));
	return value;
}

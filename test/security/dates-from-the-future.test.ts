import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { READ_AFTER_MS } from '../../nodes/CommerceConnect/trigger/source';
import { STATE_KEY } from '../../nodes/shared/sync/state';
import { useRecordedSleeps } from '../harness/assertions';
import { PollHarness, logLines } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import { HalLeonardMock, TestClock } from '../../sandbox/halleonard';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import { PsRestfulMock } from '../../sandbox/psrestful';
import type { MockServer } from '../../sandbox/server';

/**
 * One answer from the future must not poison a trigger for good (the classic silent loss of sync
 * tools: a watermark carried to year 2100, after which every real change looks older than it).
 * A `Date` header or a row from 2100, once, then normal answers again: every later change is
 * still emitted, exactly once, the saved positions stay within a day of now, and the date is
 * reported as a warning. A server clock that goes backwards for one answer loses and repeats
 * nothing either.
 */

const YEAR_2100 = 'Fri, 01 Jan 2100 00:00:00 GMT';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The next answer of `server` carries this `Date` header. */
function dateOnce(server: MockServer, date: string): void {
	server.injectFault({ kind: 'headers', headers: { date } }, { times: 1 });
}

/** Every position a trigger saved lies within a day of now (its dedupe memory may remember a 2100 row). */
function expectNoFutureInState(harness: PollHarness): void {
	const state = (harness.savedState ?? harness.memoryState)[STATE_KEY] as {
		streams: Record<string, { cp: IDataObject }>;
	};
	for (const { cp } of Object.values(state.streams)) {
		const text = JSON.stringify(cp);
		for (const match of text.matchAll(/\b\d{13}\b/g)) expect(Number(match[0])).toBeLessThanOrEqual(Date.now() + DAY);
		expect(text).not.toMatch(/\b(2099|2100)\b/);
	}
}

const warnings = () => logLines.filter((l) => l.level === 'warn').map((l) => l.message);
const ids = (out: INodeExecutionData[][] | null, key = 'id') => (out ? out[0].map((i) => String(i.json[key])) : []);

useRecordedSleeps();
beforeEach(() => {
	logLines.length = 0;
});

describe('PSRESTful Trigger and dates from the future', () => {
	const mock = new PsRestfulMock();
	const baseUrl = useMock(mock);
	const trigger = () =>
		new PollHarness({
			type: 'psRestfulTrigger',
			parameters: { supplierCode: 'HIT', syncOptions: { minIntervalMinutes: 0 } } as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl() } },
		});

	it('ignores a year-2100 Date header at activation and mid-run: every later change is emitted once', async () => {
		const harness = trigger();
		dateOnce(mock.server, YEAR_2100);
		expect(await harness.poll()).toBeNull();
		expect(warnings().join('\n')).toMatch(
			/Date header \(2100-01-01T00:00:00\.000Z\) is more than a day from this machine's clock/,
		);

		mock.server.advance(MINUTE);
		mock.modify('HIT', 'F1');
		mock.server.advance(MINUTE);
		expect(ids(await harness.poll(), 'productId')).toEqual(['F1']);

		mock.server.advance(MINUTE);
		dateOnce(mock.server, YEAR_2100);
		expect(await harness.poll()).toBeNull();
		mock.server.advance(MINUTE);
		mock.modify('HIT', 'F2');
		mock.server.advance(MINUTE);
		expect(ids(await harness.poll(), 'productId')).toEqual(['F2']);
		const since = Date.parse(`${mock.server.requests.at(-1)!.query.get('since')}Z`);
		expect(since).toBeLessThan(Date.now());
		expectNoFutureInState(harness);
	});

	it('loses and repeats nothing when the server clock runs three hours behind for one answer', async () => {
		const harness = trigger();
		await harness.poll();
		mock.server.advance(MINUTE);
		mock.modify('HIT', 'B1');
		mock.server.advance(MINUTE);
		dateOnce(mock.server, new Date(mock.server.now() - 3 * HOUR).toUTCString());
		expect(ids(await harness.poll(), 'productId')).toEqual(['B1']);
		mock.server.advance(MINUTE);
		mock.modify('HIT', 'B2');
		mock.server.advance(MINUTE);
		expect(ids(await harness.poll(), 'productId')).toEqual(['B2']);
		mock.server.advance(MINUTE);
		expect(await harness.poll()).toBeNull();
	});
});

describe('PantherMedia Trigger and dates from the future', () => {
	const mock = new PantherMediaMock({ seed: false });
	const baseUrl = useMock(mock);
	const trigger = () =>
		new PollHarness({
			type: 'pantherMediaTrigger',
			parameters: { events: ['new'] } as never,
			credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl() } },
		});

	it('ignores a year-2100 Date header at activation: the media published after it are emitted once', async () => {
		const harness = trigger();
		dateOnce(mock.server, YEAR_2100);
		expect(await harness.poll()).toBeNull();
		mock.server.advance(MINUTE);
		const published = [mock.addMedia(), mock.addMedia(), mock.addMedia(), mock.addMedia()];
		mock.server.advance(3 * DAY); // PantherMedia shows media days after their date
		expect(ids(await harness.poll()).sort()).toEqual(published.map((e) => e.id).sort());
		mock.server.advance(6 * HOUR);
		expect(await harness.poll()).toBeNull();
		expectNoFutureInState(harness);
	});

	it('emits a row dated 2100 once, with a warning naming it, and keeps catching later media', async () => {
		const harness = trigger();
		await harness.poll();
		mock.server.advance(MINUTE);
		const before = mock.addMedia();
		// A row PantherMedia dates in 2100 but shows right away.
		const future = Date.UTC(2100, 0, 1);
		const wrong = mock.addMedia({ at: future, extraLagMs: mock.now() - future - mock.horizonLagMs });
		mock.server.advance(3 * DAY);
		expect(ids(await harness.poll()).sort()).toEqual([before.id, wrong.id].sort());
		expect(warnings().join('\n')).toMatch(
			new RegExp(
				`media ${wrong.id} \\(new\\) is dated 2100-01-01T00:00:00Z, more than a day past PantherMedia's clock`,
			),
		);

		const later = [mock.addMedia(), mock.addMedia(), mock.addMedia(), mock.addMedia()];
		mock.server.advance(3 * DAY);
		expect(ids(await harness.poll()).sort()).toEqual(later.map((e) => e.id).sort());
		for (let i = 0; i < 3; i++) {
			mock.server.advance(6 * HOUR);
			expect(await harness.poll()).toBeNull(); // the 2100 row is read again, never emitted again
		}
		expectNoFutureInState(harness);
	});
});

describe('Hal Leonard DAM Trigger and dates from the future', () => {
	const clock = new TestClock();
	const mock = new HalLeonardMock();
	useMock(mock);
	beforeEach(() => clock.install(Date.UTC(2024, 11, 30, 15)));
	afterEach(() => clock.uninstall());
	const trigger = () =>
		new PollHarness({
			type: 'halLeonardDamTrigger',
			parameters: { events: ['modifiedFile'], syncOptions: { minIntervalMinutes: 0 } } as never,
			credentials: {
				halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint },
			},
		});
	const stopDates = () =>
		mock.received.map((r) => {
			const root = r.document.DAMRequest as Record<string, Record<string, string>>;
			return root.ModifiedFileRequest?.StopDate;
		});

	it('keeps asking for its current day after a year-2100 Date header, and emits the day’s files', async () => {
		const harness = trigger();
		await harness.poll();
		clock.advance(HOUR);
		mock.modifyFile('345601');
		dateOnce(mock.server, YEAR_2100);
		expect(ids(await harness.poll(), 'assetId')).toEqual(['345601']);
		clock.advance(HOUR);
		mock.modifyFile('345602');
		expect(ids(await harness.poll(), 'assetId')).toEqual(['345602']);
		// The window still ends two days after the DAM's real today (2024/12/30), not in 2100.
		expect(stopDates().at(-1)).toBe('2025/1/1');
		expectNoFutureInState(harness);
	});
});

describe('CommerceConnect Trigger and dates from the future', () => {
	const mock = new CommerceConnectMock();
	const baseUrl = useMock(mock);
	const trigger = () =>
		new PollHarness({
			type: 'commerceConnectTrigger',
			parameters: { event: 'updated' } as never,
			credentials: { commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl: baseUrl() } },
		});

	it('never asks from 2099 after one year-2100 Date header: every later change is emitted once', async () => {
		const harness = trigger();
		dateOnce(mock.server, YEAR_2100);
		expect(await harness.poll()).toBeNull();
		for (let round = 1; round <= 3; round++) {
			mock.server.advance(2_000);
			const item = mock.seed({ url: `https://cdn.example.com/future-${round}.jpg`, product_id: 9 });
			mock.server.advance(READ_AFTER_MS);
			if (round === 2) dateOnce(mock.server, YEAR_2100);
			expect(ids(await harness.poll())).toEqual([String(item.id)]);
		}
		for (const request of mock.listRequests()) {
			const from = request.query.get('updated_time_from');
			if (from) expect(Date.parse(from)).toBeLessThan(Date.now());
		}
		expectNoFutureInState(harness);
	});
});

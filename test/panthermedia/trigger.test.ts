import { createHmac } from 'node:crypto';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { cpuStopwatch, useRealClock } from '../harness/clock';
import { PollHarness, logLines } from '../harness/n8n';
import { nodeTypes } from '../harness/registry';
import { useFreshMock } from '../harness/servers';
import { PantherMediaMock, billionLaughs, rfcDate } from '../../sandbox/panthermedia';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));
const parseRfc = (text: string) => Date.parse(text.replace(' UTC', ' GMT'));

describe('PantherMedia Trigger', () => {
	let mock: PantherMediaMock;
	const baseUrl = useFreshMock(() => (mock = new PantherMediaMock({ seed: false })));
	useRecordedSleeps();
	const realClock = useRealClock();

	function trigger(parameters: Record<string, unknown>, behaviour: { durableCursors?: boolean } = {}) {
		return new PollHarness(
			{
				type: 'pantherMediaTrigger',
				parameters: { events: ['new'], ...parameters } as never,
				credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl() } },
			},
			behaviour,
		);
	}

	const items = (out: INodeExecutionData[][] | null) => (out ? out[0].map((i) => i.json) : []);
	const ids = (out: INodeExecutionData[][] | null) => items(out).map((j) => `${String(j.event)}:${String(j.id)}`);
	const polls = () => mock.server.requests.filter((r) => r.path === '/poll').map((r) => form(r.text));
	const secrets = () => [
		mock.apiSecret,
		mock.apiKey,
		...mock.server.requests.map((r) => form(r.text).access_key).filter(Boolean),
	];

	it('says in its notice that poll does not cover partner media', () => {
		const notice = nodeTypes()
			.get('pantherMediaTrigger')!
			.description.properties.find((p) => p.type === 'notice')!;
		expect(notice.displayName).toMatch(/partner media are not included/);
	});

	it('starts from now on PantherMedia’s clock, and emits changes when PantherMedia shows them, days later, once', async () => {
		realClock.stop(); // the distances between the requests' dates below are the trigger's, not the machine's load
		mock.server.advance(-2 * HOUR); // PantherMedia's clock runs two hours behind this machine
		mock.addMedia({ id: '100', at: mock.now() - DAY }); // before activation: never emitted
		const harness = trigger({ events: ['new', 'changed'] });
		expect(await harness.poll()).toBeNull();
		const first = polls();
		// Each stream: one small poll to read PantherMedia's clock, then its first read from there.
		expect(first.map((p) => [p.type, p.limit])).toEqual([
			['new', '1'],
			['new', '1000'],
			['changed', '1'],
			['changed', '1000'],
		]);
		expect(Math.abs(parseRfc(first[1].last_polling) - parseRfc(first[3].last_polling))).toBeLessThanOrEqual(1000);
		const activatedAt = mock.now();

		mock.server.advance(60_000);
		mock.addMedia({ id: '101' });
		mock.addMedia({ id: '102' });
		mock.change('100');
		mock.server.advance(HOUR);
		expect(await harness.poll()).toBeNull(); // dated after activation, but not shown by PantherMedia yet
		// Asked from the activation time (server clock), not from this machine's now.
		expect(Math.abs(parseRfc(polls().at(-1)!.last_polling) - activatedAt)).toBeLessThanOrEqual(2000);

		mock.server.advance(3 * DAY);
		const out = await harness.poll();
		expect(ids(out).sort()).toEqual(['changed:100', 'new:101', 'new:102']);
		const one = items(out).find((j) => j.id === '101')!;
		expect(one).toEqual({
			id: '101',
			event: 'new',
			date: new Date(mock.events.find((e) => e.id === '101')!.date).toISOString().replace('.000Z', 'Z'),
		});

		for (let i = 0; i < 4; i++) {
			mock.server.advance(6 * HOUR);
			expect(await harness.poll()).toBeNull();
		}
	});

	it('follows the newest date PantherMedia showed — never the clock — so nothing surfacing days late is missed or repeated', async () => {
		const harness = trigger({});
		await harness.poll();
		const start = mock.now();
		// A day of uploads, one every two hours; PantherMedia shows each three days after its date.
		const created: string[] = [];
		for (let h = 0; h < 24; h += 2) {
			mock.server.advance(2 * HOUR);
			created.push(mock.addMedia().id);
		}
		const emitted: string[] = [];
		for (let tick = 0; tick < 6 * 24; tick++) {
			mock.server.advance(HOUR);
			const out = await harness.poll();
			emitted.push(...items(out).map((j) => String(j.id)));
			// The window always starts at or before what PantherMedia shows (its newest visible date
			// minus the lookback), never at the local or server "now".
			const sent = parseRfc(polls().at(-1)!.last_polling);
			expect(sent).toBeLessThanOrEqual(Math.max(start, mock.newestVisible('new') ?? start));
		}
		expect(emitted).toEqual(created);
		// Six days on, the main cursor reads from the newest date PantherMedia showed, after the
		// newest row (its next_page_id): a clock-based watermark would now be days ahead of it.
		const newest = mock.events.at(-1)!;
		const main = polls().filter((p) => p.last_polling === rfcDate(newest.date));
		expect(main.length).toBeGreaterThan(0);
		expect(Buffer.from(main.at(-1)!.next_page_id, 'base64').toString()).toBe(`${newest.date}|${newest.id}`);
		expect(mock.now() - newest.date).toBeGreaterThan(4 * DAY);
	});

	it('starts from a date, and "Everything" uses PantherMedia’s initial import (media id 1 for new, an old date for the rest)', async () => {
		mock.addMedia({ id: '7', at: Date.UTC(2020, 0, 1) });
		mock.addMedia({ id: '8', at: Date.UTC(2022, 0, 1) });
		mock.change('7', { at: Date.UTC(2021, 0, 1) });
		mock.remove('8', { at: Date.UTC(2023, 0, 1) });

		const fromDate = trigger({
			events: ['new', 'changed', 'deleted'],
			firstRun: 'date',
			startDate: '2021-06-01T00:00:00Z',
		});
		expect(ids(await fromDate.poll()).sort()).toEqual(['deleted:8', 'new:8']);
		expect(polls().map((p) => p.last_polling)).toEqual(Array(3).fill('Tue, 01 Jun 2021 00:00:00 UTC'));

		mock.server.resetLog();
		const everything = trigger({ events: ['new', 'changed', 'deleted'], firstRun: 'all' });
		expect(ids(await everything.poll()).sort()).toEqual(['changed:7', 'deleted:8', 'new:7', 'new:8']);
		expect(Object.fromEntries(polls().map((p) => [p.type, p.last_polling]))).toEqual({
			new: '1',
			changed: 'Sat, 01 Jan 2000 00:00:00 UTC',
			deleted: 'Sat, 01 Jan 2000 00:00:00 UTC',
		});
		expect(await everything.poll()).toBeNull();
		// After the import, "new" continues from the newest date it saw, after the newest row.
		const after = polls().find((p) => p.type === 'new' && p.last_polling !== '1')!;
		expect(after.last_polling).toBe(rfcDate(Date.UTC(2022, 0, 1)));
		expect(Buffer.from(after.next_page_id, 'base64').toString()).toBe(`${Date.UTC(2022, 0, 1)}|8`);
	});

	it('spreads a backlog over polls with next_page_id, without gaps or repeats, in a small state', async () => {
		const base = Date.UTC(2025, 0, 1);
		const all = Array.from({ length: 25 }, (_, i) => mock.addMedia({ id: String(1000 + i), at: base + i * 60_000 }).id);
		const harness = trigger({ firstRun: 'date', startDate: '2025-01-01', syncOptions: { maxItemsPerPoll: 10 } });
		const outs = [await harness.poll(), await harness.poll(), await harness.poll(), await harness.poll()];
		expect(outs.map((o) => items(o).length)).toEqual([10, 10, 5, 0]);
		expect(outs.flatMap((o) => items(o).map((j) => j.id))).toEqual(all);
		const sent = polls();
		// One window: the same last_polling, continued by the next_page_id of the last emitted row.
		expect(new Set(sent.slice(0, 3).map((p) => p.last_polling)).size).toBe(1);
		expect(sent[0].next_page_id).toBeUndefined();
		expect(Buffer.from(sent[1].next_page_id, 'base64').toString()).toBe(`${base + 9 * 60_000}|1009`);
		expect(Buffer.from(sent[2].next_page_id, 'base64').toString()).toBe(`${base + 19 * 60_000}|1019`);
		expect(stateSize(harness.memoryState[STATE_KEY] as IDataObject)).toBeLessThan(4096);
		expect(logLines.some((l) => /stopped at the per-poll item cap/.test(l.message))).toBe(true);
	});

	it('catches a straggler that surfaces after newer media, within the lookback, exactly once', async () => {
		const harness = trigger({ syncOptions: { lookbackMinutes: 30 } });
		await harness.poll();
		mock.server.advance(HOUR);
		const late = mock.addMedia({ id: '501', extraLagMs: 6 * HOUR }); // shown six hours after its peers
		mock.server.advance(10 * 60_000);
		mock.addMedia({ id: '502' });
		mock.server.advance(3 * DAY + HOUR);
		expect(ids(await harness.poll())).toEqual(['new:502']);
		mock.server.advance(6 * HOUR);
		expect(ids(await harness.poll())).toEqual(['new:501']);
		mock.server.advance(6 * HOUR);
		expect(await harness.poll()).toBeNull();
		expect(late.date).toBeLessThan(mock.events.find((e) => e.id === '502')!.date);
	});

	it('sweeps each stretch once for stragglers, and not at all while nothing new arrives', async () => {
		const harness = trigger({ syncOptions: { lookbackMinutes: 30 } });
		await harness.poll();
		mock.server.advance(HOUR);
		for (let i = 0; i < 3; i++) mock.addMedia({ id: String(520 + i) });
		mock.server.advance(3 * DAY + HOUR);
		mock.server.resetLog();
		expect(ids(await harness.poll())).toEqual(['new:520', 'new:521', 'new:522']);
		for (let i = 0; i < 10; i++) {
			mock.server.advance(HOUR);
			expect(await harness.poll()).toBeNull();
		}
		const newest = mock.events.at(-1)!;
		const sent = polls();
		// The read that emitted, 10 reads after the newest row, and one sweep from 30 minutes before it.
		expect(sent.filter((p) => p.last_polling === rfcDate(newest.date - 30 * 60_000))).toEqual([
			expect.not.objectContaining({ next_page_id: expect.anything() }),
		]);
		const after = sent.filter((p) => p.last_polling === rfcDate(newest.date));
		expect(after).toHaveLength(10);
		expect(after.every((p) => Buffer.from(p.next_page_id, 'base64').toString() === `${newest.date}|${newest.id}`)).toBe(
			true,
		);
		expect(sent).toHaveLength(12);
	});

	it('with lookback 0 reads each row exactly once and remembers nothing', async () => {
		const harness = trigger({ syncOptions: { lookbackMinutes: 0 } });
		await harness.poll();
		mock.server.advance(HOUR);
		for (let i = 0; i < 4; i++) {
			mock.addMedia({ id: String(540 + i) });
			mock.server.advance(5_000);
		}
		mock.server.advance(3 * DAY + HOUR);
		expect(ids(await harness.poll())).toHaveLength(4);
		for (let i = 0; i < 3; i++) {
			mock.server.advance(HOUR);
			expect(await harness.poll()).toBeNull();
		}
		// Only the newest row's own second could still come back: the memory keeps that one at most.
		const streams = (harness.memoryState[STATE_KEY] as IDataObject).streams as Record<string, { seen: object }>;
		expect(Object.keys(streams.new.seen).length).toBeLessThanOrEqual(1);
		// After the first read every request continues after the newest row: nothing is read twice.
		const sent = polls().slice(3); // after activation (2 requests) and the read that emitted
		expect(sent).toHaveLength(3);
		expect(sent.every((p) => Buffer.from(p.next_page_id, 'base64').toString().endsWith('|543'))).toBe(true);
	});

	it('misses a straggler older than the lookback (the documented limit)', async () => {
		const harness = trigger({ syncOptions: { lookbackMinutes: 5 } });
		await harness.poll();
		mock.server.advance(HOUR);
		mock.addMedia({ id: '601', extraLagMs: DAY });
		mock.server.advance(HOUR);
		mock.addMedia({ id: '602' });
		mock.server.advance(3 * DAY + HOUR);
		expect(ids(await harness.poll())).toEqual(['new:602']);
		for (let i = 0; i < 8; i++) {
			mock.server.advance(6 * HOUR);
			expect(await harness.poll()).toBeNull();
		}
	});

	it('emits a media changed again later as a new event (dedupe key id + date within the stream)', async () => {
		const harness = trigger({ events: ['changed'], syncOptions: { lookbackMinutes: 60 } });
		await harness.poll();
		mock.server.advance(60_000);
		// Dated explicitly: the real milliseconds that pass between two calls must not move a date
		// across a second (PantherMedia dates have whole seconds).
		const firstAt = Math.floor(mock.now() / 1000) * 1000;
		mock.change('900', { at: firstAt });
		mock.server.advance(3 * DAY + 60_000);
		const first = items(await harness.poll());
		mock.server.advance(20 * 60_000);
		mock.change('900', { at: firstAt + 3 * DAY + 21 * 60_000 });
		mock.server.advance(3 * DAY + 60_000);
		const second = items(await harness.poll());
		expect(first.map((j) => j.id)).toEqual(['900']);
		expect(second.map((j) => j.id)).toEqual(['900']);
		expect(Date.parse(String(second[0].date)) - Date.parse(String(first[0].date))).toBe(3 * DAY + 21 * 60_000);
		mock.server.advance(HOUR);
		expect(await harness.poll()).toBeNull();
	});

	it('adds media info in batches (comma-separated ids, bounded parallelism), not for deleted media', async () => {
		const harness = trigger({
			events: ['new', 'deleted'],
			includeMediaInfo: true,
			language: 'de',
			top10Keywords: true,
			syncOptions: { infoBatchSize: 2, infoConcurrency: 2 },
		});
		await harness.poll();
		mock.server.advance(60_000);
		for (let i = 0; i < 5; i++) mock.addMedia({ id: String(300 + i) });
		mock.remove('303');
		mock.server.advance(3 * DAY + 60_000);
		mock.server.resetLog();
		const out = items(await harness.poll());
		const infoRequests = mock.server.requests.filter((r) => r.path === '/get-media-info').map((r) => form(r.text));
		expect(infoRequests.map((r) => r.id_media)).toEqual(['300,301', '302,303', '304']);
		expect(infoRequests.every((r) => r.lang === 'de' && r.show_top10_keywords === 'yes')).toBe(true);
		const shown = out.map(
			(j) => `${String(j.event)}:${String(j.id)}:${j.media === null ? 'gone' : j.media ? 'info' : 'none'}`,
		);
		expect(shown.filter((s) => s.startsWith('new:'))).toEqual([
			'new:300:info',
			'new:301:info',
			'new:302:info',
			'new:303:gone', // deleted before its info was asked for
			'new:304:info',
		]);
		expect(shown.filter((s) => s.startsWith('deleted:'))).toEqual(['deleted:303:none']);
		const newOnly = out.filter((j) => j.event === 'new');
		expect((newOnly[0].media as IDataObject).preview_url).toMatch(/300_preview\.jpg$/);
		expect(((newOnly[0].media as IDataObject).metadata as IDataObject).title).toBe('[de] Media 300');
	});

	it('asks each id alone when PantherMedia refuses a whole batch as not found', async () => {
		const harness = trigger({ includeMediaInfo: true, syncOptions: { infoBatchSize: 3 } });
		await harness.poll();
		mock.server.advance(60_000);
		for (const id of ['401', '402', '403']) mock.addMedia({ id });
		mock.server.advance(3 * DAY);
		mock.server.injectFault(
			{
				kind: 'status',
				status: 404,
				body: '<rsp stat="fail"><err code="404" msg="media not found"/></rsp>',
				contentType: 'text/xml',
			},
			{ match: (r) => r.path === '/get-media-info' && form(r.text).id_media.includes(',') },
		);
		const out = items(await harness.poll());
		expect(out.map((j) => [j.id, (j.media as IDataObject | null)?.id ?? null])).toEqual([
			['401', '401'],
			['402', '402'],
			['403', '403'],
		]);
	});

	it('emits what it completed when media info fails midway, and the rest next poll', async () => {
		const harness = trigger({ includeMediaInfo: true, syncOptions: { infoBatchSize: 2, infoConcurrency: 1 } });
		await harness.poll();
		mock.server.advance(60_000);
		for (let i = 0; i < 5; i++) mock.addMedia({ id: String(700 + i) });
		mock.server.advance(3 * DAY);
		mock.server.injectFault(
			{ kind: 'status', status: 500 },
			{ times: 4, match: (r) => r.path === '/get-media-info' && form(r.text).id_media === '702,703' },
		);
		expect(items(await harness.poll()).map((j) => j.id)).toEqual(['700', '701']);
		expect(logLines.some((l) => /emitting the 2 changes found so far|continuing next poll/.test(l.message))).toBe(true);
		expect(items(await harness.poll()).map((j) => j.id)).toEqual(['702', '703', '704']);
		expect(await harness.poll()).toBeNull();
	});

	it('leaves the state untouched when a poll fails (malformed XML, billion laughs, fail answer), then continues', async () => {
		const harness = trigger({});
		await harness.poll();
		mock.server.advance(60_000);
		mock.addMedia({ id: '800' });
		mock.server.advance(3 * DAY);
		const before = JSON.stringify(harness.memoryState);

		mock.server.injectFault(
			{
				kind: 'malformed',
				body: '<rsp stat="ok"><items type="new"><media id="800" date="Mon, 11 Ja',
				contentType: 'text/xml',
			},
			{ times: 4 },
		);
		const malformed = await caught(() => harness.poll());
		expect(malformed.message).toMatch(/^PantherMedia: Malformed answer: not well-formed XML/);
		expect(JSON.stringify(harness.memoryState)).toBe(before);

		mock.server.injectFault({ kind: 'malformed', body: billionLaughs(), contentType: 'text/xml' }, { times: 4 });
		const heapBefore = process.memoryUsage().heapUsed;
		const cpuMs = cpuStopwatch();
		const bomb = await caught(() => harness.poll());
		expect(cpuMs()).toBeLessThan(10_000); // generous bound in CPU time: expansion would burn minutes
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
		expect(bomb.message).toMatch(/declares a DOCTYPE/);
		expect(JSON.stringify(harness.memoryState)).toBe(before);

		mock.server.injectFault({
			kind: 'status',
			status: 200,
			body: '<rsp stat="fail"><err><code>403</code><msg>poll is not available for partner media data</msg></err></rsp>',
			contentType: 'text/xml',
		});
		const refused = await caught(() => harness.poll());
		expect(refused.message).toBe('PantherMedia: poll is not available for partner media data (code 403)');
		expect(JSON.stringify(harness.memoryState)).toBe(before);

		for (const error of [malformed, bomb, refused]) expectNoSecrets(error, secrets());
		expect(ids(await harness.poll())).toEqual(['new:800']);
	});

	it('re-signs every attempt of a retried poll: a new nonce and a valid signature each time', async () => {
		const harness = trigger({});
		mock.server.injectFault({ kind: 'status', status: 503 }, { times: 2 });
		mock.server.injectFault({ kind: 'reset' }, { times: 1 });
		expect(await harness.poll()).toBeNull();
		const attempts = mock.server.requests.map((r) => form(r.text)).filter((a) => a.limit === '1');
		expect(attempts).toHaveLength(4); // three failed attempts of the first request, then its success
		expect(new Set(attempts.map((a) => a.nonce)).size).toBe(4);
		for (const a of attempts) {
			expect(a.access_key).toBe(
				createHmac('sha1', mock.apiSecret)
					.update(a.timestamp + a.api_key + a.nonce)
					.digest('hex'),
			);
		}
	});

	it('a manual "Fetch Test Event" shows recent real media and touches no state', async () => {
		for (let i = 0; i < 8; i++) mock.addMedia({ id: String(1200 + i), at: mock.now() - 4 * DAY + i * 60_000 });
		const harness = trigger({});
		const out = await harness.poll({ mode: 'manual' });
		expect(items(out).map((j) => j.id)).toEqual(['1203', '1204', '1205', '1206', '1207']);
		expect(harness.memoryState?.[STATE_KEY]).toBeUndefined();
		expect(harness.savedState).toBeUndefined();
	});

	it('refuses an empty event list', async () => {
		const error = await caught(() => trigger({ events: [] }).poll());
		expect(error.message).toBe('Events is empty');
		expect(mock.server.requests).toHaveLength(0);
	});
});

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { PAD_MS, READ_AFTER_MS, SETTLE_MS, entryVersion } from '../../nodes/CommerceConnect/trigger/source';
import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { useRealClock } from '../harness/clock';
import { PollHarness, logLines } from '../harness/n8n';
import { useFreshMock } from '../harness/servers';
import { CommerceConnectMock, type StoredItem } from '../../sandbox/commerceconnect';
import type { MockRequest } from '../../sandbox/server';

type Out = INodeExecutionData[][] | null;

describe('CommerceConnect Trigger', () => {
	let mock: CommerceConnectMock;
	const baseUrl = useFreshMock(() => (mock = new CommerceConnectMock()));
	useRecordedSleeps();
	const realClock = useRealClock();

	function trigger(parameters: Record<string, unknown> = {}, behaviour: { durableCursors?: boolean } = {}) {
		return new PollHarness(
			{
				type: 'commerceConnectTrigger',
				parameters: { event: 'updated', ...parameters } as never,
				credentials: { commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl: baseUrl() } },
			},
			behaviour,
		);
	}
	const ids = (out: Out) => (out ? out[0].map((i) => i.json.id as number) : []);
	const q = (r: MockRequest, name: string) => r.query.get(name);
	const seconds = (n: number) => n * 1000;

	/** Every (id, version) the trigger emitted, counted. */
	class Tally {
		readonly counts = new Map<string, number>();

		add(out: Out): void {
			for (const item of out?.[0] ?? []) {
				const key = `${String(item.json.id)}@${String(item.json.description)}`;
				this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
			}
		}

		get duplicates(): number {
			return [...this.counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
		}

		has(id: number, version: number): boolean {
			return this.counts.has(`${id}@v${version}`);
		}
	}

	it('starts from now on the server’s clock, then emits each new or changed item once', async () => {
		realClock.stop(); // the server's clock at a request's arrival and in its answer's Date header agree
		const old = mock.seed({ url: 'https://cdn.example.com/old.jpg', product_id: 9, description: 'v1' });
		mock.server.advance(seconds(30));
		const harness = trigger();
		expect(await harness.poll()).toBeNull();
		// The server's "now" (one small request). Nothing has settled since then, so the first window
		// waits for the next poll.
		expect(mock.server.requests).toHaveLength(1);
		expect(Object.fromEntries(mock.server.requests[0].query)).toEqual({ page: '1', per_page: '1' });
		expect(mock.server.requests[0].headers.authorization).toBe(mock.authorization);
		const activatedAt = Math.floor(mock.server.requests[0].at / 1000) * 1000;

		mock.server.advance(seconds(2));
		const fresh = mock.seed({ url: 'https://cdn.example.com/new.jpg', product_id: 9, description: 'v1' });
		mock.edit(old.id, { description: 'v2' });
		mock.server.advance(READ_AFTER_MS);
		mock.server.resetLog();
		const out = await harness.poll();
		expect(ids(out).sort()).toEqual([old.id, fresh.id].sort());
		expect(out![0].find((i) => i.json.id === fresh.id)!.json).toEqual(mock.listEntry(mock.items.get(fresh.id)!));
		// One request: the window, from the start to behind the settle lag, fits one page.
		expect(mock.server.requests).toHaveLength(1);
		const first = mock.server.requests[0];
		expect(Date.parse(q(first, 'updated_time_from')!)).toBe(activatedAt - PAD_MS);
		expect(Date.parse(q(first, 'updated_time_to')!) - PAD_MS).toBeLessThanOrEqual(first.at - SETTLE_MS);
		expect(q(first, 'per_page')).toBe('100');

		// Later polls read the lookback again (10 minutes by default) and emit nothing twice.
		for (let i = 0; i < 3; i++) {
			mock.server.advance(seconds(60));
			expect(await harness.poll()).toBeNull();
		}
		mock.edit(fresh.id, { tag_list: ['hero'] });
		mock.server.advance(seconds(60));
		expect(ids(await harness.poll())).toEqual([fresh.id]); // a real change, even inside the lookback
	});

	it('"created" emits each new item once, and edits do not re-emit it', async () => {
		const harness = trigger({ event: 'created' });
		await harness.poll();
		mock.server.advance(seconds(2));
		const a = mock.seed({ url: 'https://cdn.example.com/a.jpg', product_id: 9 });
		mock.server.advance(READ_AFTER_MS);
		expect(ids(await harness.poll())).toEqual([a.id]);
		expect(q(mock.server.requests.at(-1)!, 'created_time_from')).not.toBeNull();
		mock.edit(a.id, { description: 'changed' });
		mock.server.advance(seconds(60));
		expect(await harness.poll()).toBeNull();
	});

	it('splits a busy window into time slices that each fit one page, with one frozen upper bound', async () => {
		realClock.stop(); // the bound below is compared with the first request's arrival: no time passes between
		const start = mock.now() - seconds(600);
		const items = Array.from({ length: 250 }, (_, i) =>
			mock.seed(
				{ url: `https://cdn.example.com/s/${i}.jpg`, product_id: 9, description: 'v1' },
				start + seconds(1) + i * 2000,
			),
		);
		// A cap below a page: no slice of several seconds is paged, every one fits a page.
		const harness = trigger({
			firstRun: 'date',
			startDate: new Date(start).toISOString(),
			syncOptions: { maxItemsPerPoll: 99 },
		});
		const out: number[] = [];
		for (let i = 0; i < 6; i++) out.push(...ids(await harness.poll()));
		expect(out.sort()).toEqual(items.map((i) => i.id).sort());

		const lists = mock.listRequests();
		const frozen = Date.parse(q(lists[1], 'updated_time_to')!); // the first slice ends at the frozen bound or before
		const bound = Math.max(...lists.slice(1).map((r) => Date.parse(q(r, 'updated_time_to')!)));
		expect(bound).toBeLessThanOrEqual(lists[0].at - SETTLE_MS + PAD_MS);
		expect(frozen).toBeLessThanOrEqual(bound);
		for (const request of lists.slice(1)) {
			expect(Number(q(request, 'per_page'))).toBeLessThanOrEqual(100);
			expect(q(request, 'page')).toBe('1'); // slices, not pages
		}
		// Adjacent slices meet with a second of overlap on each side (inclusive or exclusive bounds).
		expect(await harness.poll()).toBeNull();
	});

	it('pages a burst larger than a page under its count, and reads it again narrower when an item moves out meanwhile', async () => {
		const harness = trigger({
			firstRun: 'date',
			startDate: new Date(mock.now() - seconds(60)).toISOString(),
			syncOptions: { maxItemsPerPoll: 1000 },
		});
		const second = Math.floor((mock.now() - seconds(30)) / 1000) * 1000;
		const burst = Array.from({ length: 250 }, (_, i) =>
			mock.seed({ url: `https://cdn.example.com/b/${i}.jpg`, product_id: 9, description: 'v1' }, second + (i % 1000)),
		);
		const moved = burst[5];
		let edited = false;
		mock.onList = (request, phase) => {
			// While page 2 of the burst's slice is read, someone edits an item of page 1: it leaves the
			// slice (its update time is now) and every later item shifts one place up.
			if (!edited && phase === 'between' && q(request, 'page') === '2') {
				edited = true;
				mock.edit(moved.id, { description: 'v2' });
			}
		};
		const tally = new Tally();
		const out = await harness.poll();
		tally.add(out);
		mock.onList = undefined;
		expect(edited).toBe(true);
		// The window's first answer counted the burst: its slice was paged, read again narrower after
		// the edit (page 1 of a shorter slice after page 2) down to the burst's second, which was
		// paged through; its last page held the rows its new count leaves for it, so no count was
		// asked again (per_page=1).
		const lists = mock.listRequests();
		const sequence = lists.map((r) => `${q(r, 'page')}/${q(r, 'per_page')}`);
		expect(sequence.slice(0, 4)).toEqual(['1/100', '1/100', '2/100', '1/100']);
		expect(Date.parse(q(lists[3], 'updated_time_to')!)).toBeLessThan(Date.parse(q(lists[2], 'updated_time_to')!));
		expect(` ${sequence.slice(3).join(' ')} `).toContain(' 1/100 2/100 3/100 ');
		expect(sequence).not.toContain('1/1');
		// Every item of the burst was emitted, none twice.
		expect(new Set(ids(out))).toEqual(new Set(burst.map((i) => i.id)));
		expect(tally.duplicates).toBe(0);
		// The moved item's new version comes with the next window.
		mock.server.advance(seconds(10));
		tally.add(await harness.poll());
		expect(tally.has(moved.id, 2)).toBe(true);
		expect(tally.duplicates).toBe(0);
	});

	/** 1,000 items over the last ~17 minutes, a trigger started 20 minutes back with a large cap. */
	function denseBacklog(count = 1000, maxItemsPerPoll = 5000) {
		const start = Math.floor((mock.now() - seconds(1200)) / 1000) * 1000;
		const items = Array.from({ length: count }, (_, i) =>
			mock.seed(
				{ url: `https://cdn.example.com/d/${i}.jpg`, product_id: 9, description: 'v1' },
				start + seconds(60) + i * 1000,
			),
		);
		const harness = trigger({
			firstRun: 'date',
			startDate: new Date(start).toISOString(),
			syncOptions: { maxItemsPerPoll },
		});
		return { items, harness };
	}
	/** The list requests of a slice (bounded on both sides, not a count check), as "from|to". */
	const sliceOf = (r: MockRequest) => `${q(r, 'updated_time_from')}|${q(r, 'updated_time_to')}`;

	/** `again` reads the paged slice whose count `counted` gave again, narrower, from its start. */
	function expectReadAgainNarrower(counted: MockRequest, again: MockRequest) {
		expect(q(again, 'updated_time_from')).toBe(q(counted, 'updated_time_from'));
		expect(Date.parse(q(again, 'updated_time_to')!)).toBeLessThan(Date.parse(q(counted, 'updated_time_to')!));
	}

	/**
	 * After `moved` left a paged dense backlog while it was read: every other item was emitted, none
	 * twice, and the moved item's new version comes with the next window.
	 */
	async function expectMovedItemInNextWindow(
		backlog: ReturnType<typeof denseBacklog>,
		moved: StoredItem,
		tally: Tally,
	) {
		expect(backlog.items.filter((i) => i !== moved && !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);
		mock.server.advance(seconds(10));
		tally.add(await backlog.harness.poll());
		expect(tally.has(moved.id, 2)).toBe(true);
		expect(tally.duplicates).toBe(0);
	}

	/**
	 * One poll of a dense backlog while someone edits `moved` (it leaves its slice, and every later
	 * item shifts one place up) at the first list answer `when` picks: what the poll emitted.
	 */
	async function pollEditingOnce(
		backlog: ReturnType<typeof denseBacklog>,
		moved: StoredItem,
		when: (request: MockRequest, at: Parameters<NonNullable<CommerceConnectMock['onList']>>[1]) => boolean,
	): Promise<Tally> {
		let edited = false;
		mock.onList = (request, at) => {
			if (!edited && when(request, at)) {
				edited = true;
				mock.edit(moved.id, { description: 'v2' });
			}
		};
		const tally = new Tally();
		try {
			tally.add(await backlog.harness.poll());
		} finally {
			mock.onList = undefined;
		}
		expect(edited).toBe(true);
		return tally;
	}

	it('reads a dense window as one slice paged under a count check: pages + 1 requests, each item once', async () => {
		const { items, harness } = denseBacklog();
		const tally = new Tally();
		tally.add(await harness.poll());
		expect(items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);

		const lists = mock.listRequests();
		// The window's first request asks for the whole window and gives its count before the pages;
		// then its 10 pages: the last one holds the 100 rows the count leaves for it, so the count is
		// not asked again.
		expect(lists).toHaveLength(11);
		const slice = sliceOf(lists[0]);
		expect(lists.every((r) => sliceOf(r) === slice)).toBe(true);
		expect(lists.map((r) => `${q(r, 'page')}/${q(r, 'per_page')}`)).toEqual([
			'1/100',
			...Array.from({ length: 10 }, (_, i) => `${i + 1}/100`),
		]);
		// The slice was in the past when it was counted: it ends behind the settle lag.
		expect(Date.parse(q(lists[0], 'updated_time_to')!) - PAD_MS).toBeLessThanOrEqual(lists[0].at - SETTLE_MS);
		expect(await harness.poll()).toBeNull();
	});

	it.each([
		['edited while a later page is read', 'before', '3'],
		// Between page 1's SELECT and its COUNT (two queries in Rails): that page's own count already
		// lacks the item, which is why a slice's count is taken by an earlier request.
		['edited between the SELECT and the COUNT of page 1', 'between', '1'],
	] as const)(
		'narrows a paged slice when an item leaves it meanwhile (%s), and loses nothing',
		async (_name, phase, page) => {
			const backlog = denseBacklog();
			const moved = backlog.items[42]; // on page 1 of the slice: every later item shifts one place up
			let firstPageAnswers = 0;
			const tally = await pollEditingOnce(backlog, moved, (request, at) => {
				if (q(request, 'updated_time_to') === null || q(request, 'per_page') === '1') return false;
				if (at === 'before' && q(request, 'page') === '1') firstPageAnswers++;
				// The slice's first page is answered twice: as its count, then as page 1.
				const pagedAlready = q(request, 'page') !== '1' || firstPageAnswers >= 2;
				return pagedAlready && at === phase && q(request, 'page') === page;
			});

			// After the count changed, the slice was not paged on: it was read again in narrower slices
			// from its start.
			const lists = mock.listRequests();
			const slice = sliceOf(lists[0]);
			// (lists[0] is the window's first request: the slice's first page as its count; the pages follow.)
			const changed = lists.findIndex((r, i) => i > 0 && sliceOf(r) === slice && q(r, 'page') === page);
			const after = lists.slice(changed + 1).filter((r) => q(r, 'updated_time_to') !== null);
			expect(after.length).toBeGreaterThan(0);
			expect(after.some((r) => sliceOf(r) === slice)).toBe(false);
			expectReadAgainNarrower(lists[0], after[0]);

			// Every item that stayed is emitted (the moved one's first version may be, if its page was
			// kept before the count changed: it was replaced before the slice was read through).
			await expectMovedItemInNextWindow(backlog, moved, tally);
		},
	);

	it.each([
		['the COUNT first: the last page comes up short', 'count-first', true],
		['the SELECT first: the last page’s count changed', 'select-first', false],
	] as const)(
		'an item that leaves between the last page’s two queries is caught (%s), and nothing is lost',
		async (_name, order, asksAgain) => {
			mock.listQueryOrder = order;
			const backlog = denseBacklog(950);
			const moved = backlog.items[42]; // on page 1: every later item shifts one place up
			// Page 10 of the paged slice (the last: 950 items), between its COUNT and its SELECT.
			const tally = await pollEditingOnce(
				backlog,
				moved,
				(request, at) => at === 'between' && q(request, 'page') === '10' && q(request, 'updated_time_to') !== null,
			);
			const lists = mock.listRequests();
			const last = lists.findIndex((r) => q(r, 'page') === '10');
			// Count first: page 10 still counts 950 but holds 49 rows where 50 were due; the count,
			// asked once more, has changed. Select first: page 10's own count says 949.
			expect(q(lists[last + 1], 'per_page') === '1').toBe(asksAgain);
			// Either way the slice is read again, narrower, from its start.
			const again = lists.slice(last + 1).filter((r) => q(r, 'per_page') !== '1');
			expectReadAgainNarrower(lists[0], again[0]);
			await expectMovedItemInNextWindow(backlog, moved, tally);
		},
	);

	it('a server whose pages hold more rows than its count is asked the count again, and the trigger moves on', async () => {
		const { items, harness } = denseBacklog(950);
		// Every answer carries one broken entry (no id) that its count leaves out.
		mock.hostile.rates = { random: () => 0.5, ignorePage: 0, entryWithoutId: 1, fewerPages: 0 };
		const tally = new Tally();
		tally.add(await harness.poll());
		mock.hostile.rates = undefined;
		// The paged slice's last page held a row more than the count leaves for it: the count was
		// asked again, was unchanged, and the slice was done.
		const lists = mock.listRequests();
		const last = lists.findIndex((r) => q(r, 'page') === '10');
		expect(q(lists[last + 1], 'per_page')).toBe('1');
		// …and says so in n8n's log.
		expect(
			logLines.some((l) =>
				/changed media items from .* are counted as 950, but page 10, the last, held 51 entries where 50 were due/.test(
					l.message,
				),
			),
		).toBe(true);
		expect(items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);
		expect(await harness.poll()).toBeNull();
	});

	it('pages on by the count when the server claims fewer pages than its count makes, and loses nothing', async () => {
		const { items, harness } = denseBacklog(950);
		// Every answer of more than a page says total_pages is one less than total_entries makes.
		mock.hostile.rates = { random: () => 0.5, ignorePage: 0, entryWithoutId: 0, fewerPages: 1 };
		const tally = new Tally();
		tally.add(await harness.poll());
		mock.hostile.rates = undefined;
		expect(mock.hostile.counts.fewerPages).toBeGreaterThan(0);
		const pages = mock.listRequests().filter((r) => q(r, 'updated_time_to') !== null && q(r, 'per_page') === '100');
		expect(pages.map((r) => q(r, 'page'))).toContain('10');
		expect(items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);
		expect(await harness.poll()).toBeNull();
	});

	it('takes only the count from the window’s first answer: an item that leaves between its SELECT and its COUNT costs nothing', async () => {
		mock.listQueryOrder = 'select-first';
		const backlog = denseBacklog();
		const moved = backlog.items[42]; // in the first answer's rows; every later item shifts one place up
		const tally = await pollEditingOnce(backlog, moved, (_request, at) => at === 'between');
		// Had the first answer's rows served as page 1, the item that slid from page 2 onto page 1
		// would never have been read.
		expect(backlog.items.filter((i) => i !== moved && !tally.has(i.id, 1))).toEqual([]);
		// The count already lacked the moved item, and the pages were read after it: they agree with
		// it, so the slice was paged through once.
		expect(mock.listRequests()).toHaveLength(11);
		await expectMovedItemInNextWindow(backlog, moved, tally);
	});

	it.each([
		[
			'behind this machine’s: the first window’s first answer cannot count it (one request more); later polls know the offset',
			-20_000,
			12,
		],
		['ahead of this machine’s: the first window ends further back; later polls know the offset', 20_000, 11],
	] as const)('with the server’s clock 20 s %s', async (_name, offset, requests) => {
		mock.server.clockOffsetMs = offset;
		const backlog = denseBacklog();
		const tally = new Tally();
		tally.add(await backlog.harness.poll());
		expect(mock.listRequests()).toHaveLength(requests);
		expect(backlog.items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		// Every bound asked for lies behind the settle lag of the server's clock when it was asked.
		for (const request of mock.listRequests().slice(1))
			expect(Date.parse(q(request, 'updated_time_to')!) - PAD_MS).toBeLessThanOrEqual(request.at - SETTLE_MS);

		// The next poll guesses the server's clock from the offset this one saw: a change that has
		// settled is read at once, and nothing is emitted twice.
		const item = mock.seed({ url: 'https://cdn.example.com/skew.jpg', product_id: 9, description: 'v1' });
		mock.server.advance(READ_AFTER_MS);
		tally.add(await backlog.harness.poll());
		expect(tally.has(item.id, 1)).toBe(true);
		expect(tally.duplicates).toBe(0);
	});

	describe('with the server’s clock an hour ahead', () => {
		const HOUR = seconds(3600);
		const activate = async () => {
			mock.server.clockOffsetMs = HOUR;
			const harness = trigger();
			expect(await harness.poll()).toBeNull(); // "now" is the server's: nothing has settled since
			const item = mock.seed({ url: 'https://cdn.example.com/ahead.jpg', product_id: 9 });
			mock.server.advance(READ_AFTER_MS);
			mock.server.resetLog();
			return { harness, item };
		};

		it('reads a change once it has settled on the server’s clock, in one request', async () => {
			const { harness, item } = await activate();
			expect(ids(await harness.poll())).toEqual([item.id]);
			expect(mock.listRequests()).toHaveLength(1);
		});

		it.each([
			['without the server’s clock offset (as an earlier version saved it)', undefined],
			['with an offset that cannot be read', 'soon'],
			['with an offset of five days', 5 * 24 * HOUR],
		] as const)('with a state saved %s, asks the clock first rather than wait an hour', async (_name, skew) => {
			const { harness, item } = await activate();
			const state = harness.memoryState[STATE_KEY] as unknown as { streams: Record<string, { cp: IDataObject }> };
			const cp = state.streams.updated.cp;
			expect(cp.skew).toBeGreaterThan(HOUR - seconds(2));
			if (skew === undefined) delete cp.skew;
			else cp.skew = skew;
			expect(ids(await harness.poll())).toEqual([item.id]);
			expect(mock.listRequests().map((r) => q(r, 'per_page'))).toEqual(['1', '100']);
			const warned = logLines.some((l) => /the saved offset of the server’s clock could not be read/.test(l.message));
			expect(warned).toBe(skew !== undefined);
		});
	});

	it('with a per-poll cap below a page, reads one-page slices only (no paging across polls)', async () => {
		const { items, harness } = denseBacklog(600, 60);
		const tally = new Tally();
		for (let i = 0; i < 16; i++) tally.add(await harness.poll());
		expect(items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);
		const bounded = mock.listRequests().filter((r) => q(r, 'updated_time_to') !== null);
		expect(bounded.every((r) => q(r, 'page') === '1' && q(r, 'per_page') === '100')).toBe(true);
	});

	it('control: plain offset paging over the same edit skips an item', async () => {
		const second = Math.floor((mock.now() - seconds(30)) / 1000) * 1000;
		const burst = Array.from({ length: 250 }, (_, i) =>
			mock.seed({ url: `https://cdn.example.com/c/${i}.jpg`, product_id: 9 }, second),
		);
		let edited = false;
		mock.onList = (request, phase) => {
			if (!edited && phase === 'between' && q(request, 'page') === '2') {
				edited = true;
				mock.edit(burst[5].id, { description: 'v2' });
			}
		};
		const from = new Date(second).toISOString().replace('.000', '');
		const seen = new Set<number>();
		for (let page = 1; page <= 3; page++) {
			const answer = await fetch(
				`${baseUrl()}/api/v2/media_items?page=${page}&per_page=100&updated_time_from=${from}&updated_time_to=${from}`,
				{
					headers: { authorization: mock.authorization },
				},
			);
			for (const entry of ((await answer.json()) as { entries: Array<{ id: number }> }).entries) seen.add(entry.id);
		}
		const missing = burst.filter((i) => i.id !== burst[5].id && !seen.has(i.id));
		expect(missing).toHaveLength(1); // the item that slid from page 3 onto page 2 after page 2 was read
	});

	it.each([
		['inclusive bounds, milliseconds', 'inclusive', 'ms', 100],
		['exclusive bounds, whole seconds', 'exclusive', 's', 100],
		['a server that allows only 30 per page', 'inclusive', 'ms', 30],
	] as const)('loses nothing at slice edges with %s', async (_name, boundMode, precision, maxPerPage) => {
		mock.boundMode = boundMode;
		mock.precision = precision;
		mock.maxPerPage = maxPerPage;
		const start = Math.floor((mock.now() - seconds(900)) / 1000) * 1000;
		// Items on whole seconds, many exactly where slices begin and end.
		const items = Array.from({ length: 400 }, (_, i) =>
			mock.seed(
				{ url: `https://cdn.example.com/e/${i}.jpg`, product_id: 9, description: 'v1' },
				start + seconds(Math.floor(i / 3)),
			),
		);
		const harness = trigger({
			firstRun: 'date',
			startDate: new Date(start).toISOString(),
			syncOptions: { maxItemsPerPoll: 1000 },
		});
		const tally = new Tally();
		tally.add(await harness.poll());
		expect(items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);
		expect(mock.listRequests().every((r) => Number(q(r, 'per_page')) <= 100)).toBe(true);
	});

	it('spreads a backlog over polls at the per-poll cap, resuming its frozen window, without gaps or repeats', async () => {
		const start = mock.now() - seconds(300);
		const items = Array.from({ length: 230 }, (_, i) =>
			mock.seed(
				{ url: `https://cdn.example.com/k/${i}.jpg`, product_id: 9, description: 'v1' },
				start + seconds(1) + i * 1000,
			),
		);
		const harness = trigger({
			firstRun: 'date',
			startDate: new Date(start).toISOString(),
			syncOptions: { maxItemsPerPoll: 40 },
		});
		const tally = new Tally();
		const sizes: number[] = [];
		for (let i = 0; i < 10; i++) {
			const out = await harness.poll();
			sizes.push(out ? out[0].length : 0);
			tally.add(out);
			// Meanwhile, items keep changing: their new versions come in later windows.
			if (i === 2) mock.edit(items[3].id, { description: 'v2' });
			mock.server.advance(seconds(20));
		}
		// Each poll of the backlog emits most of its cap and stops before a request the rest of its cap
		// would cut, which the next poll would make again: no slice of the first window is asked twice.
		expect(sizes.slice(0, 5).every((n) => n > 20 && n <= 40)).toBe(true);
		const lists = mock.listRequests();
		const firstTo = Date.parse(q(lists[0], 'updated_time_to')!);
		const firstWindow = lists.filter((r) => Date.parse(q(r, 'updated_time_to')!) <= firstTo).map(sliceOf);
		expect(firstWindow.length).toBeGreaterThan(5);
		expect(new Set(firstWindow).size).toBe(firstWindow.length);
		expect(sizes.reduce((a, b) => a + b, 0)).toBe(231);
		expect(items.every((i) => tally.has(i.id, 1))).toBe(true);
		expect(tally.has(items[3].id, 2)).toBe(true);
		expect(tally.duplicates).toBe(0);
		expect(stateSize(harness.memoryState[STATE_KEY] as IDataObject)).toBeLessThan(16_384);
		expect(logLines.some((l) => /stopped at the per-poll item cap/.test(l.message))).toBe(true);
	});

	/**
	 * Five bulk jobs of 125 items, each written within a minute, at fixed times over the last two
	 * days (more than five polls of the cap, so the window is not paged whole); a trigger started
	 * two days back with the default cap of 100, polled until caught up.
	 */
	async function bulkJobs(corrupt?: (win: IDataObject) => void) {
		const start = Math.floor((mock.now() - 2 * 86_400_000) / 1000) * 1000;
		const jobs = [0.2, 0.9, 1.1, 1.5, 1.7].map((day) => start + Math.floor(day * 86_400_000));
		const items = jobs.flatMap((at, job) =>
			Array.from({ length: 125 }, (_, i) =>
				mock.seed({ url: `https://cdn.example.com/j/${job}-${i}.jpg`, product_id: 9, description: 'v1' }, at + i * 400),
			),
		);
		const harness = trigger({ firstRun: 'date', startDate: new Date(start).toISOString() });
		const tally = new Tally();
		for (let poll = 0; poll < 30; poll++) {
			const out = await harness.poll();
			tally.add(out);
			const state = harness.memoryState[STATE_KEY] as unknown as { streams: Record<string, { cp: IDataObject }> };
			const win = state?.streams.updated.cp.win as IDataObject | undefined;
			if (poll === 0 && win && corrupt) corrupt(win);
			if (!out && !win) break;
		}
		expect(items.filter((i) => !tally.has(i.id, 1))).toEqual([]);
		expect(tally.duplicates).toBe(0);
		return mock.listRequests().length;
	}

	it('finds changes bunched far apart in a long window by halving, and pages a slice found too full', async () => {
		// 625 items: 7 requests at the fewest; here 17. Searching each job out with one-page slices
		// grown 8-fold after an empty answer (before counts seen ahead sized slices and too-full
		// slices were paged) took 161.
		expect(await bulkJobs()).toBeLessThanOrEqual(20);
		const bounded = mock.listRequests().filter((r) => q(r, 'updated_time_to') !== null);
		expect(bounded.some((r) => q(r, 'page') === '2')).toBe(true);
	});

	it('reports counts saved ahead of an unfinished window that cannot be read, and reads on without them', async () => {
		const requests = await bulkJobs((win) => {
			expect(Array.isArray(win.ahead)).toBe(true);
			win.ahead = [{ end: 'soon', count: -1 }];
		});
		expect(requests).toBeGreaterThan(5);
		expect(
			logLines.some((l) => /the counts saved ahead of the unfinished window could not be read/.test(l.message)),
		).toBe(true);
	});

	it('waits for the settle lag before paging a burst that is only seconds old', async () => {
		realClock.stop(); // the burst stays two seconds old however long the machine takes to poll
		const harness = trigger({ syncOptions: { lookbackMinutes: 0, maxItemsPerPoll: 1000 } });
		await harness.poll();
		mock.server.advance(seconds(1));
		const at = mock.now();
		const burst = Array.from({ length: 150 }, (_, i) =>
			mock.seed({ url: `https://cdn.example.com/w/${i}.jpg`, product_id: 9, description: 'v1' }, at),
		);
		mock.server.advance(seconds(1));
		mock.server.resetLog();
		expect(await harness.poll()).toBeNull(); // a full page inside the settle lag: not asked for yet
		expect(mock.listRequests()).toHaveLength(0);
		mock.server.advance(seconds(10));
		const tally = new Tally();
		tally.add(await harness.poll());
		expect(burst.every((i) => tally.has(i.id, 1))).toBe(true);
		expect(tally.duplicates).toBe(0);
	});

	it('"Everything" reads from 2000, with attribute values when asked', async () => {
		const item = mock.seed(
			{
				url: 'https://cdn.example.com/all.jpg',
				product_id: 9,
				attribute_values: [{ attribute_definition_code: 'c', data: 'x' }],
			},
			Date.UTC(2019, 0, 1),
		);
		const harness = trigger({ firstRun: 'all', syncOptions: { include: ['attribute_values'] } });
		const out = await harness.poll();
		expect(ids(out)).toContain(item.id);
		expect(out![0].find((i) => i.json.id === item.id)!.json.attribute_values).toEqual([
			{ attribute_definition_code: 'c', data: 'x' },
		]);
		expect(q(mock.listRequests()[0], 'updated_time_from')).toBe('1999-12-31T23:59:59Z');
		expect(q(mock.listRequests()[0], 'response_associated_fields')).toBe('attribute_values');
	});

	it('a failed poll leaves the state untouched, says why without the token, and the next poll catches up', async () => {
		const harness = trigger();
		await harness.poll();
		mock.server.advance(seconds(2));
		const item = mock.seed({ url: 'https://cdn.example.com/f.jpg', product_id: 9 });
		mock.server.advance(READ_AFTER_MS);
		const before = JSON.stringify(harness.memoryState);
		mock.server.injectFault({ kind: 'status', status: 500, body: '{"error":"Internal Server Error"}' }, { times: 4 });
		const error = await caught(() => harness.poll());
		expect(error.message).toBe('CommerceConnect: Internal Server Error');
		expect(JSON.stringify(harness.memoryState)).toBe(before);
		expectNoSecrets(error, [mock.token]);
		expect(ids(await harness.poll())).toEqual([item.id]);
	});

	it('a manual test returns recent items and changes no state', async () => {
		for (let i = 0; i < 8; i++) mock.seed({ url: `https://cdn.example.com/m/${i}.jpg`, product_id: 9 });
		const harness = trigger();
		const out = await harness.poll({ mode: 'manual' });
		expect(out![0]).toHaveLength(5);
		expect(harness.memoryState ?? {}).toEqual({});
	});

	it('after a restart, resumes from the state saved with the last emitted batch without repeats', async () => {
		const harness = trigger();
		await harness.poll();
		mock.server.advance(seconds(2));
		const a = mock.seed({ url: 'https://cdn.example.com/r1.jpg', product_id: 9 });
		mock.server.advance(READ_AFTER_MS);
		expect(ids(await harness.poll())).toEqual([a.id]);
		mock.server.advance(seconds(60));
		expect(await harness.poll()).toBeNull(); // kept in memory only
		harness.restart();
		const b = mock.seed({ url: 'https://cdn.example.com/r2.jpg', product_id: 9 });
		mock.server.advance(READ_AFTER_MS);
		expect(ids(await harness.poll())).toEqual([b.id]);
	});

	it('knows an item by its content: etag, url, tags, anything', () => {
		const entry = { id: 1, url: 'u', tag_list: ['a'], description: null } as never;
		expect(entryVersion(entry)).toBe(entryVersion({ description: null, tag_list: ['a'], url: 'u', id: 1 } as never));
		expect(entryVersion(entry)).not.toBe(
			entryVersion({ id: 1, url: 'u', tag_list: ['a', 'b'], description: null } as never),
		);
	});
});

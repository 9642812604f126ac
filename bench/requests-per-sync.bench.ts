import { performance } from 'node:perf_hooks';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { FILL, MAX_SLICE_PAGES } from '../nodes/CommerceConnect/trigger/source';
import { isoDay } from '../nodes/HalLeonardDam/days';
import { STATE_KEY, type SyncState } from '../nodes/shared/sync/state';
import { PollHarness } from '../test/harness/n8n';
import { CommerceConnectMock } from '../sandbox/commerceconnect';
import { HalLeonardMock } from '../sandbox/halleonard';
import { PantherMediaMock } from '../sandbox/panthermedia';
import { PROVIDER_IDS, type ProviderId } from '../sandbox/providers';
import { PsRestfulMock } from '../sandbox/psrestful';
import type { MockRequest, MockServer } from '../sandbox/server';
import { loadAverage } from './memory';
import { ms, report } from './report';

/**
 * Requests per sync (issue 7): for N changed items, the list and detail requests each trigger
 * makes for one complete sync — from a first run that includes the N changes until every stream
 * is caught up, over as many polls as its per-poll cap needs — next to the fewest the API allows:
 * ceil(N / largest page) list requests plus the detail fan-out.
 *
 * Every trigger runs at its largest per-poll cap (10,000; BENCH_SYNC_CAP sets another), an hour
 * of poll budget and no minimum interval, so the counts show the API pattern, not a time limit.
 * Request counts do not depend on latency: N ≤ 1,000 runs at BENCH_LATENCY_MS (default 50 ms); N = 100,000 runs at
 * BENCH_BIG_LATENCY_MS (default 0) to keep the run short (PSRESTful with media makes 100,000
 * detail requests). CommerceConnect's changes are spread over time as BENCH_SYNC_SPREAD says
 * (see `changeTimes`; its request count depends on it, the other triggers' do not).
 */

const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
const bigLatency = Number(process.env.BENCH_BIG_LATENCY_MS ?? 0);
const SIZES = (process.env.BENCH_SYNC_SIZES ?? '10,1000,100000').split(',').map(Number);
/** The per-poll cap (the triggers' default is 100). */
const CAP = Number(process.env.BENCH_SYNC_CAP ?? 10_000);
const SPREADS = ['day', 'even', 'bursts', 'rising'] as const;
type Spread = (typeof SPREADS)[number];
/** How CommerceConnect's changes are spread over the time read (see `changeTimes`). */
const SPREAD = (process.env.BENCH_SYNC_SPREAD ?? 'day') as Spread;
if (!SPREADS.includes(SPREAD)) throw new Error(`BENCH_SYNC_SPREAD must be one of ${SPREADS.join(', ')}`);
const POLL_BUDGET_MS = 3_600_000;
/** A sync that needs more polls than this (at least twice the polls the cap makes necessary) has stalled. */
const MAX_POLLS = 1000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

type Kind = 'list' | 'detail' | undefined;

interface Prepared {
	server: MockServer;
	harness: PollHarness;
	streams: string[];
	classify(request: MockRequest): Kind;
	/** Fewest requests the API allows for these N items. */
	minimum: { list: number; detail: number };
	key(json: IDataObject): string;
	/** Optional: what the requests of the sync were, for the notes. */
	explain?: (requests: MockRequest[]) => string;
	/** Optional follow-up measured after the sync (PantherMedia's straggler sweep). */
	after?: (poll: () => Promise<INodeExecutionData[][] | null>) => Promise<string>;
	stop(): Promise<void>;
}

interface Row {
	trigger: string;
	n: number;
	latency: number;
	polls: number;
	list: number;
	detail: number;
	minimum: { list: number; detail: number };
	emitted: number;
	elapsed: number;
	note?: string;
}

const rows: Row[] = [];

function caughtUp(harness: PollHarness, streams: string[]): boolean {
	const state = harness.memoryState?.[STATE_KEY] as unknown as SyncState | undefined;
	return !!state && streams.every((stream) => state.streams[stream]?.done === true);
}

async function measure(
	trigger: string,
	n: number,
	wait: number,
	prepare: (n: number) => Promise<Prepared>,
	record = true,
): Promise<void> {
	const prepared = await prepare(n);
	const { server, harness, streams } = prepared;
	server.resetLog();
	server.latencyMs = wait;
	const keys = new Set<string>();
	let emitted = 0;
	let polls = 0;
	const started = performance.now();
	try {
		const maxPolls = Math.max(MAX_POLLS, 2 * Math.ceil(n / CAP));
		while (polls < maxPolls) {
			polls++;
			const out = await harness.poll({ pollBudgetMs: POLL_BUDGET_MS });
			for (const item of out?.[0] ?? []) {
				emitted++;
				keys.add(prepared.key(item.json));
			}
			if (caughtUp(harness, streams)) break;
		}
		const elapsed = performance.now() - started;
		const count = (kind: Kind) => server.requests.filter((r) => prepared.classify(r) === kind).length;
		const list = count('list');
		const detail = count('detail');
		const other = server.requests.length - list - detail;
		const notes = prepared.explain ? [prepared.explain(server.requests)] : [];
		server.latencyMs = 0;
		server.resetLog();
		if (prepared.after)
			notes.push(await prepared.after(async () => await harness.poll({ pollBudgetMs: POLL_BUDGET_MS })));
		const note = notes.length > 0 ? notes.join('; ') : undefined;
		if (record)
			rows.push({ trigger, n, latency: wait, polls, list, detail, minimum: prepared.minimum, emitted, elapsed, note });
		expect(other).toBe(0);
		expect(caughtUp(harness, streams)).toBe(true);
		expect(keys.size).toBe(n); // every changed item emitted...
		expect(emitted).toBe(n); // ...once
	} finally {
		server.latencyMs = 0;
		await prepared.stop();
	}
}

const syncOptions = { maxItemsPerPoll: CAP, budgetSeconds: 3600, minIntervalMinutes: 0 };

// ---------------------------------------------------------------------------------------------
// PSRESTful: one unpaged listing of ids; media-content per product.

function psRestful(includeMedia: boolean) {
	return async (n: number): Promise<Prepared> => {
		const mock = new PsRestfulMock();
		const baseUrl = await mock.start();
		mock.suppliers.push({ id: 900, code: 'SYNC', name: 'Sync' });
		mock.server.advance(-DAY); // the changes happened a day ago
		for (let i = 0; i < n; i++) mock.modify('SYNC', `P${String(i).padStart(6, '0')}`);
		mock.server.clockOffsetMs = 0;
		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: { supplierCode: 'SYNC', includeMediaContent: includeMedia, firstRun: 'all', syncOptions } as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl } },
		});
		return {
			server: mock.server,
			harness,
			streams: ['media'],
			classify: (r) =>
				r.path.includes('/media-modified-since') ? 'list' : r.path.includes('/medias/') ? 'detail' : undefined,
			minimum: { list: 1, detail: includeMedia ? n : 0 },
			key: (json) => String(json.productId),
			stop: async () => await mock.stop(),
		};
	};
}

// ---------------------------------------------------------------------------------------------
// PantherMedia: poll (limit ≤ 10,000, keyset-paged), get-media-info in batches.

const PM_BATCH = 50;

function pantherMedia(includeInfo: boolean) {
	return async (n: number): Promise<Prepared> => {
		const mock = new PantherMediaMock({ seed: false });
		const baseUrl = await mock.start();
		// One new media a second, all older than PantherMedia's horizon (shown by poll).
		mock.bulkNew(n, mock.now() - 5 * DAY - n * 1000, 1000);
		const harness = new PollHarness({
			type: 'pantherMediaTrigger',
			parameters: { events: ['new'], includeMediaInfo: includeInfo, firstRun: 'all', syncOptions } as never,
			credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl } },
		});
		return {
			server: mock.server,
			harness,
			streams: ['new'],
			classify: (r) => (r.path === '/poll' ? 'list' : r.path === '/get-media-info' ? 'detail' : undefined),
			minimum: { list: Math.max(1, Math.ceil(n / 10_000)), detail: includeInfo ? Math.ceil(n / PM_BATCH) : 0 },
			key: (json) => String(json.id),
			after: async (poll) => {
				// The straggler sweep: each stretch is read once more, `lookback` (10 min) after the main
				// cursor reached it. Measured on the next poll after that, which also reads the main cursor.
				mock.server.advance(11 * MINUTE);
				const out = await poll();
				const polls = mock.server.requests.filter((r) => r.path === '/poll').length;
				const other = mock.server.requests.length - polls;
				return `the next poll after the 10-min lookback: ${polls} poll requests (1 main + the one-time straggler sweep), ${other} other, ${out?.[0].length ?? 0} emitted`;
			},
			stop: async () => await mock.stop(),
		};
	};
}

// ---------------------------------------------------------------------------------------------
// Hal Leonard DAM: ModifiedFileRequest, unpaged, in ranges of at most 89 days (3 months).

const DAM_DAYS = 120;

function halLeonard() {
	return async (n: number): Promise<Prepared> => {
		const mock = new HalLeonardMock();
		await mock.start();
		const today = mock.today();
		const start = today - DAM_DAYS;
		// N files spread evenly over the 121 days from the start day to today.
		for (let i = 0; i < n; i++)
			mock.putFile(String(100_000 + i), `HL_${i}.pdf`, start + Math.floor((i * (DAM_DAYS + 1)) / n));
		const harness = new PollHarness({
			type: 'halLeonardDamTrigger',
			parameters: { events: ['modifiedFile'], firstRun: 'date', startDate: isoDay(start), syncOptions } as never,
			credentials: {
				halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint },
			},
		});
		// The trigger asks for [start, today + 2): today may still grow, and one spare day covers a
		// DAM day in another zone than assumed. At most 3 months (89 days) per request.
		const days = today + 2 - start;
		return {
			server: mock.server,
			harness,
			streams: ['modifiedFile'],
			classify: (r) => (r.method === 'POST' && r.path === '/dam' ? 'list' : undefined),
			minimum: { list: Math.ceil(days / 89), detail: 0 },
			key: (json) => `${String(json.assetId)}|${String(json.fileName)}`,
			stop: async () => await mock.stop(),
		};
	};
}

// ---------------------------------------------------------------------------------------------
// CommerceConnect: media_items by updated time, per_page ≤ 100, sliced by time.

/**
 * When the N changes happened, ending at `end` (CommerceConnect reads time slices, so its request
 * count depends on how the changes are spread; the other triggers' do not):
 * - `day` (the default): evenly over the last 24 hours of the 2 days read;
 * - `even`: evenly over the 2 days;
 * - `bursts`: 8 bursts of 10 minutes at fixed pseudo-random times in the 2 days (bulk jobs);
 * - `rising`: ever denser toward `end` (the density grows linearly from nothing, 2 days back).
 */
function changeTimes(n: number, spread: Spread, end: number): number[] {
	const span = 2 * DAY - 2 * MINUTE;
	const share = (i: number) => (i + 0.5) / n;
	switch (spread) {
		case 'day':
			return Array.from({ length: n }, (_, i) => end - DAY + Math.floor((i * DAY) / n));
		case 'even':
			return Array.from({ length: n }, (_, i) => end - span + Math.floor(share(i) * span));
		case 'rising':
			return Array.from({ length: n }, (_, i) => end - span + Math.floor(Math.sqrt(share(i)) * span));
		case 'bursts': {
			let seed = 7;
			const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
			const starts = Array.from({ length: 8 }, () => end - span + Math.floor(next() * (span - 10 * MINUTE)));
			return Array.from(
				{ length: n },
				(_, i) => starts[i % 8]! + Math.floor(share(Math.floor(i / 8) * 8) * 10 * MINUTE),
			);
		}
	}
}

function commerceConnect() {
	return async (n: number): Promise<Prepared> => {
		const mock = new CommerceConnectMock();
		const baseUrl = await mock.start();
		const now = mock.server.now();
		// N media items changed as BENCH_SYNC_SPREAD says, ending a minute ago (outside the
		// trigger's settle lag, which a later poll reads); the trigger starts 2 days back.
		const changed = changeTimes(n, SPREAD, now - MINUTE);
		changed.forEach((time, i) => mock.seed({ url: `https://cdn.example.com/m/${i}.jpg`, product_id: 257 }, time));
		const times = [...mock.items.values()].map((item) => item.updated_at).sort((a, b) => a - b);
		/** Items whose updated time is in [from, to] (the mock's inclusive bounds). */
		const countIn = (fromMs: number, toMs: number) => upperBound(times, toMs) - upperBound(times, fromMs - 1);
		const harness = new PollHarness({
			type: 'commerceConnectTrigger',
			parameters: {
				event: 'updated',
				firstRun: 'date',
				startDate: new Date(now - 2 * DAY).toISOString(),
				syncOptions,
			} as never,
			credentials: { commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl } },
		});
		return {
			server: mock.server,
			harness,
			streams: ['updated'],
			classify: (r) => (r.method === 'GET' && r.path === '/api/v2/media_items' ? 'list' : undefined),
			minimum: { list: Math.max(1, Math.ceil(n / 100)), detail: 0 },
			key: (json) => String(json.id),
			explain: (requests) => {
				let open = 0;
				let checks = 0;
				let fits = 0;
				let entries = 0;
				let tooFull = 0;
				let pagedSlices = 0;
				let pages = 0;
				let repeats = 0;
				const lists = requests.filter((q) => q.path === '/api/v2/media_items');
				const bounds = (r: MockRequest) => `${r.query.get('updated_time_from')}|${r.query.get('updated_time_to')}`;
				const totalOf = (r: MockRequest) =>
					countIn(Date.parse(r.query.get('updated_time_from')!), Date.parse(r.query.get('updated_time_to')!));
				// A slice was paged when a page after the first was asked for, or its first page twice
				// while it held a page or more (the answer that gave its count, then page 1).
				const firstPages = new Map<string, number>();
				for (const r of lists)
					if (r.query.get('updated_time_to') !== null && r.query.get('page') === '1' && r.query.get('per_page') !== '1')
						firstPages.set(bounds(r), (firstPages.get(bounds(r)) ?? 0) + 1);
				const paged = new Set(
					lists
						.filter((r) => r.query.get('updated_time_to') !== null)
						.filter((r) => r.query.get('page') !== '1' || (totalOf(r) >= 100 && (firstPages.get(bounds(r)) ?? 0) > 1))
						.map(bounds),
				);
				const seen = new Set<string>();
				for (const r of lists) {
					const query = r.query.toString();
					const repeated = seen.has(query);
					seen.add(query);
					if (r.query.get('updated_time_to') === null) open++;
					else if (r.query.get('per_page') === '1') checks++;
					else if (paged.has(bounds(r))) {
						if (r.query.get('page') === '1' && !seen.has(`count|${bounds(r)}`)) {
							seen.add(`count|${bounds(r)}`);
							pagedSlices++;
						} else {
							pages++;
							if (repeated && (r.query.get('page') !== '1' || seen.has(`page1|${bounds(r)}`))) repeats++;
							if (r.query.get('page') === '1') seen.add(`page1|${bounds(r)}`);
						}
					} else if (totalOf(r) >= 100) tooFull++;
					else {
						if (repeated) repeats++;
						fits++;
						entries += totalOf(r);
					}
				}
				return (
					`${open} request(s) without an upper bound (the server's clock, asked only when this machine's clock and the saved offset cannot tell it), ` +
					`${fits} slices that fit one page (${fits ? (entries / fits).toFixed(0) : 0} entries on average; they aim at ${Math.floor(100 * FILL)}), ` +
					`${pagedSlices} slices paged under a count check (${pages} pages and ${checks} count checks; a paged slice costs its pages + 1: the answer that gave its count before the pages, for a window's first slice the window's first request; a count check after the last page only when that page comes up short), ` +
					`${tooFull} slices too full for a page and not paged (asked again narrower: the walk to where the changes are, or more than ${MAX_SLICE_PAGES} pages or five polls of the per-poll cap, such as a window's first request when the window holds more); ` +
					`${repeats} of these repeat a page or slice already read (re-read by the next poll when it held more than the rest of the per-poll cap)`
				);
			},
			stop: async () => await mock.stop(),
		};
	};
}

type Case = [string, (n: number) => Promise<Prepared>];

/** Each provider's trigger, measured in the registry's order (a provider without cases does not compile). */
const CASES_BY_PROVIDER: Record<ProviderId, Case[]> = {
	psrestful: [
		['PSRESTful, ids only', psRestful(false)],
		['PSRESTful, with media content', psRestful(true)],
	],
	panthermedia: [
		['PantherMedia new, without media info', pantherMedia(false)],
		['PantherMedia new, with media info', pantherMedia(true)],
	],
	halleonard: [['Hal Leonard DAM modified files', halLeonard()]],
	commerceconnect: [['CommerceConnect media items', commerceConnect()]],
};

const CASES: Case[] = PROVIDER_IDS.flatMap((id) => CASES_BY_PROVIDER[id]);

const num = (value: number) => value.toLocaleString('en');

/** Index of the first element greater than `value` in a sorted list. */
function upperBound(sorted: number[], value: number): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (sorted[mid] <= value) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

describe('requests per sync', () => {
	beforeAll(async () => {
		// n8n-core loads parts of itself on first use: one small sync per trigger first.
		for (const [name, prepare] of CASES) await measure(name, 5, 0, prepare, false);
		report(`\nRequests per sync — load average at start: ${loadAverage()}`);
	});

	afterAll(() => {
		const header = [
			'trigger',
			'N',
			'latency',
			'polls',
			'list',
			'detail',
			'total',
			'minimum (list + detail)',
			'extra',
			'time',
		];
		const lines = rows.map((r) => {
			const total = r.list + r.detail;
			const minimum = r.minimum.list + r.minimum.detail;
			return [
				r.trigger,
				num(r.n),
				`${r.latency} ms`,
				num(r.polls),
				num(r.list),
				num(r.detail),
				num(total),
				`${num(minimum)} (${num(r.minimum.list)} + ${num(r.minimum.detail)})`,
				total === minimum ? '0' : `${total > minimum ? '+' : ''}${num(total - minimum)}`,
				ms(r.elapsed),
			];
		});
		const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
		const format = (cells: string[]) =>
			cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
		report(
			`\nRequests per sync (one complete sync of N changes from a first run that includes them; per-poll cap ${num(CAP)}; CommerceConnect changes spread: ${SPREAD}):`,
		);
		report(`  ${format(header)}`);
		for (const line of lines) report(`  ${format(line)}`);
		for (const r of rows.filter((row) => row.note)) report(`  ${r.trigger}, N = ${num(r.n)}: ${r.note}`);
		report('  Why a trigger makes more than the minimum:');
		report(
			`  - PSRESTful: the listing is unpaged; a poll emits at most the per-poll cap (${num(CAP)} at most) and continues a longer listing by asking the same "since" again next poll (a few bytes of state instead of the listing), so ceil(N / cap) listings.`,
		);
		report(
			'  - PantherMedia: a full page (limit 10,000) does not say whether more rows follow; one more request, answered empty, ends the sync when N is a multiple of 10,000.',
		);
		report(
			'  - Hal Leonard DAM: ranges are unpaged; a range holding more than the per-poll cap is asked again by the next poll, which skips what it emitted (small state), so ceil(files in the range / cap) requests per range.',
		);
		report(
			`  - CommerceConnect: offset pages shift while items change, so the trigger never pages an open window by offset: it reads time slices sized from the density seen (and, after an answer too full or empty, from the counts seen ahead, halving across empty time), each either one page or paged under a count check (a past slice can only lose items; pages + 1 requests, the last page's rows proving the count held); the extra requests are each paged slice's count (the window's first request counts the window), the narrower re-asks and the pages re-read at the per-poll cap (see the breakdown above).`,
		);
		report(`  load average at end: ${loadAverage()}`);
	});

	for (const [name, prepare] of CASES) {
		for (const n of SIZES) {
			it(`${name}: N = ${n}`, async () => {
				await measure(name, n, n > 1000 ? bigLatency : latency, prepare);
			});
		}
	}
});

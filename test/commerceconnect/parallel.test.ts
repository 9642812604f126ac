import { type INodeExecutionData, WorkflowExpression } from 'n8n-workflow';

import { caught, recordSleeps } from '../harness/assertions';
import { logLines } from '../harness/n8n';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import type { MockRequest } from '../../sandbox/server';
import { json, runNode } from './helpers';

/**
 * The write operations run their items side by side (Options → Concurrency), on n8n-core's real
 * execution context against the mock: the output keeps input order and pairing, Continue On Fail
 * works per item, the mock never sees more requests at once than the limit, items for one product
 * never overlap, and a 429's Retry-After holds back the other requests too.
 */
/** How often n8n worked out each of these expressions (a spy that calls through). */
function countEvaluations() {
	const spy = jest.spyOn(WorkflowExpression.prototype, 'getParameterValue');
	return {
		of: (expression: string) => spy.mock.calls.filter(([value]) => value === expression).length,
		restore: () => spy.mockRestore(),
	};
}

describe('CommerceConnect node: items side by side', () => {
	let mock: CommerceConnectMock;
	let baseUrl: string;
	let sleeps: ReturnType<typeof recordSleeps>;

	beforeEach(async () => {
		mock = new CommerceConnectMock();
		baseUrl = await mock.start();
		// Products 1000–1099 besides the mock's own.
		for (let id = 1000; id < 1100; id++) mock.products.push({ id, code: `P-${id}`, name: `Product ${id}` });
		sleeps = recordSleeps();
	});
	afterEach(async () => {
		sleeps.restore();
		await mock.stop();
	});

	const createItems = (products: number[]): INodeExecutionData[] =>
		products.map((product, i) => ({ json: { product, url: `https://cdn.example.com/${product}/${i}.jpg` } }));
	const create = (input: INodeExecutionData[], concurrency?: number, continueOnFail = false) =>
		runNode(
			mock,
			baseUrl,
			{
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'product',
				productBy: 'id',
				productId: '={{ $json.product }}',
				url: '={{ $json.url }}',
				...(concurrency === undefined ? {} : { options: { concurrency } }),
			},
			input,
			{ continueOnFail },
		);
	const creates = () => mock.writes().filter((r) => r.method === 'POST' && r.path === '/api/v2/media_items');
	const bodyOf = (r: MockRequest) =>
		(JSON.parse(r.text) as { media_item: { url: string; product_id: number } }).media_item;

	/** Holds answers until `size` requests are in flight (or all that are still to come). */
	function barrier(size: number, total: number) {
		let held: Array<() => void> = [];
		let arrived = 0;
		return async () => {
			arrived++;
			await new Promise<void>((resolve) => {
				held.push(resolve);
				if (held.length === size || arrived === total) {
					const release = held;
					held = [];
					for (const go of release) go();
				}
			});
		};
	}

	it('keeps output order and pairing while answers come back out of order', async () => {
		const input = createItems(Array.from({ length: 30 }, (_, i) => 1000 + i));
		// The first ten creates are answered late: later items finish first.
		mock.server.injectFault({ kind: 'slow', delayMs: 40 }, { times: 10, match: (r) => r.method === 'POST' });
		const result = await create(input, 5);
		expect(result.output[0].map((item) => [item.json.url, item.pairedItem])).toEqual(
			input.map((item, i) => [item.json.url, { item: i }]),
		);
		expect(creates()).toHaveLength(30);
		// Proof that they overlapped: answers arrived in another order than the requests were sent.
		expect(mock.server.maxInFlight).toBeGreaterThan(1);
	});

	it('never has more requests in flight than the limit (the mock counts them)', async () => {
		const total = 40;
		mock.server.hold = barrier(4, total);
		const result = await create(createItems(Array.from({ length: total }, (_, i) => 1000 + i)), 4);
		expect(json(result)).toHaveLength(total);
		// The barrier lets nothing through until four are waiting: exactly the limit, never more.
		expect(mock.server.maxInFlight).toBe(4);
	});

	it('sends at most the default of 10 at once when no option is set', async () => {
		const total = 40;
		mock.server.hold = barrier(10, total);
		await create(createItems(Array.from({ length: total }, (_, i) => 1000 + i)));
		expect(mock.server.maxInFlight).toBe(10);
	});

	it('with Concurrency 1, one request at a time, as before', async () => {
		mock.server.latencyMs = 5;
		await create(createItems([1000, 1001, 1002, 1003, 1004, 1005]), 1);
		expect(mock.server.maxInFlight).toBe(1);
		expect(creates().map((r) => bodyOf(r).product_id)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
	});

	it('items for the same product never overlap and keep their input order; other products run alongside', async () => {
		const products = [300, 1000, 300, 1001, 1002, 300, 1003, 300, 1004, 1005, 300, 1006];
		const inFlight = new Map<number, number>();
		const most = new Map<number, number>();
		mock.server.latencyMs = 15;
		mock.server.track = (request) => {
			if (request.method !== 'POST') return;
			const product = bodyOf(request).product_id;
			inFlight.set(product, (inFlight.get(product) ?? 0) + 1);
			most.set(product, Math.max(most.get(product) ?? 0, inFlight.get(product)!));
			return () => inFlight.set(product, inFlight.get(product)! - 1);
		};
		const result = await create(createItems(products), 4);
		expect(most.get(300)).toBe(1);
		expect(
			creates()
				.map(bodyOf)
				.filter((m) => m.product_id === 300)
				.map((m) => m.url),
		).toEqual(products.flatMap((product, i) => (product === 300 ? [`https://cdn.example.com/300/${i}.jpg`] : [])));
		expect(result.output[0].map((item) => item.pairedItem)).toEqual(products.map((_, i) => ({ item: i })));
	});

	it('Continue On Fail: a failing item in the middle becomes its error item, in its place; the others are created', async () => {
		const input = createItems(Array.from({ length: 12 }, (_, i) => 1000 + i));
		mock.server.injectFault(
			{ kind: 'status', status: 422, body: '{"errors":{"url":["is not reachable"]}}' },
			{ match: (r) => r.method === 'POST' && r.text.includes('/1005/5.jpg') },
		);
		const result = await create(input, 4, true);
		const out = result.output[0];
		expect(out).toHaveLength(12);
		expect(out[5].json).toMatchObject({ error: 'CommerceConnect: url is not reachable' });
		expect(out[5].pairedItem).toEqual({ item: 5 });
		for (const [i, item] of out.entries()) {
			if (i === 5) continue;
			expect(item.json).toMatchObject({ url: `https://cdn.example.com/${1000 + i}/${i}.jpg`, product_id: 1000 + i });
			expect(item.pairedItem).toEqual({ item: i });
		}
		expect([...mock.items.values()]).toHaveLength(11);
	});

	it('without Continue On Fail: every item before the failing one runs, none after it starts beyond those in flight, the first failure is thrown', async () => {
		const limit = 4;
		const input = createItems(Array.from({ length: 20 }, (_, i) => 1000 + i));
		mock.server.injectFault(
			{ kind: 'status', status: 422, body: '{"errors":{"url":["is not reachable"]}}' },
			{ match: (r) => r.method === 'POST' && r.text.includes('/1006/6.jpg') },
		);
		const error = await caught(() => create(input, limit));
		expect(error.message).toBe('CommerceConnect: url is not reachable');
		expect((error as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(6);
		const createdUrls = [...mock.items.values()].map((item) => item.url);
		for (let i = 0; i < 6; i++) expect(createdUrls).toContain(`https://cdn.example.com/${1000 + i}/${i}.jpg`);
		// Items after the failing one: only those already started (at most limit − 1).
		const after = createdUrls.filter((url) => Number(/\/(\d+)\.jpg$/.exec(url)![1]) > 6);
		expect(after.length).toBeLessThanOrEqual(limit - 1);
	});

	it('a 429 holds back the other requests too, and is sent again: every item created once', async () => {
		const input = createItems(Array.from({ length: 12 }, (_, i) => 1000 + i));
		mock.server.injectFault(
			{ kind: 'status', status: 429, retryAfter: '3', body: '{"error":"Rate limit exceeded"}' },
			{ match: (r) => r.method === 'POST' && r.text.includes('/1002/2.jpg') },
		);
		const result = await create(input, 4);
		expect(json(result).map((item) => item.url)).toEqual(input.map((item) => item.json.url));
		// 12 creates and the one turned away; each item stored once.
		expect(creates()).toHaveLength(13);
		expect(new Set([...mock.items.values()].map((item) => item.url)).size).toBe(12);
		expect([...mock.items.values()]).toHaveLength(12);
		// The 429'd request backs off for at least Retry-After; requests starting after it wait for
		// what is left of it (the recorded sleeps return at once, so "what is left" stays near 3 s).
		const [own, ...others] = sleeps.delays;
		expect(own).toBeGreaterThanOrEqual(3000);
		expect(others.length).toBeGreaterThan(0);
		for (const wait of others) {
			expect(wait).toBeGreaterThan(0);
			expect(wait).toBeLessThanOrEqual(3000);
		}
		expect(logLines.some((line) => /asked to wait 3 s \(Retry-After\)/.test(line.message))).toBe(true);
	});

	it('an item’s run takes the values its key was worked out from: each expression once per item', async () => {
		const evaluations = countEvaluations();
		try {
			const products = [300, 1000, 300, 1001, 1002, 1003];
			await create(createItems(products), 4);
			expect(
				creates()
					.map((r) => bodyOf(r).product_id)
					.sort(),
			).toEqual([...products].sort());
			// Read by the item's key (which product it touches) and again by its run: once.
			expect(evaluations.of('={{ $json.product }}')).toBe(products.length);
			// Read by the run only.
			expect(evaluations.of('={{ $json.url }}')).toBe(products.length);

			const seeded = [0, 1, 2].map((i) =>
				mock.seed({ url: `https://cdn.example.com/1000/k${i}.jpg`, product_id: 1000 }),
			);
			const ids = seeded.map((item) => ({ json: { id: item.id } }));
			await runNode(
				mock,
				baseUrl,
				{
					operation: 'update',
					mediaItemId: '={{ $json.id }}',
					updateFields: { description: 'kept' },
					options: { concurrency: 4 },
				},
				ids,
			);
			await runNode(
				mock,
				baseUrl,
				{ operation: 'delete', mediaItemId: '={{ $json.id }}', options: { concurrency: 4 } },
				ids,
			);
			expect(evaluations.of('={{ $json.id }}')).toBe(2 * seeded.length);
			expect(mock.items.size).toBe(products.length);
		} finally {
			evaluations.restore();
		}
	});

	it('Update: two updates of one media item keep their order; the last one wins', async () => {
		const item = mock.seed({ url: 'https://cdn.example.com/300/u.jpg', product_id: 300 });
		const others = Array.from({ length: 6 }, (_, i) =>
			mock.seed({ url: `https://cdn.example.com/1000/u${i}.jpg`, product_id: 1000 }),
		);
		const input = [
			{ json: { id: item.id, description: 'first' } },
			...others.map((o) => ({ json: { id: o.id, description: 'other' } })),
			{ json: { id: item.id, description: 'second' } },
		];
		mock.server.latencyMs = 10;
		const result = await runNode(
			mock,
			baseUrl,
			{
				operation: 'update',
				mediaItemId: '={{ $json.id }}',
				updateFields: { description: '={{ $json.description }}' },
				options: { concurrency: 4 },
			},
			input,
		);
		expect(json(result).map((r) => r.description)).toEqual(input.map((i) => i.json.description));
		expect(mock.items.get(item.id)!.description).toBe('second');
		const puts = mock.writes().filter((r) => r.path === `/api/v2/media_items/${item.id}`);
		expect(puts.map((r) => JSON.parse(r.text) as unknown)).toEqual([
			{ media_item: { description: 'first' } },
			{ media_item: { description: 'second' } },
		]);
	});

	it('Delete: items side by side; deleting one ID twice reports the second as not found, as one at a time', async () => {
		const items = Array.from({ length: 8 }, (_, i) =>
			mock.seed({ url: `https://cdn.example.com/1000/d${i}.jpg`, product_id: 1000 }),
		);
		const input = [...items.map((i) => ({ json: { id: i.id } })), { json: { id: items[0].id } }];
		const result = await runNode(
			mock,
			baseUrl,
			{ operation: 'delete', mediaItemId: '={{ $json.id }}', options: { concurrency: 4 } },
			input,
			{ continueOnFail: true },
		);
		const out = json(result);
		expect(out.slice(0, 8).map((r) => [r.id, r.deleted])).toEqual(items.map((i) => [i.id, true]));
		expect(out[8].error).toMatch(/Couldn't find MediaItem/);
		expect(mock.items.size).toBe(0);
	});
});

describe('CommerceConnect node: Sync Product Media side by side', () => {
	const TAG = 'sync:parallel';
	let mock: CommerceConnectMock;
	let baseUrl: string;

	beforeEach(async () => {
		mock = new CommerceConnectMock();
		baseUrl = await mock.start();
		for (let id = 1000; id < 1040; id++) mock.products.push({ id, code: `P-${id}`, name: `Product ${id}` });
	});
	afterEach(async () => await mock.stop());

	const sync = (input: INodeExecutionData[], concurrency?: number) =>
		runNode(
			mock,
			baseUrl,
			{
				operation: 'syncProductMedia',
				productBy: 'id',
				productId: '={{ $json.product }}',
				syncTag: TAG,
				mediaSource: 'list',
				mediaList: '={{ $json.media }}',
				syncOptions: concurrency === undefined ? {} : { concurrency },
			},
			input,
		);
	const mediaOf = (product: number, n: number, primary = 0) =>
		Array.from({ length: n }, (_, i) => ({
			url: `https://cdn.example.com/${product}/${i}.jpg`,
			position: i + 1,
			...(i === primary ? { primary: true } : {}),
		}));

	it('an initial import of 40 products × 5 media: creates in list order per product, primary and positions right; a second run writes nothing', async () => {
		const input = Array.from({ length: 40 }, (_, i) => ({
			json: { product: 1000 + i, media: mediaOf(1000 + i, 5, 2) },
		}));
		const first = await sync(input);
		expect(json(first).map((r) => [r.productId, r.created])).toEqual(input.map((i) => [i.json.product, 5]));
		expect(first.output[0].map((i) => i.pairedItem)).toEqual(input.map((_, i) => ({ item: i })));
		expect(mock.server.maxInFlight).toBeLessThanOrEqual(10);
		for (let product = 1000; product < 1040; product++) {
			const stored = [...mock.items.values()].filter((i) => i.product_id === product).sort((a, b) => a.id - b.id);
			// Created in list order (ids and sort_order follow creation), one primary, positions as listed.
			expect(stored.map((i) => i.url)).toEqual(mediaOf(product, 5).map((m) => m.url));
			expect(stored.map((i) => i.position)).toEqual([1, 2, 3, 4, 5]);
			expect(stored.filter((i) => i.is_primary).map((i) => i.url)).toEqual([
				`https://cdn.example.com/${product}/2.jpg`,
			]);
		}
		mock.server.resetLog();
		const second = await sync(input);
		expect(mock.writes()).toEqual([]);
		expect(json(second).every((r) => r.unchanged === 5 && r.created === 0)).toBe(true);
	});

	it('works each product’s ID out once, for its key and its run', async () => {
		const evaluations = countEvaluations();
		try {
			const input = [1000, 1001, 1002, 1003, 1004].map((product) => ({
				json: { product, media: mediaOf(product, 2) },
			}));
			await sync(input, 4);
			expect(evaluations.of('={{ $json.product }}')).toBe(input.length);
			expect(mock.items.size).toBe(10);
		} finally {
			evaluations.restore();
		}
	});

	it('updates and deletes of one product run side by side; the report lists them in plan order', async () => {
		const existing = Array.from({ length: 12 }, (_, i) =>
			mock.seed({ url: `https://cdn.example.com/300/${i}.jpg`, product_id: 300, tag_list: [TAG], description: 'old' }),
		);
		mock.server.resetLog();
		const inFlight = { now: 0, most: 0 };
		mock.server.latencyMs = 10;
		mock.server.track = (request) => {
			if (request.method === 'GET') return;
			inFlight.most = Math.max(inFlight.most, ++inFlight.now);
			return () => inFlight.now--;
		};
		// Keep 0–7 with a new description, drop 8–11, add one new.
		const media = [
			...existing.slice(0, 8).map((i) => ({ url: i.url, description: 'new' })),
			{ url: 'https://cdn.example.com/300/new.jpg' },
		];
		const result = await sync([{ json: { product: 300, media } }], 4);
		const [report] = json(result);
		expect(report).toMatchObject({ updated: 8, created: 1, deleted: 4 });
		expect((report.changes as Array<{ action: string; id: number }>).map((c) => c.action)).toEqual([
			...Array(8).fill('updated'),
			'created',
			...Array(4).fill('deleted'),
		]);
		expect((report.changes as Array<{ id: number }>).slice(0, 8).map((c) => c.id)).toEqual(
			existing.slice(0, 8).map((i) => i.id),
		);
		expect(inFlight.most).toBeGreaterThan(1);
		expect(inFlight.most).toBeLessThanOrEqual(4);
		// Deletes only after every update and create.
		const writes = mock.writes();
		const firstDelete = writes.findIndex((r) => r.method === 'DELETE');
		expect(writes.slice(firstDelete).every((r) => r.method === 'DELETE')).toBe(true);
		expect(firstDelete).toBe(9);
	});

	it('a product given by ID and by code in one run is still one product: its items do not overlap', async () => {
		mock.server.latencyMs = 5;
		const result = await runNode(
			mock,
			baseUrl,
			{
				operation: 'syncProductMedia',
				productBy: '={{ $json.by }}',
				productId: '={{ $json.product }}',
				productCode: '={{ $json.code }}',
				syncTag: TAG,
				mediaSource: 'list',
				mediaList: '={{ $json.media }}',
			},
			[
				{ json: { by: 'id', product: 300, media: [{ url: 'https://cdn.example.com/300/a.jpg' }] } },
				{ json: { by: 'code', code: 'SKU-300', media: [{ url: 'https://cdn.example.com/300/a.jpg' }] } },
				{ json: { by: 'id', product: 1000, media: [{ url: 'https://cdn.example.com/1000/a.jpg' }] } },
			],
		);
		// The second item saw the first one's create: nothing created twice.
		expect(json(result).map((r) => [r.productId, r.created, r.unchanged])).toEqual([
			[300, 1, 0],
			[300, 0, 1],
			[1000, 1, 0],
		]);
		expect([...mock.items.values()].filter((i) => i.product_id === 300)).toHaveLength(1);
	});
});

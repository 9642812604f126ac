import type { INodeExecutionData } from 'n8n-workflow';

import { requestTimeouts } from '../../nodes/shared/transport/http';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { useFreshMock } from '../harness/servers';
import { CommerceConnectMock, type StoredItem } from '../../sandbox/commerceconnect';
import { json, runNode } from './helpers';

const TAG = 'sync:hit';

describe('CommerceConnect node → Sync Product Media', () => {
	let mock: CommerceConnectMock;
	const timeouts = { ...requestTimeouts };
	const baseUrl = useFreshMock(() => (mock = new CommerceConnectMock()));
	const sleeps = useRecordedSleeps();
	beforeEach(() => {
		// A catalogue larger than one page: 260 media items of other products.
		for (let i = 0; i < 260; i++)
			mock.seed({ url: `https://cdn.example.com/other/${i}.jpg`, product_id: 9, tag_list: i % 3 === 0 ? [TAG] : [] });
		// The catalogue is older than the run: the check for copies at the end of a run that created
		// media reads only what was created since the run's index was read.
		mock.server.advance(3_000);
	});
	afterEach(() => {
		Object.assign(requestTimeouts, timeouts);
	});

	const sync = (
		parameters: Record<string, unknown>,
		input?: INodeExecutionData[],
		options?: Parameters<typeof runNode>[4],
	) =>
		runNode(
			mock,
			baseUrl(),
			{
				operation: 'syncProductMedia',
				productBy: 'id',
				productId: '300',
				syncTag: TAG,
				mediaSource: 'list',
				...parameters,
			},
			input,
			options,
		);
	const productMedia = (productId: number) =>
		[...mock.items.values()].filter((i) => i.product_id === productId).sort((a, b) => a.id - b.id);
	const writes = () => mock.writes().map((r) => `${r.method} ${r.path}${r.method === 'DELETE' ? '' : ` ${r.text}`}`);
	const visible = () => [...mock.items.values()].length;
	/** List requests of the check for copies at the end of a run (the only ones with both time bounds). */
	const copyChecks = () =>
		mock.listRequests().filter((r) => r.query.has('created_time_from') && r.query.has('created_time_to')).length;

	function seedProduct300(): Record<string, StoredItem> {
		return {
			manual: mock.seed({
				url: 'https://cdn.example.com/300/manual.jpg',
				product_id: 300,
				tag_list: ['hand-made'],
				is_primary: true,
			}),
			a: mock.seed({ url: 'https://cdn.example.com/300/a.jpg', product_id: 300, tag_list: [TAG], description: 'old' }),
			b: mock.seed({ url: 'https://cdn.example.com/300/b.jpg', product_id: 300, tag_list: [TAG, 'front'] }),
			other: mock.seed({ url: 'https://cdn.example.com/300/b.jpg', product_id: 300, tag_list: ['sync:other'] }),
		};
	}

	const wanted = [
		{ url: 'https://cdn.example.com/300/a.jpg', description: 'new', primary: true },
		{ url: 'https://cdn.example.com/300/c.jpg', description: 'C', position: 2 },
		{ url: 'https://cdn.example.com/300/d.jpg', tags: ['back'] },
	];

	it('creates, updates and deletes only the tagged media; a second run writes nothing', async () => {
		const seeded = seedProduct300();
		const total = visible();
		const first = await sync({ mediaList: wanted });

		// The update runs alongside the creates, which run one after another in list order; the
		// delete comes last.
		const update = `PUT /api/v2/media_items/${seeded.a.id} {"media_item":{"description":"new","is_primary":true}}`;
		const creates = [
			`POST /api/v2/media_items {"media_item":{"media_item_type":"ImageMediaItem","product_id":300,"url":"https://cdn.example.com/300/c.jpg","description":"C","position":2,"tag_list":["${TAG}"]}}`,
			`POST /api/v2/media_items {"media_item":{"media_item_type":"ImageMediaItem","product_id":300,"url":"https://cdn.example.com/300/d.jpg","tag_list":["${TAG}","back"]}}`,
		];
		expect(writes().slice(0, 3).sort()).toEqual([update, ...creates].sort());
		expect(writes().filter((w) => w.startsWith('POST'))).toEqual(creates);
		expect(writes()[3]).toBe(`DELETE /api/v2/media_items/${seeded.b.id}`);
		expect(writes()).toHaveLength(4);
		const [report] = json(first);
		expect(report).toMatchObject({ productId: 300, syncTag: TAG, created: 2, updated: 1, deleted: 1, unchanged: 0 });
		expect(report.changes).toEqual([
			{
				action: 'updated',
				id: seeded.a.id,
				url: 'https://cdn.example.com/300/a.jpg',
				fields: ['description', 'is_primary'],
			},
			{ action: 'created', id: expect.any(Number), url: 'https://cdn.example.com/300/c.jpg' },
			{ action: 'created', id: expect.any(Number), url: 'https://cdn.example.com/300/d.jpg' },
			{ action: 'deleted', id: seeded.b.id, url: 'https://cdn.example.com/300/b.jpg' },
		]);
		// One scan: a per_page=1 count, ceil(total / 100) pages, a closing count; then, as the run
		// created media, one read of what was created since the scan (the check for copies).
		expect(mock.listRequests()).toHaveLength(Math.ceil(total / 100) + 3);
		expect(copyChecks()).toBe(1);
		expect(report.scan).toMatchObject({ listRequests: Math.ceil(total / 100) + 2, scanned: total, attempts: 1 });

		// Untagged and otherwise-tagged media are untouched (except the primary flag CommerceConnect moved).
		expect(mock.items.get(seeded.manual.id)).toMatchObject({ url: seeded.manual.url, tag_list: ['hand-made'] });
		expect(mock.items.get(seeded.other.id)).toMatchObject({ tag_list: ['sync:other'] });
		const synced = productMedia(300).filter((i) => i.tag_list.includes(TAG));
		expect(synced.map((i) => [i.url, i.description, i.is_primary, i.tag_list])).toEqual([
			['https://cdn.example.com/300/a.jpg', 'new', true, [TAG]],
			['https://cdn.example.com/300/c.jpg', 'C', false, [TAG]],
			['https://cdn.example.com/300/d.jpg', null, false, [TAG, 'back']],
		]);

		mock.server.resetLog();
		const second = await sync({ mediaList: wanted });
		expect(writes()).toEqual([]);
		expect(json(second)[0]).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 3, changes: [] });
	});

	it('a media item another run deleted first counts as deleted: the PIM is as wanted, no error', async () => {
		const seeded = seedProduct300();
		// The item to delete is gone when the DELETE arrives (a concurrent run of the same sync
		// won): CommerceConnect answers 404 on the first attempt.
		mock.server.injectFault(
			{
				kind: 'status',
				status: 404,
				body: JSON.stringify({ error: `Couldn't find MediaItem with 'id'=${seeded.b.id}` }),
			},
			{
				times: 1,
				// The other run's delete lands just before this one's.
				match: (r) => r.method === 'DELETE' && mock.items.delete(seeded.b.id),
			},
		);
		const [report] = json(await sync({ mediaList: wanted }));
		expect(report).toMatchObject({ created: 2, updated: 1, deleted: 1 });
		expect(report.changes).toContainEqual({
			action: 'deleted',
			id: seeded.b.id,
			url: 'https://cdn.example.com/300/b.jpg',
		});
		expect(
			productMedia(300)
				.filter((i) => i.tag_list.includes(TAG))
				.map((i) => i.url),
		).toEqual([
			'https://cdn.example.com/300/a.jpg',
			'https://cdn.example.com/300/c.jpg',
			'https://cdn.example.com/300/d.jpg',
		]);
	});

	it('scans once for all input items: N products cost ceil(total / 100) + 2 list requests', async () => {
		const total = visible();
		const input = [9, 257, 300].map((product) => ({
			json: {
				product,
				media: [
					{ url: `https://cdn.example.com/${product}/x.jpg` },
					{ url: `https://cdn.example.com/${product}/y.jpg` },
				],
			},
		}));
		const result = await sync({ productId: '={{ $json.product }}', mediaList: '={{ $json.media }}' }, input);
		// + 1: the check for copies, once for the run.
		expect(mock.listRequests()).toHaveLength(Math.ceil(total / 100) + 3);
		expect(copyChecks()).toBe(1);
		// Product 9 had 87 synced media of the seed catalogue: they are not wanted, so they go.
		expect(json(result).map((r) => [r.productId, r.created, r.deleted])).toEqual([
			[9, 2, 87],
			[257, 2, 0],
			[300, 2, 0],
		]);
		expect(result.output[0].map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		mock.server.resetLog();
		await sync({ productId: '={{ $json.product }}', mediaList: '={{ $json.media }}' }, input);
		expect(writes()).toEqual([]);
	});

	it('stays idempotent when CommerceConnect stores tags in lower case', async () => {
		mock.lowercaseTags = true;
		const list = [{ url: 'https://cdn.example.com/300/lc.jpg', tags: ['Front'] }];
		const first = await sync({ syncTag: 'Sync:HIT', mediaList: list });
		expect(json(first)[0]).toMatchObject({ created: 1 });
		expect(json(first)[0].warnings).toBeUndefined();
		expect(productMedia(300).map((i) => i.tag_list)).toEqual([['sync:hit', 'front']]);
		mock.server.resetLog();
		const second = await sync({ syncTag: 'Sync:HIT', mediaList: list });
		expect(writes()).toEqual([]);
		expect(json(second)[0]).toMatchObject({ unchanged: 1 });
	});

	it('the same product twice in one run: the second item sees the first one’s writes', async () => {
		const input = [
			{ json: { media: [{ url: 'https://cdn.example.com/300/one.jpg' }] } },
			{
				json: {
					media: [
						{ url: 'https://cdn.example.com/300/one.jpg', description: 'changed' },
						{ url: 'https://cdn.example.com/300/two.jpg' },
					],
				},
			},
		];
		const result = await sync({ mediaList: '={{ $json.media }}' }, input);
		expect(json(result).map((r) => [r.created, r.updated, r.deleted, r.unchanged])).toEqual([
			[1, 0, 0, 0],
			[1, 1, 0, 0],
		]);
		expect(productMedia(300).map((i) => i.url)).toEqual([
			'https://cdn.example.com/300/one.jpg',
			'https://cdn.example.com/300/two.jpg',
		]);
	});

	it('an empty list removes the synced media in one delete_by_filter; other tags stay', async () => {
		const seeded = seedProduct300();
		const result = await sync({ mediaList: '[]' });
		expect(writes()).toEqual([`POST /api/v2/media_items/delete_by_filter {"product_id":300,"tag_list":["${TAG}"]}`]);
		expect(json(result)[0]).toMatchObject({ deleted: 2, created: 0 });
		expect(productMedia(300).map((i) => i.id)).toEqual([seeded.manual.id, seeded.other.id]);
		mock.server.resetLog();
		await sync({ mediaList: '[]' });
		expect(writes()).toEqual([]);
	});

	describe('a list that came out blank deletes nothing', () => {
		it.each([
			['an expression that falls back to ""', '={{ $json.media ?? "" }}', /^Media List is empty$/],
			[
				'an expression on a missing field',
				'={{ $json.media }}',
				/^Media List has no value \(an expression gave nothing\)$/,
			],
			['an expression that gives null', '={{ null }}', /^Media List has no value \(an expression gave null\)$/],
			['JSON null', 'null', /^Media List is null$/],
			['an empty field', '', /^Media List is empty$/],
		])('refuses %s per item, with a hint, and changes nothing', async (_title, mediaList, message) => {
			seedProduct300();
			const before = JSON.stringify(productMedia(300));
			mock.server.resetLog();
			// Two input items: the blank one fails on its own (Continue On Fail), the other one syncs.
			const input = [{ json: {} }, { json: { media: [{ url: 'https://cdn.example.com/300/a.jpg' }] } }];
			const result = await sync({ mediaList, productId: '={{ $json.media ? 301 : 300 }}' }, input, {
				continueOnFail: true,
			});
			const [blank, good] = json(result);
			expect(String(blank.error)).toMatch(message);
			expect(String(blank.errorDescription)).toMatch(/explicitly empty list: \[\]/);
			expect(JSON.stringify(productMedia(300))).toBe(before); // 2 synced items of product 300 still there
			expect(writes().some((w) => w.includes('"product_id":300') || w.startsWith('DELETE'))).toBe(false);
			if (mediaList.includes('$json.media')) expect(good).toMatchObject({ productId: 301, created: 1 });
		});

		it('refuses a wanted list that would delete more than the allowed share, before writing anything', async () => {
			seedProduct300(); // two synced items: a and b
			mock.server.resetLog();
			const error = await caught(() =>
				sync({ mediaList: [{ url: 'https://cdn.example.com/300/x.jpg' }], syncOptions: { maxDeletePercent: 50 } }),
			);
			expect(error.message).toBe(
				'The sync of product 300 would delete 2 of its 2 synced media items, more than the 50 % allowed; nothing was changed',
			);
			expect(writes()).toEqual([]);
			const allowed = await sync({
				mediaList: [{ url: 'https://cdn.example.com/300/a.jpg' }],
				syncOptions: { maxDeletePercent: 50 },
			});
			expect(json(allowed)[0]).toMatchObject({ deleted: 1, unchanged: 1 });
		});
	});

	it('by product code, from a supplier’s media objects (extra keys ignored), positions from list order', async () => {
		const supplierMedia = [
			{
				productId: '5989',
				url: 'https://www.hitpromo.net/5989_BLK.jpg',
				mediaType: 'Image',
				description: 'Black',
				classTypes: [{ classTypeId: 1006 }],
				color: 'Black',
			},
			{
				productId: '5989',
				url: 'https://www.hitpromo.net/5989_RED.jpg',
				mediaType: 'Image',
				description: null,
				color: 'Red',
			},
		];
		await sync(
			{
				productBy: 'code',
				productCode: 'SKU-257',
				mediaList: '={{ $json.media }}',
				syncOptions: { positionFromOrder: true, mediaItemType: 'ImageMediaItem' },
			},
			[{ json: { media: supplierMedia } }],
		);
		expect(mock.server.requests[0].path).toBe('/api/v2/products');
		expect(mock.server.requests[0].query.get('code')).toBe('SKU-257');
		expect(writes()).toEqual([
			`POST /api/v2/media_items {"media_item":{"media_item_type":"ImageMediaItem","product_id":257,"url":"https://www.hitpromo.net/5989_BLK.jpg","description":"Black","position":1,"tag_list":["${TAG}"]}}`,
			`POST /api/v2/media_items {"media_item":{"media_item_type":"ImageMediaItem","product_id":257,"url":"https://www.hitpromo.net/5989_RED.jpg","position":2,"tag_list":["${TAG}"]}}`,
		]);
	});

	it('manual entries work like a list', async () => {
		const result = await sync({
			mediaSource: 'manual',
			mediaItems: {
				items: [
					{ url: 'https://cdn.example.com/300/m1.jpg', description: 'One', position: 0, primary: false, tags: '' },
					{ url: 'https://cdn.example.com/300/m2.jpg', primary: true, tags: 'hero' },
				],
			},
		});
		expect(writes()).toEqual([
			`POST /api/v2/media_items {"media_item":{"media_item_type":"ImageMediaItem","product_id":300,"url":"https://cdn.example.com/300/m1.jpg","description":"One","tag_list":["${TAG}"]}}`,
			`POST /api/v2/media_items {"media_item":{"media_item_type":"ImageMediaItem","product_id":300,"url":"https://cdn.example.com/300/m2.jpg","is_primary":true,"tag_list":["${TAG}","hero"]}}`,
		]);
		expect(json(result)[0]).toMatchObject({ created: 2 });
	});

	it('removes a duplicate left by an earlier interrupted run, keeping the older item', async () => {
		const older = mock.seed({ url: 'https://cdn.example.com/300/dup.jpg', product_id: 300, tag_list: [TAG] });
		const newer = mock.seed({ url: 'https://cdn.example.com/300/dup.jpg', product_id: 300, tag_list: [TAG] });
		await sync({ mediaList: [{ url: 'https://cdn.example.com/300/dup.jpg' }] });
		expect(writes()).toEqual([`DELETE /api/v2/media_items/${newer.id}`]);
		expect(productMedia(300).map((i) => i.id)).toEqual([older.id]);
	});

	it('a create that timed out but happened anyway is found in the PIM, not sent again; running again creates nothing', async () => {
		requestTimeouts.defaultMs = 300;
		mock.createStallMs = 1_000; // CommerceConnect creates the item, then answers after 1 s
		const list = [{ url: 'https://cdn.example.com/300/t1.jpg' }, { url: 'https://cdn.example.com/300/t2.jpg' }];
		const result = await sync({ mediaList: list });
		expect(json(result)[0]).toMatchObject({ created: 2, deleted: 0 });
		expect(mock.writes().filter((r) => r.method === 'POST')).toHaveLength(2);
		await new Promise((resolve) => setTimeout(resolve, 1_100)); // let the stalled answers finish
		mock.createStallMs = 0;
		requestTimeouts.defaultMs = timeouts.defaultMs;

		mock.server.resetLog();
		expect(json(await sync({ mediaList: list }))[0]).toMatchObject({ created: 0, unchanged: 2, deleted: 0 });
		expect(productMedia(300).map((i) => i.url)).toEqual([
			'https://cdn.example.com/300/t1.jpg',
			'https://cdn.example.com/300/t2.jpg',
		]);
	});

	describe('a create whose outcome is unclear is looked up before it is sent again: never lost, never twice', () => {
		const list = [{ url: 'https://cdn.example.com/300/u1.jpg' }, { url: 'https://cdn.example.com/300/u2.jpg' }];
		const isCreateOf = (file: string) => (r: { method: string; path: string; text: string }) =>
			r.method === 'POST' && r.path === '/api/v2/media_items' && r.text.includes(file);
		const creates = () => mock.writes().filter((r) => r.method === 'POST').length;

		it('a 503 before CommerceConnect created it: not listed, so sent again — both items, once each', async () => {
			mock.server.injectFault({ kind: 'status', status: 503 }, { match: isCreateOf('u1.jpg') });
			const result = await sync({ mediaList: list });
			expect(json(result)[0]).toMatchObject({ created: 2, deleted: 0 });
			expect(productMedia(300).map((i) => i.url)).toEqual(list.map((m) => m.url));
			expect(creates()).toBe(3);
		});

		it('an answer cut off after CommerceConnect created it: found by the lookup, not sent again', async () => {
			mock.server.injectFault({ kind: 'truncate' }, { match: isCreateOf('u1.jpg') });
			const result = await sync({ mediaList: list });
			expect(json(result)[0]).toMatchObject({ created: 2, deleted: 0 });
			expect(productMedia(300).map((i) => i.url)).toEqual(list.map((m) => m.url));
			expect(creates()).toBe(2);
		});

		it('a dropped connection: looked for twice, a pause apart, then sent again', async () => {
			mock.server.injectFault({ kind: 'reset' }, { match: isCreateOf('u2.jpg') });
			const before = sleeps.delays.length;
			const result = await sync({ mediaList: list });
			expect(json(result)[0]).toMatchObject({ created: 2 });
			expect(productMedia(300).map((i) => i.url)).toEqual(list.map((m) => m.url));
			expect(creates()).toBe(3);
			expect(sleeps.delays.slice(before)).toContain(3_000);
		});

		it('another item of the same product with that URL but without the sync tag is not taken for it', async () => {
			mock.seed({ url: 'https://cdn.example.com/300/u1.jpg', product_id: 300, tag_list: ['hand-made'] });
			mock.server.injectFault({ kind: 'status', status: 500 }, { match: isCreateOf('u1.jpg') });
			await sync({ mediaList: list });
			const synced = productMedia(300).filter((i) => i.tag_list.includes(TAG));
			expect(synced.map((i) => i.url)).toEqual(list.map((m) => m.url));
		});

		it('gives up with the unclear-create error after four attempts that all fail', async () => {
			mock.server.injectFault({ kind: 'status', status: 502 }, { match: isCreateOf('u1.jpg'), times: 100 });
			const error = await caught(() => sync({ mediaList: list }));
			expect(error.name).toBe('NodeApiError');
			expect(String(error.description)).toMatch(/may have reached CommerceConnect/);
			expect(productMedia(300)).toEqual([]);
			expectNoSecrets(error, [mock.token]);
		});
	});

	it('tells how far it got when a write fails midway, and the next run completes it', async () => {
		const list = [{ url: 'https://cdn.example.com/300/p1.jpg' }, { url: 'https://cdn.example.com/300/p2.jpg' }];
		mock.server.injectFault(
			{ kind: 'status', status: 422, body: '{"errors":{"url":["is not reachable"]}}' },
			{ match: (r) => r.method === 'POST' && r.text.includes('p2.jpg') },
		);
		const error = await caught(() => sync({ mediaList: list }));
		expect(error.message).toBe('CommerceConnect: url is not reachable');
		expect(error.description).toMatch(
			/URL \(url\).*Before this failure the sync of product 300 had 1 created, 0 updated and 0 deleted; running it again completes it\./,
		);
		const result = await sync({ mediaList: list });
		expect(json(result)[0]).toMatchObject({ created: 1, unchanged: 1 });
	});

	it('reads again when media items disappear during the scan, so none is missed (and none is created twice)', async () => {
		// The synced item of product 300 is the 201st media item: the first of page 3. Deleting an
		// earlier item while page 2 is read shifts it onto page 2, after page 2 was read.
		for (const item of [...mock.items.values()].slice(200)) mock.remove(item.id);
		const synced = mock.seed({ url: 'https://cdn.example.com/300/kept.jpg', product_id: 300, tag_list: [TAG] });
		const deleteOneDuringPage2 = () => {
			let done = false;
			return (request: { query: URLSearchParams }, phase: string) => {
				if (!done && phase === 'between' && request.query.get('page') === '2') {
					done = true;
					mock.remove([...mock.items.values()][0].id);
				}
			};
		};

		// Control: plain offset paging over the same change really misses the item.
		mock.onList = deleteOneDuringPage2();
		const seen: number[] = [];
		for (let page = 1; page <= 3; page++) {
			const answer = await fetch(`${baseUrl()}/api/v2/media_items?page=${page}&per_page=100`, {
				headers: { authorization: mock.authorization },
			});
			seen.push(...((await answer.json()) as { entries: Array<{ id: number }> }).entries.map((e) => e.id));
		}
		expect(seen).not.toContain(synced.id);

		// The sync's scan notices the change and reads again.
		mock.server.resetLog();
		mock.onList = deleteOneDuringPage2();
		const result = await sync({ mediaList: [{ url: 'https://cdn.example.com/300/kept.jpg' }] });
		mock.onList = undefined;
		expect(json(result)[0]).toMatchObject({ created: 0, unchanged: 1, scan: { attempts: 2 } });
		expect(writes()).toEqual([]);
		expect(productMedia(300).map((i) => i.id)).toEqual([synced.id]);
	});

	it('waits for another run to stop writing, then reads a stable list and syncs', async () => {
		// Another run of the sync (n8n starts the next poll's execution while a long one still runs)
		// deletes a media item during each of the first four reads; then it is done.
		let churn = 4;
		mock.onList = (request, phase) => {
			if (churn > 0 && phase === 'between' && request.query.get('per_page') === '100') {
				churn--;
				mock.remove([...mock.items.values()][0].id);
			}
		};
		const result = await sync({ mediaList: [{ url: 'https://cdn.example.com/300/new.jpg' }] });
		mock.onList = undefined;
		expect(json(result)[0]).toMatchObject({ created: 1, scan: { attempts: 5 } });
		// It paused before each new attempt, longer each time, instead of reading again at once.
		expect(sleeps.delays).toEqual([1_000, 2_000, 4_000, 8_000]);
		expect(productMedia(300).map((i) => i.url)).toEqual(['https://cdn.example.com/300/new.jpg']);
	});

	it('gives up with a clear error when the media items never hold still', async () => {
		let n = 0;
		mock.onList = (request, phase) => {
			if (phase === 'between' && request.query.get('per_page') === '100')
				mock.seed({ url: `https://cdn.example.com/churn/${n++}.jpg`, product_id: 9 }, 0);
		};
		const error = await caught(() => sync({ mediaList: [] }));
		mock.onList = undefined;
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/kept changing while they were read \(12 attempts over 120 s\)/);
		// Two minutes of pauses in all (recorded, not waited), then it gives up.
		expect(sleeps.delays).toEqual([1_000, 2_000, 4_000, 8_000, ...Array(7).fill(15_000)]);
		expect(writes()).toEqual([]);
	});

	it('narrows the scan to media created after a bound, when given', async () => {
		await sync({ mediaList: [], syncOptions: { createdAfter: '2024-01-01T00:00:00Z' } });
		expect(mock.listRequests().every((r) => r.query.get('created_time_from') === '2024-01-01T00:00:00Z')).toBe(true);
		// Every page shares one frozen upper bound.
		const bounds = new Set(
			mock
				.listRequests()
				.slice(1)
				.map((r) => r.query.get('created_time_to')),
		);
		expect(bounds.size).toBe(1);
	});

	it.each([
		['an empty sync tag', { syncTag: ' ' }, /^Sync Tag is empty$/],
		['a sync tag with a comma', { syncTag: 'a,b' }, /^Sync Tag must not contain a comma$/],
		['a list that is not JSON', { mediaList: '[{"url": ' }, /^Media List is not valid JSON$/],
		['a list that is not a list', { mediaList: '={{ 42 }}' }, /^Media List must be a list of media, not 42$/],
		['an entry without URL', { mediaList: [{ description: 'x' }] }, /^Media List → entry 1: url is empty$/],
		['an entry with a bad URL', { mediaList: [{ url: 'cdn/x.jpg' }] }, /^Media List → entry 1: url must be an http/],
		[
			'an entry with a bad position',
			{ mediaList: [{ url: 'https://a.example/1.jpg', position: 'first' }] },
			/^Media List → entry 1: position must be a whole number/,
		],
		[
			'the same URL twice',
			{ mediaList: [{ url: 'https://a.example/1.jpg' }, { url: 'https://a.example/1.jpg' }] },
			/^Media List → entry 2 has the same URL as entry 1/,
		],
		[
			'two primaries',
			{
				mediaList: [
					{ url: 'https://a.example/1.jpg', primary: true },
					{ url: 'https://a.example/2.jpg', is_primary: 'true' },
				],
			},
			/^Media List marks 2 media as primary$/,
		],
		[
			'an unknown media type',
			{ mediaList: [{ url: 'https://a.example/1.jpg', media_item_type: 'Audio' }] },
			/^Media List → entry 1: media_item_type must be one of/,
		],
		[
			'a product ID that is not a number',
			{ productId: 'SKU-1', mediaList: '[]' },
			/^Product ID must be a whole number, not "SKU-1"$/,
		],
	] as const)('refuses %s before any request', async (_name, parameters, message) => {
		const error = await caught(() => sync(parameters as Record<string, unknown>));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(message);
		expect(mock.server.requests).toHaveLength(0);
	});

	it('a product that fails does not stop the others: every other product is synced, then the run fails naming it', async () => {
		mock.server.injectFault(
			{ kind: 'status', status: 422, body: '{"errors":{"url":["is not reachable"]}}' },
			{ match: (r) => r.method === 'POST' && r.text.includes('/257/bad.jpg') },
		);
		const error = await caught(() =>
			sync({ productId: '={{ $json.product }}', mediaList: '={{ $json.media }}' }, [
				{ json: { product: 257, media: [{ url: 'https://cdn.example.com/257/bad.jpg' }] } },
				{ json: { product: 300, media: [{ url: 'https://cdn.example.com/300/after.jpg' }] } },
				{ json: { product: 301, media: [{ url: 'https://cdn.example.com/301/after.jpg' }] } },
			]),
		);
		expect(error.message).toBe('CommerceConnect: url is not reachable');
		expect(error.description).toMatch(/Every other item ran to the end\.$/);
		expect(productMedia(300).map((i) => i.url)).toEqual(['https://cdn.example.com/300/after.jpg']);
		expect(productMedia(301).map((i) => i.url)).toEqual(['https://cdn.example.com/301/after.jpg']);
	});

	it.each([
		[10, 1], // side by side, the items wait for the same scan and share its failure
		[1, 3], // one after another, each item may try again: three scans in all
	])(
		'a PIM whose media list cannot be read is not scanned once per item (concurrency %i: %i scans)',
		async (concurrency, scans) => {
			mock.server.injectFault({ kind: 'status', status: 500 }, { match: (r) => r.method === 'GET', times: 10_000 });
			const input = [300, 301, 302, 303, 304].map((product) => ({
				json: { product, media: [{ url: `https://cdn.example.com/${product}/x.jpg` }] },
			}));
			const result = await sync(
				{ productId: '={{ $json.product }}', mediaList: '={{ $json.media }}', syncOptions: { concurrency } },
				input,
				{ continueOnFail: true },
			);
			expect(result.output[0].map((i) => typeof i.json.error)).toEqual(Array(5).fill('string'));
			// Each scan gives up on its first request after the transport's 4 attempts.
			expect(mock.listRequests()).toHaveLength(scans * 4);
			expect(mock.writes()).toEqual([]);
		},
	);

	it('with Continue On Fail, an invalid item does not stop the others, and the scan still happens once', async () => {
		const result = await sync(
			{ productId: '={{ $json.product }}', mediaList: '={{ $json.media }}' },
			[
				{ json: { product: 257, media: [{ url: 'https://cdn.example.com/257/ok.jpg' }] } },
				{ json: { product: 'x', media: [] } },
				{ json: { product: 300, media: [{ url: 'https://cdn.example.com/300/ok.jpg' }] } },
			],
			{ continueOnFail: true },
		);
		expect(result.output[0].map((i) => [i.json.error ?? i.json.created, i.pairedItem])).toEqual([
			[1, { item: 0 }],
			['Product ID must be a whole number, not "x"', { item: 1 }],
			[1, { item: 2 }],
		]);
		expect(mock.listRequests()).toHaveLength(Math.ceil((visible() - 2) / 100) + 3);
		expect(copyChecks()).toBe(1);
	});

	describe('two runs that overlap create a URL once: the copy is deleted at the end of the run', () => {
		// In queue mode a re-check emits a change again while its first execution still waits in the
		// queue; both run at once on two workers, and both read the product before either creates.
		const url = 'https://cdn.example.com/300/new.jpg';
		const synced = () => productMedia(300).filter((i) => i.tag_list.includes(TAG));
		const isCreate = (r: { method: string; path: string }) => r.method === 'POST' && r.path === '/api/v2/media_items';
		/** Another run's items, made once this run has created its own: at its first read after that (the check). */
		const afterOwnCreate = (make: () => StoredItem[]) => {
			const state = { createdOwn: false, made: [] as StoredItem[] };
			mock.server.hold = (request) => {
				if (isCreate(request)) state.createdOwn = true;
				else if (state.createdOwn && state.made.length === 0 && request.method === 'GET') state.made = make();
			};
			return state;
		};

		it('both runs create, one item stays (the older), and the run whose copy went says so', async () => {
			// Both creates are held until both have arrived: neither run could have seen the other's.
			let arrived = 0;
			let bothArrived: () => void = () => undefined;
			const both = new Promise<void>((resolve) => (bothArrived = resolve));
			mock.server.hold = async (request) => {
				if (!isCreate(request)) return;
				if (++arrived === 2) bothArrived();
				await both;
			};
			const reports = (await Promise.all([sync({ mediaList: [{ url }] }), sync({ mediaList: [{ url }] })])).map(
				(result) => json(result)[0],
			);
			expect(arrived).toBe(2);
			const created = reports.map((report) => (report.changes as Array<{ action: string; id: number }>)[0].id);
			const [older, newer] = created.slice().sort((a, b) => a - b);
			expect(synced().map((i) => [i.id, i.url])).toEqual([[older, url]]);
			// Each run reports its create; the copy's deletion shows in at least one of them, with the reason.
			for (const report of reports) expect(report).toMatchObject({ created: 1 });
			const deletions = reports.flatMap((report) =>
				(report.changes as Array<Record<string, unknown>>).filter((change) => change.action === 'deleted'),
			);
			expect(deletions.length).toBeGreaterThanOrEqual(1);
			for (const deletion of deletions)
				expect(deletion).toEqual({
					action: 'deleted',
					id: newer,
					url,
					reason: `a copy of media item ${older}: another run created the same media at the same time`,
				});
			// Running again changes nothing.
			mock.server.hold = undefined;
			mock.server.resetLog();
			expect(json(await sync({ mediaList: [{ url }] }))[0]).toMatchObject({ created: 0, deleted: 0, unchanged: 1 });
			expect(writes()).toEqual([]);
		});

		it('a copy another run made just before this run’s create (and never checked: it died) goes; this run’s item is the copy', async () => {
			let other: StoredItem | undefined;
			mock.server.hold = (request) => {
				if (isCreate(request) && !other) other = mock.seed({ url, product_id: 300, tag_list: [TAG] });
			};
			const [report] = json(await sync({ mediaList: [{ url }] }));
			const own = (report.changes as Array<{ id: number }>)[0].id;
			expect(own).toBeGreaterThan(other!.id);
			expect(synced().map((i) => i.id)).toEqual([other!.id]);
			expect(report).toMatchObject({ created: 1, deleted: 1 });
			expect(report.changes).toContainEqual(expect.objectContaining({ action: 'deleted', id: own }));
		});

		it('a copy another run made just after this run’s create goes; this run’s item stays', async () => {
			const other = afterOwnCreate(() => [mock.seed({ url, product_id: 300, tag_list: [TAG.toUpperCase()] })]);
			const [report] = json(await sync({ mediaList: [{ url }] }));
			const own = (report.changes as Array<{ id: number }>)[0].id;
			const [copy] = other.made;
			expect(synced().map((i) => i.id)).toEqual([own]);
			expect(mock.items.has(copy.id)).toBe(false);
			expect(report.changes).toContainEqual(expect.objectContaining({ action: 'deleted', id: copy.id }));
		});

		it('items with the URL but another tag or product are not copies', async () => {
			const others = afterOwnCreate(() => [
				mock.seed({ url, product_id: 300, tag_list: ['sync:other'] }),
				mock.seed({ url, product_id: 301, tag_list: [TAG] }),
			]);
			const [report] = json(await sync({ mediaList: [{ url }] }));
			expect(report).toMatchObject({ created: 1, deleted: 0 });
			expect(others.made).toHaveLength(2);
			for (const item of others.made) expect(mock.items.has(item.id)).toBe(true);
		});

		it('when the check cannot read the PIM, the run still succeeds and warns on the product; the next run removes the copy', async () => {
			const other = afterOwnCreate(() => [mock.seed({ url, product_id: 300, tag_list: [TAG] })]);
			mock.server.injectFault(
				{ kind: 'status', status: 500, body: `{"error":"token ${mock.token} broke"}` },
				{ match: (r) => other.createdOwn && r.method === 'GET', times: 10_000 },
			);
			const [report] = json(await sync({ mediaList: [{ url }] }));
			expect(report).toMatchObject({ created: 1, deleted: 0 });
			expect(report.warnings).toEqual([
				expect.stringMatching(
					/^Product 300: could not look for copies another run created at the same time \(.+\); the next sync of the product removes any copy\.$/,
				),
			]);
			expectNoSecrets(report, [mock.token]);
			expect(synced()).toHaveLength(2);
			mock.server.clearFaults();
			mock.server.hold = undefined;
			const [next] = json(await sync({ mediaList: [{ url }] }));
			expect(next).toMatchObject({ created: 0, deleted: 1 });
			expect(synced()).toHaveLength(1);
		});
	});
});

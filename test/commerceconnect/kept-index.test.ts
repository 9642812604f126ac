import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { KEPT_INDEX_KEY } from '../../nodes/CommerceConnect/actions/mediaItem/sync/keptIndex';
import { caught, recordSleeps } from '../harness/assertions';
import { ActionHarness } from '../harness/n8n';
import { CommerceConnectMock, type StoredItem } from '../../sandbox/commerceconnect';
import { seededRandom } from '../../sandbox/random';
import { credentialsFor, runNode } from './helpers';

const TAG = 'sync:kept';
const HOUR = 3_600_000;

/**
 * Sync Product Media with its index kept between runs (static data), run the way n8n runs
 * production executions (ActionHarness: static data loaded before and saved after every
 * execution, failed ones included) against the mock: what others do in CommerceConnect between
 * runs, items older than the index, a run that fails midway, a cold start; and a seeded random
 * series compared, run after run, with what a full scan would find.
 */
describe('CommerceConnect Sync Product Media: index kept between runs', () => {
	let mock: CommerceConnectMock;
	let baseUrl: string;
	let sleeps: ReturnType<typeof recordSleeps>;

	beforeEach(async () => {
		mock = new CommerceConnectMock();
		baseUrl = await mock.start();
		// A catalogue of 450 media items of other products and tags (five pages).
		for (let i = 0; i < 450; i++)
			mock.seed({ url: `https://cdn.example.com/other/${i}.jpg`, product_id: 9, tag_list: i % 2 ? ['x'] : [] });
		for (let id = 1000; id < 1010; id++) mock.products.push({ id, code: `P-${id}`, name: `Product ${id}` });
		sleeps = recordSleeps();
		// The catalogue is an hour old.
		mock.server.advance(HOUR);
	});
	afterEach(async () => {
		sleeps.restore();
		await mock.stop();
	});

	function harness(parameters: IDataObject = {}) {
		const credentials = credentialsFor(mock, baseUrl);
		return new ActionHarness({
			type: 'commerceConnect',
			parameters: {
				resource: 'mediaItem',
				operation: 'syncProductMedia',
				productBy: 'id',
				productId: '={{ $json.product }}',
				syncTag: TAG,
				mediaSource: 'list',
				mediaList: '={{ $json.media }}',
				...parameters,
			} as never,
			credentials,
		});
	}
	const wantedOf = (product: number, names: string[]) => ({
		json: { product, media: names.map((name) => ({ url: `https://cdn.example.com/${product}/${name}.jpg` })) },
	});
	const scanOf = (result: { output: INodeExecutionData[][] }) => result.output[0][0].json.scan as IDataObject;
	const synced = (product: number) =>
		[...mock.items.values()]
			.filter((i) => i.product_id === product && i.tag_list.includes(TAG))
			.map((i) => i.url.replace(`https://cdn.example.com/${product}/`, ''))
			.sort();
	const writes = () => mock.writes().map((r) => `${r.method} ${r.path}`);
	const kept = (h: ActionHarness) => JSON.parse(String(h.savedState?.[KEPT_INDEX_KEY])) as IDataObject;
	/** Let time pass between runs (n8n's clock and CommerceConnect's alike). */
	const later = (ms = HOUR) => mock.server.advance(ms);

	it('cold start: a full scan, kept; the next run reads what changed: 5 requests, whatever the size of the PIM', async () => {
		const h = harness();
		const input = [wantedOf(1000, ['a', 'b']), wantedOf(1001, ['c'])];
		const first = await h.execute(input);
		// A clock request, five pages, a closing count, the last second's changes; then, as the run
		// created media, one read of what was created since (the check for copies another run made).
		expect(scanOf(first)).toMatchObject({ mode: 'full', reason: 'no index kept from an earlier run', listRequests: 8 });
		expect(mock.listRequests()).toHaveLength(9);
		expect(kept(h)).toMatchObject({ tags: [TAG], count: 450 });
		expect(synced(1000)).toEqual(['a.jpg', 'b.jpg']);

		later();
		mock.server.resetLog();
		const second = await h.execute(input);
		expect(scanOf(second)).toMatchObject({ mode: 'incremental', listRequests: 5 });
		expect(scanOf(second).reason).toBeUndefined();
		expect(writes()).toEqual([]);
		// The three creates of the first run are changes to the second: read, and now in the kept index.
		expect((kept(h).items as unknown[]).length).toBe(3);
		expect(kept(h).count).toBe(453);

		// A thousand more media items elsewhere cost the next run nothing more than their pages of changes.
		for (let i = 0; i < 1000; i++) mock.seed({ url: `https://cdn.example.com/more/${i}.jpg`, product_id: 9 });
		later();
		mock.server.resetLog();
		const third = await h.execute(input);
		// Three counts, ten pages of changes and their closing count, the last second's changes.
		expect(scanOf(third)).toMatchObject({ mode: 'incremental', listRequests: 3 + 10 + 1 + 1 });
		expect(writes()).toEqual([]);
	});

	it('media created outside the sync, with the sync tag, are seen: nothing is created twice', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a'])]);
		later();
		// Someone (another execution, a person) created what the next run wants.
		mock.seed({ url: 'https://cdn.example.com/1000/b.jpg', product_id: 1000, tag_list: [TAG] });
		later();
		mock.server.resetLog();
		const result = await h.execute([wantedOf(1000, ['a', 'b'])]);
		expect(scanOf(result)).toMatchObject({ mode: 'incremental' });
		expect(result.output[0][0].json).toMatchObject({ created: 0, unchanged: 2 });
		expect(writes()).toEqual([]);
	});

	it('a synced item edited, untagged or moved outside the sync: the next run sees the change', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a', 'b', 'c'])]);
		const [a, b, c] = ['a', 'b', 'c'].map((n) =>
			[...mock.items.values()].find((i) => i.url === `https://cdn.example.com/1000/${n}.jpg`)!,
		);
		later();
		mock.edit(a.id, { description: 'edited by hand' });
		mock.edit(b.id, { tag_list: ['hand-made'] });
		mock.edit(c.id, { product_id: 1001 });
		later();
		mock.server.resetLog();
		const input = [
			{
				json: {
					product: 1000,
					media: [{ url: a.url, description: 'from the supplier' }, { url: b.url }, { url: c.url }],
				},
			},
			{ json: { product: 1001, media: [] } },
		];
		const result = await h.execute(input);
		expect(scanOf(result)).toMatchObject({ mode: 'incremental' });
		// a is set back; b lost the tag, so it is not synced any more: created again; c moved: created
		// again on 1000, and on 1001 (wanting nothing) removed.
		expect(result.output[0].map((i) => [i.json.updated, i.json.created, i.json.deleted])).toEqual([
			[1, 2, 0],
			[0, 0, 1],
		]);
		expect(synced(1000)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
		expect(synced(1001)).toEqual([]);
		expect(mock.items.get(b.id)!.tag_list).toEqual(['hand-made']);
	});

	it('media deleted outside the sync: the count proves it, the run scans everything and recreates what is missing', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a', 'b'])]);
		later();
		await h.execute([wantedOf(1000, ['a', 'b'])]); // the creates are now in the kept index
		const a = [...mock.items.values()].find((i) => i.url === 'https://cdn.example.com/1000/a.jpg')!;
		mock.remove(a.id);
		later();
		mock.server.resetLog();
		const result = await h.execute([wantedOf(1000, ['a', 'b'])]);
		expect(scanOf(result)).toMatchObject({
			mode: 'full',
			reason: '1 media item was deleted in CommerceConnect since the last run',
		});
		expect(result.output[0][0].json).toMatchObject({ created: 1, unchanged: 1 });
		expect(synced(1000)).toEqual(['a.jpg', 'b.jpg']);
		// A deletion anywhere, of any media item, costs the same one full scan (the API cannot say which).
		mock.remove([...mock.items.values()][0].id);
		later();
		const afterOther = await h.execute([wantedOf(1000, ['a', 'b'])]);
		expect(scanOf(afterOther)).toMatchObject({ mode: 'full' });
		later();
		expect(scanOf(await h.execute([wantedOf(1000, ['a', 'b'])]))).toMatchObject({ mode: 'incremental' });
	});

	it('its own deletes keep the index usable: the next run is incremental and exact', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a', 'b', 'c']), wantedOf(1001, ['d', 'e'])]);
		later();
		await h.execute([wantedOf(1000, ['a', 'b', 'c']), wantedOf(1001, ['d', 'e'])]);
		later();
		const result = await h.execute([wantedOf(1000, ['a']), { json: { product: 1001, media: [] } }]);
		expect(result.output[0].map((i) => i.json.deleted)).toEqual([2, 2]);
		later();
		mock.server.resetLog();
		const next = await h.execute([wantedOf(1000, ['a']), { json: { product: 1001, media: [] } }]);
		expect(scanOf(next)).toMatchObject({ mode: 'incremental' });
		expect(writes()).toEqual([]);
	});

	it('items older than the index: an old media item given the sync tag is seen; one made visible late forces a full scan', async () => {
		const old = mock.seed(
			{ url: 'https://cdn.example.com/1000/old.jpg', product_id: 1000, tag_list: ['manual'] },
			mock.now() - 30 * 24 * HOUR,
		);
		const h = harness();
		await h.execute([wantedOf(1000, ['a'])]);
		later();
		// Tagged for the sync a month after its creation: an update, so a change to the next run.
		mock.edit(old.id, { tag_list: ['manual', TAG] });
		later();
		const result = await h.execute([wantedOf(1000, ['a', 'old'])]);
		expect(scanOf(result)).toMatchObject({ mode: 'incremental' });
		expect(result.output[0][0].json).toMatchObject({ created: 0, unchanged: 2 });

		// A write CommerceConnect made visible only after the index's time: the count of the old
		// items grows, which the run takes as a reason to read everything.
		later();
		mock.visibilityLagMs = 10 * 60_000;
		const late = mock.seed({ url: 'https://cdn.example.com/1000/late.jpg', product_id: 1000, tag_list: [TAG] });
		mock.visibilityLagMs = 0;
		later(2 * 60_000);
		const before = await h.execute([wantedOf(1000, ['a', 'old', 'late'])]);
		// Not visible yet: created (a duplicate CommerceConnect will show later)...
		expect(before.output[0][0].json).toMatchObject({ created: 1 });
		later();
		mock.server.resetLog();
		const after = await h.execute([wantedOf(1000, ['a', 'old', 'late'])]);
		expect(scanOf(after)).toMatchObject({
			mode: 'full',
			reason: '1 media item was made visible late by CommerceConnect (created before the last run)',
		});
		// ...and the duplicate removed, keeping the older item.
		expect(after.output[0][0].json).toMatchObject({ deleted: 1, unchanged: 3 });
		expect([...mock.items.values()].filter((i) => i.url.endsWith('/late.jpg')).map((i) => i.id)).toEqual([late.id]);
	});

	it('a run that fails midway saves only what is true: the next run is incremental and completes the sync', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a', 'b', 'c'])]);
		later();
		await h.execute([wantedOf(1000, ['a', 'b', 'c'])]);
		later();
		// The first item deletes c; the second one's create fails and stops the execution.
		mock.server.injectFault(
			{ kind: 'status', status: 422, body: '{"errors":{"url":["is not reachable"]}}' },
			{ match: (r) => r.method === 'POST' && r.text.includes('/1001/d.jpg') },
		);
		const input = [wantedOf(1000, ['a', 'b']), wantedOf(1001, ['d'])];
		const error = await caught(() => h.execute(input));
		expect(error.message).toBe('CommerceConnect: url is not reachable');
		expect(h.failures).toBe(1);
		// Saved with the failed execution: nothing in it that CommerceConnect does not have.
		const savedIds = (kept(h).items as Array<[number, number, string]>).map(([id, product, url]) => ({
			id,
			product,
			url,
		}));
		expect(savedIds.map((entry) => entry.url).sort()).toEqual([
			'https://cdn.example.com/1000/a.jpg',
			'https://cdn.example.com/1000/b.jpg',
		]);
		for (const entry of savedIds) {
			expect(mock.items.get(entry.id)).toMatchObject({ product_id: entry.product, url: entry.url });
		}
		expect(synced(1000)).toEqual(['a.jpg', 'b.jpg']);
		later();
		mock.server.resetLog();
		const result = await h.execute(input);
		expect(scanOf(result)).toMatchObject({ mode: 'incremental' });
		expect(result.output[0].map((i) => [i.json.created, i.json.deleted])).toEqual([
			[0, 0],
			[1, 0],
		]);
		expect(synced(1000)).toEqual(['a.jpg', 'b.jpg']);
		expect(synced(1001)).toEqual(['d.jpg']);
	});

	it('a run that fails while reading leaves the kept index as it was', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a'])]);
		const before = h.savedState?.[KEPT_INDEX_KEY];
		later();
		mock.server.injectFault({ kind: 'status', status: 500 }, { times: 20, match: (r) => r.method === 'GET' });
		await caught(() => h.execute([wantedOf(1000, ['a', 'b'])]));
		mock.server.clearFaults();
		expect(h.savedState?.[KEPT_INDEX_KEY]).toBe(before);
		later();
		const result = await h.execute([wantedOf(1000, ['a', 'b'])]);
		expect(scanOf(result)).toMatchObject({ mode: 'incremental' });
		expect(synced(1000)).toEqual(['a.jpg', 'b.jpg']);
	});

	it('reads everything again when a full scan is due, the account or the tags change, or the kept index is unreadable', async () => {
		const h = harness({ syncOptions: { fullScanHours: 6 } });
		await h.execute([wantedOf(1000, ['a'])]);
		later(5 * HOUR);
		expect(scanOf(await h.execute([wantedOf(1000, ['a'])]))).toMatchObject({ mode: 'incremental' });
		later(2 * HOUR);
		expect(scanOf(await h.execute([wantedOf(1000, ['a'])]))).toMatchObject({
			mode: 'full',
			reason: 'a full scan is due (Options → Full Scan Every)',
		});

		h.setParameter('syncTag', 'sync:other');
		later();
		expect(scanOf(await h.execute([wantedOf(1000, ['z'])]))).toMatchObject({
			mode: 'full',
			reason: 'a sync tag is new to the kept index',
		});
		// Both tags are kept now: switching back needs no full scan.
		expect(kept(h).tags).toEqual(['sync:other', TAG]);
		h.setParameter('syncTag', TAG);
		later();
		expect(scanOf(await h.execute([wantedOf(1000, ['a'])]))).toMatchObject({ mode: 'incremental' });

		h.saved[`node:Node`] = { [KEPT_INDEX_KEY]: '{"format":1,"key":"x","items":[[1]]}' };
		later();
		expect(scanOf(await h.execute([wantedOf(1000, ['a'])]))).toMatchObject({
			mode: 'full',
			reason: 'the kept index could not be read',
		});

		// Another account (the credential changed): its media are not the kept index's.
		later();
		mock.email = 'someone-else@example.com';
		const other = harness();
		other.saved = h.saved;
		expect(scanOf(await other.execute([wantedOf(1000, ['a'])]))).toMatchObject({
			mode: 'full',
			reason: 'the account or base URL changed',
		});
	});

	it.each([
		['a number', 42],
		['text that is not JSON', '{"format":1,'],
		['another format', JSON.stringify({ format: 2 })],
		['a negative count', JSON.stringify({ format: 1, key: 'k', tags: [], at: 1, count: -1, fullAt: 1, items: [] })],
		[
			'an entry of the wrong shape',
			JSON.stringify({ format: 1, key: 'k', tags: [], at: 1, count: 1, fullAt: 1, items: [[1, 2, 'u']] }),
		],
		[
			'an entry with a fractional id',
			JSON.stringify({
				format: 1,
				key: 'k',
				tags: [],
				at: 1,
				count: 1,
				fullAt: 1,
				items: [[1.5, 2, 'u', 0, 0, null, null, []]],
			}),
		],
	])('a kept index that is %s is not used: the run reads everything and keeps a good one', async (_name, value) => {
		const h = harness();
		h.saved = { 'node:Node': { [KEPT_INDEX_KEY]: value } };
		const result = await h.execute([wantedOf(1000, ['a'])]);
		expect(scanOf(result)).toMatchObject({ mode: 'full', reason: 'the kept index could not be read' });
		later();
		expect(scanOf(await h.execute([wantedOf(1000, ['a'])]))).toMatchObject({ mode: 'incremental' });
	});

	it('Full Scan Every 0, and manual executions, read everything on every run and keep nothing', async () => {
		const h = harness({ syncOptions: { fullScanHours: 0 } });
		await h.execute([wantedOf(1000, ['a'])]);
		expect(h.savedState?.[KEPT_INDEX_KEY]).toBeUndefined();
		const manual = await runNode(mock, baseUrl, {
			operation: 'syncProductMedia',
			productBy: 'id',
			productId: '1000',
			syncTag: TAG,
			mediaSource: 'list',
			mediaList: [{ url: 'https://cdn.example.com/1000/a.jpg' }],
		});
		expect(manual.output[0][0].json).toMatchObject({ unchanged: 1, scan: { attempts: 1 } });
		expect((manual.output[0][0].json.scan as IDataObject).mode).toBeUndefined();
	});

	it('two executions at once: each keeps a true index, the last one saved wins, the next run is exact', async () => {
		const h = harness();
		await h.execute([wantedOf(1000, ['a'])]);
		later();
		await Promise.all([h.execute([wantedOf(1000, ['a', 'b'])]), h.execute([wantedOf(1001, ['c'])])]);
		later();
		mock.server.resetLog();
		const result = await h.execute([wantedOf(1000, ['a', 'b']), wantedOf(1001, ['c'])]);
		expect(writes()).toEqual([]);
		expect(result.output[0].map((i) => i.json.unchanged)).toEqual([2, 1]);
	});

	it('matches what a full scan finds, run after run, while others create, edit, retag, move and delete media (seeded)', async () => {
		const random = seededRandom(1616);
		const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
		const products = [1000, 1001, 1002, 1003, 1004];
		const names = ['a', 'b', 'c', 'd', 'e', 'f'];
		const h = harness();
		const wanted = () =>
			products.map((product) =>
				wantedOf(
					product,
					names.filter(() => random() < 0.5),
				),
			);
		let incremental = 0;
		for (let run = 0; run < 40; run++) {
			// What others do between two runs.
			for (let change = Math.floor(random() * 4); change > 0; change--) {
				const ours = [...mock.items.values()].filter((i) => i.tag_list.includes(TAG));
				const roll = random();
				if (roll < 0.2) {
					const product = pick(products);
					mock.seed({
						url: `https://cdn.example.com/${product}/${pick(names)}.jpg`,
						product_id: product,
						tag_list: [TAG],
					});
				} else if (roll < 0.35 && ours.length) mock.edit(pick(ours).id, { description: `edit ${run}` });
				else if (roll < 0.45 && ours.length) mock.edit(pick(ours).id, { tag_list: [] });
				else if (roll < 0.55 && ours.length) mock.edit(pick(ours).id, { product_id: pick(products) });
				else if (roll < 0.65 && ours.length) mock.remove(pick(ours).id);
				else if (roll < 0.75) mock.remove(pick([...mock.items.values()] as StoredItem[]).id);
				else mock.seed({ url: `https://cdn.example.com/other/n${run}-${change}.jpg`, product_id: 9 });
			}
			later(random() < 0.5 ? HOUR : 90_000);
			const input = wanted();
			const result = await h.execute(input);
			if ((result.output[0][0].json.scan as IDataObject).mode === 'incremental') incremental++;
			// Exactly the wanted media, each once, whatever the index was built from.
			for (const item of input) {
				const product = item.json.product as number;
				const want = (item.json.media as Array<{ url: string }>).map((m) => m.url.split('/').pop()).sort();
				expect({ product, run, synced: synced(product) }).toEqual({ product, run, synced: want });
			}
		}
		// Most runs read only the changes (a deletion anywhere sends one to a full scan).
		expect(incremental).toBeGreaterThan(20);
	});
});

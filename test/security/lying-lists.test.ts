import type { IDataObject } from 'n8n-workflow';

import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { PollHarness, ensureBinaryData, executeNode, listSearch, logLines } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import { HalLeonardMock } from '../../sandbox/halleonard';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import { PsRestfulMock } from '../../sandbox/psrestful';
import { MockServer } from '../../sandbox/server';

/**
 * Lists that lie: a cursor or page number the server ignores, empty pages that claim more, a
 * billion pages, records without an id or with an unreadable date, a record nested 100,000 deep,
 * an id that is a path segment. Every loop over pages stops with a clear error within a few
 * requests (not thousands); a bad record is reported with its id and skipped, and the records
 * around it are still delivered.
 */

const DAY = 24 * 3600_000;
const MINUTE = 60_000;

const warnings = () => logLines.filter((l) => l.level === 'warn').map((l) => l.message);

useRecordedSleeps();
beforeEach(() => {
	logLines.length = 0;
});

/** A poll answer holding `ids`, each with a date a few days ago and its own next_page_id. */
function pollPage(ids: string[], options: { badDateAt?: number } = {}): string {
	const rows = ids.map((id, index) => {
		const date =
			index === options.badDateAt ? 'next week' : new Date(Date.now() - 4 * DAY + index * 1000).toUTCString();
		return `<media id="${id}" date="${date}" next_page_id="${Buffer.from(`cursor-${id}`).toString('base64')}"/>`;
	});
	return `<?xml version="1.0" encoding="UTF-8"?><rsp stat="ok"><items type="new" total="${ids.length}">${rows.join('')}</items></rsp>`;
}

describe('PantherMedia: a poll that ignores next_page_id', () => {
	const mock = new PantherMediaMock({ seed: false });
	const baseUrl = useMock(mock);
	const credentials = () => ({
		pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl() },
	});
	const samePageForEver = (size: number) =>
		mock.server.injectFault(
			{
				kind: 'malformed',
				body: pollPage(Array.from({ length: size }, (_, i) => String(7000 + i))),
				contentType: 'text/xml',
			},
			{ times: 100_000, match: (r) => r.path === '/poll' },
		);

	it('Poll with Return All stops with a clear error on the second, repeated page', async () => {
		samePageForEver(5);
		const error = await caught(() =>
			executeNode({
				type: 'pantherMedia',
				parameters: {
					resource: 'media',
					operation: 'poll',
					type: 'new',
					sinceMode: 'date',
					sinceDate: '2024-01-01',
					returnAll: true,
					pollOptions: { pageSize: 5 },
				} as never,
				credentials: credentials(),
			}),
		);
		expect(error.message).toBe(
			'PantherMedia: Page 2 of the poll of new media repeats a page already read (the provider ignored the page or cursor asked for); stopped instead of asking for ever',
		);
		expect(mock.server.count('/poll')).toBe(2);
		expectNoSecrets(error, [mock.apiSecret, mock.apiKey]);
	});

	it('the trigger stops the poll with a clear error within a few requests, and emits each row once', async () => {
		const harness = new PollHarness({
			type: 'pantherMediaTrigger',
			parameters: {
				events: ['new'],
				firstRun: 'date',
				startDate: '2024-01-01',
				syncOptions: { maxItemsPerPoll: 5 },
			} as never,
			credentials: credentials(),
		});
		samePageForEver(5);
		const first = await harness.poll(); // a full page: the per-poll cap
		expect(first![0].map((i) => i.json.id)).toEqual(['7000', '7001', '7002', '7003', '7004']);
		mock.server.resetLog();
		const error = await caught(() => harness.poll());
		expect(error.message).toMatch(/^PantherMedia: .*repeat.* a page already read|^PantherMedia: the answers repeat/);
		expect(mock.server.count('/poll')).toBeLessThanOrEqual(4);
	});

	it('reports a row with an unreadable date by its media id, and emits the rows around it', async () => {
		const harness = new PollHarness({
			type: 'pantherMediaTrigger',
			parameters: { events: ['new'], firstRun: 'date', startDate: '2024-01-01' } as never,
			credentials: credentials(),
		});
		mock.server.injectFault(
			{ kind: 'malformed', body: pollPage(['8001', '8002', '8003'], { badDateAt: 1 }), contentType: 'text/xml' },
			// The same answer to the next poll too (this server knows no other): nothing is repeated.
			{ times: 2, match: (r) => r.path === '/poll' },
		);
		const out = await harness.poll();
		expect(out![0].map((i) => i.json.id)).toEqual(['8001', '8003']);
		expect(warnings()).toContain(
			'PantherMedia: skipped row 2 (media 8002) of a poll of new media: its date is unreadable: "next week"',
		);
		// The next poll reads on as usual: the bad row never stops the trigger.
		mock.server.advance(MINUTE);
		await expect(harness.poll()).resolves.toBeNull();
	});
});

describe('CommerceConnect: list pages that lie', () => {
	const mock = new CommerceConnectMock();
	const baseUrl = useMock(mock);
	const credentials = () => ({ commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl: baseUrl() } });
	const page = (entries: unknown[], totals: { pages: number; entries: number }) =>
		JSON.stringify({ page: 1, per_page: 100, total_pages: totals.pages, total_entries: totals.entries, entries });
	const listAlways = (body: string, path = '/api/v2/media_items') =>
		mock.server.injectFault({ kind: 'malformed', body }, { times: 100_000, match: (r) => r.path === path });
	const item = (id: number, extra: IDataObject = {}) => ({
		id,
		url: `https://cdn.example.com/${id}.jpg`,
		product_id: 300,
		...extra,
	});
	const hundred = Array.from({ length: 100 }, (_, i) => item(1000 + i, { tag_list: ['sync:hit'] }));
	const getMany = () =>
		executeNode({
			type: 'commerceConnect',
			parameters: { resource: 'mediaItem', operation: 'getMany', returnAll: true } as never,
			credentials: credentials(),
		});
	const syncProduct = (parameters: IDataObject = {}) =>
		executeNode({
			type: 'commerceConnect',
			parameters: {
				resource: 'mediaItem',
				operation: 'syncProductMedia',
				productBy: 'id',
				productId: '300',
				syncTag: 'sync:hit',
				mediaSource: 'list',
				mediaList: [{ url: 'https://cdn.example.com/new.jpg' }],
				...parameters,
			} as never,
			credentials: credentials(),
		});

	it('Get Many stops at an empty page that claims more pages', async () => {
		listAlways(page([], { pages: 5, entries: 500 }));
		const error = await caught(getMany);
		expect(error.message).toBe(
			'CommerceConnect: Page 1 of the media items came back empty while the answer claims more pages; stopped instead of asking for ever',
		);
		expect(mock.listRequests()).toHaveLength(1); // not retried: the provider's answers are inconsistent
	});

	it('Get Many refuses a billion pages at the first, and a page number the server ignores at the second', async () => {
		listAlways(page(hundred, { pages: 1e9, entries: 1e11 }));
		expect((await caught(getMany)).message).toMatch(/claims 1000000000 pages of the media items, more than the 20000/);
		expect(mock.listRequests()).toHaveLength(1);

		mock.server.clearFaults();
		mock.server.resetLog();
		listAlways(page(hundred, { pages: 50, entries: 5000 }));
		expect((await caught(getMany)).message).toMatch(/Page 2 of the media items repeats a page already read/);
		expect(mock.listRequests()).toHaveLength(2);
	});

	it('Sync Product Media writes nothing when its scan meets a lying list', async () => {
		listAlways(page(hundred, { pages: 50, entries: 5000 }));
		const error = await caught(() => syncProduct());
		expect(error.message).toMatch(/Page 2 of the media items repeats a page already read/);
		expect(mock.writes()).toHaveLength(0);
		expect(mock.listRequests().length).toBeLessThanOrEqual(4);
	});

	it('Sync Product Media by product code stops when the products list repeats its pages', async () => {
		const products = Array.from({ length: 100 }, (_, i) => ({ id: 500 + i, code: 'SKU' }));
		listAlways(
			JSON.stringify({ page: 1, per_page: 100, total_pages: 9, total_entries: 900, entries: products }),
			'/api/v2/products',
		);
		const error = await caught(() => syncProduct({ productBy: 'code', productCode: 'SKU-404' }));
		expect(error.message).toMatch(/Page 2 of the products with code SKU-404 repeats a page already read/);
		expect(mock.server.count('/api/v2/products')).toBe(2);
		expect(mock.writes()).toHaveLength(0);
	});

	it('the trigger skips an item nested 100,000 deep and one without an id, naming them, and emits the others', async () => {
		// Written as text: JSON.stringify itself cannot serialise 100,000 levels.
		const deep = `${'{"nested":'.repeat(100_000)}"bottom"${'}'.repeat(100_000)}`;
		const entries = [
			item(1),
			{ url: 'https://cdn.example.com/no-id.jpg' },
			item(2, { attribute_values: ['DEEP'] }),
			item(3),
		];
		mock.server.injectFault(
			{ kind: 'malformed', body: page(entries, { pages: 1, entries: entries.length }).replace('"DEEP"', deep) },
			{ times: 1, match: (r) => r.path === '/api/v2/media_items' && r.query.get('per_page') === '100' },
		);
		const harness = new PollHarness({
			type: 'commerceConnectTrigger',
			parameters: { event: 'updated', firstRun: 'date', startDate: '2024-01-01' } as never,
			credentials: credentials(),
		});
		const out = await harness.poll();
		expect(out![0].map((i) => i.json.id)).toEqual([1, 3]);
		expect(warnings()).toEqual(
			expect.arrayContaining([
				'CommerceConnect: skipped entry 2 of page 1 of the media items: it has no numeric id',
				'CommerceConnect: skipped media item 2 of page 1 of the media items: it is nested deeper than 64 levels',
			]),
		);
	});

	it('a 422 whose error body is nested 100,000 deep gives a clear error, not a stack overflow', async () => {
		const deep = `${'{"errors":'.repeat(100_000)}"x"${'}'.repeat(100_000)}`;
		mock.server.injectFault({ kind: 'status', status: 422, body: deep }, { times: 1 });
		const error = await caught(() =>
			executeNode({
				type: 'commerceConnect',
				parameters: {
					resource: 'mediaItem',
					operation: 'create',
					productBy: 'id',
					productId: '300',
					mediaItemType: 'ImageMediaItem',
					url: 'https://cdn.example.com/x.jpg',
				} as never,
				credentials: credentials(),
			}),
		);
		expect(error.name).toBe('NodeApiError');
		expect(error.message).toBe('CommerceConnect: The server could not process the request');
		expect(String(error.description)).toMatch(/HTTP 422/);
	});
});

describe('PSRESTful: lists that lie, and ids that are path segments', () => {
	const mock = new PsRestfulMock();
	const baseUrl = useMock(mock);
	const credentials = () => ({ psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl() } });
	const run = (parameters: IDataObject) =>
		executeNode({ type: 'psRestful', parameters: parameters as never, credentials: credentials() });

	it('the supplier list stops at a billion pages and at a page number the server ignores', async () => {
		const suppliers = Array.from({ length: 600 }, (_, i) => ({ id: i, code: `S${i}`, name: `Supplier ${i}` }));
		const answer = (totalPages: number) =>
			JSON.stringify({ count: 1e9, page: 1, page_size: 600, total_pages: totalPages, suppliers });
		mock.server.injectFault({ kind: 'malformed', body: answer(1e9) }, { times: 100_000 });
		const dropdown = await caught(() =>
			listSearch({ type: 'psRestful', parameters: {}, credentials: credentials() }, 'searchSuppliers'),
		);
		expect(dropdown.message).toMatch(/claims 1000000000 pages of the supplier list, more than the 100/);
		mock.server.clearFaults();
		mock.server.resetLog();
		mock.server.injectFault({ kind: 'malformed', body: answer(40) }, { times: 100_000 });
		const all = await caught(() => run({ resource: 'supplier', operation: 'getMany', returnAll: true }));
		expect(all.message).toMatch(/Page 2 of the supplier list repeats a page already read/);
		expect(mock.server.requests).toHaveLength(2);
	});

	it.each([
		[
			'Get Content with product ".."',
			{ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '..' },
			/^Product ID "\.\." cannot be sent/,
		],
		[
			'Get Content with supplier "."',
			{ resource: 'media', operation: 'getContent', supplierCode: '.', productId: '5989' },
			/^Supplier "\." cannot be sent/,
		],
		[
			'Get Content for Many with one product ".."',
			{ resource: 'media', operation: 'getContentForMany', supplierCode: 'HIT', productIds: '5989, ..' },
			/^Product ID "\.\." cannot be sent/,
		],
		[
			'Get Modified Since with supplier ".."',
			{ resource: 'media', operation: 'getModifiedSince', supplierCode: '..', since: '2024-01-01' },
			/^Supplier "\.\." cannot be sent/,
		],
	])('refuses %s before sending anything', async (_title, parameters, message) => {
		const error = await caught(() => run(parameters));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(message);
		expect(mock.server.requests).toHaveLength(0);
	});

	it('the trigger skips a listed product ".." and one without productId, and fetches the media of the others', async () => {
		mock.server.injectFault(
			{
				kind: 'malformed',
				body: JSON.stringify({
					MediaDateModifiedArray: {
						MediaDateModified: [{ productId: '5989' }, { productId: '..' }, { partId: 'X' }, { productId: '7891' }],
					},
				}),
			},
			{ times: 1, match: (r) => r.path.includes('media-modified-since') },
		);
		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: {
				supplierCode: 'HIT',
				includeMediaContent: true,
				firstRun: 'date',
				startDate: '2024-01-01',
				syncOptions: { minIntervalMinutes: 0 },
			} as never,
			credentials: credentials(),
		});
		const out = await harness.poll();
		expect(out![0].map((i) => i.json.productId)).toEqual(['5989', '7891']);
		expect(mock.server.requests.map((r) => r.rawPath).filter((p) => p.includes('/medias/'))).toEqual([
			'/v1.1.0/suppliers/HIT/medias/5989/',
			'/v1.1.0/suppliers/HIT/medias/7891/',
		]);
		expect(warnings()).toEqual(
			expect.arrayContaining([
				'PSRESTful: skipped entry 2 of the HIT changes list: the product ID ".." cannot be sent: in a URL path it would address another resource instead',
				'PSRESTful: skipped entry 3 of the HIT changes list: it has no productId',
			]),
		);
	});
});

describe('Hal Leonard DAM: a file URL that redirects to another host', () => {
	const mock = new HalLeonardMock();
	const cdn = new MockServer(() => ({
		status: 200,
		headers: { 'content-type': 'application/octet-stream' },
		body: 'SCORCH',
	}));
	useMock(mock);
	useMock(cdn);
	beforeAll(async () => {
		await ensureBinaryData();
		mock.putAsset({ assetId: '1000', kind: 'asset', title: 'Für Elise', day: 16776 });
	});

	it('reports a ModifiedFile entry without a readable day by its asset, and returns the others', async () => {
		const entry = (id: string, day: string) =>
			`<ModifiedFile><AssetId>${id}</AssetId><FileName>HL_${id}.pdf</FileName><LastModified>${day}</LastModified></ModifiedFile>`;
		mock.server.injectFault(
			{
				kind: 'malformed',
				contentType: 'text/xml',
				body: `<?xml version="1.0"?><DAMResponse><ResponseHdr><DAMVersion>5.0</DAMVersion></ResponseHdr><ModifiedFileResponse>${entry('345601', '2015/12/7')}${entry('345602', 'soon')}${entry('345603', '2015/12/8')}</ModifiedFileResponse></DAMResponse>`,
			},
			{ times: 1 },
		);
		const { output } = await executeNode({
			type: 'halLeonardDam',
			parameters: {
				resource: 'file',
				operation: 'getModified',
				startDate: '2015-12-07',
				stopDate: '2015-12-09',
			} as never,
			credentials: {
				halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint },
			},
		});
		expect(output[0].map((i) => i.json.assetId)).toEqual(['345601', '345603']);
		expect(warnings()).toContain(
			'Hal Leonard DAM: skipped ModifiedFile 2 (asset 345602) of 2015/12/7–2015/12/9: it has an unreadable LastModified "soon"',
		);
	});

	it('follows it for the download, which carries no credential at all', async () => {
		mock.server.injectFault(
			{ kind: 'redirect', status: 302, location: (r) => `${cdn.baseUrl}${r.rawPath}` },
			{ times: 1, match: (r) => r.path.startsWith('/files/') },
		);
		const { output } = await executeNode({
			type: 'halLeonardDam',
			parameters: { resource: 'asset', operation: 'getAccess', assetId: '1000', download: true } as never,
			credentials: {
				halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint },
			},
		});
		expect(output[0][0].binary).toBeDefined();
		expect(cdn.requests).toHaveLength(1);
		const hop = cdn.requests[0];
		expect(hop.method).toBe('GET');
		expect(`${JSON.stringify(hop.headers)} ${hop.text}`).not.toContain(mock.vendorKey);
	});
});

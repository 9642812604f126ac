import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { nodeTypes } from '../harness/registry';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { cpuStopwatch } from '../harness/clock';
import { executeNode, logLines, testCredential } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { PREVIEW_JPEG, PantherMediaMock, billionLaughs } from '../../sandbox/panthermedia';

const FIXTURES = join(__dirname, '..', '..', 'sandbox', 'fixtures', 'panthermedia');

/** The rows of a fixture answer, read with a regex (independent of the package's parser). */
function fixtureRows(file: string) {
	const xml = readFileSync(join(FIXTURES, file), 'utf8');
	return [...xml.matchAll(/<media id="(\d+)" date="([^"]+)" next_page_id="([^"]+)"\/>/g)].map((m) => ({
		id: m[1],
		date: new Date(Date.parse(m[2].replace(' UTC', ' GMT'))).toISOString().replace('.000Z', 'Z'),
		nextPageId: m[3],
	}));
}

const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe('PantherMedia node', () => {
	const mock = new PantherMediaMock();
	const baseUrl = useMock(mock, {
		reset: () => {
			mock.failStatus = 'http';
			mock.errForm = 'attributes';
			mock.authClockOffsetMs = 0;
			mock.echoAccessKey = false;
		},
	});
	const sleeps = useRecordedSleeps();
	beforeAll(() => {
		for (const id of ['5001', '5002', '5003']) mock.addMedia({ id, at: Date.UTC(2024, 0, 1), title: `Panther ${id}` });
		mock.addMedia({ id: '5004', at: Date.UTC(2024, 0, 1), title: 'Gone soon' });
		mock.remove('5004', { at: Date.UTC(2024, 0, 2) });
	});

	const credentials = (overrides: Record<string, string> = {}) => ({
		pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl(), ...overrides },
	});

	async function run(
		parameters: Record<string, unknown>,
		input: INodeExecutionData[] = [{ json: {} }],
		options: { continueOnFail?: boolean; credentials?: Record<string, string> } = {},
	) {
		return await executeNode(
			{
				type: 'pantherMedia',
				parameters: { resource: 'media', ...parameters } as never,
				credentials: credentials(options.credentials),
				continueOnFail: options.continueOnFail,
			},
			input,
		);
	}

	/** Everything secret this mock has seen: the secret, the key, and every access_key sent. */
	const secrets = () => [
		mock.apiSecret,
		mock.apiKey,
		...mock.server.requests.map((r) => form(r.text).access_key).filter((k): k is string => !!k),
	];

	const validSignature = (body: string) => {
		const f = form(body);
		return (
			f.access_key ===
			createHmac('sha1', mock.apiSecret)
				.update(f.timestamp + f.api_key + f.nonce)
				.digest('hex')
		);
	};

	it('is usable as an AI tool and reads only (no buying operation)', () => {
		const node = nodeTypes().get('pantherMedia')!;
		expect(node.description.usableAsTool).toBe(true);
		// Which operations exist is test/shared/routers.test.ts's concern; here: none of them orders.
		const operations = node.description.properties
			.find((p) => p.name === 'operation')!
			.options!.map((o) => (o as { value: string }).value);
		expect(operations.length).toBeGreaterThan(0);
		expect(operations.filter((o) => /order|buy|licen[cs]e|^download(?!Preview)/i.test(o))).toEqual([]);
	});

	describe('credential test (host-info, tested by the node)', () => {
		it('passes with the right key and secret, signed, Accept-Version 1.0', async () => {
			const result = await testCredential('pantherMediaApi', {
				apiKey: mock.apiKey,
				apiSecret: mock.apiSecret,
				baseUrl: `${baseUrl()}/`,
			});
			expect(result).toEqual({
				status: 'OK',
				message: 'Connection successful: PantherMedia accepted the API key and secret',
			});
			const request = mock.server.requests.at(-1)!;
			expect(request.method).toBe('POST');
			expect(request.path).toBe('/host-info');
			expect(request.headers['accept-version']).toBe('1.0');
			expect(validSignature(request.text)).toBe(true);
			expect(request.text).not.toContain(mock.apiSecret);
		});

		it('shows PantherMedia’s own text for a wrong key and for a wrong secret', async () => {
			const wrongKey = await testCredential('pantherMediaApi', {
				apiKey: 'not-a-key-000',
				apiSecret: mock.apiSecret,
				baseUrl: baseUrl(),
			});
			expect(wrongKey.status).toBe('Error');
			expect(wrongKey.message).toMatch(
				/^PantherMedia: Unknown api_key \(code 401\) — Check the API key and API secret/,
			);
			const wrongSecret = await testCredential('pantherMediaApi', {
				apiKey: mock.apiKey,
				apiSecret: 'wrong-secret-1',
				baseUrl: baseUrl(),
			});
			expect(wrongSecret.message).toMatch(/^PantherMedia: Invalid access_key \(code 401\)/);
			expect(`${wrongKey.message} ${wrongSecret.message}`).not.toContain(mock.apiSecret);
		});

		it('says when PantherMedia refuses the clock, and when the server cannot be reached', async () => {
			mock.authClockOffsetMs = 3600_000;
			const stale = await testCredential('pantherMediaApi', {
				apiKey: mock.apiKey,
				apiSecret: mock.apiSecret,
				baseUrl: baseUrl(),
			});
			expect(stale.message).toMatch(/Timestamp expired or in the future.*server’s clock/);
			const unreachable = await testCredential('pantherMediaApi', {
				apiKey: mock.apiKey,
				apiSecret: mock.apiSecret,
				baseUrl: 'http://127.0.0.1:9',
			});
			expect(unreachable).toEqual({
				status: 'Error',
				message: expect.stringMatching(
					/^PantherMedia: The connection to the server failed — Check the base URL in the credential .*ECONNREFUSED/,
				),
			});
		});

		it('redacts an access_key a careless server echoes', async () => {
			mock.echoAccessKey = true;
			const result = await testCredential('pantherMediaApi', {
				apiKey: mock.apiKey,
				apiSecret: 'wrong-secret-2',
				baseUrl: baseUrl(),
			});
			const sent = form(mock.server.requests.at(-1)!.text).access_key;
			expect(result.message).toContain('[redacted]');
			expect(result.message).not.toContain(sent);
			expect(result.message).not.toContain(mock.apiKey);
		});
	});

	describe('Media → Poll', () => {
		it('reproduces PantherMedia’s documented sample: request fields, answer rows, next_page_id continuation', async () => {
			const { output } = await run({
				operation: 'poll',
				type: 'changed',
				sinceMode: 'date',
				sinceDate: '2021-01-11T02:00:00Z',
				limit: 10,
			});
			const request = mock.server.requests.at(-1)!;
			expect(request.path).toBe('/poll');
			expect(request.headers['accept-version']).toBe('1.1');
			expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
			const sample = form(readFileSync(join(FIXTURES, 'poll-changed.request.txt'), 'utf8').trim());
			const sent = form(request.text);
			for (const field of ['type', 'last_polling', 'limit', 'algo']) expect(sent[field]).toBe(sample[field]);
			expect(Object.keys(sent).sort()).toEqual(Object.keys(sample).sort());
			expect(validSignature(request.text)).toBe(true);
			expect(output[0].map((i) => i.json)).toEqual(
				fixtureRows('poll-changed.xml').map((r) => ({ ...r, type: 'changed' })),
			);

			// The documented continuation: next_page_id of the sixth row.
			const nextSample = form(readFileSync(join(FIXTURES, 'poll-changed-next-page.request.txt'), 'utf8').trim());
			const next = await run({
				operation: 'poll',
				type: 'changed',
				sinceMode: 'date',
				sinceDate: '2021-01-11T02:00:00Z',
				limit: 10,
				pollOptions: { nextPageId: nextSample.next_page_id },
			});
			expect(form(mock.server.requests.at(-1)!.text).next_page_id).toBe(nextSample.next_page_id);
			expect(next.output[0].map((i) => i.json)).toEqual(
				fixtureRows('poll-changed-next-page.xml').map((r) => ({ ...r, type: 'changed' })),
			);
		});

		it('returns all rows through next_page_id, page after page', async () => {
			const { output } = await run({
				operation: 'poll',
				type: 'changed',
				sinceMode: 'date',
				sinceDate: '2021-01-11',
				returnAll: true,
				pollOptions: { pageSize: 4 },
			});
			expect(output[0]).toHaveLength(16);
			expect(new Set(output[0].map((i) => i.json.id)).size).toBe(16);
			const pages = mock.server.requests.map((r) => form(r.text));
			expect(pages.map((p) => p.limit)).toEqual(['4', '4', '4', '4', '4']);
			expect(pages[0].next_page_id).toBeUndefined();
			for (let i = 1; i < pages.length; i++) expect(pages[i].next_page_id).toBe(output[0][i * 4 - 1].json.nextPageId);
			expect(output[0].every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		});

		it('polls by media id (the documented initial import: media id 1, type new)', async () => {
			const { output } = await run({
				operation: 'poll',
				type: 'new',
				sinceMode: 'mediaId',
				sinceMediaId: '1',
				limit: 100,
			});
			expect(form(mock.server.requests.at(-1)!.text).last_polling).toBe('1');
			expect(output[0].map((i) => i.json.id)).toEqual(['5001', '5002', '5003', '5004']);
		});

		it.each([
			[{ sinceDate: '2021-02-30' }, /^Since Date is not a valid date/],
			[{ sinceDate: '2021-01-11', limit: 0 }, /^Limit must be a whole number from 1 to 10000/],
			[{ sinceDate: '2021-01-11', limit: 10001 }, /^Limit must be a whole number from 1 to 10000/],
			[{ sinceMode: 'mediaId', sinceMediaId: '' }, /^Since Media ID is empty/],
			[{ sinceMode: 'mediaId', sinceMediaId: '12 34' }, /^Since Media ID has 2 IDs/],
			[{ sinceMode: 'mediaId', sinceMediaId: '<1>' }, /^Since Media ID contains an invalid media ID/],
			[{ type: 'modified', sinceDate: '2021-01-11' }, /^Type must be one of new, changed, deleted/],
		])('refuses %j before sending anything', async (parameters, message) => {
			const error = await caught(() =>
				run({ operation: 'poll', type: 'new', sinceMode: 'date', limit: 10, ...parameters }),
			);
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toMatch(message);
			expect(mock.server.requests).toHaveLength(0);
		});

		it('says that poll is not available for partner media when PantherMedia refuses (403)', async () => {
			mock.partnerKeys.add('partner-key-1');
			const error = await caught(() =>
				run({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 5 }, undefined, {
					credentials: { apiKey: 'partner-key-1' },
				}),
			);
			expect(error.message).toBe('PantherMedia: poll is not available for partner media data (code 403)');
			expect(error.description).toMatch(/Poll covers PantherMedia’s own media only \(not partner media\)/);
			expectNoSecrets(error, secrets());
		});
	});

	describe('Media → Get Info', () => {
		it('reads PantherMedia’s documented get-media-info answer into metadata with preview URLs', async () => {
			const { output } = await run({ operation: 'getInfo', mediaIds: '2345', infoOptions: { top10Keywords: true } });
			const request = form(mock.server.requests.at(-1)!.text);
			expect(request).toMatchObject({ id_media: '2345', lang: 'en', show_top10_keywords: 'yes' });
			expect(request.show_articles).toBeUndefined();
			expect(mock.server.requests.at(-1)!.headers['accept-version']).toBe('1.0');
			expect(output[0]).toHaveLength(1);
			expect(output[0][0].json).toEqual({
				id: '2345',
				thumb_150_url: 'http://agency.panthermedia.net/media/previews/0000000000/00002000/00002345_thumb.jpg',
				thumb_170_url: 'http://agency.panthermedia.net/media/previews/0000000000/00002000/00002345_thumb_170.jpg',
				preview_url: 'http://agency.panthermedia.net/media/previews/0000000000/00002000/00002345_preview.jpg',
				preview_url_high: 'http://agency.panthermedia.net/media/previews/0000000000/00002000/00002345_high.jpg',
				width: '3508px',
				height: '2339px',
				mime_type: 'image/jpeg',
				metadata: {
					keywords: [
						'tree',
						'trees',
						'field',
						'tuscany',
						'hill',
						'fields',
						'toscana',
						'picturesque',
						'hilly',
						'mild',
						'cypresses',
						'unclouded',
						'cloudless',
						'scenery',
						'countryside',
						'nature',
						'italy',
						'clouds',
						'blauer himmel',
						'hügellandschaft',
					],
					keywords_top10: [
						'tree',
						'field',
						'trees',
						'tuscany',
						'nature',
						'tree',
						'field',
						'italy',
						'clouds',
						'scenery',
					],
					title: 'toscana',
					description: 'tree in toscana\nitaly',
				},
			});
		});

		it('asks for many ids in one request and marks the ones PantherMedia does not return', async () => {
			const { output } = await run({
				operation: 'getInfo',
				mediaIds: '5001, 5004,5002\n5001',
				infoOptions: { language: 'de', articles: true },
			});
			expect(mock.server.requests).toHaveLength(1);
			expect(form(mock.server.requests[0].text)).toMatchObject({
				id_media: '5001,5004,5002',
				lang: 'de',
				show_articles: 'yes',
			});
			expect(output[0].map((i) => [i.json.id, i.json.found ?? true])).toEqual([
				['5001', true],
				['5004', false],
				['5002', true],
			]);
			expect(output[0][0].json.metadata).toMatchObject({ title: '[de] Panther 5001', keywords: ['panther', 'k5001'] });
			expect(output[0][0].json.articles).toEqual({
				singlebuy_list: {
					singlebuy: {
						sizes: {
							article: [
								{ id: 'eur-56', name: 'S', price: '9.00', currency: 'EUR' },
								{ id: 'eur-57', name: 'L', price: '29.00', currency: 'EUR' },
							],
						},
					},
				},
			});
		});

		it('pairs every output item with its input item, and continues on fail with an error item', async () => {
			const { output } = await run(
				{ operation: 'getInfo', mediaIds: '={{ $json.ids }}' },
				[{ json: { ids: ['5003'] } }, { json: { ids: '' } }, { json: { ids: 'x/y' } }, { json: { ids: '5001,5002' } }],
				{ continueOnFail: true },
			);
			expect(output[0].map((i) => [(i.pairedItem as { item: number }).item, i.json.id ?? i.json.error])).toEqual([
				[0, '5003'],
				[1, 'Media IDs is empty'],
				[2, 'Media IDs contains an invalid media ID: "x/y"'],
				[3, '5001'],
				[3, '5002'],
			]);
			expect(output[0][1].json.errorDescription).toMatch(/Enter at least one PantherMedia media ID/);
		});

		it('reports ids PantherMedia says are not found as found = false, asking each alone when it refuses a whole list', async () => {
			const { output } = await run({ operation: 'getInfo', mediaIds: '9999999' });
			expect(output[0].map((i) => i.json)).toEqual([{ id: '9999999', found: false }]);
			mock.server.resetLog();
			mock.server.injectFault(
				{
					kind: 'status',
					status: 404,
					body: '<rsp stat="fail"><err code="404" msg="media not found"/></rsp>',
					contentType: 'text/xml',
				},
				{ match: (r) => r.path === '/get-media-info' && form(r.text).id_media.includes(',') },
			);
			const many = await run({ operation: 'getInfo', mediaIds: '5001,8888888,5002' });
			expect(mock.server.requests.map((r) => form(r.text).id_media)).toEqual([
				'5001,8888888,5002',
				'5001',
				'8888888',
				'5002',
			]);
			expect(many.output[0].map((i) => [i.json.id, i.json.found ?? true])).toEqual([
				['5001', true],
				['8888888', false],
				['5002', true],
			]);
		});

		it('a 404 that is not PantherMedia’s answer (wrong base URL) stays an error', async () => {
			mock.server.injectFault({
				kind: 'status',
				status: 404,
				body: '<html>Not Found</html>',
				contentType: 'text/html',
			});
			const bare = await caught(() => run({ operation: 'getInfo', mediaIds: '5001' }));
			expect(bare.message).toBe('PantherMedia: PantherMedia found nothing for this request');
			expect(bare.description).toMatch(/base URL/);
		});
	});

	describe('Media → Download Preview', () => {
		it('returns the preview as n8n binary data with PantherMedia’s MIME type and file name', async () => {
			const { output } = await run({ operation: 'downloadPreview', mediaId: '5001', binaryPropertyName: 'preview' });
			const request = mock.server.requests.at(-1)!;
			expect(request.path).toBe('/download-image-preview');
			expect(form(request.text)).toMatchObject({
				id_media: '5001',
				content_type: 'application/octet-stream, application/json',
			});
			const item = output[0][0];
			expect(item.json).toEqual({
				id: '5001',
				fileName: '5001_preview.jpg',
				mimeType: 'image/jpeg',
				fileSize: PREVIEW_JPEG.length,
			});
			expect(item.binary!.preview).toMatchObject({
				mimeType: 'image/jpeg',
				fileName: '5001_preview.jpg',
				fileExtension: 'jpg',
			});
			expect(item.pairedItem).toEqual({ item: 0 });
		});

		it('tells the MIME type from the bytes when PantherMedia only says octet-stream, and keeps file names safe', async () => {
			const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
			try {
				mock.previewAs = { contentType: 'application/octet-stream', body: png };
				const sniffed = await run({ operation: 'downloadPreview', mediaId: '5002', binaryPropertyName: 'data' });
				expect(sniffed.output[0][0].json).toEqual({
					id: '5002',
					fileName: 'panthermedia-5002-preview.png',
					mimeType: 'image/png',
					fileSize: png.length,
				});
				mock.previewAs = {
					contentType: 'image/png',
					body: png,
					disposition: "attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpreview%20%C3%BC.png",
				};
				const named = await run({ operation: 'downloadPreview', mediaId: '5002', binaryPropertyName: 'data' });
				expect(named.output[0][0].binary!.data).toMatchObject({ fileName: 'preview ü.png', mimeType: 'image/png' });
				mock.previewAs = {
					contentType: 'text/xml',
					body: Buffer.from('<?xml version="1.0"?><rsp stat="ok"><nothing/></rsp>'),
				};
				const notImage = await caught(() => run({ operation: 'downloadPreview', mediaId: '5002' }));
				expect(notImage.message).toBe('PantherMedia: Malformed answer: expected an image for media 5002, got text/xml');
			} finally {
				mock.previewAs = undefined;
			}
		});

		it('reports a removed media (410) and an unknown one (404) in PantherMedia’s words, JSON errors included', async () => {
			const gone = await caught(() => run({ operation: 'downloadPreview', mediaId: '5004' }));
			expect(gone.message).toBe('PantherMedia: Media 5004 is no longer available (code 410)');
			expect(gone.description).toMatch(/removed or withdrawn/);
			mock.failStatus = '200';
			const missing = await caught(() => run({ operation: 'downloadPreview', mediaId: '424242' }));
			expect(missing.message).toBe('PantherMedia: Media 424242 not found (code 404)');
			for (const error of [gone, missing]) expectNoSecrets(error, secrets());
		});
	});

	describe('Media → Search', () => {
		it('searches with v1.2, query, page, limit, extra info and filters', async () => {
			const { output } = await run({
				operation: 'search',
				query: 'panther -gone',
				page: 1,
				limit: 2,
				searchOptions: {
					extraInfo: ['width', 'title', 'keywords'],
					filters: 'type: photos; orientation: landscape;',
					language: 'de',
				},
			});
			const request = mock.server.requests.at(-1)!;
			expect(request.headers['accept-version']).toBe('1.2');
			expect(form(request.text)).toMatchObject({
				q: 'panther -gone',
				page: '1',
				limit: '2',
				lang: 'de',
				extra_info: 'width,title,keywords',
				filters: 'type: photos; orientation: landscape;',
			});
			expect(output[0].map((i) => i.json)).toEqual([
				{
					id: '5001',
					thumb: expect.stringContaining('5001_thumb_170.jpg'),
					width: '4000px',
					title: 'Panther 5001',
					keywords: ['panther', 'k5001'],
					totalResults: 3,
				},
				{
					id: '5002',
					thumb: expect.stringContaining('5002_thumb_170.jpg'),
					width: '4000px',
					title: 'Panther 5002',
					keywords: ['panther', 'k5002'],
					totalResults: 3,
				},
			]);
		});

		it.each([
			[{ query: 'x', limit: 101 }, /^Limit must be a whole number from 1 to 100/],
			[{ query: 'x', page: 0 }, /^Page must be a whole number from 1/],
			[{ query: 'x', searchOptions: { filters: 'landscape' } }, /^Filters has an entry that is not "name: value"/],
			[{ query: '  ' }, /^Query is empty/],
		])('refuses %j before sending anything', async (parameters, message) => {
			const error = await caught(() => run({ operation: 'search', page: 1, limit: 10, ...parameters }));
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toMatch(message);
			expect(mock.server.requests).toHaveLength(0);
		});
	});

	describe('failures', () => {
		const poll = () => run({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 5 });
		const failBody = (code: number, msg: string) =>
			`<?xml version="1.0"?><rsp stat="fail"><err code="${code}" msg="${msg}"/></rsp>`;

		it.each([
			[401, 'Authentication failed: bad signature', /Check the API key and API secret/],
			[402, 'No deposit', /never buys/],
			[403, 'Forbidden method', /not allowed to use this method/],
			[404, 'Nothing here', /Check the media ID/],
			[410, 'Gone for good', /removed or withdrawn/],
			[421, 'Too many Request', /limits the request rate/],
			[429, 'Slow down', /limits the request rate/],
			[500, 'Database error', /having trouble/],
			[503, 'Maintenance', /having trouble/],
		])('HTTP %i with a fail answer says what happened and what to do', async (status, msg, hint) => {
			mock.server.injectFault(
				{ kind: 'status', status, body: failBody(status, msg), contentType: 'text/xml' },
				{ times: 4 },
			);
			const error = await caught(poll);
			expect(error.message).toBe(`PantherMedia: ${msg} (code ${status})`);
			expect(error.description).toMatch(hint);
			expect(error.description).toContain(`HTTP ${status}`);
			expectNoSecrets(error, secrets());
		});

		it.each([
			[402, 'Payment required: the PantherMedia account has no deposit left for this'],
			[410, 'The media is no longer available at PantherMedia'],
			[421, 'PantherMedia is receiving too many requests from this key'],
			[502, 'PantherMedia had an internal error'],
		])('HTTP %i without a PantherMedia body still says what happened', async (status, message) => {
			mock.server.injectFault(
				{ kind: 'status', status, body: '<html>proxy</html>', contentType: 'text/html' },
				{ times: 4 },
			);
			const error = await caught(poll);
			expect(error.message).toBe(`PantherMedia: ${message}`);
		});

		it('retries 5xx and re-signs every attempt: a new nonce and a valid signature each time', async () => {
			mock.server.injectFault({ kind: 'status', status: 503, retryAfter: '1' }, { times: 2 });
			await poll();
			expect(mock.server.requests).toHaveLength(3);
			const bodies = mock.server.requests.map((r) => form(r.text));
			expect(new Set(bodies.map((b) => b.nonce)).size).toBe(3);
			expect(mock.server.requests.every((r) => validSignature(r.text))).toBe(true);
			expect(sleeps.delays.every((d) => d >= 1000)).toBe(true);
		});

		it('a fail answer with HTTP 200, and `err` with child elements, is an error too', async () => {
			mock.failStatus = '200';
			mock.errForm = 'children';
			mock.partnerKeys.add('partner-key-2');
			const refused = await caught(() =>
				run({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 5 }, undefined, {
					credentials: { apiKey: 'partner-key-2' },
				}),
			);
			expect(refused.message).toBe('PantherMedia: poll is not available for partner media data (code 403)');
			expect(refused.description).toMatch(/not partner media/);
			expect(mock.server.requests).toHaveLength(1); // a final answer, not retried
		});

		it('a stale timestamp is refused by PantherMedia and reported without secrets', async () => {
			mock.authClockOffsetMs = -3600_000;
			const error = await caught(poll);
			expect(error.message).toBe('PantherMedia: Timestamp expired or in the future (code 401)');
			expectNoSecrets(error, secrets());
		});

		it('an echoed access_key never reaches the error', async () => {
			mock.echoAccessKey = true;
			const error = await caught(() =>
				run({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 5 }, undefined, {
					credentials: { apiSecret: 'not-the-secret' },
				}),
			);
			expect(error.message).toMatch(/^PantherMedia: Invalid access_key \[redacted\] for api_key \[redacted\]/);
			expectNoSecrets(error, [...secrets(), 'not-the-secret']);
		});

		it('a replayed request (same nonce) is refused by the mock, so nonces must be fresh', async () => {
			await poll();
			const captured = mock.server.requests.at(-1)!;
			const replay = await fetch(`${baseUrl()}/poll`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-version': '1.1' },
				body: captured.text,
			});
			expect(replay.status).toBe(401);
			expect(await replay.text()).toContain('Nonce already used');
		});

		it('malformed and truncated answers are retried, then reported clearly', async () => {
			mock.server.injectFault(
				{ kind: 'malformed', body: '<rsp stat="ok"><items type="new"><media id="1"', contentType: 'text/xml' },
				{ times: 4 },
			);
			const malformed = await caught(poll);
			expect(mock.server.requests).toHaveLength(4);
			expect(malformed.message).toMatch(/^PantherMedia: Malformed answer: not well-formed XML/);
			expect(malformed.description).toMatch(/malformed or truncated answer/);
			mock.server.resetLog();
			mock.server.injectFault({ kind: 'truncate' }, { times: 4 });
			const truncated = await caught(poll);
			// The network code goes to the description: n8n rewrites messages that contain one.
			expect(truncated.message).toBe('PantherMedia: The connection to the server failed');
			expect(truncated.description).toMatch(/while trying to poll new media.*ECONNRESET/);
			expect(mock.server.requests).toHaveLength(4);
			for (const error of [malformed, truncated]) expectNoSecrets(error, secrets());
		});

		it('reports and skips an unreadable row, and returns the rows around it', async () => {
			mock.server.injectFault(
				{
					kind: 'malformed',
					body: `<?xml version="1.0"?><rsp stat="ok"><items type="new">
						<media id="1" date="Thu, 02 Aug 2012 05:54:55 UTC" next_page_id="a"/>
						<media id="2" date="yesterday" next_page_id="b"/>
						<media date="Thu, 02 Aug 2012 05:54:57 UTC" next_page_id="c"/>
						<media id="4" date="Thu, 02 Aug 2012 05:54:58 UTC" next_page_id="d"/>
					</items></rsp>`,
					contentType: 'text/xml',
				},
				{ times: 1 },
			);
			logLines.length = 0;
			const { output } = await poll();
			expect(output[0].map((i) => i.json.id)).toEqual(['1', '4']);
			const warnings = logLines.filter((l) => l.level === 'warn').map((l) => l.message);
			expect(warnings).toEqual([
				'PantherMedia: skipped row 2 (media 2) of a poll of new media: its date is unreadable: "yesterday"',
				'PantherMedia: skipped row 3 of a poll of new media: it has no media id',
			]);
		});

		it('a billion-laughs answer is refused unread: no hang, no memory blow-up', async () => {
			mock.server.injectFault({ kind: 'malformed', body: billionLaughs(), contentType: 'text/xml' }, { times: 8 });
			const heapBefore = process.memoryUsage().heapUsed;
			const cpuMs = cpuStopwatch();
			const error = await caught(() => run({ operation: 'getInfo', mediaIds: '5001' }));
			expect(cpuMs()).toBeLessThan(10_000); // generous bound in CPU time: expansion would burn minutes
			expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
			expect(error.message).toBe(
				'PantherMedia: Malformed answer: the answer declares a DOCTYPE, which PantherMedia never sends (refused unread)',
			);
			expectNoSecrets(error, secrets());
		});
	});
});

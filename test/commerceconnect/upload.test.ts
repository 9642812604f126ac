import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { buildMultipart } from '../../nodes/CommerceConnect/transport/multipart';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { binaryItem } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { CommerceConnectMock, parseMultipart, readMultipartStream, sha256 } from '../../sandbox/commerceconnect';
import { fixture, json, runNode } from './helpers';

describe('CommerceConnect node → Upload', () => {
	const mock = new CommerceConnectMock();
	const baseUrl = useMock(mock);
	const sleeps = useRecordedSleeps();

	const upload = (parameters: Record<string, unknown>, input: Parameters<typeof runNode>[3]) =>
		runNode(
			mock,
			baseUrl(),
			{ operation: 'upload', binaryPropertyName: 'data', productBy: 'id', productId: '257', ...parameters },
			input,
		);
	const uploads = () => mock.server.requests.filter((r) => r.path === '/api/v2/media_items/upload');

	it('streams a multi-megabyte file from n8n’s binary store, byte for byte, with the documented fields', async () => {
		const data = randomBytes(8 * 1024 * 1024 + 123); // 8 MB and an odd tail
		const input = await binaryItem(data, 'test.png', 'image/png');
		expect(input.binary!.data.id).toMatch(/^filesystem/); // stored on disk: the stream path
		const result = await upload(
			{ additionalFields: { description: 'Test', isPrimary: true, tags: 'test_tag', position: 100 } },
			[input],
		);

		const request = uploads()[0];
		expect(uploads()).toHaveLength(1);
		expect(request.method).toBe('POST');
		expect(request.headers.authorization).toBe(mock.authorization);
		expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=\S+$/);
		// A known length, not chunked: the body was declared and sent exactly.
		expect(request.headers['transfer-encoding']).toBeUndefined();
		expect(Number(request.headers['content-length'])).toBe(request.body.length);

		const parts = parseMultipart(request.body, String(request.headers['content-type']));
		expect(
			parts.map((p) => [
				p.name,
				p.fileName ?? null,
				p.contentType ?? null,
				p.fileName ? `${p.data.length} bytes` : p.data.toString(),
			]),
		).toEqual([
			['product_id', null, null, '257'],
			['image_media_item[description]', null, null, 'Test'],
			['image_media_item[position]', null, null, '100'],
			['image_media_item[is_primary]', null, null, 'true'],
			['image_media_item[tag_list]', null, null, 'test_tag'],
			['image_media_item[asset]', 'test.png', 'image/png', `${data.length} bytes`],
		]);
		const stored = [...mock.items.values()].at(-1)!;
		expect(sha256(stored.asset!.bytes)).toBe(sha256(data));

		// The answer as CommerceConnect gives it: the documented upload response's fields.
		const [item] = json(result);
		expect(Object.keys(item).sort()).toEqual(Object.keys(fixture('upload-response.json')).sort());
		expect(item).toMatchObject({
			id: stored.id,
			is_uploaded: true,
			asset_file_name: 'test.png',
			product_id: 257,
			position: 100,
			tag_list: ['test_tag'],
			description: 'Test',
			is_primary: true,
		});
		expect(result.output[0][0].pairedItem).toEqual({ item: 0 });
	});

	it('uses the fields of the documented curl example', () => {
		const curl = readFileSync(
			join(__dirname, '..', '..', 'sandbox', 'fixtures', 'commerceconnect', 'upload-request.curl.txt'),
			'utf8',
		);
		const names = [...curl.matchAll(/--form '?([^=']+)=/g)].map((m) => m[1]);
		// sort_order_position is deprecated in favour of position; the node sends position.
		expect(names.filter((n) => n !== 'image_media_item[sort_order_position]')).toEqual([
			'image_media_item[asset]',
			'product_id',
			'image_media_item[description]',
			'image_media_item[is_primary]',
			'image_media_item[tag_list]',
			'image_media_item[position]',
		]);
	});

	it('uploads a binary held in memory (no binary store id), with several tags and a new file name', async () => {
		const data = randomBytes(300_000);
		const input = {
			json: {},
			binary: { photo: { data: data.toString('base64'), mimeType: 'image/jpeg', fileName: 'IMG_0001.JPG' } },
		};
		await runNode(
			mock,
			baseUrl(),
			{
				operation: 'upload',
				binaryPropertyName: 'photo',
				productBy: 'code',
				productCode: 'SKU-9',
				additionalFields: { fileName: 'front "hero".jpg', tags: ['front', 'hero'] },
			},
			[input],
		);
		expect(mock.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'GET /api/v2/products',
			'POST /api/v2/media_items/upload',
		]);
		const request = uploads()[0];
		const parts = parseMultipart(request.body, String(request.headers['content-type']));
		expect(parts.find((p) => p.name === 'product_id')!.data.toString()).toBe('9');
		expect(parts.find((p) => p.name === 'image_media_item[tag_list]')!.data.toString()).toBe('front,hero');
		const asset = parts.find((p) => p.name === 'image_media_item[asset]')!;
		expect(asset.fileName).toBe('front %22hero%22.jpg'); // quotes escaped as browsers do
		expect(asset.contentType).toBe('image/jpeg');
		expect(sha256(asset.data)).toBe(sha256(data));
	});

	it('is not sent again when the connection breaks after the upload reached the server', async () => {
		const data = randomBytes(2 * 1024 * 1024);
		const input = await binaryItem(data, 'once.png', 'image/png');
		const before = mock.items.size;
		mock.server.injectFault({ kind: 'truncate' }); // stored, then the answer is cut off
		const error = await caught(() => upload({}, [input]));
		expect(error.name).toBe('NodeApiError');
		expect(error.description).toMatch(/so it was not sent again/);
		expect(uploads()).toHaveLength(1);
		expect(mock.items.size).toBe(before + 1);
		expect(sleeps.delays).toEqual([]);
		expectNoSecrets(error, [mock.token]);
	});

	it('is sent again after a 429, with a fresh stream of the whole file', async () => {
		const data = randomBytes(3 * 1024 * 1024);
		const input = await binaryItem(data, 'again.png', 'image/png');
		mock.server.injectFault({ kind: 'status', status: 429, retryAfter: '1' });
		const result = await upload({}, [input]);
		expect(uploads()).toHaveLength(2);
		for (const request of uploads()) {
			expect(Number(request.headers['content-length'])).toBe(request.body.length);
			const asset = parseMultipart(request.body, String(request.headers['content-type'])).find((p) => p.fileName)!;
			expect(sha256(asset.data)).toBe(sha256(data));
		}
		expect(sha256(mock.items.get(json(result)[0].id as number)!.asset!.bytes)).toBe(sha256(data));
	});

	it('refuses an empty file and a missing binary field before sending', async () => {
		const empty = await binaryItem(Buffer.alloc(0), 'empty.png', 'image/png');
		expect((await caught(() => upload({}, [empty]))).message).toBe('The binary file in data is empty');
		const error = await caught(() => upload({ binaryPropertyName: 'image' }, [empty]));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/image/);
		expect(mock.server.requests).toHaveLength(0);
	});

	it('is read the same by the mock’s streaming mode (used by the upload benchmark): fields kept, file hashed', async () => {
		const data = randomBytes(3 * 1024 * 1024 + 7);
		const input = await binaryItem(data, 'streamed.png', 'image/png');
		mock.streamUploads = true;
		try {
			const result = await upload({ additionalFields: { description: 'Streamed', tags: 'a,b' } }, [input]);
			const stored = mock.items.get(json(result)[0].id as number)!;
			expect(stored).toMatchObject({ description: 'Streamed', tag_list: ['a', 'b'], product_id: 257 });
			expect(stored.asset).toMatchObject({
				fileName: 'streamed.png',
				contentType: 'image/png',
				size: data.length,
				sha256: sha256(data),
			});
			expect(stored.asset!.bytes).toHaveLength(0); // not kept
			expect(uploads()[0].body).toHaveLength(0);
		} finally {
			mock.streamUploads = false;
		}
	});

	it('does not follow a redirect (which would hold the whole streamed file in memory for a replay): it fails saying to fix the Base URL', async () => {
		const redirector = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				res.writeHead(307, { location: `${baseUrl()}${req.url ?? ''}`, 'content-type': 'text/plain' });
				res.end('moved');
			});
		});
		await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
		try {
			const input = await binaryItem(randomBytes(200_000), 'moved.png', 'image/png');
			const error = await caught(() =>
				runNode(
					mock,
					`http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
					{ operation: 'upload', binaryPropertyName: 'data', productBy: 'id', productId: '257' },
					[input],
				),
			);
			expect(error.name).toBe('NodeApiError');
			// The same host on another port: named by scheme, host and port, never with the path.
			expect(error.message).toBe(
				`CommerceConnect: The request was answered with a redirect (HTTP 307) to ${baseUrl()}; this request is not sent on to another address`,
			);
			expect(error.description).toMatch(
				/Set the URL in the credential to the address the server redirects to .* streamed/,
			);
			expect(uploads()).toHaveLength(0); // never replayed to the mock
			expectNoSecrets(error, [mock.token]);
		} finally {
			await new Promise((resolve) => redirector.close(resolve));
		}
	});

	it('reports CommerceConnect’s 422 for the upload', async () => {
		const input = await binaryItem(randomBytes(1000), 'x.png', 'image/png');
		const error = await caught(() => upload({ productId: '4040' }, [input]));
		expect(error.message).toBe('CommerceConnect: product must exist');
		expect(error.description).toMatch(/Product \(product\)/);
	});
});

describe('CommerceConnect node → Upload, File Source URL', () => {
	const mock = new CommerceConnectMock();
	const baseUrl = useMock(mock);
	const sleeps = useRecordedSleeps();

	/** A file host on loopback: `reply` answers each GET (the request count is its second argument). */
	let reply: (req: IncomingMessage, res: ServerResponse, count: number) => void = (_req, res) => res.end();
	const seen: IncomingMessage[] = [];
	const files = createServer((req, res) => {
		seen.push(req);
		reply(req, res, seen.length);
	});
	let fileHost = '';
	beforeAll(async () => {
		await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
		fileHost = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
	});
	afterAll(async () => await new Promise((resolve) => files.close(resolve)));
	beforeEach(() => {
		seen.length = 0;
	});
	const serve =
		(data: Buffer, headers: Record<string, string> = {}) =>
		(_req: IncomingMessage, res: ServerResponse) => {
			res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(data.length), ...headers });
			res.end(data);
		};
	const upload = (fileUrl: string, additionalFields: Record<string, unknown> = {}) =>
		runNode(
			mock,
			baseUrl(),
			{ operation: 'upload', fileSource: 'url', fileUrl, productBy: 'id', productId: '257', additionalFields },
			[{ json: {} }],
		);
	const uploads = () => mock.server.requests.filter((r) => r.path === '/api/v2/media_items/upload');
	const assetOf = (request: { body: Buffer; headers: Record<string, unknown> }) =>
		parseMultipart(request.body, String(request.headers['content-type'])).find((p) => p.fileName)!;

	it('streams the file from the URL to CommerceConnect, byte for byte; no credential goes to the file host', async () => {
		const data = randomBytes(6 * 1024 * 1024 + 11);
		reply = serve(data);
		const result = await upload(`${fileHost}/scores/HL%20Score%2001.pdf?signature=s3cr3t-sig`, {
			description: 'From a URL',
		});
		expect(seen).toHaveLength(1);
		expect(seen[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(seen[0].headers)).not.toContain(mock.token);
		expect(seen[0].headers['accept-encoding']).toBe('identity');
		const request = uploads()[0];
		expect(uploads()).toHaveLength(1);
		expect(request.headers['transfer-encoding']).toBeUndefined();
		expect(Number(request.headers['content-length'])).toBe(request.body.length);
		const asset = assetOf(request);
		// Named after the URL's path (decoded), never its query; typed by the file host's answer.
		expect([asset.fileName, asset.contentType]).toEqual(['HL Score 01.pdf', 'application/pdf']);
		expect(sha256(asset.data)).toBe(sha256(data));
		expect(json(result)[0]).toMatchObject({
			product_id: 257,
			description: 'From a URL',
			asset_file_name: 'HL Score 01.pdf',
		});
	});

	it('follows the file host’s redirect to another host, still without a credential', async () => {
		const data = randomBytes(100_000);
		reply = (req, res, count) => {
			if (count === 1) {
				// Another origin: localhost instead of 127.0.0.1.
				res.writeHead(302, { location: `${fileHost.replace('127.0.0.1', 'localhost')}/moved.png` });
				res.end();
			} else serve(data, { 'content-type': 'image/png' })(req, res);
		};
		await upload(`${fileHost}/old.png`, { fileName: 'front.png' });
		expect(seen.map((r) => [r.headers.host?.split(':')[0], r.url, r.headers.authorization])).toEqual([
			['127.0.0.1', '/old.png', undefined],
			['localhost', '/moved.png', undefined],
		]);
		const asset = assetOf(uploads()[0]);
		expect([asset.fileName, asset.contentType, sha256(asset.data)]).toEqual(['front.png', 'image/png', sha256(data)]);
	});

	it('after a 429 from CommerceConnect, downloads the file again and uploads it whole', async () => {
		const data = randomBytes(2 * 1024 * 1024);
		reply = serve(data);
		mock.server.injectFault({ kind: 'status', status: 429, retryAfter: '1' }, { match: (r) => r.method === 'POST' });
		const result = await upload(`${fileHost}/again.pdf`);
		expect(seen).toHaveLength(2);
		expect(uploads()).toHaveLength(2);
		expect(sha256(assetOf(uploads()[1]).data)).toBe(sha256(data));
		expect(sha256(mock.items.get(json(result)[0].id as number)!.asset!.bytes)).toBe(sha256(data));
		expect(sleeps.delays.length).toBeGreaterThan(0);
	});

	it('refuses a file host that does not give the size, and an empty file, before uploading anything', async () => {
		reply = (_req, res) => {
			res.writeHead(200, { 'content-type': 'application/pdf' }); // chunked: no Content-Length
			res.write(randomBytes(1000));
			res.end();
		};
		let error = await caught(() => upload(`${fileHost}/chunked.pdf?token=abc`));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toBe(
			`The server of the File URL (${fileHost.slice('http://'.length)}/chunked.pdf) did not give the file’s size`,
		);
		expect(error.description).toMatch(/Content-Length/);
		reply = serve(Buffer.alloc(0));
		error = await caught(() => upload(`${fileHost}/empty.pdf`));
		expect(error.message).toMatch(/^The file at the File URL .*empty\.pdf\) is empty$/);
		expect(uploads()).toHaveLength(0);
	});

	it('reports a file host’s 404 by host and path (never the signed query), and uploads nothing', async () => {
		reply = (_req, res) => {
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('no such key');
		};
		const error = await caught(() => upload(`${fileHost}/gone.pdf?X-Amz-Signature=deadbeefcafe`));
		expect(error.name).toBe('NodeApiError');
		expect(error.message).toMatch(/^File URL: /);
		expect(`${error.message} ${error.description}`).toContain('/gone.pdf');
		expectNoSecrets(error, [mock.token, 'deadbeefcafe']);
		expect(uploads()).toHaveLength(0);
	});

	it('a download that breaks off mid-way fails the upload; CommerceConnect keeps nothing of it', async () => {
		const before = mock.items.size;
		reply = (_req, res) => {
			res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(4 * 1024 * 1024) });
			res.write(randomBytes(1024 * 1024), () => res.destroy());
		};
		const error = await caught(() => upload(`${fileHost}/broken.pdf`));
		// Named for what broke (the download), not as a lost answer from CommerceConnect.
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(
			/^The download of the file at 127\.0\.0\.1:\d+\/broken\.pdf broke off, so nothing was uploaded \(/,
		);
		expect(error.description).toMatch(/Run the node again/);
		// The upload was cut short with the file (the mock saw it go away mid-body, or never saw it):
		// CommerceConnect never handled an upload.
		expect(uploads()).toHaveLength(0);
		expect(mock.server.abortedRequests.filter((r) => r !== 'POST /api/v2/media_items/upload')).toEqual([]);
		expect(mock.items.size).toBe(before);
		expectNoSecrets(error, [mock.token]);
	});

	it('sends the MIME Type given (e.g. the DAM’s mimeType) instead of the download’s; an empty one keeps it; a malformed one is refused', async () => {
		const data = randomBytes(50_000);
		reply = serve(data, { 'content-type': 'application/octet-stream' });
		await upload(`${fileHost}/score.sco`, { mimeType: 'application/x-scorch' });
		await upload(`${fileHost}/score.sco`, { mimeType: '' });
		expect(uploads().map((request) => assetOf(request).contentType)).toEqual([
			'application/x-scorch',
			'application/octet-stream',
		]);
		const error = await caught(() => upload(`${fileHost}/score.sco`, { mimeType: 'scorch' }));
		expect(error.message).toBe('MIME Type must look like type/subtype, e.g. application/pdf, not "scorch"');
		expect(uploads()).toHaveLength(2);
	});

	it('refuses a File URL that is not http(s), before any request', async () => {
		const error = await caught(() => upload('ftp://files.example.com/a.pdf'));
		expect(error.message).toBe('File URL must be an http:// or https:// address, not "ftp://files.example.com/a.pdf"');
		expect(seen).toHaveLength(0);
		expect(mock.server.requests).toHaveLength(0);
	});
});

describe('multipart body', () => {
	it('is read the same whole or as a stream cut anywhere, including inside a boundary', async () => {
		const file = randomBytes(5000);
		const body = buildMultipart(
			[
				['product_id', '9'],
				['x', 'ä'],
			],
			{
				field: 'f',
				fileName: 'a.bin',
				contentType: 'application/octet-stream',
				size: file.length,
				open: async () => file,
			},
		);
		const chunks: Buffer[] = [];
		for await (const chunk of body.stream()) chunks.push(chunk as Buffer);
		const bytes = Buffer.concat(chunks);
		const whole = parseMultipart(bytes, body.contentType);
		for (const size of [1, 7, 64, 1000, bytes.length]) {
			async function* pieces() {
				for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
			}
			const streamed = await readMultipartStream(pieces(), body.contentType);
			expect(streamed.bytes).toBe(bytes.length);
			expect(streamed.parts.map((p) => [p.name, p.fileName, p.contentType, p.sha256 ?? p.data.toString()])).toEqual(
				whole.map((p) => [p.name, p.fileName, p.contentType, p.fileName ? sha256(p.data) : p.data.toString()]),
			);
		}
		async function* truncated() {
			yield bytes.subarray(0, bytes.length - 3);
		}
		await expect(readMultipartStream(truncated(), body.contentType)).rejects.toThrow(/closing boundary/);
	});

	it('declares exactly the bytes it streams, and stops when the file is not the size it claims', async () => {
		const file = Buffer.from('hello world');
		const body = buildMultipart(
			[['a', 'b']],
			{ field: 'f', fileName: 'x.txt', contentType: 'text/plain', size: file.length, open: async () => file },
			'BOUNDARY',
		);
		const chunks: Buffer[] = [];
		for await (const chunk of body.stream()) chunks.push(chunk as Buffer);
		const bytes = Buffer.concat(chunks);
		expect(bytes.length).toBe(body.contentLength);
		expect(bytes.toString()).toBe(
			'--BOUNDARY\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n' +
				'--BOUNDARY\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nhello world\r\n--BOUNDARY--\r\n',
		);

		const liar = buildMultipart([], {
			field: 'f',
			fileName: 'x',
			contentType: 'text/plain',
			size: 5,
			open: async () => file,
		});
		await expect(async () => {
			for await (const chunk of liar.stream()) void chunk;
		}).rejects.toThrow(/more bytes than its recorded size of 5/);
	});
});

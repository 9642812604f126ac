import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { PollHarness, binaryItem } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { json, runNode } from '../commerceconnect/helpers';
import { CommerceConnectMock, parseMultipart } from '../../sandbox/commerceconnect';
import { HOSTILE_TEXT } from './hostile-input';

/**
 * Bad and hostile input to the CommerceConnect nodes is either sent exactly as typed — as JSON
 * string values, a single query parameter, or one multipart field, never changing the request's
 * shape — or refused before anything is sent, with a NodeOperationError that names the field.
 * What the mock received is the proof. (Field checks of every operation are in
 * test/commerceconnect/actions.test.ts; this file adds hostile strings, extreme numbers and
 * values of the wrong type.)
 */
describe('CommerceConnect: hostile and malformed input', () => {
	const mock = new CommerceConnectMock();
	const baseUrl = useMock(mock);
	useRecordedSleeps();

	const run = (parameters: Record<string, unknown>, input?: Parameters<typeof runNode>[3]) =>
		runNode(mock, baseUrl(), parameters, input);
	const last = () => mock.server.requests.at(-1)!;
	const create = {
		operation: 'create',
		mediaItemType: 'ImageMediaItem',
		attachTo: 'product',
		productBy: 'id',
		productId: '9',
		url: 'https://cdn.example.com/h.jpg',
	};

	const HOSTILE = HOSTILE_TEXT;

	it.each(HOSTILE)(
		'sends a description and tag with %s as JSON string values, exactly as typed',
		async (_name, text) => {
			const result = await run({
				...create,
				additionalFields: { description: text, tags: [text.replace(/,/g, ';'), 'plain'] },
			});
			const sent = JSON.parse(last().text) as { media_item: Record<string, unknown> };
			expect(Object.keys(sent)).toEqual(['media_item']);
			expect(sent.media_item).toEqual({
				media_item_type: 'ImageMediaItem',
				product_id: 9,
				url: 'https://cdn.example.com/h.jpg',
				description: text,
				tag_list: [text.replace(/,/g, ';').trim(), 'plain'],
			});
			// Stored and answered as data: the item is the product's, with the text intact.
			expect(json(result)[0]).toMatchObject({ product_id: 9, description: text });
		},
	);

	it.each(HOSTILE)('looks up a product code with %s as one query parameter, exactly as typed', async (_name, code) => {
		const error = await caught(() =>
			run({ operation: 'deleteByFilter', productBy: 'code', productCode: code, tags: 'old' }),
		);
		const lookup = last();
		expect(lookup.path).toBe('/api/v2/products');
		expect(lookup.query.getAll('code')).toEqual([code.trim()]);
		expect(Object.fromEntries(lookup.query)).toEqual({ code: code.trim(), page: '1', per_page: '100' });
		// No product has such a code: refused by name, nothing deleted.
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toBe(`No product has the code ${JSON.stringify(code.trim())}`);
		expect(mock.writes()).toHaveLength(0);
	});

	it('uploads a file whose name and fields hold quotes, CRLF and a fake part as one file part, escaped as browsers do', async () => {
		const input = await binaryItem(Buffer.from('image bytes'), 'x.png', 'image/png');
		const hostileName = 'a"b\r\nContent-Disposition: form-data; name="product_id"\r\n\r\n1.png';
		const description = '--fake\r\nContent-Disposition: form-data; name="product_id"\r\n\r\n1';
		await run(
			{
				operation: 'upload',
				binaryPropertyName: 'data',
				productBy: 'id',
				productId: '257',
				additionalFields: { fileName: hostileName, description },
			},
			[input],
		);
		const request = last();
		const parts = parseMultipart(request.body, String(request.headers['content-type']));
		expect(parts.map((p) => [p.name, p.fileName ?? null, p.fileName ? p.data.toString() : p.data.toString()])).toEqual([
			['product_id', null, '257'],
			['image_media_item[description]', null, description],
			[
				'image_media_item[asset]',
				'a%22b%0D%0AContent-Disposition: form-data; name=%22product_id%22%0D%0A%0D%0A1.png',
				'image bytes',
			],
		]);
	});

	it.each([
		['negative', '-9'],
		['fractional text', '9.5'],
		['beyond the safe integer range', '99999999999999999999'],
		['in exponent notation', '9e3'],
		['hexadecimal', '0x10'],
		['full-width digits', '９'],
		['followed by SQL', '9; DROP TABLE media_items'],
		['a path', '9/../10'],
		['an object from an expression', '={{ { "id": 9 } }}'],
		['a list from an expression', '={{ [9, 10] }}'],
		['a boolean from an expression', '={{ true }}'],
	])('refuses a product ID that is %s before sending anything', async (_name, productId) => {
		const error = await caught(() => run({ ...create, productId }));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^Product ID must be a whole number, not /);
		expect(mock.server.requests).toHaveLength(0);
	});

	it.each([
		['a path', '14/../15'],
		['negative', '-14'],
		['huge', '1'.repeat(30)],
		['a query string', '14?x=1'],
	])('refuses a media item ID that is %s, so it can never change the URL path', async (_name, mediaItemId) => {
		for (const operation of ['update', 'delete']) {
			const error = await caught(() => run({ operation, mediaItemId, updateFields: { description: 'x' } }));
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toMatch(/^Media Item ID must be a whole number, not /);
		}
		expect(mock.server.requests).toHaveLength(0);
	});

	it.each([
		['a line break inside', 'https://cdn.example.com/a.jpg\r\nX-Injected: 1'],
		['a tab inside', 'https://cdn.example.com/a\t.jpg'],
		['a NUL inside', 'https://cdn.example.com/a\u0000.jpg'],
		['a javascript: address', 'javascript:alert(1)'],
		['a file: address', 'file:///etc/passwd'],
		['a relative path', '../a.jpg'],
	])('refuses a URL with %s, naming the field', async (_name, url) => {
		const error = await caught(() => run({ ...create, url }));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^URL must be an http:\/\/ or https:\/\/ address/);
		expect(mock.server.requests).toHaveLength(0);
	});

	it.each(['2024-02-30', '01/02/2024', 'now', '2024-01-01T24:00:00', '99999-01-01', '={{ {} }}'])(
		'refuses the date %p in Get Many filters and as the trigger’s Start Date, naming the field',
		async (date) => {
			const action = await caught(() =>
				run({ operation: 'getMany', returnAll: true, filters: { updatedAfter: date } }),
			);
			expect(action.name).toBe('NodeOperationError');
			expect(action.message).toMatch(/^Updated After is not a valid date/);
			const trigger = await caught(() =>
				new PollHarness({
					type: 'commerceConnectTrigger',
					parameters: { event: 'updated', firstRun: 'date', startDate: date } as never,
					credentials: { commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl: baseUrl() } },
				}).poll(),
			);
			expect(trigger.name).toBe('NodeOperationError');
			expect(trigger.message).toMatch(/^Start Date is not a valid date/);
			expect(mock.server.requests).toHaveLength(0);
			for (const error of [action, trigger]) expectNoSecrets(error, [mock.token]);
		},
	);

	it.each([
		['a position beyond the safe integer range', { position: 2 ** 60 }, /^Position must be a whole number/],
		['a position that is text', { position: '1; DROP' }, /^Position must be a whole number/],
		['a description that is an object', { description: '={{ { "a": 1 } }}' }, /^Description must be text/],
		['tags that hold an object', { tags: '={{ [{ "a": 1 }] }}' }, /^Tags must be text or a list of texts/],
	])('refuses %s, naming the field', async (_name, additionalFields, message) => {
		const error = await caught(() => run({ ...create, additionalFields }));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(message);
		expect(mock.server.requests).toHaveLength(0);
	});
});

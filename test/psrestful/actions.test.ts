import type { INodeExecutionData } from 'n8n-workflow';

import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { executeNode, listSearch, testCredential } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { PsRestfulMock } from '../../sandbox/psrestful';

describe('PSRESTful node', () => {
	const mock = new PsRestfulMock();
	const baseUrl = useMock(mock, { reset: () => (mock.quota = undefined) });
	const sleeps = useRecordedSleeps();

	const credentials = (apiKey = mock.apiKey) => ({
		psRestfulApi: { apiKey, baseUrl: baseUrl(), environment: 'STAGING', cultureName: 'en-US' },
	});

	async function run(
		parameters: Record<string, unknown>,
		input: INodeExecutionData[] = [{ json: {} }],
		options: { continueOnFail?: boolean; apiKey?: string } = {},
	) {
		return await executeNode(
			{
				type: 'psRestful',
				parameters: parameters as never,
				credentials: credentials(options.apiKey),
				continueOnFail: options.continueOnFail,
			},
			input,
		);
	}

	describe('credential test', () => {
		it('passes with the right key, sending it as X-API-Key to the supplier list', async () => {
			const result = await testCredential('psRestfulApi', { apiKey: mock.apiKey, baseUrl: `${baseUrl()}/` });
			expect(result).toEqual({ status: 'OK', message: 'Connection successful: PSRESTful accepted the API key' });
			const request = mock.server.requests.at(-1)!;
			expect(request.path).toBe('/extra/v2/suppliers');
			expect(request.headers['x-api-key']).toBe(mock.apiKey);
		});

		it('fails with a message that says what to fix when the key is wrong', async () => {
			const result = await testCredential('psRestfulApi', { apiKey: 'wrong-key-123', baseUrl: baseUrl() });
			expect(result.status).toBe('Error');
			// PSRESTful's own words, then what to do.
			expect(result.message).toMatch(
				/^PSRESTful: Invalid API key — PSRESTful did not accept the API key: check it under Account → API Keys/,
			);
		});
	});

	describe('Media → Get Modified Since', () => {
		it('asks for the products changed since a date and returns one item per product', async () => {
			const { output } = await run({
				resource: 'media',
				operation: 'getModifiedSince',
				supplierCode: 'HIT',
				since: '2024-12-01',
			});
			const request = mock.server.requests.at(-1)!;
			expect(request.method).toBe('GET');
			expect(request.path).toBe('/v1.1.0/suppliers/HIT/media-modified-since/');
			expect(Object.fromEntries(request.query)).toEqual({
				since: '2024-12-01T00:00:00',
				environment: 'STAGING',
				culture_name: 'en-US',
			});
			expect(request.headers['x-api-key']).toBe(mock.apiKey);
			// The seed's example answer: 5989, 6234, 7891.
			expect(output[0].map((i) => i.json)).toEqual([
				{ productId: '5989', supplier: 'HIT' },
				{ productId: '6234', supplier: 'HIT' },
				{ productId: '7891', supplier: 'HIT' },
			]);
			expect(output[0].every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		});

		it('converts a date with an offset to UTC', async () => {
			await run({
				resource: 'media',
				operation: 'getModifiedSince',
				supplierCode: 'HIT',
				since: '2024-12-01T10:00:00+02:00',
			});
			expect(mock.server.requests.at(-1)!.query.get('since')).toBe('2024-12-01T08:00:00');
		});

		it('refuses an invalid date before sending anything', async () => {
			const error = await caught(() =>
				run({ resource: 'media', operation: 'getModifiedSince', supplierCode: 'HIT', since: '2024-13-45' }),
			);
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toMatch(/^Since is not a valid date/);
			expect(mock.server.requests).toHaveLength(0);
		});

		it('returns no items for PromoStandards code 160 (no results)', async () => {
			mock.emptyAs160 = true;
			try {
				const { output } = await run({
					resource: 'media',
					operation: 'getModifiedSince',
					supplierCode: 'HIT',
					since: '2099-01-01',
				});
				expect(output[0]).toEqual([]);
			} finally {
				mock.emptyAs160 = false;
			}
		});

		it.each(['ServiceMessageArray', 'errorMessage'] as const)(
			'tells the user to run a full sync when the supplier does not implement it (%s)',
			async (shape) => {
				mock.unsupported.set('NOMOD', shape);
				const error = await caught(() =>
					run({ resource: 'media', operation: 'getModifiedSince', supplierCode: 'NOMOD', since: '2024-01-01' }),
				);
				expect(error.name).toBe('NodeApiError');
				expect(error.message).toMatch(
					shape === 'ServiceMessageArray'
						? /PSRESTful: Not Supported \(code 125\)/
						: /Function not supported \(code 130\)/,
				);
				expect(error.description).toMatch(/does not implement getMediaDateModified.*full sync/);
				expectNoSecrets(error, [mock.apiKey]);
			},
		);
	});

	describe('Media → Get Content', () => {
		it('returns one item per media by default, with the filters as query parameters', async () => {
			const { output } = await run({
				resource: 'media',
				operation: 'getContent',
				supplierCode: 'HIT',
				productId: '5989',
				contentOptions: { mediaType: 'Image', classTypes: '1006, 1001' },
			});
			const request = mock.server.requests.at(-1)!;
			expect(request.path).toBe('/v1.1.0/suppliers/HIT/medias/5989/');
			expect(Object.fromEntries(request.query)).toEqual({
				environment: 'STAGING',
				culture_name: 'en-US',
				media_type: 'Image',
				class_type: '1006,1001',
			});
			expect(output[0]).toHaveLength(2);
			expect(output[0][0].json).toMatchObject({
				supplier: 'HIT',
				productId: '5989',
				partId: '5989BLK',
				url: 'https://www.hitpromo.net/imageManager/show/5989_BLK_Blank.jpg',
				mediaType: 'Image',
				color: 'Black',
				classTypes: [{ classTypeId: 1001, classTypeName: 'Blank' }],
			});
			expect(output[0][1].json).toMatchObject({
				partId: null,
				decorations: [{ decorationId: null, decorationName: 'Blank' }],
				locations: [{ locationId: 1, locationName: 'Front' }],
			});
		});

		it('returns one item per product when asked, paired with its input', async () => {
			const { output } = await run(
				{
					resource: 'media',
					operation: 'getContent',
					supplierCode: 'HIT',
					productId: '={{ $json.id }}',
					output: 'product',
				},
				[{ json: { id: '6234' } }, { json: { id: 7891 } }],
			);
			expect(output[0].map((i) => [i.json.productId, i.json.mediaCount, i.pairedItem])).toEqual([
				['6234', 2, { item: 0 }],
				['7891', 2, { item: 1 }],
			]);
		});

		it('sends a product id containing "/" as real_product_id', async () => {
			mock.modify('HIT', 'AB/12');
			const { output } = await run({
				resource: 'media',
				operation: 'getContent',
				supplierCode: 'HIT',
				productId: 'AB/12',
				output: 'product',
			});
			const request = mock.server.requests.at(-1)!;
			expect(request.rawPath).toBe('/v1.1.0/suppliers/HIT/medias/AB_12/');
			expect(request.query.get('real_product_id')).toBe('AB/12');
			expect(output[0][0].json).toMatchObject({ productId: 'AB/12', mediaCount: 1 });
		});

		it('reports an unknown product with the supplier’s message and a hint', async () => {
			const error = await caught(() =>
				run({ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: 'NOPE' }),
			);
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe('PSRESTful: Product Id not found (code 130)');
			expect(error.description).toMatch(/Check the product ID/);
			expect(mock.server.count('/v1.1.0')).toBe(1); // a PromoStandards "not found" is not retried
			expectNoSecrets(error, [mock.apiKey]);
		});

		it('with Continue On Fail, turns a failing item into an error item and goes on', async () => {
			const { output } = await run(
				{
					resource: 'media',
					operation: 'getContent',
					supplierCode: 'HIT',
					productId: '={{ $json.id }}',
					output: 'product',
				},
				[{ json: { id: 'NOPE' } }, { json: { id: '' } }, { json: { id: '5989' } }],
				{ continueOnFail: true },
			);
			expect(output[0]).toHaveLength(3);
			expect(output[0][0]).toMatchObject({
				json: { error: 'PSRESTful: Product Id not found (code 130)' },
				pairedItem: { item: 0 },
			});
			expect(output[0][1]).toMatchObject({ json: { error: 'Product ID is empty' }, pairedItem: { item: 1 } });
			expect(output[0][2]).toMatchObject({ json: { productId: '5989', mediaCount: 2 }, pairedItem: { item: 2 } });
		});

		it('refuses invalid class types before sending anything', async () => {
			const error = await caught(() =>
				run({
					resource: 'media',
					operation: 'getContent',
					supplierCode: 'HIT',
					productId: '5989',
					contentOptions: { classTypes: '1006,abc' },
				}),
			);
			expect(error.message).toMatch(/^Class Types must be whole numbers/);
			expect(mock.server.requests).toHaveLength(0);
		});
	});

	describe('Media → Get Content for Many', () => {
		it('fetches many products at once, within the concurrency bound, in input order', async () => {
			const ids = Array.from({ length: 12 }, (_, i) => `M${String(i).padStart(2, '0')}`);
			for (const id of ids) mock.modify('HIT', id);
			mock.server.resetLog();
			mock.server.latencyMs = 30;
			try {
				const { output } = await run({
					resource: 'media',
					operation: 'getContentForMany',
					supplierCode: 'HIT',
					productIds: ids.join(',\n'),
					output: 'product',
					concurrency: 4,
				});
				expect(output[0].map((i) => i.json.productId)).toEqual(ids);
				expect(mock.server.count('/v1.1.0/suppliers/HIT/medias/')).toBe(12);
				expect(mock.server.maxInFlight).toBeGreaterThan(1);
				expect(mock.server.maxInFlight).toBeLessThanOrEqual(4);
			} finally {
				mock.server.latencyMs = 0;
			}
		});

		it('stops before the daily quota runs out and returns the rest as not fetched', async () => {
			mock.quota = { limit: 50, used: 44 };
			const { output, hints } = await run({
				resource: 'media',
				operation: 'getContentForMany',
				supplierCode: 'HIT',
				productIds: '5989,6234,7891,A100,B200',
				output: 'product',
				concurrency: 1,
				quotaReserve: 4,
			});
			// 6 calls were left: two are spent, then the reserve of 4 stops it.
			expect(output[0].map((i) => [i.json.productId, i.json.fetched ?? true])).toEqual([
				['5989', true],
				['6234', true],
				['7891', false],
				['A100', false],
				['B200', false],
			]);
			expect(output[0][2].json.reason).toMatch(/quota reserve reached \(4 calls left today\)/);
			expect(mock.quota.used).toBe(46);
			expect(hints.map((h) => h.message)).toContain('PSRESTful quota: 4 of 50 calls left today');
		});

		it('refuses an empty list', async () => {
			const error = await caught(() =>
				run({ resource: 'media', operation: 'getContentForMany', supplierCode: 'HIT', productIds: ' , ' }),
			);
			expect(error.message).toBe('Product IDs is empty');
		});
	});

	describe('Supplier → Get Many and the supplier dropdown', () => {
		it('lists suppliers with a limit', async () => {
			const { output } = await run({ resource: 'supplier', operation: 'getMany', returnAll: false, limit: 2 });
			expect(output[0].map((i) => i.json.code)).toEqual(['HIT', 'PCNA']);
			expect(mock.server.requests.at(-1)!.query.get('page_size')).toBe('2');
		});

		it('lists all suppliers', async () => {
			const { output } = await run({ resource: 'supplier', operation: 'getMany', returnAll: true });
			expect(output[0]).toHaveLength(3);
		});

		it('lists the suppliers for the Supplier field, sorted by name, filtered by what the user types', async () => {
			const setup = { type: 'psRestful', parameters: {}, credentials: credentials() };
			expect(await listSearch(setup, 'searchSuppliers')).toEqual({
				results: [
					{ name: 'Hit Promotional Products (HIT)', value: 'HIT' },
					{ name: 'No Modified-Since Supplier (NOMOD)', value: 'NOMOD' },
					{ name: 'PCNA (PCNA)', value: 'PCNA' },
				],
			});
			expect(await listSearch(setup, 'searchSuppliers', 'pcn')).toEqual({
				results: [{ name: 'PCNA (PCNA)', value: 'PCNA' }],
			});
		});

		it('reads the supplier of a resource locator in either mode, and of an older workflow’s plain code', async () => {
			for (const supplierCode of [
				{ __rl: true, mode: 'list', value: 'HIT' },
				{ __rl: true, mode: 'code', value: 'HIT' },
				'HIT',
			]) {
				mock.server.resetLog();
				await run({ resource: 'media', operation: 'getModifiedSince', supplierCode, since: '2024-01-01T00:00:00Z' });
				expect(mock.server.requests.at(-1)!.path).toMatch(/\/suppliers\/HIT\/media-modified-since/);
			}
		});

		it('refuses an empty supplier before any request', async () => {
			mock.server.resetLog();
			const error = await caught(() =>
				run({
					resource: 'media',
					operation: 'getModifiedSince',
					supplierCode: { __rl: true, mode: 'list', value: '' },
					since: '2024-01-01T00:00:00Z',
				}),
			);
			expect(error.message).toBe('Supplier is empty');
			expect(mock.server.requests).toHaveLength(0);
		});
	});

	describe('HTTP failures', () => {
		const getContent = () =>
			run({ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '5989', output: 'product' });

		it.each([
			['99999999 seconds', '99999999'],
			['a date in year 3000', 'Wed, 01 Jan 3000 00:00:00 GMT'],
		])('hands n8n a retry hint of at most an hour for a Retry-After of %s', async (_title, retryAfter) => {
			mock.server.injectFault(
				{ kind: 'status', status: 429, retryAfter, body: '{"detail":"slow down"}' },
				{ times: 1 },
			);
			const error = await caught(getContent);
			expect(error.failure).toEqual({ cause: 'rate-limited', retryAfterMs: 3600_000 });
			expect(error.description).toMatch(/server asks to retry after an hour or more/);
			expect(mock.server.requests).toHaveLength(1); // far longer than the transport waits: not retried
		});

		it('says the key is wrong on 401, without the key', async () => {
			const wrong = 'wrong-but-long-key-abcdef';
			const error = await caught(() =>
				run({ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '5989' }, undefined, {
					apiKey: wrong,
				}),
			);
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe('PSRESTful: Invalid API key');
			expect(error.description).toMatch(/did not accept the API key: check it under Account → API Keys/);
			expect(mock.server.requests).toHaveLength(1); // 401 is final
			expectNoSecrets(error, [wrong]);
		});

		it('names an unknown supplier (FastAPI 404 detail)', async () => {
			const error = await caught(() =>
				run({ resource: 'media', operation: 'getContent', supplierCode: 'XXX', productId: '5989' }),
			);
			expect(error.message).toBe('PSRESTful: Supplier with code XXX is not available.');
			expect(error.description).toMatch(/Check the supplier code/);
			expect((error as { httpCode?: string }).httpCode).toBe('404');
		});

		it('lists the fields of a FastAPI 422', async () => {
			mock.server.injectFault({
				kind: 'status',
				status: 422,
				body: JSON.stringify({
					detail: [{ loc: ['query', 'class_type'], msg: 'value is not a valid integer', type: 'type_error.integer' }],
				}),
			});
			const error = await caught(getContent);
			expect(error.message).toBe('PSRESTful: class_type: value is not a valid integer');
		});

		it('retries a 429 after the Retry-After the server asked for', async () => {
			mock.server.injectFault({ kind: 'status', status: 429, retryAfter: '3' });
			const { output } = await getContent();
			expect(output[0][0].json.mediaCount).toBe(2);
			expect(mock.server.requests).toHaveLength(2);
			expect(sleeps.delays).toHaveLength(1);
			expect(sleeps.delays[0]).toBeGreaterThanOrEqual(3000);
		});

		it('does not retry once the daily quota is used up, and says so', async () => {
			mock.quota = { limit: 50, used: 50 };
			const error = await caught(getContent);
			expect(error.message).toBe('PSRESTful: Daily rate limit exceeded');
			expect(error.description).toMatch(/daily quota \(50 calls\) is used up/);
			expect((error as { failure?: unknown }).failure).toEqual({ cause: 'quota-exhausted' });
			expect(mock.server.requests).toHaveLength(1);
		});

		it.each([
			['a 500', { kind: 'status', status: 500 }],
			['a 503', { kind: 'status', status: 503, retryAfter: '1' }],
			['a truncated body', { kind: 'truncate' }],
			['malformed JSON', { kind: 'malformed', body: '{"MediaContentArray": {"MediaContent": [' }],
			['a dropped connection', { kind: 'reset' }],
		] as const)('recovers from %s by retrying with backoff', async (_name, fault) => {
			mock.server.injectFault(fault as never, { times: 2 });
			const { output } = await getContent();
			expect(output[0][0].json.mediaCount).toBe(2);
			expect(mock.server.requests).toHaveLength(3);
			expect(sleeps.delays).toHaveLength(2);
		});

		it('gives up after four attempts with a clear error', async () => {
			mock.server.injectFault({ kind: 'malformed', body: '<html>oops</html>' }, { times: 10 });
			const error = await caught(getContent);
			expect(error.message).toBe('PSRESTful: Malformed answer: not valid JSON: <html>oops</html>');
			expect(error.description).toMatch(/malformed or truncated/);
			expect(mock.server.requests).toHaveLength(4);
			expectNoSecrets(error, [mock.apiKey]);
		});

		it('backs off exponentially, never waiting longer than the cap', async () => {
			mock.server.injectFault({ kind: 'status', status: 502 }, { times: 3 });
			await getContent();
			expect(sleeps.delays).toHaveLength(3);
			expect(sleeps.delays[0]).toBeLessThanOrEqual(500);
			expect(sleeps.delays[1]).toBeLessThanOrEqual(1000);
			expect(sleeps.delays[2]).toBeLessThanOrEqual(2000);
		});
	});
});

import { caught } from '../harness/assertions';
import { executeNode } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { PsRestfulMock } from '../../sandbox/psrestful';

/**
 * Bad and hostile input to the PSRESTful node is either sent exactly as typed (escaped on the
 * wire, never changing the request's shape) or refused with an error that names the field.
 */
describe('PSRESTful: hostile and malformed input', () => {
	const mock = new PsRestfulMock();
	const baseUrl = useMock(mock);

	const run = (parameters: Record<string, unknown>) =>
		executeNode({
			type: 'psRestful',
			parameters: parameters as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl() } },
		});

	it.each([
		['path traversal', '../../extra/v2/suppliers'],
		['a query string', '5989?media_type=Video&x=1'],
		['a fragment and percent signs', '59#89%2F%00'],
		['markup', '<script>alert(1)</script>'],
		['unicode and emoji', 'Ärmel-Größe-🧢-日本'],
		['a very long id', 'X'.repeat(2000)],
	])('sends a product id with %s as data, not as part of the URL structure', async (_name, productId) => {
		mock.modify('HIT', productId);
		const { output } = await run({
			resource: 'media',
			operation: 'getContent',
			supplierCode: 'HIT',
			productId,
			output: 'product',
		});
		const request = mock.server.requests.at(-1)!;
		// The request went to the media endpoint of HIT, and the mock saw exactly the id typed.
		expect(request.rawPath.startsWith('/v1.1.0/suppliers/HIT/medias/')).toBe(true);
		expect(
			[...request.query.keys()].filter((k) => !['environment', 'culture_name', 'real_product_id'].includes(k)),
		).toEqual([]);
		expect(output[0][0].json).toMatchObject({ productId, mediaCount: 1 });
	});

	it('sends a supplier code with slashes and spaces encoded in its path segment', async () => {
		const error = await caught(() =>
			run({ resource: 'media', operation: 'getContent', supplierCode: 'HIT/../x y', productId: '5989' }),
		);
		expect(mock.server.requests.at(-1)!.rawPath).toBe('/v1.1.0/suppliers/HIT%2F..%2Fx%20y/medias/5989/');
		expect(error.message).toBe('PSRESTful: Supplier with code HIT/../x y is not available.');
	});

	it.each([
		['negative', '-1006'],
		['fractional', '1006.5'],
		['not a number', '1006;DROP TABLE'],
	])('refuses %s class types before sending anything', async (_name, classTypes) => {
		const error = await caught(() =>
			run({
				resource: 'media',
				operation: 'getContent',
				supplierCode: 'HIT',
				productId: '5989',
				contentOptions: { classTypes },
			}),
		);
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^Class Types must be whole numbers/);
		expect(mock.server.requests).toHaveLength(0);
	});

	it.each(['', '   ', null])('refuses an empty product id (%p)', async (productId) => {
		const error = await caught(() =>
			run({ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId }),
		);
		expect(error.message).toBe('Product ID is empty');
		expect(mock.server.requests).toHaveLength(0);
	});

	it.each(['2024-02-30', '01/02/2024', 'now', '2024-01-01T24:00:00', '99999-01-01'])(
		'refuses the date "%s" with a clear error',
		async (since) => {
			const error = await caught(() =>
				run({ resource: 'media', operation: 'getModifiedSince', supplierCode: 'HIT', since }),
			);
			expect(error.message).toMatch(/^Since is not a valid date/);
			expect(error.description).toMatch(/ISO 8601/);
			expect(mock.server.requests).toHaveLength(0);
		},
	);

	it('survives a huge answer by refusing it, not by running out of memory', async () => {
		mock.server.injectFault({
			kind: 'malformed',
			body: `{"MediaContentArray":{"MediaContent":[${'{"productId":"1","mediaType":"Image"},'.repeat(600_000)}{}]}}`,
		});
		const error = await caught(() =>
			run({ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '5989' }),
		);
		expect(error.message).toBe('PSRESTful: The answer is larger than this node accepts');
		expect(error.description).toMatch(/Narrow the request/);
	});
});

import type { Server } from 'node:net';

import { requestTimeouts } from '../../nodes/shared/transport/http';
import { timing } from '../../nodes/shared/transport/timing';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { executeNode, testCredential } from '../harness/n8n';
import { forward, freePort, useMock } from '../harness/servers';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import { fixture, json, runNode } from './helpers';

const without = (record: Record<string, unknown>, key: string) =>
	Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));

describe('CommerceConnect node', () => {
	const mock = new CommerceConnectMock();
	const timeouts = { ...requestTimeouts };
	const baseUrl = useMock(mock, {
		reset: () => {
			mock.readOnly = false;
			mock.maxPerPage = 100;
			mock.createStallMs = 0;
			mock.codeMatch = 'exact';
		},
	});
	const sleeps = useRecordedSleeps();
	afterEach(() => {
		Object.assign(requestTimeouts, timeouts);
	});

	const run = (
		parameters: Record<string, unknown>,
		input?: Parameters<typeof runNode>[3],
		options?: Parameters<typeof runNode>[4],
	) => runNode(mock, baseUrl(), parameters, input, options);
	const last = () => mock.server.requests.at(-1)!;
	const body = (index = -1) => JSON.parse(mock.server.requests.at(index)!.text) as unknown;
	const secrets = () => [mock.token];

	describe('credential', () => {
		it('passes, sending exactly "Token token=…,email=…" to the media item list', async () => {
			const result = await testCredential('commerceConnectApi', {
				email: mock.email,
				apiToken: mock.token,
				baseUrl: `${baseUrl()}/`,
			});
			expect(result).toEqual({
				status: 'OK',
				message: 'Connection successful: CommerceConnect accepted the email and token',
			});
			expect(last().method).toBe('GET');
			expect(last().path).toBe('/api/v2/media_items');
			expect(Object.fromEntries(last().query)).toEqual({ page: '1', per_page: '1' });
			expect(last().headers.authorization).toBe(`Token token=${mock.token},email=${mock.email}`);
		});

		it('says the email or token is wrong on 401', async () => {
			const wrongToken = `${mock.token}-not`;
			const result = await testCredential('commerceConnectApi', {
				email: mock.email,
				apiToken: wrongToken,
				baseUrl: baseUrl(),
			});
			expect(result).toEqual({
				status: 'Error',
				message: expect.stringMatching(
					/^CommerceConnect: .* — Check the email and API token in the CommerceConnect credential/,
				),
			});
		});

		it('says the user lacks the permission on 403', async () => {
			mock.server.injectFault({
				kind: 'status',
				status: 403,
				body: '{"error":"You are not authorized to perform this action."}',
			});
			const result = await testCredential('commerceConnectApi', {
				email: mock.email,
				apiToken: mock.token,
				baseUrl: baseUrl(),
			});
			expect(result.message).toMatch(
				/^CommerceConnect: You are not authorized to perform this action\. — The credential is valid, but this CommerceConnect user may not do this/,
			);
		});

		it('refuses an authentication method it does not know, without leaking the token', async () => {
			const error = await caught(() =>
				executeNode({
					type: 'commerceConnect',
					parameters: { resource: 'mediaItem', operation: 'delete', mediaItemId: '1' } as never,
					credentials: {
						commerceConnectApi: {
							authMethod: 'apiAccount',
							email: mock.email,
							apiToken: mock.token,
							baseUrl: baseUrl(),
						},
					},
				}),
			);
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toBe(
				'The CommerceConnect credential uses the authentication method "apiAccount", which this version of the node does not support',
			);
			expect(mock.server.requests).toHaveLength(0);
			expectNoSecrets(error, secrets());
		});
	});

	describe('Create', () => {
		it('sends the documented example request and returns the created item', async () => {
			const expected = fixture<{ media_item: Record<string, unknown> }>('create-request.json');
			const result = await run({
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'product',
				productBy: 'id',
				productId: 9,
				url: expected.media_item.url,
				additionalFields: { description: 'image description', position: 2, isPrimary: true, tags: "lady's" },
				derivedMediaItems: {
					items: [{ name: 'crop', url: 'http://images.asos-media.com/inv/media/0/0/3/2/3882300/white/image-crop.jpg' }],
				},
				attributeValues: { values: [{ definitionBy: 'id', definitionId: '16', data: 'image description' }] },
			});
			expect(last().method).toBe('POST');
			expect(last().path).toBe('/api/v2/media_items');
			expect(last().headers['content-type']).toBe('application/json');
			expect(last().headers.authorization).toBe(mock.authorization);
			// The docs' example names the attribute definition by ID and code; the node sends the one chosen.
			const attributes = (expected.media_item.attribute_values as Array<Record<string, unknown>>).map((value) =>
				without(value, 'attribute_definition_code'),
			);
			expect(body()).toEqual({ media_item: { ...expected.media_item, attribute_values: attributes } });

			const [created] = json(result);
			const stored = mock.items.get(created.id as number)!;
			expect(created).toEqual(mock.resource(stored));
			expect(Object.keys(created).sort()).toEqual(Object.keys(fixture('create-response.json')).sort());
			expect(result.output[0][0].pairedItem).toEqual({ item: 0 });
		});

		it('sends the documented NPC entity example (by code)', async () => {
			const expected = fixture<{ media_item: Record<string, unknown> }>('create-request-npc-entity.json');
			await run({
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'NpcEntity',
				entityBy: 'code',
				entityCode: 'cotton',
				url: expected.media_item.url,
				additionalFields: { description: 'image description', position: 2, isPrimary: true, tags: ["lady's"] },
				derivedMediaItems: {
					items: [{ name: 'crop', url: 'http://images.asos-media.com/inv/media/0/0/3/2/3882300/white/image-crop.jpg' }],
				},
			});
			expect(body()).toEqual(expected);
		});

		it('sends the documented category example (by ID)', async () => {
			const expected = fixture<{ media_item: Record<string, unknown> }>('create-request-category.json');
			await run({
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'Category',
				categoryId: '1',
				url: expected.media_item.url,
				additionalFields: { description: 'image description', position: 2, isPrimary: true, tags: "lady's" },
			});
			expect(body()).toEqual(expected);
		});

		it('sends the documented attribute reset example, with JSON data', async () => {
			const expected = fixture<{ media_item: Record<string, unknown> }>('create-request-attribute-reset.json');
			await run({
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'product',
				productBy: 'id',
				productId: '9',
				url: expected.media_item.url,
				attributeValues: {
					values: [
						{
							definitionBy: 'code',
							definitionCode: 'img_desc',
							data: '{"associated_code": ["code_1", "code_2"]}',
							dataIsJson: true,
							mode: 'reset',
						},
					],
				},
			});
			const attributes = (expected.media_item.attribute_values as Array<Record<string, unknown>>).map((value) =>
				without(value, 'attribute_definition_id'),
			);
			expect(body()).toEqual({ media_item: { ...expected.media_item, attribute_values: attributes } });
		});

		it('sends a product code as product_code, an NPC entity ID as associated_id, and image processing options', async () => {
			await run({
				operation: 'create',
				mediaItemType: 'VideoMediaItem',
				attachTo: 'product',
				productBy: 'code',
				productCode: 'SKU-257',
				url: 'https://cdn.example.com/v.mp4',
			});
			expect(body()).toEqual({
				media_item: {
					media_item_type: 'VideoMediaItem',
					product_code: 'SKU-257',
					url: 'https://cdn.example.com/v.mp4',
				},
			});

			await run({
				operation: 'create',
				mediaItemType: 'FileMediaItem',
				attachTo: 'NpcEntity',
				entityBy: 'id',
				entityId: '4',
				url: 'https://cdn.example.com/care.pdf',
			});
			expect(body()).toEqual({
				media_item: {
					media_item_type: 'FileMediaItem',
					associated_type: 'NpcEntity',
					associated_id: 4,
					url: 'https://cdn.example.com/care.pdf',
				},
			});

			const before = mock.items.size;
			await run({
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'product',
				productBy: 'id',
				productId: '300',
				url: 'https://cdn.example.com/bag.png',
				processingOptions: { applyBackground: true, backgroundColour: '#f0f0f0', processedTags: 'with-bg, generated' },
			});
			expect(body()).toEqual({
				media_item: {
					media_item_type: 'ImageMediaItem',
					product_id: 300,
					url: 'https://cdn.example.com/bag.png',
					processing_options: {
						apply_background: true,
						background_colour: '#f0f0f0',
						processed_tags: ['with-bg', 'generated'],
					},
				},
			});
			expect(mock.items.size).toBe(before + 2); // CommerceConnect adds the processed copy
		});

		it('creates one item per input item, paired, with expressions', async () => {
			const result = await run(
				{
					operation: 'create',
					mediaItemType: 'ImageMediaItem',
					attachTo: 'product',
					productBy: 'id',
					productId: '={{ $json.product }}',
					url: '={{ $json.url }}',
				},
				[
					{ json: { product: 9, url: 'https://cdn.example.com/1.jpg' } },
					{ json: { product: '257', url: 'https://cdn.example.com/2.jpg' } },
				],
			);
			expect(result.output[0].map((i) => [i.json.product_id, i.json.url, i.pairedItem])).toEqual([
				[9, 'https://cdn.example.com/1.jpg', { item: 0 }],
				[257, 'https://cdn.example.com/2.jpg', { item: 1 }],
			]);
		});
	});

	describe('Update, Delete, Delete by Filter', () => {
		it('Update sends only the fields that were set (the documented example)', async () => {
			const item = mock.seed({
				url: 'http://images.asos-media.com/inv/media/0/0/3/2/3882300/white/image2xxl.jpg',
				product_id: 9,
				description: 'image description',
				tag_list: ["lady's"],
			});
			const result = await run({
				operation: 'update',
				mediaItemId: String(item.id),
				updateFields: { url: 'http://images.asos-media.com/inv/media/0/0/3/2/3882300/white/image3xxl.jpg' },
			});
			expect(last().method).toBe('PUT');
			expect(last().path).toBe(`/api/v2/media_items/${item.id}`);
			expect(body()).toEqual(fixture('update-request.json'));
			expect(json(result)[0]).toMatchObject({
				id: item.id,
				url: 'http://images.asos-media.com/inv/media/0/0/3/2/3882300/white/image3xxl.jpg',
				description: 'image description',
			});
			expect(Object.keys(json(result)[0]).sort()).toEqual(Object.keys(fixture('update-response.json')).sort());
		});

		it('Update sends every kind of field when set', async () => {
			const item = mock.seed({ url: 'https://cdn.example.com/u.jpg', product_id: 9 });
			await run({
				operation: 'update',
				mediaItemId: item.id,
				updateFields: {
					mediaItemType: 'ImageMediaItem',
					description: '',
					position: 0,
					isPrimary: false,
					tags: 'a, b ,a',
					etag: 'abc',
					productCode: 'SKU-300',
				},
				derivedMediaItems: { items: [{ name: 'thumb', url: 'https://cdn.example.com/u-thumb.jpg' }] },
				attributeValues: { values: [{ definitionBy: 'id', definitionId: 16, data: 'x', mode: 'upsert' }] },
				processingOptions: { applyBackground: false },
			});
			expect(body()).toEqual({
				media_item: {
					media_item_type: 'ImageMediaItem',
					description: '',
					position: 0,
					is_primary: false,
					tag_list: ['a', 'b'],
					etag: 'abc',
					product_code: 'SKU-300',
					derived_media_items: [{ name: 'thumb', url: 'https://cdn.example.com/u-thumb.jpg' }],
					attribute_values: [{ attribute_definition_id: 16, data: 'x' }],
					processing_options: { apply_background: false },
				},
			});
			expect(mock.items.get(item.id)!.product_id).toBe(300);

			await run({
				operation: 'update',
				mediaItemId: item.id,
				updateFields: { associatedType: 'Category', associatedId: '1' },
			});
			expect(body()).toEqual({ media_item: { associated_type: 'Category', associated_id: 1 } });
		});

		it('Update of a missing item reports CommerceConnect’s 404 message and is not retried', async () => {
			const error = await caught(() =>
				run({ operation: 'update', mediaItemId: '999999', updateFields: { description: 'x' } }),
			);
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe("CommerceConnect: Couldn't find MediaItem with 'id'=999999");
			expect(error.description).toMatch(/No media item has this ID/);
			expect((error as { httpCode?: string }).httpCode).toBe('404');
			expect(mock.server.requests).toHaveLength(1);
			expectNoSecrets(error, secrets());
		});

		it('Delete sends DELETE by ID and returns the answer', async () => {
			const item = mock.seed({ url: 'https://cdn.example.com/d.jpg', product_id: 9 });
			const result = await run({ operation: 'delete', mediaItemId: ` ${item.id} ` });
			expect(last().method).toBe('DELETE');
			expect(last().path).toBe(`/api/v2/media_items/${item.id}`);
			expect(last().text).toBe('');
			expect(json(result)).toEqual([{ id: item.id, deleted: true }]);
			expect(Object.keys(fixture('delete-response.json'))).toEqual(['id']);
			expect(mock.items.has(item.id)).toBe(false);
		});

		it('Delete retried after the answer was lost takes the 404 as done', async () => {
			const item = mock.seed({ url: 'https://cdn.example.com/d2.jpg', product_id: 9 });
			mock.server.injectFault({ kind: 'truncate' }); // deleted, then the answer is cut off
			const result = await run({ operation: 'delete', mediaItemId: item.id });
			expect(mock.server.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
			expect(json(result)[0]).toMatchObject({
				id: item.id,
				deleted: true,
				note: expect.stringMatching(/earlier attempt/),
			});
		});

		it('Delete of an unknown ID is an error on the first attempt', async () => {
			const error = await caught(() => run({ operation: 'delete', mediaItemId: '888888' }));
			expect(error.message).toBe("CommerceConnect: Couldn't find MediaItem with 'id'=888888");
		});

		it('Delete by Filter sends the documented body, by product ID or code', async () => {
			const keep = mock.seed({ url: 'https://cdn.example.com/k.jpg', product_id: 9, tag_list: ['manual'] });
			const gone = mock.seed({ url: 'https://cdn.example.com/g.jpg', product_id: 9, tag_list: ["lady's"] });
			const tagged = [...mock.items.values()]
				.filter((i) => i.product_id === 9 && i.tag_list.includes("lady's"))
				.map((i) => i.id);
			const result = await run({ operation: 'deleteByFilter', productBy: 'id', productId: '9', tags: "lady's" });
			expect(last().method).toBe('POST');
			expect(last().path).toBe('/api/v2/media_items/delete_by_filter');
			expect(body()).toEqual(fixture('delete-by-filter-request.json'));
			expect(json(result)).toEqual([
				{ productId: 9, tags: ["lady's"], deleted: true, response: { id: Math.min(...tagged) } },
			]);
			expect(mock.items.has(keep.id)).toBe(true);
			expect(mock.items.has(gone.id)).toBe(false);
			expect(tagged.filter((id) => mock.items.has(id))).toEqual([]);

			mock.server.resetLog();
			await run({ operation: 'deleteByFilter', productBy: 'code', productCode: 'SKU-300', tags: ['old', 'older'] });
			expect(mock.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
				'GET /api/v2/products',
				'POST /api/v2/media_items/delete_by_filter',
			]);
			expect(mock.server.requests[0].query.get('code')).toBe('SKU-300');
			expect(body()).toEqual({ product_id: 300, tag_list: ['old', 'older'] });
		});

		it('matches a product code exactly even when the API filter matches partially', async () => {
			mock.codeMatch = 'contains'; // "SKU-300" also matches "SKU-3010"
			await run({ operation: 'deleteByFilter', productBy: 'code', productCode: 'SKU-300', tags: 'x' });
			expect(body()).toEqual({ product_id: 300, tag_list: ['x'] });
			const error = await caught(() =>
				run({ operation: 'deleteByFilter', productBy: 'code', productCode: 'SKU-30', tags: 'x' }),
			);
			expect(error.message).toBe('No product has the code "SKU-30"');
			expect(mock.writes().filter((r) => r.text.includes('SKU-30"'))).toHaveLength(0);
		});
	});

	describe('Get Many', () => {
		const day = Date.UTC(2021, 5, 1);
		const seeded: number[] = [];
		beforeAll(() => {
			for (let i = 0; i < 250; i++)
				seeded.push(mock.seed({ url: `https://cdn.example.com/gm/${i}.jpg`, product_id: 9 }, day + i * 1000).id);
		});
		const filters = { createdAfter: '2021-06-01T00:00:00Z', createdBefore: '2021-06-01T23:59:59Z' };

		it('Return All pages through total_pages with per_page 100', async () => {
			const result = await run({ operation: 'getMany', returnAll: true, filters });
			expect(json(result).map((i) => i.id)).toEqual(seeded);
			const lists = mock.listRequests();
			expect(lists.map((r) => [r.query.get('page'), r.query.get('per_page')])).toEqual([
				['1', '100'],
				['2', '100'],
				['3', '100'],
			]);
			expect(Object.fromEntries(lists[0].query)).toEqual({
				page: '1',
				per_page: '100',
				created_time_from: '2021-06-01T00:00:00Z',
				created_time_to: '2021-06-01T23:59:59Z',
			});
			expect(result.output[0].every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		});

		it('Limit stops as soon as it has enough, asking for no more than it needs', async () => {
			expect(json(await run({ operation: 'getMany', returnAll: false, limit: 5, filters })).map((i) => i.id)).toEqual(
				seeded.slice(0, 5),
			);
			expect(mock.listRequests().map((r) => r.query.get('per_page'))).toEqual(['5']);
			mock.server.resetLog();
			expect(json(await run({ operation: 'getMany', returnAll: false, limit: 120, filters })).map((i) => i.id)).toEqual(
				seeded.slice(0, 120),
			);
			expect(mock.listRequests().map((r) => `${r.query.get('page')}/${r.query.get('per_page')}`)).toEqual([
				'1/100',
				'2/100',
			]);
		});

		it('follows the server when it allows fewer per page than asked', async () => {
			mock.maxPerPage = 30;
			const result = await run({ operation: 'getMany', returnAll: true, filters });
			expect(json(result).map((i) => i.id)).toEqual(seeded);
			expect(mock.listRequests()).toHaveLength(9);
		});

		it('sends updated-time filters and response_associated_fields, with times in UTC', async () => {
			await run({
				operation: 'getMany',
				returnAll: false,
				limit: 1,
				filters: { updatedAfter: '2021-06-01T10:00:00+02:00', updatedBefore: '2021-06-02' },
				options: { include: ['attribute_values', 'association_attribute_values'] },
			});
			expect(Object.fromEntries(last().query)).toEqual({
				page: '1',
				per_page: '1',
				updated_time_from: '2021-06-01T08:00:00Z',
				updated_time_to: '2021-06-02T00:00:00Z',
				response_associated_fields: 'attribute_values,association_attribute_values',
			});
		});

		it('returns no items for an empty result (total_pages 0)', async () => {
			const result = await run({
				operation: 'getMany',
				returnAll: true,
				filters: { createdAfter: '1999-01-01', createdBefore: '1999-01-02' },
			});
			expect(result.output[0]).toEqual([]);
			expect(mock.listRequests()).toHaveLength(1);
		});
	});

	describe('validation before any request', () => {
		const create = {
			operation: 'create',
			mediaItemType: 'ImageMediaItem',
			attachTo: 'product',
			productBy: 'id',
			productId: '9',
			url: 'https://cdn.example.com/v.jpg',
		};
		it.each([
			['an ID that is not a number', { ...create, productId: 'abc' }, /^Product ID must be a whole number, not "abc"$/],
			['an empty ID', { ...create, productId: '' }, /^Product ID is empty$/],
			['a fractional ID', { ...create, productId: 9.5 }, /^Product ID must be a whole number, not 9.5$/],
			['an empty product code', { ...create, productBy: 'code', productCode: ' ' }, /^Product Code is empty$/],
			[
				'a category code',
				{ ...create, attachTo: 'Category', categoryId: 'tops' },
				/^Category ID must be a whole number, not "tops": CommerceConnect cannot attach media to a category by code$/,
			],
			['an unknown Attach To', { ...create, attachTo: 'Brand' }, /^Attach To must be Product, NPC Entity or Category/],
			[
				'an entity ID that is not a number',
				{ ...create, attachTo: 'NpcEntity', entityBy: 'id', entityId: 'cotton' },
				/^Entity ID must be a whole number/,
			],
			['an empty URL', { ...create, url: '' }, /^URL is empty$/],
			[
				'a URL that is not http',
				{ ...create, url: 'ftp://cdn.example.com/a.jpg' },
				/^URL must be an http:\/\/ or https:\/\/ address, not "ftp:/,
			],
			['text that is not a URL', { ...create, url: 'front.jpg' }, /^URL must be an http:\/\/ or https:\/\/ address/],
			[
				'an unknown media item type',
				{ ...create, mediaItemType: '={{ "Audio" }}' },
				/^Media Item Type must be one of ImageMediaItem, VideoMediaItem, FileMediaItem, not "Audio"$/,
			],
			[
				'a fractional position',
				{ ...create, additionalFields: { position: 1.5 } },
				/^Position must be a whole number, not 1.5$/,
			],
			[
				'a tag with a comma',
				{ ...create, additionalFields: { tags: ['a,b'] } },
				/^Tags: the tag "a,b" contains a comma$/,
			],
			[
				'a primary flag that is not a boolean',
				{ ...create, additionalFields: { isPrimary: '={{ "yes" }}' } },
				/^Primary must be true or false, not "yes"$/,
			],
			// With a fixed type the editor hides (and n8n drops) the options; a type from an expression keeps them.
			[
				'processing options on a video',
				{ ...create, mediaItemType: '={{ "video" }}', processingOptions: { applyBackground: true } },
				/^Image Processing Options apply only to images, but Media Item Type is VideoMediaItem$/,
			],
			[
				'a background colour that is not one',
				{ ...create, processingOptions: { backgroundColour: 'not a colour!' } },
				/^Background Colour must be a colour name/,
			],
			[
				'a derived item without name',
				{ ...create, derivedMediaItems: { items: [{ name: '', url: 'https://cdn.example.com/c.jpg' }] } },
				/^Derived Media Items → item 1: Name is empty$/,
			],
			[
				'a derived item without URL',
				{ ...create, derivedMediaItems: { items: [{ name: 'crop', url: '' }] } },
				/^Derived Media Items → item 1: URL is empty$/,
			],
			[
				'an attribute definition ID that is not a number',
				{ ...create, attributeValues: { values: [{ definitionBy: 'id', definitionId: 'img', data: 'x' }] } },
				/^Attribute Values → value 1: Attribute Definition ID must be a whole number/,
			],
			[
				'attribute data that is not JSON',
				{
					...create,
					attributeValues: { values: [{ definitionBy: 'code', definitionCode: 'c', data: '{oops', dataIsJson: true }] },
				},
				/^Attribute Values → value 1: Data is not valid JSON$/,
			],
			[
				'an unknown attribute mode',
				{
					...create,
					attributeValues: { values: [{ definitionBy: 'code', definitionCode: 'c', data: 'x', mode: 'merge' }] },
				},
				/^Attribute Values → value 1: Mode must be upsert or reset, not "merge"$/,
			],
			['an update without fields', { operation: 'update', mediaItemId: '1' }, /^Nothing to update$/],
			[
				'an update with product ID and code',
				{ operation: 'update', mediaItemId: '1', updateFields: { productId: '9', productCode: 'SKU-9' } },
				/^Set either Product ID or Product Code, not both$/,
			],
			[
				'an update with a category code',
				{ operation: 'update', mediaItemId: '1', updateFields: { associatedType: 'Category', associatedCode: 'tops' } },
				/^Associated Code is not supported for categories$/,
			],
			[
				'an update with an entity but no type',
				{ operation: 'update', mediaItemId: '1', updateFields: { associatedId: '3' } },
				/^Associated ID and Associated Code need Associated Type$/,
			],
			[
				'an update with processing options but no type',
				{ operation: 'update', mediaItemId: '1', processingOptions: { applyBackground: true } },
				/^Image Processing Options apply only to images, but Media Item Type is not set$/,
			],
			[
				'an update of ID "14a"',
				{ operation: 'update', mediaItemId: '14a', updateFields: { description: 'x' } },
				/^Media Item ID must be a whole number, not "14a"$/,
			],
			[
				'a delete of ID 0',
				{ operation: 'delete', mediaItemId: '0' },
				/^Media Item ID must be a whole number, not "0"$/,
			],
			[
				'a delete by filter without tags',
				{ operation: 'deleteByFilter', productBy: 'id', productId: '9', tags: ' , ' },
				/^Tags is empty$/,
			],
			[
				'a date that does not exist',
				{ operation: 'getMany', returnAll: true, filters: { updatedAfter: '2024-13-01' } },
				/^Updated After is not a valid date/,
			],
			[
				'a reversed date range',
				{ operation: 'getMany', returnAll: true, filters: { createdAfter: '2024-02-01', createdBefore: '2024-01-01' } },
				/^Created After is later than Created Before$/,
			],
			[
				'an unknown include',
				{ operation: 'getMany', returnAll: true, options: { include: ['photos'] } },
				/^Include must list attribute_values and\/or association_attribute_values, not "photos"$/,
			],
			['a limit of 0', { operation: 'getMany', returnAll: false, limit: 0 }, /^Limit must be 1 or more$/],
			[
				'an upload without the binary field',
				{ operation: 'upload', binaryPropertyName: 'data', productBy: 'id', productId: '9' },
				/data/,
			],
		] as const)('refuses %s', async (_name, parameters, message) => {
			const error = await caught(() => run(parameters as Record<string, unknown>));
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toMatch(message);
			expect(mock.server.requests).toHaveLength(0);
			expectNoSecrets(error, secrets());
		});

		it('says what to do in the description', async () => {
			const error = await caught(() => run({ ...create, attachTo: 'Category', categoryId: 'tops' }));
			expect(error.description).toMatch(/supports associated_code for NPC entities only/);
		});
	});

	describe('API errors', () => {
		const create = (parameters: Record<string, unknown> = {}) =>
			run({
				operation: 'create',
				mediaItemType: 'ImageMediaItem',
				attachTo: 'product',
				productBy: 'id',
				productId: '9',
				url: 'https://cdn.example.com/e.jpg',
				...parameters,
			});

		it('401: the API’s message, what to check, no token anywhere', async () => {
			const wrong = 'wrong-token-that-is-long-enough';
			const error = await caught(() => run({ operation: 'delete', mediaItemId: '1' }, undefined, { token: wrong }));
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe('CommerceConnect: You need to sign in or sign up before continuing.');
			expect(error.description).toMatch(/Check the email and API token/);
			expect((error as { httpCode?: string }).httpCode).toBe('401');
			expect(mock.server.requests).toHaveLength(1);
			expectNoSecrets(error, [wrong, mock.token]);
		});

		it('403: the API’s message and a permission hint', async () => {
			mock.readOnly = true;
			const error = await caught(() => create());
			expect(error.message).toBe('CommerceConnect: You are not authorized to perform this action.');
			expect(error.description).toMatch(/may not do this/);
			expect(mock.server.requests).toHaveLength(1);
		});

		it('422 (Rails errors hash): lists the fields CommerceConnect named, by their node names', async () => {
			const error = await caught(() => create({ productId: '424242' }));
			expect(error.message).toBe('CommerceConnect: product must exist');
			expect(error.description).toMatch(/CommerceConnect rejected this field: Product \(product\)/);
			expect((error as { httpCode?: string }).httpCode).toBe('422');
			expect(mock.server.requests).toHaveLength(1);
			expectNoSecrets(error, secrets());
		});

		it('422 with several fields', async () => {
			mock.server.injectFault({
				kind: 'status',
				status: 422,
				body: JSON.stringify({
					errors: { url: ["can't be blank"], 'media_item.position': ['is not a number', 'must be positive'] },
				}),
			});
			const error = await caught(() => create());
			expect(error.message).toBe(
				"CommerceConnect: url can't be blank; media_item.position is not a number; media_item.position must be positive",
			);
			expect(error.description).toMatch(/these fields: URL \(url\), Position \(position\)/);
		});

		it.each([
			[
				'Apipie {"error"}',
				{ error: 'Invalid parameter \'media_item[position]\' value "x": Must be a Integer' },
				'CommerceConnect: Invalid parameter \'media_item[position]\' value "x": Must be a Integer',
				/Position \(position\)/,
			],
			[
				'{"message"}',
				{ message: 'Validation failed: Url is invalid' },
				'CommerceConnect: Validation failed: Url is invalid',
				/check the fields named in the message/,
			],
			[
				'a list of full messages',
				{ errors: ["Url can't be blank"] },
				"CommerceConnect: Url can't be blank",
				/check the fields named/,
			],
		])('422 as %s', async (_name, payload, message, description) => {
			mock.server.injectFault({ kind: 'status', status: 422, body: JSON.stringify(payload) });
			const error = await caught(() => create());
			expect(error.message).toBe(message);
			expect(error.description).toMatch(description);
		});

		it('500 with an HTML page: a plain message; a create is not sent again', async () => {
			mock.server.injectFault({
				kind: 'status',
				status: 500,
				contentType: 'text/html',
				body: '<!DOCTYPE html><html><body>We’re sorry, but something went wrong.</body></html>',
			});
			const error = await caught(() => create());
			expect(error.message).toBe('CommerceConnect: The server had an internal error');
			expect(error.description).toMatch(/may have reached CommerceConnect/);
			expect(mock.server.requests).toHaveLength(1);
		});

		it('500 on a read is retried with backoff', async () => {
			mock.server.injectFault({ kind: 'status', status: 503, retryAfter: '2' }, { times: 2 });
			const result = await run({ operation: 'getMany', returnAll: false, limit: 1 });
			expect(result.output[0]).toHaveLength(1);
			expect(mock.server.requests).toHaveLength(3);
			expect(sleeps.delays.every((d) => d >= 2000)).toBe(true);
		});

		it('malformed JSON on a read is retried; an unreadable create answer is not', async () => {
			mock.server.injectFault({ kind: 'malformed', body: '{"page": 1, "entries": [' });
			expect((await run({ operation: 'getMany', returnAll: false, limit: 1 })).output[0]).toHaveLength(1);
			expect(mock.server.requests).toHaveLength(2);

			mock.server.resetLog();
			const before = mock.items.size;
			mock.server.injectFault({ kind: 'truncate' }); // the server created it; the answer is cut
			const error = await caught(() => create());
			expect(mock.server.requests).toHaveLength(1);
			expect(mock.items.size).toBe(before + 1);
			expect(error.description).toMatch(/may have reached CommerceConnect.*Sync Product Media/);
			expectNoSecrets(error, secrets());
		});

		it('with Continue On Fail, each failing item becomes an error item paired with its input', async () => {
			const result = await run(
				{ operation: 'delete', mediaItemId: '={{ $json.id }}' },
				[
					{ json: { id: 'x' } },
					{ json: { id: 777777 } },
					{ json: { id: mock.seed({ url: 'https://cdn.example.com/c.jpg', product_id: 9 }).id } },
				],
				{ continueOnFail: true },
			);
			expect(result.output[0].map((i) => [i.json.error ?? 'ok', i.pairedItem])).toEqual([
				['Media Item ID must be a whole number, not "x"', { item: 0 }],
				["CommerceConnect: Couldn't find MediaItem with 'id'=777777", { item: 1 }],
				['ok', { item: 2 }],
			]);
			expect(result.output[0][1].json.errorDescription).toMatch(/No media item has this ID/);
		});
	});

	describe('creates are never sent twice blindly', () => {
		const create = (url: string, options: Parameters<typeof runNode>[4] = {}) =>
			run(
				{
					operation: 'create',
					mediaItemType: 'ImageMediaItem',
					attachTo: 'product',
					productBy: 'id',
					productId: '9',
					url,
				},
				undefined,
				options,
			);
		const countUrl = (url: string) => [...mock.items.values()].filter((i) => i.url === url).length;

		it('a timeout after the server created the item: one request, one item, an error that says so', async () => {
			requestTimeouts.defaultMs = 300;
			mock.createStallMs = 1_500; // created at once, answered too late
			const error = await caught(() => create('https://cdn.example.com/timeout.jpg'));
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe('CommerceConnect: Timed out waiting for the server');
			expect((error as { apiFailure?: { kind: string } }).apiFailure?.kind).toBe('timeout');
			expect(error.description).toMatch(
				/may have reached CommerceConnect before the answer was lost, so it was not sent again/,
			);
			expect(mock.server.requests).toHaveLength(1);
			expect(countUrl('https://cdn.example.com/timeout.jpg')).toBe(1);
			expect(sleeps.delays).toEqual([]);
			expectNoSecrets(error, secrets());
		});

		it('a dropped connection after sending: not sent again', async () => {
			mock.server.injectFault({ kind: 'reset' });
			const error = await caught(() => create('https://cdn.example.com/reset.jpg'));
			expect(error.message).toBe('CommerceConnect: The connection to the server failed');
			expect(error.description).toMatch(/so it was not sent again/);
			expect(mock.server.requests).toHaveLength(1);
			expect(countUrl('https://cdn.example.com/reset.jpg')).toBe(0);
			expect(sleeps.delays).toEqual([]);
		});

		it('429 (the server turned it away): sent again after Retry-After, one item', async () => {
			mock.server.injectFault({
				kind: 'status',
				status: 429,
				retryAfter: '4',
				body: '{"error":"Rate limit exceeded"}',
			});
			const result = await create('https://cdn.example.com/429.jpg');
			expect(json(result)[0].url).toBe('https://cdn.example.com/429.jpg');
			expect(mock.server.requests).toHaveLength(2);
			expect(sleeps.delays).toHaveLength(1);
			expect(sleeps.delays[0]).toBeGreaterThanOrEqual(4000);
			expect(countUrl('https://cdn.example.com/429.jpg')).toBe(1);
		});

		it('a refused connection (provably not sent): sent again, one item', async () => {
			const port = await freePort();
			const mockPort = Number(new URL(baseUrl()).port);
			let proxy: Server | undefined;
			const original = timing.sleep;
			const delays: number[] = [];
			// The first attempt is refused; while the transport backs off, the server comes up.
			timing.sleep = async (ms: number) => {
				delays.push(ms);
				proxy ??= await forward(port, mockPort);
			};
			try {
				const result = await create('https://cdn.example.com/refused.jpg', { baseUrl: `http://127.0.0.1:${port}` });
				expect(json(result)[0].url).toBe('https://cdn.example.com/refused.jpg');
				expect(delays).toHaveLength(1);
				expect(mock.server.requests).toHaveLength(1);
				expect(countUrl('https://cdn.example.com/refused.jpg')).toBe(1);
			} finally {
				timing.sleep = original;
				await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
			}
		});
	});
});

import { createHmac } from 'node:crypto';

import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { PollHarness, executeNode, testCredential } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import type { MockRequest } from '../../sandbox/server';
import { HOSTILE_TEXT } from './hostile-input';

/**
 * Bad and hostile input to the PantherMedia nodes is either sent exactly as typed — one field of
 * the signed form body, whatever `&`, `=`, CRLF or markup it holds, with the signature still
 * valid — or refused before anything is sent, with a NodeOperationError that names the field.
 * What the mock received is the proof. (The field checks with ordinary wrong values are in
 * test/panthermedia/actions.test.ts.)
 */
describe('PantherMedia: hostile and malformed input', () => {
	const mock = new PantherMediaMock();
	const baseUrl = useMock(mock);
	useRecordedSleeps();
	beforeAll(() => {
		mock.addMedia({ id: '5001', at: Date.UTC(2024, 0, 1), title: 'Panther 5001' });
	});

	const credentials = (overrides: Record<string, string> = {}) => ({
		pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl(), ...overrides },
	});
	const run = (parameters: Record<string, unknown>) =>
		executeNode({
			type: 'pantherMedia',
			parameters: { resource: 'media', ...parameters } as never,
			credentials: credentials(),
		});
	const fields = (request: MockRequest) => new URLSearchParams(request.text);
	const signedBy = (form: URLSearchParams, secret: string) =>
		form.get('access_key') ===
		createHmac('sha1', secret)
			.update(`${form.get('timestamp')}${form.get('api_key')}${form.get('nonce')}`)
			.digest('hex');
	/** The names of the form fields, each once per occurrence. */
	const names = (form: URLSearchParams) => [...form.keys()].sort();

	const search = { operation: 'search', page: 1, limit: 10 };

	it.each(HOSTILE_TEXT)(
		'sends a search query with %s as one form field, exactly as typed, still signed',
		async (_name, query) => {
			await run({ ...search, query: 'panther' });
			const plain = fields(mock.server.requests.at(-1)!);
			await run({ ...search, query }); // answered like any search
			const form = fields(mock.server.requests.at(-1)!);
			expect(mock.server.requests.at(-1)!.path).toBe('/search');
			expect(form.getAll('q')).toEqual([query.trim()]);
			// The same fields as for a plain query: nothing added, nothing replaced.
			expect(names(form)).toEqual(names(plain));
			expect(form.getAll('api_key')).toEqual([mock.apiKey]);
			expect(form.get('limit')).toBe('10');
			expect(signedBy(form, mock.apiSecret)).toBe(true);
		},
	);

	it('sends filters and a continuation id with &, = and CRLF as one form field each', async () => {
		const filters = 'type: photos&api_key=stolen; orientation: landscape=1';
		await run({ ...search, query: 'panther', searchOptions: { filters } });
		expect(fields(mock.server.requests.at(-1)!).getAll('filters')).toEqual([filters]);
		expect(fields(mock.server.requests.at(-1)!).getAll('api_key')).toEqual([mock.apiKey]);

		const nextPageId = 'MTYx==&type=deleted\r\nX-Injected: 1';
		const refused = await caught(() =>
			run({
				operation: 'poll',
				type: 'new',
				sinceMode: 'date',
				sinceDate: '2024-01-01',
				limit: 5,
				pollOptions: { nextPageId },
			}),
		);
		// PantherMedia (the mock) cannot decode it and says so; the node passes its words on.
		expect(refused.message).toBe('PantherMedia: invalid next_page_id (code 400)');
		const form = fields(mock.server.requests.at(-1)!);
		expect(form.getAll('next_page_id')).toEqual([nextPageId.trim()]);
		expect(form.getAll('type')).toEqual(['new']);
		expect(signedBy(form, mock.apiSecret)).toBe(true);
	});

	it('sends a 25-digit media id as text, without rounding it to a float', async () => {
		const id = '1234567890123456789012345';
		const { output } = await run({ operation: 'getInfo', mediaIds: id });
		expect(fields(mock.server.requests.at(-1)!).get('id_media')).toBe(id);
		expect(output[0][0].json).toMatchObject({ id, found: false });
	});

	const BAD_IDS = [
		['negative', '-5001', /contains an invalid media ID: "-5001"$/],
		['fractional', '5001.5', /contains an invalid media ID: "5001.5"$/],
		['longer than 40 characters', '1'.repeat(41), /contains an invalid media ID/],
		['a path', '../5001', /contains an invalid media ID: "..\/5001"$/],
		['a CRLF and a header', '5001\r\nX-Injected:1', /contains an invalid media ID: "X-Injected:1"$/],
		['SQL', "5001' OR '1'='1", /contains an invalid media ID: "5001'"$/],
		['full-width digits', '５００１', /contains an invalid media ID: "５００１"$/],
		['markup', '<id>5001</id>', /contains an invalid media ID/],
		['an object from an expression', '={{ { "id": 5001 } }}', /contains an invalid media ID/],
		['empty', '  ,  ', /is empty$/],
	] as const;

	it.each(BAD_IDS)(
		'refuses a media id that is %s in Get Info, Download Preview and Poll, before sending anything',
		async (_name, id, message) => {
			const errors = [
				await caught(() => run({ operation: 'getInfo', mediaIds: id })),
				await caught(() => run({ operation: 'downloadPreview', mediaId: id, binaryPropertyName: 'data' })),
				await caught(() => run({ operation: 'poll', type: 'new', sinceMode: 'mediaId', sinceMediaId: id, limit: 5 })),
			];
			expect(errors.map((e) => e.name)).toEqual(['NodeOperationError', 'NodeOperationError', 'NodeOperationError']);
			expect(errors[0].message).toMatch(new RegExp(`^Media IDs ${message.source}`));
			expect(errors[1].message).toMatch(new RegExp(`^Media ID ${message.source}`));
			expect(errors[2].message).toMatch(new RegExp(`^Since Media ID ${message.source}`));
			expect(mock.server.requests).toHaveLength(0);
		},
	);

	it.each([
		'2024-02-30',
		'01/02/2024',
		'now',
		'2024-01-01T24:00:00',
		'99999-01-01',
		'={{ {} }}',
		'={{ [2024, 1, 1] }}',
	])('refuses the date %p as Poll’s Since Date and the trigger’s Start Date, naming the field', async (date) => {
		const action = await caught(() =>
			run({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: date, limit: 5 }),
		);
		expect(action.name).toBe('NodeOperationError');
		expect(action.message).toMatch(/^Since Date is not a valid date/);
		const trigger = await caught(() =>
			new PollHarness({
				type: 'pantherMediaTrigger',
				parameters: { events: ['new'], firstRun: 'date', startDate: date } as never,
				credentials: credentials(),
			}).poll(),
		);
		expect(trigger.name).toBe('NodeOperationError');
		expect(trigger.message).toMatch(/^Start Date is not a valid date/);
		expect(mock.server.requests).toHaveLength(0);
		for (const error of [action, trigger]) expectNoSecrets(error, [mock.apiKey, mock.apiSecret]);
	});

	it.each([
		[
			'Limit',
			{ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 10.5 },
			/^Limit must be a whole number from 1 to 10000, not 10.5$/,
		],
		[
			'Limit',
			{ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: -1 },
			/^Limit must be a whole number from 1 to 10000, not -1$/,
		],
		[
			'Limit',
			{ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: '={{ "10; DROP" }}' },
			/^Limit must be a whole number from 1 to 10000, not "10; DROP"$/,
		],
		['Page', { ...search, query: 'x', page: 2 ** 60 }, /^Page must be a whole number from 1 to 100000/],
		['Page', { ...search, query: 'x', page: '={{ { "p": 1 } }}' }, /^Page must be a whole number from 1 to 100000/],
		[
			'Language',
			{ ...search, query: 'x', searchOptions: { language: '={{ "en&api_key=stolen" }}' } },
			/^Language must be one of .*, not "en&api_key=stolen"$/,
		],
		[
			'Type',
			{ operation: 'poll', type: '={{ "new&type=deleted" }}', sinceMode: 'date', sinceDate: '2024-01-01', limit: 5 },
			/^Type must be one of new, changed, deleted, not "new&type=deleted"$/,
		],
		[
			'Filters',
			{ ...search, query: 'x', searchOptions: { filters: 'type: photos\r\n; <x>' } },
			/^Filters has an entry that is not "name: value": "<x>"$/,
		],
	])('refuses a bad %s before sending anything, naming it', async (_field, parameters, message) => {
		const error = await caught(() => run(parameters));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(message);
		expect(mock.server.requests).toHaveLength(0);
	});

	it('sends an API key holding &, = and a line break as one form field, and reports the refusal without it', async () => {
		const apiKey = 'key&algo=md5=\r\nX: 1';
		const result = await testCredential('pantherMediaApi', { apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl() });
		const form = fields(mock.server.requests.at(-1)!);
		expect(form.getAll('api_key')).toEqual([apiKey.trim()]);
		expect(form.getAll('algo')).toEqual(['sha1']);
		expect(signedBy(form, mock.apiSecret)).toBe(true);
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/Unknown api_key/) });
		expect(result.message).not.toContain('key&algo');
	});
});

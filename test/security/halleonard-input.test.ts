import { XMLParser } from 'fast-xml-parser';

import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { PollHarness, executeNode } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { HalLeonardMock } from '../../sandbox/halleonard';
import { HOSTILE_TEXT } from './hostile-input';

/**
 * Bad and hostile input to the Hal Leonard DAM nodes never changes the shape of the XML request
 * document: asset ids and country codes are checked against what the DAM accepts and refused
 * otherwise, naming the field; dates are parsed and re-written in the DAM's own form (the text
 * typed never reaches the document); credential values are XML-escaped. The document the mock
 * received, parsed with a plain XML parser, is the proof. (Ordinary wrong values are in
 * test/halleonard/actions.test.ts.)
 */
describe('Hal Leonard DAM: hostile and malformed input', () => {
	const mock = new HalLeonardMock();
	useMock(mock, { reset: () => (mock.received.length = 0) });
	useRecordedSleeps();
	beforeAll(() => {
		mock.putFile('1234', 'HL_DDS_0000000000074222.pdf', 16776); // 2015/12/7
		mock.putAsset({ assetId: '1000', kind: 'asset', title: 'Für Elise', day: 16776 });
	});

	const credentials = (overrides: Record<string, string> = {}) => ({
		halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint, ...overrides },
	});
	const run = (parameters: Record<string, unknown>, overrides: Record<string, string> = {}) =>
		executeNode({ type: 'halLeonardDam', parameters: parameters as never, credentials: credentials(overrides) });
	/** The last request document, read by a plain parser (entities decoded, nothing coerced). */
	const lastDocument = () =>
		new XMLParser({ parseTagValue: false, isArray: (name) => name === 'AssetId' }).parse(
			mock.received.at(-1)!.request.text,
		) as {
			DAMRequest: Record<string, Record<string, unknown>>;
		};
	const metadataByIds = (assetIds: unknown) => ({
		resource: 'asset',
		operation: 'getMetadata',
		requestType: 'all',
		selectBy: 'assetIds',
		assetIds,
	});
	const access = (assetId: unknown, countryCode = '') => ({
		resource: 'asset',
		operation: 'getAccess',
		assetId,
		countryCode,
	});

	it.each(HOSTILE_TEXT)(
		'refuses asset ids with %s before building any document, naming the field',
		async (_name, text) => {
			const list = await caught(() => run(metadataByIds(`1000, ${text}`)));
			const single = await caught(() => run(access(text)));
			expect([list.name, single.name]).toEqual(['NodeOperationError', 'NodeOperationError']);
			expect(list.message).toMatch(/^Asset IDs is not a DAM asset ID: /);
			expect(single.message).toMatch(/^Asset ID is not a DAM asset ID: /);
			expect(mock.server.requests).toHaveLength(0);
		},
	);

	it.each([
		['fractional', '1000.5'],
		['longer than 64 characters', '1'.repeat(65)],
		['full-width digits', '１０００'],
		['an element', '1000</AssetId><AssetId>2000'],
		['an object from an expression', '={{ { "id": 1000 } }}'],
	])('refuses an asset id that is %s, naming the field', async (_name, id) => {
		const error = await caught(() => run(access(id)));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^Asset ID is not a DAM asset ID: /);
		expect(mock.server.requests).toHaveLength(0);
	});

	it('sends ids the DAM’s pattern allows (a leading dash, 64 digits, 1e3) as text in their own elements, never as numbers', async () => {
		const ids = ['-1', '9'.repeat(64), '1e3', '0001000'];
		await caught(() => run(metadataByIds(ids.join(', '))));
		const request = lastDocument().DAMRequest.AssetMetadataRequest;
		expect((request.AssetIdList as { AssetId: string[] }).AssetId).toEqual(ids);
		expect(Object.keys(lastDocument().DAMRequest)).toEqual(['RequestHdr', 'AssetMetadataRequest']);
	});

	it.each([
		['a line break', 'U\r\nS'],
		['markup', 'US<'],
		['three letters', 'USA'],
		['an object from an expression', '={{ { "c": "US" } }}'],
	])('refuses a country code with %s, naming the field', async (_name, countryCode) => {
		const error = await caught(() => run(access('1000', countryCode)));
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^Country Code must be a two-letter ISO code such as US or GB, not /);
		expect(mock.server.requests).toHaveLength(0);
	});

	it.each(['2015-02-30', '2015-13-01', '01/02/2024', 'now', '99999-01-01', '={{ {} }}', '={{ [2015, 12, 7] }}'])(
		'refuses the date %p in the actions and as the trigger’s Start Date, naming the field',
		async (date) => {
			const errors = [
				await caught(() => run({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: date })),
				await caught(() =>
					run({
						resource: 'asset',
						operation: 'getMetadata',
						requestType: 'all',
						selectBy: 'dateRange',
						startDate: '2015-12-01',
						stopDate: date,
					}),
				),
				await caught(() =>
					new PollHarness({
						type: 'halLeonardDamTrigger',
						parameters: { events: ['modifiedFile'], firstRun: 'date', startDate: date } as never,
						credentials: credentials(),
					}).poll(),
				),
			];
			expect(errors.map((e) => e.name)).toEqual(['NodeOperationError', 'NodeOperationError', 'NodeOperationError']);
			expect(errors.map((e) => /^(\w+ Date) is not a valid date/.exec(e.message)?.[1])).toEqual([
				'Start Date',
				'Stop Date',
				'Start Date',
			]);
			expect(mock.server.requests).toHaveLength(0);
			for (const error of errors) expectNoSecrets(error, [mock.vendorKey]);
		},
	);

	it('writes a date in the DAM’s own form: whatever follows the day is never sent', async () => {
		await run({
			resource: 'file',
			operation: 'getModified',
			fileType: 'pdf',
			startDate: '2015-12-07T25:99 </StartDate><x>&amp;',
		});
		expect(lastDocument().DAMRequest.ModifiedFileRequest).toEqual({ StartDate: '2015/12/7' });
		expect(mock.received.at(-1)!.request.text).not.toContain('<x>');
	});

	it('escapes a vendor id holding markup and quotes: the header keeps its three elements, the DAM refuses it by its own words', async () => {
		const vendorId = '123</VendorId><VendorKey>x</VendorKey>&"\'';
		const error = await caught(() =>
			run({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: '2015-12-07' }, { vendorId }),
		);
		const header = lastDocument().DAMRequest.RequestHdr;
		expect(Object.keys(header)).toEqual(['DAMVersion', 'VendorId', 'VendorKey']);
		expect(header.VendorId).toBe(vendorId);
		expect(header.VendorKey).toBe(mock.vendorKey);
		expect(error.message).toMatch(/^Hal Leonard DAM: Vendor authentication failed/);
		expectNoSecrets(error, [mock.vendorKey]);
	});
});

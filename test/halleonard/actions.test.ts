import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { HalLeonardDam } from '../../nodes/HalLeonardDam/HalLeonardDam.node';
import { formatDamDate, isoDay, todayIn } from '../../nodes/HalLeonardDam/days';
import { damDocument } from '../../nodes/HalLeonardDam/transport/document';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { useRealClock } from '../harness/clock';
import { ensureBinaryData, executeNode, logLines, registerTestNodeType, testCredential } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { HalLeonardMock, fileBytes } from '../../sandbox/halleonard';

const FIXTURES = join(__dirname, '..', '..', 'sandbox', 'fixtures', 'halleonard');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** The billion-laughs document: nine levels of ten-fold entity references. */
const BILLION_LAUGHS = [
	'<?xml version="1.0"?>',
	'<!DOCTYPE DAMResponse [',
	' <!ENTITY lol "lol">',
	...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
	']>',
	'<DAMResponse><ModifiedFileResponse><ModifiedFile><AssetId>1</AssetId><FileName>&lol9;</FileName><LastModified>2015/12/7</LastModified></ModifiedFile></ModifiedFileResponse></DAMResponse>',
].join('\n');

describe('Hal Leonard DAM node', () => {
	const mock = new HalLeonardMock();
	useMock(mock, {
		reset: () => {
			mock.received.length = 0;
			mock.redirect = 'none';
			mock.encoding = 'latin1';
			mock.echoKeyInErrors = false;
			mock.echoRequestInErrors = false;
			mock.monthCap = 3;
			mock.access.clear();
		},
	});
	const sleeps = useRecordedSleeps();
	beforeAll(async () => {
		await ensureBinaryData();
		mock.putFile('1234', 'HL_DDS_0000000000074222.pdf', 16776); // 2015/12/7
		mock.putFile('1412', 'HL_DDS_0000000000078731.pdf', 16776);
		mock.putFile('35854', 'HL_DDS_0000000000088858.pdf', 16790); // 2015/12/21: after the range
		mock.putAsset({ assetId: '1000', kind: 'asset', title: 'Für Elise', day: 16776 });
		mock.putAsset({ assetId: '2000', kind: 'package', title: 'Klavierstücke', day: 16777 });
		mock.putAsset({ assetId: '4000', kind: 'asset', title: 'Señor Café', day: 16800, deleted: true });
	});

	const credentials = (overrides: Record<string, string> = {}) => ({
		halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint, ...overrides },
	});

	async function run(
		parameters: Record<string, unknown>,
		input: INodeExecutionData[] = [{ json: {} }],
		options: { continueOnFail?: boolean; credentials?: Record<string, string> } = {},
	) {
		return await executeNode(
			{
				type: 'halLeonardDam',
				parameters: parameters as never,
				credentials: credentials(options.credentials),
				continueOnFail: options.continueOnFail,
			},
			input,
		);
	}

	const modifiedFiles = (startDate: string, stopDate = '') => ({
		resource: 'file',
		operation: 'getModified',
		fileType: 'pdf',
		startDate,
		stopDate,
	});
	const metadataByRange = (startDate: string, stopDate = '', requestType = 'all') => ({
		resource: 'asset',
		operation: 'getMetadata',
		requestType,
		selectBy: 'dateRange',
		startDate,
		stopDate,
	});
	const lastDocument = () => mock.received.at(-1)!.request.text;
	const withKey = (xml: string) => xml.replace(/theKey123/g, mock.vendorKey);

	describe('request documents', () => {
		it('are the documented ModifiedFileRequest, byte for byte, POSTed as text/xml', async () => {
			await run(modifiedFiles('2015-11-26', '2015-12-17'));
			const request = mock.received.at(-1)!.request;
			expect(request.method).toBe('POST');
			expect(request.path).toBe('/dam');
			expect(request.headers['content-type']).toBe('text/xml; charset=utf-8');
			// The documentation's example, without its comment, with this mock's key.
			const expected = withKey(
				fixture('modified-file-request.xml').toString('utf8').replace(' <!-- optional end date -->', ''),
			);
			expect(request.text).toBe(expected);
		});

		it('leave StopDate out when it is empty', async () => {
			await run(modifiedFiles('2015-12-07'));
			expect(lastDocument()).toContain('<StartDate>2015/12/7</StartDate>\n    </ModifiedFileRequest>');
			expect(lastDocument()).not.toContain('StopDate');
		});

		it('AssetMetadataRequest by date range carries requestType and unpadded dates', async () => {
			await run(metadataByRange('2024-01-05', '2024-02-01', 'packages'));
			expect(lastDocument()).toBe(
				withKey(
					[
						'<?xml version="1.0"?>',
						'<!DOCTYPE DAMRequest SYSTEM "https://haldms.halleonard.com/dam_dtd/DAMRequestVersion5.dtd">',
						'<DAMRequest>',
						'    <RequestHdr>',
						'        <DAMVersion>5.0</DAMVersion>',
						'        <VendorId>123</VendorId>',
						'        <VendorKey>theKey123</VendorKey>',
						'    </RequestHdr>',
						'    <AssetMetadataRequest requestType="P">',
						'        <StartDate>2024/1/5</StartDate>',
						'        <StopDate>2024/2/1</StopDate>',
						'    </AssetMetadataRequest>',
						'</DAMRequest>',
						'',
					].join('\n'),
				),
			);
		});

		it('AssetMetadataRequest by asset ids carries an AssetIdList and no dates', async () => {
			await run({
				resource: 'asset',
				operation: 'getMetadata',
				requestType: 'assets',
				selectBy: 'assetIds',
				assetIds: '1000, 2000\n1000',
			});
			expect(lastDocument()).toContain(
				[
					'    <AssetMetadataRequest requestType="A">',
					'        <AssetIdList>',
					'            <AssetId>1000</AssetId>',
					'            <AssetId>2000</AssetId>',
					'        </AssetIdList>',
					'    </AssetMetadataRequest>',
				].join('\n'),
			);
			expect(lastDocument()).not.toMatch(/StartDate|StopDate/);
		});

		it('AssetAccessRequest has the documented shape', async () => {
			await run({ resource: 'asset', operation: 'getAccess', assetId: '1000', countryCode: 'gb' });
			const documented = fixture('asset-access-request.xml').toString('utf8');
			const head = documented.slice(0, documented.indexOf('<AssetAccessRequest>'));
			expect(lastDocument()).toBe(
				withKey(
					`${head}<AssetAccessRequest>\n        <Asset>\n            <AssetId>1000</AssetId>\n            <CountryCode>GB</CountryCode>\n        </Asset>\n    </AssetAccessRequest>\n</DAMRequest>\n`,
				),
			);
		});

		it('escape every value: a key with markup characters arrives intact, as text', async () => {
			const original = mock.vendorKey;
			mock.vendorKey = `k<&>"'${original}`;
			try {
				const { output } = await run(modifiedFiles('2015-12-07', '2015-12-08'), undefined, {
					credentials: { vendorKey: mock.vendorKey },
				});
				expect(output[0]).toHaveLength(2);
				expect(lastDocument()).toContain(`<VendorKey>k&lt;&amp;&gt;&quot;&apos;${original}</VendorKey>`);
			} finally {
				mock.vendorKey = original;
			}
		});
	});

	describe('credential test', () => {
		it('passes with the right vendor id and key, with one read-only request', async () => {
			const result = await testCredential('halLeonardDamApi', {
				vendorId: mock.vendorId,
				vendorKey: mock.vendorKey,
				endpoint: mock.endpoint,
			});
			expect(result).toEqual({
				status: 'OK',
				message: 'Connection successful: the DAM accepted the vendor ID and key',
			});
			expect(mock.received).toHaveLength(1);
			expect(mock.received[0].document).toHaveProperty('DAMRequest.ModifiedFileRequest.@_fileType', 'pdf');
		});

		it('fails with the DAM’s own error text when the key is wrong, and never shows a key', async () => {
			mock.echoKeyInErrors = true; // the server even repeats the key it got
			const result = await testCredential('halLeonardDamApi', {
				vendorId: mock.vendorId,
				vendorKey: 'wrong-key-0815',
				endpoint: mock.endpoint,
			});
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(
				/^Hal Leonard DAM: Vendor authentication failed for VendorId 123 with key \[redacted\] \(code 1002\)/,
			);
			expect(result.message).toMatch(/Check the Vendor ID and Vendor Key/);
			expectNoSecrets(new Error(result.message), ['wrong-key-0815', mock.vendorKey]);
		});

		it('says which field is empty without sending anything', async () => {
			expect(
				await testCredential('halLeonardDamApi', { vendorId: ' ', vendorKey: 'x', endpoint: mock.endpoint }),
			).toEqual({
				status: 'Error',
				message: 'Vendor ID is empty',
			});
			expect(
				await testCredential('halLeonardDamApi', { vendorId: '1', vendorKey: '', endpoint: mock.endpoint }),
			).toEqual({
				status: 'Error',
				message: 'Vendor Key is empty',
			});
			expect(mock.server.requests).toHaveLength(0);
		});

		it('points at the Endpoint URL when it is not the DAM', async () => {
			const result = await testCredential('halLeonardDamApi', {
				vendorId: '123',
				vendorKey: mock.vendorKey,
				endpoint: `${mock.server.baseUrl}/nothing-here`,
			});
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/web page, not the DAM API.*Check the Endpoint URL/);
			expectNoSecrets(new Error(result.message), [mock.vendorKey]);
		});
	});

	describe('File → Get Modified Files', () => {
		it('returns one item per file, dates from the DAM’s unpadded form, paired with the input', async () => {
			const { output } = await run(modifiedFiles('2015-11-26', '2015-12-17'));
			expect(output[0].map((i) => i.json)).toEqual([
				{
					assetId: '1234',
					fileName: 'HL_DDS_0000000000074222.pdf',
					fileType: 'pdf',
					lastModified: '2015-12-07',
					damDate: '2015/12/7',
				},
				{
					assetId: '1412',
					fileName: 'HL_DDS_0000000000078731.pdf',
					fileType: 'pdf',
					lastModified: '2015-12-07',
					damDate: '2015/12/7',
				},
			]);
			expect(output[0].every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		});

		it('reads the documentation’s own ModifiedFileResponse', async () => {
			mock.serveNext(fixture('modified-file-response.xml'));
			const { output } = await run(modifiedFiles('2015-11-26', '2015-12-17'));
			expect(output[0].map((i) => [i.json.assetId, i.json.fileName, i.json.lastModified])).toEqual([
				['1234', 'HL_DDS_0000000000074222.pdf', '2015-12-07'],
				['1412', 'HL_DDS_0000000000078731.pdf', '2015-12-07'],
				['35854', 'HL_DDS_0000000000088858.pdf', '2015-12-07'],
			]);
		});

		it('runs once per input item, each with its own dates from expressions', async () => {
			const { output } = await run({ ...modifiedFiles('={{ $json.from }}', '={{ $json.to }}') }, [
				{ json: { from: '2015-12-07', to: '2015-12-08' } },
				{ json: { from: '2015-12-21', to: '2015-12-22' } },
			]);
			expect(output[0].map((i) => [i.json.assetId, (i.pairedItem as { item: number }).item])).toEqual([
				['1234', 0],
				['1412', 0],
				['35854', 1],
			]);
		});

		it('refuses an invalid date before sending anything, naming the field', async () => {
			const error = await caught(() => run(modifiedFiles('2015-13-45')));
			expect(error.name).toBe('NodeOperationError');
			expect(error.message).toBe('Start Date is not a valid date: "2015-13-45"');
			const stop = await caught(() => run(modifiedFiles('2015-12-07', '2015-12-07')));
			expect(stop.message).toBe('Stop Date must be after Start Date');
			expect(stop.description).toMatch(/exclusive/);
			expect(mock.server.requests).toHaveLength(0);
			expectNoSecrets(error, [mock.vendorKey]);
			expectNoSecrets(stop, [mock.vendorKey]);
		});

		it('fails with the DAM’s status when the answer is not OK', async () => {
			mock.serveNext(
				'<?xml version="1.0"?><DAMResponse><ResponseHdr/><ModifiedFileResponse><StatusCode>3</StatusCode><StatusDescription>Vendor does not have access.</StatusDescription></ModifiedFileResponse></DAMResponse>',
			);
			const error = await caught(() => run(modifiedFiles('2015-12-07')));
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe('Hal Leonard DAM: Vendor does not have access. (code 3)');
			expect(error.description).toMatch(/catalogue access/);
			expectNoSecrets(error, [mock.vendorKey]);
		});
	});

	describe('Asset → Get Metadata', () => {
		const realClock = useRealClock();

		it('returns assets and packages changed in a range, deletions marked, reference lists left out', async () => {
			const { output } = await run(metadataByRange('2015-12-01', '2016-01-31'));
			expect(output[0].map((i) => [i.json.event, i.json.assetId, i.json.kind, i.json.deleted])).toEqual([
				['metadataChanged', '1000', 'asset', false],
				['assetDeleted', '4000', 'asset', true],
				['metadataChanged', '2000', 'package', false],
			]);
			expect(output[0][0].json.metadata).toMatchObject({
				AssetId: '1000',
				Title: 'Für Elise',
				Contributors: { Contributor: { Name: 'Ludwig van Beethoven' } },
			});
			expect(output[0][1].json.metadata).toMatchObject({ action: 'delete', Title: 'Señor Café' });
		});

		it('reads ISO-8859-1 bytes: "Für Elise" arrives intact', async () => {
			mock.serveNext(fixture('asset-metadata-latin1.xml'));
			const { output } = await run(metadataByRange('2015-12-01', '2015-12-31'));
			expect(output[0].map((i) => i.json)).toEqual([
				expect.objectContaining({
					assetId: '1234',
					kind: 'asset',
					deleted: false,
					metadata: expect.objectContaining({ Title: 'Für Elise', Price: { currency: 'USD', value: '5.99' } }),
				}),
				expect.objectContaining({
					assetId: '1412',
					kind: 'asset',
					deleted: true,
					metadata: expect.objectContaining({ Title: 'Señor Café & Crème brûlée' }),
				}),
				expect.objectContaining({
					assetId: '35854',
					kind: 'package',
					deleted: false,
					metadata: expect.objectContaining({ Title: 'Klavierstücke für Anfänger' }),
				}),
			]);
		});

		it.each(['latin1', 'latin1-header', 'latin1-undeclared', 'utf8'] as const)(
			'decodes an answer sent as %s',
			async (encoding) => {
				mock.encoding = encoding;
				const { output } = await run(metadataByRange('2015-12-07', '2015-12-08'));
				expect(output[0].map((i) => (i.json.metadata as { Title: string }).Title)).toEqual(['Für Elise']);
			},
		);

		it('by asset ids, returns the current metadata and fails an unknown id with the DAM’s status 33', async () => {
			const { output } = await run({
				resource: 'asset',
				operation: 'getMetadata',
				requestType: 'all',
				selectBy: 'assetIds',
				assetIds: '2000',
			});
			expect(output[0].map((i) => [i.json.event, i.json.assetId, i.json.kind])).toEqual([
				['metadata', '2000', 'package'],
			]);
			const error = await caught(() =>
				run({ resource: 'asset', operation: 'getMetadata', selectBy: 'assetIds', assetIds: '1000 999' }),
			);
			expect(error.message).toBe('Hal Leonard DAM: Unable to find asset for given asset id (asset 999) (code 33)');
			expect(error.description).toMatch(/Check the asset ID/);
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('splits a range longer than three months into requests the DAM accepts, without gaps', async () => {
			const { output } = await run(metadataByRange('2015-06-01', '2016-06-01'));
			const ranges = mock.received.map((r) => {
				const request = (r.document.DAMRequest as Record<string, Record<string, string>>).AssetMetadataRequest;
				return [request.StartDate, request.StopDate];
			});
			expect(ranges).toEqual([
				['2015/6/1', '2015/8/29'],
				['2015/8/29', '2015/11/26'],
				['2015/11/26', '2016/2/23'],
				['2016/2/23', '2016/5/22'],
				['2016/5/22', '2016/6/1'],
			]);
			expect(output[0].map((i) => i.json.assetId)).toEqual(['1000', '4000', '2000']);
		});

		it('splits a long range with no Stop Date up to tomorrow, and leaves a short one to the DAM', async () => {
			realClock.stop(); // the node's today and the test's are one day, even at Chicago's midnight
			const today = todayIn('America/Chicago', Date.now());
			await run(metadataByRange(isoDay(today - 200)));
			const sent = mock.received.map(
				(r) => (r.document.DAMRequest as Record<string, Record<string, string>>).AssetMetadataRequest,
			);
			expect(sent.map((r) => r.StartDate)).toEqual([
				formatDamDate(today - 200),
				formatDamDate(today - 111),
				formatDamDate(today - 22),
			]);
			expect(sent.map((r) => r.StopDate)).toEqual([
				formatDamDate(today - 111),
				formatDamDate(today - 22),
				formatDamDate(today + 1),
			]);
			mock.received.length = 0;
			await run(metadataByRange(isoDay(today - 30)));
			expect(lastDocument()).toContain(
				`<StartDate>${formatDamDate(today - 30)}</StartDate>\n    </AssetMetadataRequest>`,
			);
		});

		it('shows the DAM’s own error when it refuses a range', async () => {
			mock.monthCap = 1;
			const error = await caught(() => run(metadataByRange('2015-10-01', '2015-12-20')));
			expect(error.message).toBe('Hal Leonard DAM: Date range cannot exceed 1 months (code 1010)');
			expect(error.description).toMatch(/up to 3 months/);
			expect(mock.server.requests).toHaveLength(1); // a refusal is final, not retried
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('validates the asset id list before sending anything', async () => {
			const empty = await caught(() =>
				run({ resource: 'asset', operation: 'getMetadata', selectBy: 'assetIds', assetIds: ' , ' }),
			);
			expect(empty.message).toBe('Asset IDs is empty');
			const bad = await caught(() =>
				run({ resource: 'asset', operation: 'getMetadata', selectBy: 'assetIds', assetIds: '1000, 12 34<' }),
			);
			expect(bad.message).toBe('Asset IDs is not a DAM asset ID: "34<"');
			expect(mock.server.requests).toHaveLength(0);
			expectNoSecrets(empty, [mock.vendorKey]);
			expectNoSecrets(bad, [mock.vendorKey]);
		});
	});

	describe('Asset → Get Access', () => {
		it('returns the file name, type, MIME type and URL (read-only, no transaction)', async () => {
			const { output } = await run({ resource: 'asset', operation: 'getAccess', assetId: '1000' });
			expect(output[0][0].json).toEqual({
				assetId: '1000',
				countryCode: 'US',
				fileName: 'HL_SCORCH_1000.sco',
				fileType: 'SCORCH',
				mimeType: 'application/x-scorch',
				fileUrl: `${mock.server.baseUrl}/files/HL_SCORCH_1000.sco`,
			});
			expect(output[0][0].binary).toBeUndefined();
			expect(Object.keys(mock.received[0].document.DAMRequest as object)).toEqual(['RequestHdr', 'AssetAccessRequest']);
		});

		it('downloads the file as n8n binary data when asked', async () => {
			const { output } = await run({
				resource: 'asset',
				operation: 'getAccess',
				assetId: '1000',
				download: true,
				binaryPropertyName: 'score',
			});
			const binary = output[0][0].binary!.score;
			expect(binary).toMatchObject({ fileName: 'HL_SCORCH_1000.sco', mimeType: 'application/x-scorch' });
			expect(output[0][0].json.fileSize).toBe(fileBytes('HL_SCORCH_1000.sco').length);
			const download = mock.server.requests.at(-1)!;
			expect(download.method).toBe('GET');
			expect(download.path).toBe('/files/HL_SCORCH_1000.sco');
			expect(download.text).not.toContain(mock.vendorKey);
			expect(JSON.stringify(download.headers)).not.toContain(mock.vendorKey);
		});

		it.each([
			['no-file', '2', /File does not exist or bad path\. \(asset 1000\) \(code 2\)/],
			['no-access', '3', /Vendor does not have access\. \(asset 1000\) \(code 3\)/],
			['country', '25', /Asset cannot be sold in indicated country\. \(asset 1000\) \(code 25\)/],
		] as const)('turns status %s into a clear error', async (rule, code, message) => {
			mock.access.set('1000', rule === 'country' ? { countries: ['US'] } : rule);
			const error = await caught(() =>
				run({ resource: 'asset', operation: 'getAccess', assetId: '1000', countryCode: 'DE' }),
			);
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toMatch(message);
			expect((error as unknown as { apiFailure: { providerCode: string } }).apiFailure.providerCode).toBe(code);
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('with Continue On Fail, gives an error item for the failing asset and goes on, every item paired', async () => {
			const { output } = await run(
				{ resource: 'asset', operation: 'getAccess', assetId: '={{ $json.id }}' },
				[{ json: { id: '1000' } }, { json: { id: '999' } }, { json: { id: '2000' } }],
				{ continueOnFail: true },
			);
			expect(output[0].map((i) => [(i.pairedItem as { item: number }).item, i.json.fileName ?? i.json.error])).toEqual([
				[0, 'HL_SCORCH_1000.sco'],
				[1, 'Hal Leonard DAM: Unable to find asset for given asset id (asset 999) (code 33)'],
				[2, 'HL_SCORCH_2000.sco'],
			]);
			expect(output[0][1].json.errorDescription).toMatch(/Check the asset ID/);
			expect(JSON.stringify(output)).not.toContain(mock.vendorKey);
		});

		it('validates the asset id and country code before sending anything', async () => {
			const empty = await caught(() => run({ resource: 'asset', operation: 'getAccess', assetId: '' }));
			expect(empty.name).toBe('NodeOperationError');
			expect(empty.message).toBe('Asset ID is empty');
			const country = await caught(() =>
				run({ resource: 'asset', operation: 'getAccess', assetId: '1000', countryCode: 'USA' }),
			);
			expect(country.message).toMatch(/^Country Code must be a two-letter ISO code/);
			expect(mock.server.requests).toHaveLength(0);
			expectNoSecrets(empty, [mock.vendorKey]);
			expectNoSecrets(country, [mock.vendorKey]);
		});
	});

	describe('errors', () => {
		it('turns an ErrorResponse into the DAM’s text with a hint, and keeps the key out', async () => {
			const error = await caught(() =>
				run(modifiedFiles('2015-12-07'), undefined, { credentials: { vendorKey: 'not-the-key-42' } }),
			);
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe('Hal Leonard DAM: Vendor authentication failed for VendorId 123 (code 1002)');
			expect(error.description).toMatch(/^Check the Vendor ID and Vendor Key in the credential/);
			expect(mock.server.requests).toHaveLength(1); // final: not retried
			expectNoSecrets(error, ['not-the-key-42', mock.vendorKey]);
		});

		it('masks the key when the DAM echoes the whole request document', async () => {
			mock.echoRequestInErrors = true;
			const error = await caught(() =>
				run(modifiedFiles('2015-12-07'), undefined, { credentials: { vendorKey: 'echoed-key-77' } }),
			);
			expect(error.message).toContain('<VendorKey>[redacted]</VendorKey>');
			expectNoSecrets(error, ['echoed-key-77', mock.vendorKey]);
		});

		it('reads the documented ErrorResponse shape', async () => {
			mock.serveNext(fixture('error-response.xml'));
			const error = await caught(() => run(modifiedFiles('2015-12-07')));
			expect(error.message).toBe('Hal Leonard DAM: Invalid XML request format (code 1006)');
			expect(error.description).toMatch(/could not read the request/);
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('retries malformed XML, then says the answer could not be read', async () => {
			mock.server.injectFault(
				{ kind: 'malformed', body: '<DAMResponse><ModifiedFileResponse><ModifiedFile>', contentType: 'text/xml' },
				{ times: 4 },
			);
			const error = await caught(() => run(modifiedFiles('2015-12-07')));
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toMatch(/^Hal Leonard DAM: Malformed answer: not well-formed XML/);
			expect(mock.server.requests).toHaveLength(4);
			expect(sleeps.delays).toHaveLength(3);
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('recovers when a retry gets a good answer (truncated body, reset connection, 503)', async () => {
			mock.server.injectFault({ kind: 'truncate' });
			mock.server.injectFault({ kind: 'reset' });
			mock.server.injectFault({ kind: 'status', status: 503, body: 'busy', contentType: 'text/plain' });
			const { output } = await run(modifiedFiles('2015-12-07', '2015-12-08'));
			expect(output[0]).toHaveLength(2);
			expect(mock.server.requests).toHaveLength(4);
			expectNoSecrets({ message: '' }, [mock.vendorKey]); // the retry warnings in the log
		});

		it('says a web page is not the DAM', async () => {
			mock.serveNext('<html><body>Maintenance</body></html>', 'text/html');
			mock.serveNext('<html><body>Maintenance</body></html>', 'text/html');
			mock.serveNext('<html><body>Maintenance</body></html>', 'text/html');
			mock.serveNext('<html><body>Maintenance</body></html>', 'text/html');
			const error = await caught(() => run(modifiedFiles('2015-12-07')));
			expect(error.message).toMatch(
				/^Hal Leonard DAM: Malformed answer: the answer is not a DAM response \(root element: html\)/,
			);
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('reads an ErrorResponse sent with an HTTP error status', async () => {
			mock.server.injectFault(
				{
					kind: 'status',
					status: 500,
					contentType: 'text/xml',
					body: '<?xml version="1.0"?><DAMResponse><ErrorResponse><ErrorCode>1099</ErrorCode><ErrorDescr>Internal systems not responding</ErrorDescr></ErrorResponse></DAMResponse>',
				},
				{ times: 4 },
			);
			const error = await caught(() => run(modifiedFiles('2015-12-07')));
			expect(error.message).toBe('Hal Leonard DAM: Internal systems not responding (code 1099)');
			expect(error.httpCode).toBe('500');
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('does not expand a billion-laughs answer: it fails fast as malformed', async () => {
			mock.server.injectFault({ kind: 'malformed', body: BILLION_LAUGHS, contentType: 'text/xml' }, { times: 4 });
			const heapBefore = process.memoryUsage().heapUsed;
			const error = await caught(() => run(modifiedFiles('2015-12-07')));
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe(
				'Hal Leonard DAM: Malformed answer: the answer declares XML entities in its DOCTYPE, which the DAM never does',
			);
			expect(mock.server.requests).toHaveLength(4);
			expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024); // a bound on expansion, not a benchmark
			expectNoSecrets(error, [mock.vendorKey]);
		}, 20_000);

		it('never logs the vendor key', async () => {
			logLines.length = 0;
			mock.server.injectFault({ kind: 'status', status: 500 });
			await run(modifiedFiles('2015-12-07'));
			await caught(() => run(modifiedFiles('2015-12-07'), undefined, { credentials: { vendorKey: 'log-key-555' } }));
			expect(logLines.length).toBeGreaterThan(0);
			expectNoSecrets({ message: '' }, [mock.vendorKey, 'log-key-555']);
		});
	});

	describe('redirects', () => {
		it.each(['301', '302', '303'] as const)(
			'follows a %s as the DAM’s clients do: a GET to the Location, without the document',
			async (status) => {
				mock.redirect = status;
				const { output } = await run(modifiedFiles('2015-12-07', '2015-12-08'));
				expect(output[0]).toHaveLength(2);
				const [post, get] = mock.server.requests;
				expect([post.method, post.path]).toEqual(['POST', '/dam']);
				expect([get.method, get.path]).toEqual(['GET', '/dam/result/' + /\d+$/.exec(get.path)![0]]);
				expect(get.body.length).toBe(0);
				expect(get.headers['content-type']).toBeUndefined();
				expect(JSON.stringify(get.headers)).not.toContain(mock.vendorKey);
			},
		);

		it('repeats the POST on a 307 to the same host', async () => {
			mock.redirect = '307';
			const { output } = await run(modifiedFiles('2015-12-07', '2015-12-08'));
			expect(output[0]).toHaveLength(2);
			expect(mock.server.requests.map((r) => [r.method, r.path])).toEqual([
				['POST', '/dam'],
				['POST', '/dam2'],
			]);
		});

		it('refuses to send the document (and its key) to another host on a 307', async () => {
			mock.redirect = '307-cross';
			const error = await caught(() => run(modifiedFiles('2015-12-07', '2015-12-08')));
			expect(error.message).toBe(
				'Hal Leonard DAM: The request was redirected to another host (the address is not shown: a server can build it from the request); Hal Leonard DAM credentials are only ever sent to the host set in the credential, so the redirect was not followed',
			);
			expect(mock.server.requests).toHaveLength(1);
			expectNoSecrets(error, [mock.vendorKey]);
		});

		it('documents what n8n’s own request helper does with a redirected POST', async () => {
			// A throwaway node that lets n8n follow redirects itself, to pin down the behaviour the
			// DAM client relies on not needing: 302 → GET without the body; 307 → POST with the body.
			const probe: INodeType = {
				description: {
					displayName: 'Redirect probe',
					name: 'halLeonardRedirectProbe',
					group: ['transform'],
					version: 1,
					description: '',
					defaults: { name: 'Redirect probe' },
					inputs: [NodeConnectionTypes.Main],
					outputs: [NodeConnectionTypes.Main],
					credentials: [{ name: 'halLeonardDamApi', required: true }],
					properties: [],
				},
				async execute(this: IExecuteFunctions) {
					const response = (await this.helpers.httpRequestWithAuthentication.call(this, 'halLeonardDamApi', {
						method: 'POST',
						url: `${mock.endpoint}`,
						body: damDocument('ModifiedFileRequest', { '@_fileType': 'pdf', StartDate: '2015/12/7' }),
						returnFullResponse: true,
						json: false,
						encoding: 'arraybuffer',
					})) as { statusCode: number };
					return [[{ json: { status: response.statusCode } }]];
				},
			};
			registerTestNodeType(probe);
			const runProbe = async () =>
				await executeNode({ type: 'halLeonardRedirectProbe', parameters: {}, credentials: credentials() });

			mock.redirect = '302';
			expect((await runProbe()).output[0][0].json.status).toBe(200);
			const [post, get] = mock.server.requests;
			expect(post.method).toBe('POST');
			expect(get.method).toBe('GET');
			expect(get.body.length).toBe(0);

			mock.server.resetLog();
			mock.redirect = '307';
			expect((await runProbe()).output[0][0].json.status).toBe(200);
			expect(mock.server.requests.map((r) => [r.method, r.text.includes(mock.vendorKey)])).toEqual([
				['POST', true],
				['POST', true], // n8n repeats the body, key included, wherever the Location points
			]);
		});
	});

	it('is usable as an AI tool and declares its credential test', () => {
		const { description } = new HalLeonardDam();
		expect(description.usableAsTool).toBe(true);
		expect(description.credentials).toEqual([
			{ name: 'halLeonardDamApi', required: true, testedBy: 'halLeonardDamApiTest' },
		]);
	});
});

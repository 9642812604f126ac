import { randomBytes } from 'node:crypto';

import { PollHarness, executeNode, listSearch, testCredential } from '../harness/n8n';
import { HostileServer, type SecretTable, secretTable } from './hostile';

/**
 * PSRESTful: the API key (X-API-Key header) never appears in an error message, description,
 * error response, context, cause, Continue-On-Fail item, credential-test result or log line —
 * whatever the server answers, even when it echoes the whole request back, on every entry point:
 * the action node's operations, the supplier list, the trigger and the credential test.
 * The key holds characters that URL, JSON and XML encoding change, so those forms are checked too.
 */
describe('PSRESTful: no secret in any error', () => {
	const hostile = new HostileServer();
	const apiKey = `ps-${randomBytes(16).toString('hex')}+/=&"<`;

	const credentials = (url: string) => ({ psRestfulApi: { apiKey, baseUrl: url } });
	const action = (parameters: Record<string, unknown>) => (url: string, options: { continueOnFail?: boolean }) =>
		executeNode({
			type: 'psRestful',
			parameters: parameters as never,
			credentials: credentials(url),
			continueOnFail: options.continueOnFail,
		});

	const table: SecretTable = {
		hostile,
		secrets: () => [apiKey],
		sentSecret: () => apiKey,
		entryPoints: [
			{
				name: 'Get Content',
				kind: 'throws',
				continueOnFail: true,
				run: action({ resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '5989' }),
			},
			{
				name: 'Get Content for Many',
				kind: 'throws',
				continueOnFail: true,
				run: action({
					resource: 'media',
					operation: 'getContentForMany',
					supplierCode: 'HIT',
					productIds: '5989, 6234',
				}),
			},
			{
				name: 'Get Modified Since',
				kind: 'throws',
				continueOnFail: true,
				run: action({ resource: 'media', operation: 'getModifiedSince', supplierCode: 'HIT', since: '2024-01-01' }),
			},
			{
				name: 'Get Many Suppliers',
				kind: 'throws',
				continueOnFail: true,
				run: action({ resource: 'supplier', operation: 'getMany', returnAll: true }),
			},
			{
				name: 'the supplier list',
				kind: 'throws',
				run: (url) =>
					listSearch({ type: 'psRestful', parameters: {}, credentials: credentials(url) }, 'searchSuppliers'),
			},
			{
				name: 'the trigger',
				kind: 'throws',
				trigger: true,
				run: (url, options) =>
					new PollHarness({
						type: 'psRestfulTrigger',
						parameters: {
							supplierCode: 'HIT',
							includeMediaContent: true,
							firstRun: 'date',
							startDate: '2024-01-01',
						} as never,
						credentials: credentials(url),
					}).poll({ pollBudgetMs: options.pollBudgetMs }),
			},
			{
				name: 'the credential test',
				kind: 'credential test',
				run: (url) => testCredential('psRestfulApi', { apiKey, baseUrl: url }),
			},
		],
		answers: [
			[
				'HTTP 200 with a PromoStandards ServiceMessage holding the request',
				(_r, echo) => ({
					status: 200,
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({
						MediaContentArray: null,
						MediaDateModifiedArray: null,
						ServiceMessageArray: { ServiceMessage: [{ code: echo, description: echo, severity: 'Error' }] },
					}),
				}),
			],
			[
				'HTTP 200 with a Media Content errorMessage holding the request',
				(_r, echo) => ({
					status: 200,
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({
						MediaContentArray: null,
						MediaDateModifiedArray: null,
						errorMessage: { code: 999, description: echo },
					}),
				}),
			],
		],
	};

	secretTable(table);
});

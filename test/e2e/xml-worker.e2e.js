'use strict';
/**
 * Large XML answers inside real n8n (issue 12): the answer worker runs from the package as n8n
 * installs it (dist/, next to its runtime dependencies only — no n8n-workflow beside it) in n8n's
 * own process, on both lines (2.x on Node 24, 1.x on Node 20). A PantherMedia Trigger whose
 * first poll reads a 3,000-row page (~330 KB, over the worker's 128 KiB threshold) emits every
 * row, and n8n's debug log shows the read done in the worker, with no fallback warning.
 */
const { E2eEnvironment, emitted, statusOf } = require('./helpers');

const ROWS = 3_000;

describe.each(['2.x', '1.x'])('n8n %s: a large PantherMedia answer is read in the answer worker', (line) => {
	const env = new E2eEnvironment(line, { profile: 'xml-worker', env: { N8N_LOG_LEVEL: 'debug' } });

	beforeAll(async () => {
		await env.start();
	});
	afterAll(async () => {
		await env.stop();
	});

	it(`emits all ${ROWS.toLocaleString('en')} rows of one poll page read off n8n's main thread`, async () => {
		const pm = env.sandbox.panthermedia;
		const from = Date.now() - 24 * 3600_000;
		pm.bulkNew(ROWS, from, 1000);
		const workflow = await env.client.createWorkflow({
			name: 'Large PantherMedia page',
			nodes: [
				{
					parameters: {
						pollTimes: { item: [{ mode: 'everyHour', minute: 0 }] },
						events: ['new'],
						includeMediaInfo: false,
						firstRun: 'date',
						startDate: new Date(from - 3600_000).toISOString(),
						syncOptions: { maxItemsPerPoll: 10_000 },
					},
					id: 'f1c6f6a2-4bd1-4f0c-9d0e-6b4e1c1a0001',
					name: 'PantherMedia Trigger',
					type: `${env.pkg.typePrefix}.pantherMediaTrigger`,
					typeVersion: 1,
					position: [0, 0],
					credentials: {
						pantherMediaApi: { id: env.credentials.pantherMediaApi.id, name: env.credentials.pantherMediaApi.name },
					},
				},
			],
			connections: {},
		});
		await env.client.activateWorkflow(workflow.id);

		const [{ summary, execution }] = await env.newExecutions(workflow.id, new Set());
		expect(statusOf(summary)).toBe('success');
		const ids = emitted(execution, 'PantherMedia Trigger').map((item) => item.id);
		expect(ids.length).toBeGreaterThanOrEqual(ROWS);
		expect(new Set(ids).size).toBe(ids.length);

		const log = env.n8n.logText();
		expect(log).toMatch(/media-sync: read a \d+ KiB answer in the XML answer worker/);
		expect(log).not.toMatch(/XML answer worker could not be started/);
		await env.client.deactivateWorkflow(workflow.id);
	});
});

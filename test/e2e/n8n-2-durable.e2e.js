// @ts-check
'use strict';
/**
 * n8n 2.x with durable poll cursors (2.36+): the scheduler runs polls from the database and
 * commits a poll's state together with the execution it starts. Workflow 1 must behave exactly as
 * with n8n's default saving: each change once, across polls and a restart.
 */
const { pollerState, workflowStaticData } = require('../../scripts/n8n/lib/db');
const { E2eEnvironment, emitted, statusOf } = require('./helpers');
const { changesOf, expectPimMatchesSupplier, psRestfulKeys } = require('./expectations');

const DURABLE = {
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
};

describe('n8n 2.x with durable poll cursors', () => {
	const env = new E2eEnvironment('2.x', { profile: 'e2e-durable', env: DURABLE });
	/** @type {import('../../scripts/n8n/lib/demo').ImportedExample} */
	let workflow;
	/** @type {Set<string>} */
	const known = new Set();
	/** @type {string[]} */
	const all = [];

	beforeAll(async () => {
		await env.start();
	});
	afterAll(async () => {
		await env.stop();
	});

	const collect = async () => {
		const keys = [];
		for (const { summary, execution } of await env.newExecutions(workflow.id, known)) {
			expect(statusOf(summary)).toBe('success');
			keys.push(...psRestfulKeys(emitted(execution, 'PSRESTful Trigger')));
		}
		all.push(...keys);
		return keys.sort();
	};

	it('emits the seed products at activation, a later change once, and a change made while n8n was down once after a restart', async () => {
		[workflow] = await env.importExamples(['1-psrestful-to-commerceconnect.json']);
		expect(await collect()).toEqual(['5989@1', '6234@1', '7891@1']);
		env.sandbox.tick();
		expect(await collect()).toEqual(['5989@2']);
		const saved = {
			staticData: workflowStaticData(env.install, env.userFolder, workflow.id),
			cursors: pollerState(env.install, env.userFolder, workflow.id),
		};
		expect(JSON.stringify(saved)).toContain('mediaSync');
		await env.restartN8n(() => env.sandbox.tick());
		expect(await collect()).toEqual(['6234@2']);
		expect(all.slice().sort()).toEqual(changesOf(env.sandbox).sort());
		expectPimMatchesSupplier(env.sandbox);
	});
});

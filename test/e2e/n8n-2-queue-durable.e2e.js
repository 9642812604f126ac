// @ts-check
'use strict';
/**
 * Queue mode with durable poll cursors (n8n 2.36+): the main's scheduler runs the polls from the
 * database and commits a poll's state in the same transaction as the execution it enqueues. The
 * workers run workflow 1, which must behave exactly as with n8n's default saving (the other
 * queue-mode file): each change once, across polls and a main restart, the PIM as the supplier.
 */
const { emitted, NEXT_POLL_MS } = require('./helpers');
const { changesOf, expectPimMatchesSupplier, psRestfulKeys } = require('./expectations');
const { QueueE2eEnvironment } = require('./queue-environment');

describe('n8n 2.x in queue mode with durable poll cursors', () => {
	const env = new QueueE2eEnvironment({ profile: 'e2e-queue-durable', durable: true });
	/** @type {{ id: string }} */
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

	/** The first emissions of workflow 1's new executions (all successful, all run by a worker). */
	const collect = async () => {
		const deadline = Date.now() + NEXT_POLL_MS;
		/** @type {string[]} */
		const keys = [];
		for (;;) {
			for (const { summary, execution } of await env.takeFinished(workflow.id, known)) {
				expect({ id: summary.id, status: summary.status }).toEqual({ id: summary.id, status: 'success' });
				expect(env.c.executionsByWorker().get(summary.id)).toMatch(/^worker-/);
				keys.push(...psRestfulKeys(emitted(execution, 'PSRESTful Trigger')));
			}
			if (keys.length > 0) break;
			if (Date.now() > deadline) throw new Error(`no new emission within ${NEXT_POLL_MS / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
		all.push(...keys);
		return keys.sort();
	};

	it('emits the seed products, a later change once, and a change made while the main was down once after its restart', async () => {
		[workflow] = await env.importExamples(['1-psrestful-to-commerceconnect.json']);
		expect(await collect()).toEqual(['5989@1', '6234@1', '7891@1']);
		env.sandbox.tick();
		expect(await collect()).toEqual(['5989@2']);
		// The cursor is in PostgreSQL (table poller_state), committed with the execution.
		const cursors = await env.c.query('SELECT "cursor" FROM poller_state WHERE "workflowId" = $1', [workflow.id]);
		expect(JSON.stringify(cursors)).toContain('mediaSync');
		await env.c.main?.n8n?.stop();
		env.sandbox.tick();
		await env.c.startMain();
		await env.connect();
		expect(await collect()).toEqual(['6234@2']);
		expect(all.slice().sort()).toEqual(changesOf(env.sandbox).sort());
		expectPimMatchesSupplier(env.sandbox);
	});
});

// @ts-check
'use strict';
/**
 * `npm start` as a process manager, an IDE's stop button or a CI time-out treats it: signalled by
 * pid, not by a terminal's Ctrl-C. Whatever process of the tree gets SIGINT, SIGTERM or even
 * SIGKILL, nothing of it is left: not npm, not the script, not n8n or its task runner, and the
 * editor's port is free again. A second run goes on with the sandbox's catalogue, so the
 * PantherMedia and Hal Leonard examples sync new changes in its first minutes.
 */
const fs = require('node:fs');
const path = require('node:path');

const { N8nClient, nodeOutput } = require('../../scripts/n8n/lib/client');
const { DEMO_OWNER } = require('../../scripts/n8n/lib/demo');
const { userFolderFor } = require('../../scripts/n8n/lib/n8n-process');
const { resolveLine } = require('../../scripts/n8n/lib/runtimes');
const { isPortFree } = require('../../scripts/n8n/lib/util');
const { NEXT_POLL_MS } = require('./helpers');
const { NpmStart } = require('./npm-start-process');
const { processTree, stillRunning, waitFor } = require('./process-tree');

const PROFILE = 'e2e-npm-start';

describe('npm start, signalled by pid', () => {
	const runtime = resolveLine('2.x');
	/** @type {NpmStart | undefined} */
	let current;

	afterEach(async () => {
		// A failed test must not leave a demo running.
		current?.killAll();
		current = undefined;
	});

	/**
	 * Starts npm start, signals one process of its tree, and checks that the whole tree is gone.
	 * @param {(roles: { npm: number, script: number, n8n: number }) => [number, NodeJS.Signals]} choose
	 * @param {(url: string) => Promise<void>} [whileRunning]
	 */
	const stopsAfter = async (choose, whileRunning) => {
		const run = (current = new NpmStart(PROFILE));
		const url = await run.ready();
		const port = Number(new URL(url).port);
		const { script, n8n, all } = run.roles();
		if (whileRunning) await whileRunning(url);
		const [pid, signal] = choose({ npm: run.pid, script: script.pid, n8n: n8n.pid });
		process.kill(pid, signal);
		const pids = [...new Set([run.pid, ...all.map((info) => info.pid), ...processTree(run.pid).map((p) => p.pid)])];
		await waitFor(() => stillRunning(pids).length === 0, {
			what: `every process of npm start to end after ${signal} to ${pid} (left: ${stillRunning(pids)})`,
		});
		expect(stillRunning(pids)).toEqual([]);
		expect(await isPortFree(port)).toBe(true);
		return run;
	};

	it('SIGINT to npm stops n8n and the sandboxes (first run: imports the examples)', async () => {
		fs.rmSync(userFolderFor(runtime, PROFILE), { recursive: true, force: true });
		const run = await stopsAfter(({ npm }) => [npm, 'SIGINT']);
		expect(run.output).toMatch(/Imported and activated: 3 · Hal Leonard DAM/);
		expect(run.output).toMatch(/SIGINT: stopping n8n/);
	});

	it('SIGTERM to npm stops everything; this second run goes on with the sandbox, and the DAM and PantherMedia examples sync new changes', async () => {
		const run = await stopsAfter(
			({ npm }) => [npm, 'SIGTERM'],
			async (url) => {
				const client = new N8nClient(url);
				await client.login(DEMO_OWNER.email, DEMO_OWNER.password);
				const workflows = await client.listWorkflows();
				const since = Date.now();
				for (const [prefix, trigger] of [
					['2 ·', 'PantherMedia Trigger'],
					['3 ·', 'Hal Leonard DAM Trigger'],
				]) {
					const workflow = workflows.find((candidate) => candidate.name.startsWith(prefix));
					expect(workflow).toBeDefined();
					const items = await waitFor(
						async () => {
							for (const summary of await client.listExecutions({ workflowId: workflow?.id })) {
								const execution = await client.getExecution(summary.id);
								const startedAt = Date.parse(String(/** @type {{ startedAt?: string }} */ (execution).startedAt));
								const emitted = nodeOutput(execution, trigger) ?? [];
								if (startedAt >= since - 5000 && emitted.length > 0) return emitted.length;
							}
							return 0;
						},
						{ what: `an execution of "${workflow?.name}" with new items`, timeoutMs: NEXT_POLL_MS, intervalMs: 3000 },
					);
					expect(items).toBeGreaterThan(0);
				}
			},
		);
		expect(run.output).toMatch(/go on from the last run's catalogue, after round \d+/);
		expect(run.output).toMatch(/Active \(from the last run\)/);
	});

	it('SIGKILL to npm: the script sees its parent gone and stops n8n', async () => {
		const run = await stopsAfter(({ npm }) => [npm, 'SIGKILL']);
		// The script wrote to the pipe it shared with npm, which the test still reads.
		expect(run.output).toMatch(/The process that started npm start has ended: stopping n8n/);
	});

	it('SIGKILL to the script: n8n loses its lifeline and stops itself', async () => {
		await stopsAfter(({ script }) => [script, 'SIGKILL']);
		// n8n's log (its own output went through the script, now gone): the lifeline's note.
		const log = fs.readFileSync(path.join(userFolderFor(runtime, PROFILE), 'n8n.log'), 'utf8');
		expect(log.slice(log.lastIndexOf('===== n8n'))).toMatch(/The process that started n8n has ended: stopping n8n/);
	});

	it('SIGTERM to n8n: the script sees n8n end and stops the rest', async () => {
		const run = await stopsAfter(({ n8n }) => [n8n, 'SIGTERM']);
		expect(run.output).toMatch(/n8n exited on its own/);
	});
});

// @ts-check
'use strict';
/**
 * `npm start` as a process manager, an IDE's stop button or a CI time-out treats it: signalled by
 * pid, not by a terminal's Ctrl-C. Whatever process of the tree gets SIGINT, SIGTERM or even
 * SIGKILL, nothing of it is left: not npm, not the script, not n8n or its task runner, and the
 * editor's port is free again. A second run goes on with the sandbox's catalogue, so the
 * PantherMedia and Hal Leonard examples sync new changes in its first minutes.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { N8nClient, nodeOutput } = require('../../scripts/n8n/lib/client');
const { DEMO_OWNER } = require('../../scripts/n8n/lib/demo');
const { userFolderFor } = require('../../scripts/n8n/lib/n8n-process');
const { REPO, resolveLine } = require('../../scripts/n8n/lib/runtimes');
const { isPortFree } = require('../../scripts/n8n/lib/util');
const { NEXT_POLL_MS } = require('./helpers');
const { processTree, stillRunning, waitFor } = require('./process-tree');

const PROFILE = 'e2e-npm-start';

/** @typedef {import('./process-tree').ProcessInfo} ProcessInfo */

/**
 * One `npm start` of the end-to-end profile, its output collected.
 */
class NpmStart {
	constructor() {
		this.output = '';
		// Its own process group, as a service manager starts it; the test signals single pids.
		this.npm = spawn('npm', ['start', '--', '--no-build', '--profile', PROFILE], {
			cwd: REPO,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, CI: 'true' },
		});
		const collect = (/** @type {Buffer} */ chunk) => (this.output += chunk.toString());
		this.npm.stdout.on('data', collect);
		this.npm.stderr.on('data', collect);
		/** @type {Promise<number | null>} */
		this.exited = new Promise((resolve) => this.npm.once('exit', (code) => resolve(code)));
	}

	get pid() {
		return /** @type {number} */ (this.npm.pid);
	}

	/** @returns {Promise<string>} the editor's URL, once the demo says it is ready */
	async ready() {
		const match = await waitFor(
			() => /Ready after .*? Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(this.output) ?? this.failed(),
			{ what: 'npm start to be ready', timeoutMs: 240_000 },
		);
		return match[1];
	}

	/** Throws when npm start ended before it was ready. */
	failed() {
		if (this.npm.exitCode !== null) throw new Error(`npm start exited early:\n${this.output.slice(-3000)}`);
		return null;
	}

	/**
	 * The processes of the tree, by role.
	 * @returns {{ script: ProcessInfo, n8n: ProcessInfo, all: ProcessInfo[] }}
	 */
	roles() {
		const all = processTree(this.pid);
		const script = all.find((info) => info.ppid === this.pid && /scripts\/n8n\/start\.js/.test(info.args));
		const n8n = all.find((info) => script && info.ppid === script.pid && /n8n\/bin\/n8n start/.test(info.args));
		if (!script || !n8n) throw new Error(`npm start's processes not found: ${JSON.stringify(all, null, 1)}`);
		return { script, n8n, all };
	}
}

describe('npm start, signalled by pid', () => {
	const runtime = resolveLine('2.x');
	/** @type {NpmStart | undefined} */
	let current;

	afterEach(async () => {
		// A failed test must not leave a demo running.
		if (current) for (const info of processTree(current.pid)) killQuietly(info.pid);
		current = undefined;
	});

	/**
	 * Starts npm start, signals one process of its tree, and checks that the whole tree is gone.
	 * @param {(roles: { npm: number, script: number, n8n: number }) => [number, NodeJS.Signals]} choose
	 * @param {(url: string) => Promise<void>} [whileRunning]
	 */
	const stopsAfter = async (choose, whileRunning) => {
		const run = (current = new NpmStart());
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

/** @param {number} pid */
function killQuietly(pid) {
	try {
		process.kill(pid, 'SIGKILL');
	} catch {
		// gone already
	}
}

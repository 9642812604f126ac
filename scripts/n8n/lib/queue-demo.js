// @ts-check
'use strict';
/**
 * `npm start -- --queue`: the same demo as `npm start`, with n8n in queue mode —
 * PostgreSQL 17 and Redis (started here, as an unprivileged account, data in
 * .n8n-runtime/data/demo-queue-n8n-<version>/), an n8n main that runs the triggers, and two
 * workers that run the executions. Each execution is reported with the process that ran it.
 *
 * Ctrl-C stops the workers, the main, Redis, PostgreSQL and the sandboxes; everything is kept
 * for the next run (--fresh starts over).
 *
 *   npm start -- --queue [--workers 2] [--concurrency 10] [--durable] [--port 5678] [--change-every 60] [--fresh]
 */
const fs = require('node:fs');
const path = require('node:path');

const { N8nClient, nodeOutput } = require('./client');
const { ensureSandboxCredentials, importExamples, sandboxFirstRuns, startSandbox } = require('./demo');
const { ensureRuntime } = require('./install');
const { QueueCluster } = require('./queue');
const { resolveLine } = require('./runtimes');
const { checkTypesLoaded } = require('./scenario');
const { log, readJson, seconds } = require('./util');

const OWNER = { email: 'demo@media-sync.local', firstName: 'Media', lastName: 'Sync', password: 'MediaSync-demo-1' };

/**
 * @param {Record<string, unknown>} args parsed command line
 */
async function runQueueDemo(args) {
	const started = Date.now();
	const runtime = resolveLine(String(args.n8n ?? '2.x'));
	if (runtime.line !== '2.x') throw new Error('Queue mode is demonstrated with n8n 2.x only');
	const changeEveryMs = Math.max(10, Number(args['change-every'] ?? 60)) * 1000;
	/** @type {NodeJS.Timeout[]} */
	const timers = [];
	/** @type {import('./demo').Sandbox | undefined} */
	let sandbox;
	/** @type {QueueCluster | undefined} */
	let cluster;
	let stopping = false;
	const stop = async (/** @type {string} */ reason, code = 0) => {
		if (stopping) return;
		stopping = true;
		for (const timer of timers) clearInterval(timer);
		log(
			`${reason}: stopping the workers and the main (graceful, up to 45 s each), Redis, PostgreSQL and the sandboxes…`,
		);
		if (cluster) {
			const outcome = await cluster.stop();
			for (const [name, result] of Object.entries(outcome)) log(`  ${name}: ${describeExit(result)}`);
		}
		if (sandbox) await sandbox.stop();
		log(`Stopped. Data kept in ${cluster?.base ?? 'the runtime folder'} for the next run.`);
		process.exit(code);
	};
	for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => void stop(signal));

	try {
		const install = await ensureRuntime(runtime);
		cluster = new QueueCluster({
			install,
			runtime,
			profile: 'demo-queue',
			workers: Math.max(1, Number(args.workers ?? 2)),
			concurrency: Math.max(1, Number(args.concurrency ?? 10)),
			durable: Boolean(args.durable),
			port: args.port ? Number(args.port) : undefined,
		});
		if (args.fresh) cluster.wipe();
		fs.mkdirSync(cluster.base, { recursive: true });
		const identityFile = path.join(cluster.base, 'sandbox.json');
		sandbox = await startSandbox({ identity: readJson(identityFile, undefined) });
		fs.writeFileSync(identityFile, `${JSON.stringify(sandbox.identity(), null, 2)}\n`, { mode: 0o600 });
		const urls = sandbox.urls();
		log(
			`Sandboxes: PSRESTful ${urls.psrestful}, PantherMedia ${urls.panthermedia}, Hal Leonard DAM ${urls.halleonard}, CommerceConnect ${urls.commerceconnect}`,
		);
		await cluster.start({ build: !args['no-build'] });
		for (const member of cluster.members())
			log(`  ${member.name}: pid ${member.n8n?.child.pid}, log ${member.n8n?.logFile}`);

		const client = new N8nClient(cluster.url);
		await client.ensureOwner(OWNER);
		const types = await checkTypesLoaded(client, cluster.typePrefix);
		const missing = [...types.missingNodes, ...types.missingCredentials];
		if (missing.length) throw new Error(`n8n did not load ${missing.join(', ')}; see ${cluster.main?.n8n?.logFile}`);
		const credentials = await ensureSandboxCredentials(client, sandbox);
		const firstRun = sandboxFirstRuns();
		// Workflow 1 heals lost executions (docs/deployment.md): re-check every 10 minutes in the demo.
		const psRestful = { ...firstRun.psRestfulTrigger, syncOptions: { minIntervalMinutes: 0, recheckMinutes: 10 } };
		const workflows = await importExamples(client, {
			credentials,
			typePrefix: cluster.typePrefix,
			firstRun: { ...firstRun, psRestfulTrigger: psRestful },
		});
		for (const workflow of workflows)
			log(`${workflow.imported ? 'Imported and activated' : 'Active (from the last run)'}: ${workflow.name}`);

		log('');
		log(
			`Ready after ${seconds(Date.now() - started)}. Open ${cluster.url}/ and log in as ${OWNER.email} / ${OWNER.password}`,
		);
		log(
			`Queue mode: the main (${cluster.url}) polls and enqueues; ${cluster.workers.map((w) => w.name).join(' and ')} run the executions.`,
		);
		log('Each execution below names the process that ran it. Workflow 1 re-checks every 10 minutes (self-healing).');
		log('Ctrl-C stops everything this started; data is kept for the next run (--fresh starts over).');
		log('');

		const activeSandbox = sandbox;
		timers.push(
			setInterval(() => {
				const tick = activeSandbox.tick();
				log(`Sandbox round ${tick.round}: ${tick.changes.join('; ')}`);
			}, changeEveryMs),
		);
		/** @type {Set<string>} */
		const seen = new Set();
		for (const workflow of workflows)
			for (const execution of await client.listExecutions({ workflowId: workflow.id, limit: 100 }))
				seen.add(execution.id);
		const activeCluster = cluster;
		timers.push(setInterval(() => void report(client, activeCluster, workflows, seen).catch(() => {}), 5000));
		const main = /** @type {NonNullable<typeof cluster.main>} */ (cluster.main);
		await main.n8n?.exited;
		if (!stopping) await stop(`the n8n main exited on its own; see ${main.n8n?.logFile}`, 1);
	} catch (error) {
		console.error(error instanceof Error ? error.message : error);
		await stop('error', 1);
	}
}

/**
 * Prints each new finished execution: status, the process that ran it, what the trigger emitted.
 * @param {N8nClient} client
 * @param {QueueCluster} cluster
 * @param {Array<{ id: string, name: string }>} workflows
 * @param {Set<string>} seen
 */
async function report(client, cluster, workflows, seen) {
	const byWorker = cluster.executionsByWorker();
	for (const workflow of workflows) {
		const executions = await client.listExecutions({ workflowId: workflow.id, limit: 20 });
		for (const summary of executions.slice().reverse()) {
			if (seen.has(summary.id) || !['success', 'error', 'crashed', 'canceled'].includes(summary.status ?? '')) continue;
			seen.add(summary.id);
			const execution = await client.getExecution(summary.id);
			const runData = execution.data?.resultData?.runData ?? {};
			const trigger = Object.keys(runData).find((name) => /Trigger$/.test(name));
			const items = trigger ? (nodeOutput(execution, trigger) ?? []) : [];
			const again = items.filter((/** @type {{ json?: { recheck?: boolean } }} */ item) => item.json?.recheck).length;
			const error = execution.data?.resultData?.error?.message;
			log(
				`${byWorker.get(summary.id) ?? 'main'} ran "${workflow.name}" (execution ${summary.id}): ${summary.status}, ${items.length} item(s) from the trigger${again ? ` (${again} re-checked)` : ''}${error ? ` — ${error}` : ''}`,
			);
		}
	}
}

/** @param {unknown} result */
function describeExit(result) {
	if (!result || typeof result !== 'object') return 'not running';
	const r = /** @type {{ code?: number | null, signal?: string | null, forced?: boolean, ms?: number }} */ (result);
	const how = r.signal ? `signal ${r.signal}` : `exit code ${r.code}`;
	return `${how}${r.ms !== undefined ? ` after ${seconds(r.ms)}` : ''}${r.forced ? ' (did not stop in time: killed)' : ''}`;
}

module.exports = { runQueueDemo };

#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm start`: the whole package working inside a real n8n, on this machine only.
 *
 *   1. builds the package;
 *   2. installs the pinned n8n 2.x (Node 24) into .n8n-runtime/ — once; later runs reuse it;
 *   3. starts sandbox servers for PSRESTful, PantherMedia, Hal Leonard DAM and CommerceConnect
 *      (the test mocks, with a catalogue that changes every --change-every seconds);
 *   4. starts n8n on 127.0.0.1 (SQLite, telemetry and outbound calls off) with the package
 *      installed like a community package;
 *   5. creates the owner login, credentials pointing at the sandboxes, imports the four example
 *      workflows and activates them;
 *   6. prints the editor URL, then what happens: each round of sandbox changes and each execution.
 *
 * Ctrl-C stops n8n and the sandboxes. A second run keeps n8n's data (workflows, their sync state,
 * executions) in .n8n-runtime/data/demo-n8n-<version>/ and the sandbox's ports and keys; --fresh
 * starts over.
 *
 *   npm start                          # n8n 2.x
 *   npm start -- --n8n 1.x             # the last n8n 1.x on Node 20
 *   npm start -- --port 5678 --change-every 30 --fresh
 *   npm start -- --queue               # queue mode: PostgreSQL, Redis, a main and two workers (lib/queue-demo.js)
 */
const fs = require('node:fs');
const path = require('node:path');

const { N8nClient, nodeOutput } = require('./lib/client');
const { ensureSandboxCredentials, importExamples, sandboxAddresses, startSandbox } = require('./lib/demo');
const { ensureRuntime } = require('./lib/install');
const { startN8n, stopAll, userFolderFor } = require('./lib/n8n-process');
const { preparePackage } = require('./lib/package');
const { runQueueDemo } = require('./lib/queue-demo');
const { resolveLine } = require('./lib/runtimes');
const { checkTypesLoaded } = require('./lib/scenario');
const { log, parseArgs, readJson, seconds } = require('./lib/util');

const OWNER = { email: 'demo@media-sync.local', firstName: 'Media', lastName: 'Sync', password: 'MediaSync-demo-1' };

/** @typedef {import('./lib/demo').ImportedExample} ImportedExample */
/** @typedef {import('./lib/demo').Sandbox} Sandbox */

async function main() {
	const started = Date.now();
	const args = parseArgs(process.argv.slice(2));
	if (args.queue) return await runQueueDemo(args);
	const runtime = resolveLine(String(args.n8n ?? '2.x'));
	const changeEveryMs = Math.max(10, Number(args['change-every'] ?? 60)) * 1000;
	/** @type {NodeJS.Timeout[]} */
	const timers = [];
	/** @type {Sandbox | undefined} */
	let sandbox;
	let stopping = false;
	/** @param {string} reason */
	const stop = async (reason) => {
		if (stopping) return;
		stopping = true;
		for (const timer of timers) clearInterval(timer);
		log(`${reason}: stopping n8n (graceful, up to 45 s) and the sandboxes…`);
		await stopAll();
		if (sandbox) await sandbox.stop();
		log('Stopped.');
		process.exit(0);
	};
	for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stop(signal));

	const install = await ensureRuntime(runtime);
	const userFolder = userFolderFor(runtime, 'demo');
	if (args.fresh) fs.rmSync(userFolder, { recursive: true, force: true });
	fs.mkdirSync(userFolder, { recursive: true });
	const pkg = await preparePackage({ userFolder, node: install.node, build: !args['no-build'] });

	const identityFile = path.join(userFolder, 'sandbox.json');
	sandbox = await startSandbox({ identity: readJson(identityFile, undefined) });
	fs.writeFileSync(identityFile, `${JSON.stringify(sandbox.identity(), null, 2)}\n`, { mode: 0o600 });
	log(`Sandboxes: ${sandboxAddresses(sandbox)}`);

	const n8n = await startN8n({
		install,
		userFolder,
		env: pkg.env,
		port: args.port ? Number(args.port) : undefined,
		echo: Boolean(args.echo),
	});
	const client = new N8nClient(n8n.url);
	await client.ensureOwner(OWNER);
	const types = await checkTypesLoaded(client, pkg.typePrefix);
	const missing = [...types.missingNodes, ...types.missingCredentials];
	if (missing.length) throw new Error(`n8n did not load ${missing.join(', ')}; see ${n8n.logFile}`);
	log(
		`n8n lists all ${types.declared.nodes.length} node types and ${types.declared.credentials.length} credential types of the package`,
	);

	const credentials = await ensureSandboxCredentials(client, sandbox);
	const workflows = await importExamples(client, { credentials, typePrefix: pkg.typePrefix });
	for (const workflow of workflows)
		log(`${workflow.imported ? 'Imported and activated' : 'Active (from the last run)'}: ${workflow.name}`);

	const readyIn = Date.now() - started;
	log('');
	log(`Ready after ${seconds(readyIn)}. Open ${n8n.url}/ and log in as ${OWNER.email} / ${OWNER.password}`);
	log('What to look at:');
	log('  - Overview → the four example workflows, active; each trigger polls every minute.');
	const firstRun = workflows.some((workflow) => workflow.imported);
	log(
		`  - Executions → workflow 1 ${firstRun ? 'syncs HIT products 5989, 6234 and 7891 into CommerceConnect at once,\n    then ' : 'syncs '}one product every round of sandbox changes (every ${changeEveryMs / 1000} s); workflows 2 and 3 add`,
	);
	log('    PantherMedia photos and Hal Leonard files; workflow 4 lists what changed in CommerceConnect.');
	log('  - Credentials → one per provider, pointing at the sandboxes on 127.0.0.1 (Test works).');
	log('Ctrl-C stops everything.');
	log('');

	timers.push(
		setInterval(() => {
			const tick = sandbox.tick();
			log(`Sandbox round ${tick.round}: ${tick.changes.join('; ')}`);
		}, changeEveryMs),
	);
	const seen = new Set();
	for (const workflow of workflows) {
		for (const execution of await client.listExecutions({ workflowId: workflow.id, limit: 100 }))
			seen.add(execution.id);
	}
	timers.push(setInterval(() => void reportExecutions(client, workflows, seen).catch(() => {}), 5000));
	await n8n.exited;
	if (!stopping) {
		log(`n8n exited on its own; see ${n8n.logFile}`);
		await stop('n8n exited');
	}
}

/**
 * Prints each new finished execution of the example workflows: status and what the trigger emitted.
 * @param {N8nClient} client
 * @param {ImportedExample[]} workflows
 * @param {Set<string>} seen  execution ids already reported (added to)
 */
async function reportExecutions(client, workflows, seen) {
	for (const workflow of workflows) {
		const executions = await client.listExecutions({ workflowId: workflow.id, limit: 20 });
		for (const summary of executions.slice().reverse()) {
			if (seen.has(summary.id) || !(summary.finished || ['success', 'error', 'crashed'].includes(summary.status ?? '')))
				continue;
			seen.add(summary.id);
			const execution = await client.getExecution(summary.id);
			const runData = execution.data?.resultData?.runData ?? {};
			const trigger = Object.keys(runData).find((name) => /Trigger$/.test(name));
			const items = trigger ? (nodeOutput(execution, trigger) ?? []).length : 0;
			const error = execution.data?.resultData?.error?.message;
			log(
				`n8n ran "${workflow.name}": ${summary.status ?? (summary.finished ? 'success' : 'unfinished')}, ${items} item(s) from the trigger${error ? ` — ${error}` : ''}`,
			);
		}
	}
}

main().catch(async (error) => {
	console.error(error instanceof Error ? error.message : error);
	await stopAll({ graceMs: 10_000 });
	process.exit(1);
});

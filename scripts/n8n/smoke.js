#!/usr/bin/env node
'use strict';
/**
 * Smoke test of this package in a real n8n, end to end over n8n's REST API:
 *
 *   build → install n8n (pinned, reused when current) → start it on a fresh SQLite user folder →
 *   owner setup → every node and credential type of this package is listed → a PSRESTful
 *   credential against a loopback stand-in passes its test, a wrong key fails it → a workflow with
 *   the PSRESTful Trigger (Start From: a date) is imported and activated → the activation poll
 *   creates an execution whose trigger output is exactly the stand-in's product → n8n stops.
 *
 *   node scripts/n8n/smoke.js                  # n8n 2.x (Node 24), then the last 1.x (Node 20)
 *   node scripts/n8n/smoke.js --n8n 2.x        # only one line
 *   node scripts/n8n/smoke.js --keep           # leave n8n running at the end (Ctrl-C stops it)
 *   node scripts/n8n/smoke.js --mode custom    # load the package via N8N_CUSTOM_EXTENSIONS instead
 *
 * Exit code 0 when every check passed. Prints "N passed, N failed" at the end.
 */
const fs = require('node:fs');

const { N8nClient, nodeOutput } = require('./lib/client');
const { ensureRuntime } = require('./lib/install');
const { startN8n, stopAll, userFolderFor } = require('./lib/n8n-process');
const { buildPackage, preparePackage } = require('./lib/package');
const { PsRestfulStandIn } = require('./lib/psrestful-standin');
const { listLines, resolveLine } = require('./lib/runtimes');
const { checkTypesLoaded, createPsRestfulCredential, psRestfulTriggerWorkflow } = require('./lib/scenario');
const { log, parseArgs, seconds } = require('./lib/util');

const OWNER = { email: 'owner@media-sync.test', firstName: 'Smoke', lastName: 'Test', password: 'Sm0ke-test-Passw0rd' };

const results = [];

function check(name, ok, detail = '') {
	results.push({ name, ok });
	log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
	return ok;
}

async function smokeOne(runtime, { mode, keep }) {
	const t0 = Date.now();
	const install = await ensureRuntime(runtime);
	const installMs = Date.now() - t0;
	const userFolder = userFolderFor(runtime, mode === 'nodes' ? 'smoke' : `smoke-${mode}`);
	fs.rmSync(userFolder, { recursive: true, force: true });
	const pkg = await preparePackage({ userFolder, node: install.node, mode, build: false });

	const standIn = new PsRestfulStandIn();
	await standIn.start();
	const changedAt = Date.UTC(2024, 11, 1, 12, 0, 0);
	standIn.change('HIT', '5989', changedAt);

	const n8n = await startN8n({ install, userFolder, env: pkg.env });
	const label = `[n8n ${runtime.version}]`;
	try {
		const client = new N8nClient(n8n.url);
		await client.ensureOwner(OWNER);
		check(`${label} owner set up and logged in`, client.cookies.has('n8n-auth'));
		// 2.x answers /rest/settings without the version until logged in.
		const version = await client.version();
		check(`${label} n8n reports the pinned version`, version === runtime.version, `versionCli=${version}`);

		const types = await checkTypesLoaded(client, pkg.typePrefix);
		check(
			`${label} every node type of the package is listed`,
			types.missingNodes.length === 0 && types.declared.nodes.length > 0,
			`declared ${types.declared.nodes.map((n) => `${pkg.typePrefix}.${n}`).join(', ')}; missing: ${types.missingNodes.join(', ') || 'none'} (n8n lists ${types.totalNodeTypes} node types)`,
		);
		check(
			`${label} every credential type of the package is listed`,
			types.missingCredentials.length === 0 && types.declared.credentials.length > 0,
			`declared ${types.declared.credentials.join(', ')}; missing: ${types.missingCredentials.join(', ') || 'none'}`,
		);
		if (types.missingNodes.length > 0) {
			const problems = n8n
				.logText()
				.split('\n')
				.filter((line) => /media-sync|psRestful|PsRestful|error/i.test(line))
				.slice(-15);
			log(`n8n log lines that may explain it:\n${problems.join('\n')}`);
			return;
		}

		const credential = await createPsRestfulCredential(client, standIn);
		const good = await client.testCredential(credential, { apiKey: standIn.apiKey, environment: 'PROD', cultureName: 'us_en', baseUrl: standIn.url });
		check(`${label} credential test passes with the right key`, good.status === 'OK', JSON.stringify(good));
		const wrong = await createPsRestfulCredential(client, standIn, { name: 'PSRESTful (wrong key)', apiKey: 'wrong-key' });
		const bad = await client.testCredential(wrong, { apiKey: 'wrong-key', environment: 'PROD', cultureName: 'us_en', baseUrl: standIn.url });
		// n8n 2.x shows the credential's own rule message for a 401. n8n 1.x does not reach the
		// rules for this request (its error has no cause.response) and shows its generic 401 text.
		const expectedMessage = runtime.version.startsWith('1.') ? /Authorization failed - please check your credentials/ : /API key was not accepted/;
		check(
			`${label} credential test fails with a wrong key, with the expected message`,
			bad.status === 'Error' && expectedMessage.test(bad.message ?? ''),
			JSON.stringify(bad),
		);
		const keyed = standIn.requestsTo('/extra/v2/suppliers');
		check(`${label} the credential test reached the stand-in with X-API-Key`, keyed.some((r) => r.keyOk) && keyed.some((r) => !r.keyOk), `${keyed.length} request(s)`);

		const workflow = await client.createWorkflow(psRestfulTriggerWorkflow({ typePrefix: pkg.typePrefix, credential }));
		const activatedAt = Date.now();
		await client.activateWorkflow(workflow.id);
		const executions = await client.waitForExecutions(workflow.id, 1, { timeoutMs: 90_000 });
		const firstPollMs = Date.now() - activatedAt;
		const execution = await client.getExecution(executions[0].id);
		const items = nodeOutput(execution, 'PSRESTful Trigger') ?? [];
		const json = items.map((i) => i.json);
		check(`${label} activation poll ran the workflow successfully`, execution.status === 'success' || execution.finished === true, `execution ${execution.id}, status ${execution.status}, mode ${execution.mode}, ${seconds(firstPollMs)} after activation`);
		check(
			`${label} the trigger emitted exactly the stand-in's change`,
			json.length === 1 && json[0].productId === '5989' && json[0].supplier === 'HIT',
			JSON.stringify(json),
		);
		const polls = standIn.requestsTo('/v1.1.0/suppliers/HIT/media-modified-since/');
		check(
			`${label} the poll asked for changes since the configured date, with the key`,
			polls.length >= 1 && polls[0].query.since === '2024-01-01T00:00:00' && polls.every((p) => p.keyOk),
			polls.map((p) => `since=${p.query.since}`).join(', '),
		);
		log(
			`${label} timings: install/check ${seconds(installMs)}${install.changed ? ' (installed now)' : ' (reused)'}, n8n ready ${seconds(n8n.timings.readyMs)}, first execution ${seconds(firstPollMs)} after activation`,
		);
		if (keep) {
			log(`${label} n8n keeps running at ${n8n.url} (owner ${OWNER.email} / ${OWNER.password}). Ctrl-C stops it.`);
			await new Promise(() => {});
		}
	} finally {
		const stopped = await n8n.stop();
		log(`${label} n8n stopped (${stopped.signal ?? `exit ${stopped.code}`}${stopped.forced ? ', had to be killed' : ''}) in ${seconds(stopped.ms)}`);
		await standIn.stop();
	}
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const wanted = String(args.n8n ?? 'all');
	const mode = String(args.mode ?? 'nodes');
	const runtimes = wanted === 'all' ? listLines().sort().reverse().map((l) => resolveLine(l)) : [resolveLine(wanted)];
	for (const signal of ['SIGINT', 'SIGTERM']) {
		process.once(signal, () => {
			log(`${signal}: stopping n8n…`);
			stopAll({ graceMs: 20_000 }).finally(() => process.exit(130));
		});
	}
	if (!args['no-build']) log(`Built the package (${seconds(await buildPackage())})`);
	for (const runtime of runtimes) {
		try {
			await smokeOne(runtime, { mode, keep: Boolean(args.keep) });
		} catch (error) {
			check(`[n8n ${runtime.version}] smoke run completed`, false, error instanceof Error ? error.stack || error.message : String(error));
		}
	}
	const failed = results.filter((r) => !r.ok).length;
	console.log(`\n${results.length - failed} passed, ${failed} failed`);
	process.exitCode = failed === 0 && results.length > 0 ? 0 : 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});

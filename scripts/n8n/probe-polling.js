#!/usr/bin/env node
'use strict';
/**
 * Measures how a real n8n drives this package's polling trigger and keeps its state, for
 * docs/running-in-n8n.md and the e2e design. Not a test: it prints what it observed.
 *
 *   node scripts/n8n/probe-polling.js                 # n8n 2.x, default (in-process) scheduling
 *   node scripts/n8n/probe-polling.js --durable       # 2.x with the durable scheduler + durable poll cursors
 *   node scripts/n8n/probe-polling.js --cron          # also wait for a scheduled (every-minute) poll
 *   node scripts/n8n/probe-polling.js --n8n 1.x
 *
 * Steps (each against the PSRESTful stand-in, reading n8n's SQLite database directly):
 *   1. activate a workflow (Start From: a date)   → does activation poll at once? what is saved?
 *   2. a new change, deactivate + activate         → does re-activation poll at once? repeats?
 *   3. a new change, graceful restart              → does start-up poll at once? repeats or losses?
 *   4. no change, graceful restart                 → is the state of a poll that emits nothing saved?
 *   5. (--cron) no change, wait for a scheduled poll, graceful stop
 *                                                  → is in-memory state saved at shutdown?
 */
const fs = require('node:fs');

const { N8nClient, nodeOutput } = require('./lib/client');
const { pollerState, workflowStaticData } = require('./lib/db');
const { ensureRuntime } = require('./lib/install');
const { startN8n, stopAll, userFolderFor } = require('./lib/n8n-process');
const { preparePackage } = require('./lib/package');
const { PsRestfulStandIn } = require('./lib/psrestful-standin');
const { resolveLine } = require('./lib/runtimes');
const { createPsRestfulCredential, psRestfulTriggerWorkflow } = require('./lib/scenario');
const { log, parseArgs, seconds, sleep } = require('./lib/util');

const OWNER = { email: 'probe@media-sync.test', firstName: 'Probe', lastName: 'Run', password: 'Pr0be-run-Passw0rd' };
const POLL_PATH = '/v1.1.0/suppliers/HIT/media-modified-since/';

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const runtime = resolveLine(String(args.n8n ?? '2.x'));
	const durable = Boolean(args.durable);
	process.once('SIGINT', () => stopAll({ graceMs: 20_000 }).finally(() => process.exit(130)));

	const env = durable
		? {
				N8N_SCHEDULER_ENABLED: 'true',
				N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
				N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
				N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
			}
		: {};
	const install = await ensureRuntime(runtime);
	const userFolder = userFolderFor(runtime, durable ? 'probe-durable' : 'probe');
	fs.rmSync(userFolder, { recursive: true, force: true });
	const pkg = await preparePackage({ userFolder, node: install.node, build: !args['no-build'] });
	const standIn = new PsRestfulStandIn();
	await standIn.start();
	standIn.change('HIT', '5989', Date.UTC(2024, 11, 1, 12));

	const findings = { n8n: runtime.version, node: install.node.v, durable, steps: [] };
	let n8n = await startN8n({ install, userFolder, env: { ...pkg.env, ...env } });
	findings.startupMs = [n8n.timings.readyMs];
	let client = new N8nClient(n8n.url);
	await client.ensureOwner(OWNER);
	const credential = await createPsRestfulCredential(client, standIn);
	const workflow = await client.createWorkflow(
		psRestfulTriggerWorkflow({ typePrefix: pkg.typePrefix, credential, name: 'Probe: PSRESTful polling' }),
	);

	const state = () => ({
		staticData: workflowStaticData(install, userFolder, workflow.id),
		pollerState: pollerState(install, userFolder, workflow.id).map((r) => ({
			cursor: r.cursor,
			consecutiveErrors: r.consecutiveErrors,
		})),
	});
	const polls = () => standIn.requestsTo(POLL_PATH).length;
	const executionsSoFar = async () => (await client.listExecutions({ workflowId: workflow.id, limit: 100 })).length;
	/** Waits up to `ms` for n executions more than `before`; returns the new ones' emitted product ids. */
	const newExecutions = async (before, ms) => {
		const deadline = Date.now() + ms;
		let list = [];
		while (Date.now() < deadline) {
			list = await client.listExecutions({ workflowId: workflow.id, limit: 100 });
			if (
				list.length > before &&
				list.slice(0, list.length - before).every((e) => e.finished || e.status !== 'running')
			)
				break;
			await sleep(500);
		}
		const fresh = list.slice(0, Math.max(0, list.length - before)).reverse();
		const emitted = [];
		for (const summary of fresh) {
			const execution = await client.getExecution(summary.id);
			emitted.push({
				id: summary.id,
				mode: execution.mode,
				status: execution.status,
				products: (nodeOutput(execution, 'PSRESTful Trigger') ?? []).map((i) => i.json.productId),
			});
		}
		return emitted;
	};
	const step = (name, data) => {
		findings.steps.push({ name, ...data });
		log(`${name}: ${JSON.stringify(data)}`);
	};

	// 1. activation
	let p0 = polls();
	let e0 = await executionsSoFar();
	let t = Date.now();
	await client.activateWorkflow(workflow.id);
	let emitted = await newExecutions(e0, 30_000);
	await sleep(1500); // let the save after activation land
	step('1 activate', {
		pollsDuringActivation: polls() - p0,
		executions: emitted,
		msToExecution: Date.now() - t,
		...state(),
	});

	// 2. re-activation with a new change
	standIn.change('HIT', '6234');
	p0 = polls();
	e0 = await executionsSoFar();
	t = Date.now();
	await client.deactivateWorkflow(workflow.id);
	await client.activateWorkflow(workflow.id);
	emitted = await newExecutions(e0, 30_000);
	await sleep(1500);
	step('2 deactivate + activate (new change 6234)', {
		polls: polls() - p0,
		executions: emitted,
		ms: Date.now() - t,
		...state(),
	});

	// 3. graceful restart with a new change
	standIn.change('HIT', '7891');
	const restart = async () => {
		const stopped = await n8n.stop();
		const before = polls();
		n8n = await startN8n({ install, userFolder, env: { ...pkg.env, ...env } });
		findings.startupMs.push(n8n.timings.readyMs);
		client = new N8nClient(n8n.url);
		await client.ensureOwner(OWNER);
		return { stopped, pollsBefore: before };
	};
	e0 = await executionsSoFar();
	let r = await restart();
	emitted = await newExecutions(e0, 30_000);
	await sleep(1500);
	step('3 graceful restart (new change 7891)', {
		shutdown: `${r.stopped.signal ?? r.stopped.code} in ${seconds(r.stopped.ms)}${r.stopped.forced ? ' (killed)' : ''}`,
		pollsAtStartup: polls() - r.pollsBefore,
		executions: emitted,
		...state(),
	});

	// 4. restart without changes
	const before4 = state();
	e0 = await executionsSoFar();
	r = await restart();
	emitted = await newExecutions(e0, 15_000);
	await sleep(1500);
	const after4 = state();
	step('4 graceful restart, no change', {
		pollsAtStartup: polls() - r.pollsBefore,
		executions: emitted,
		staticDataChangedInDb: JSON.stringify(before4.staticData) !== JSON.stringify(after4.staticData),
		pollerStateChangedInDb: JSON.stringify(before4.pollerState) !== JSON.stringify(after4.pollerState),
		before: before4,
		after: after4,
	});

	// 5. a scheduled poll that emits nothing, then a graceful stop
	if (args.cron) {
		const dbBefore = state();
		const p = polls();
		const waitStart = Date.now();
		while (polls() === p && Date.now() - waitStart < 150_000) await sleep(1000);
		const scheduledAfter = Date.now() - waitStart;
		await sleep(3000);
		const dbAfterPoll = state();
		const stopped = await n8n.stop();
		const dbAfterStop = state();
		step('5 scheduled poll (no change), then graceful stop', {
			scheduledPollAfterMs: polls() > p ? scheduledAfter : null,
			staticDataChangedByPoll: JSON.stringify(dbBefore.staticData) !== JSON.stringify(dbAfterPoll.staticData),
			staticDataChangedByShutdown: JSON.stringify(dbAfterPoll.staticData) !== JSON.stringify(dbAfterStop.staticData),
			pollerStateChangedByPoll: JSON.stringify(dbBefore.pollerState) !== JSON.stringify(dbAfterPoll.pollerState),
			shutdown: `${stopped.signal ?? stopped.code} in ${seconds(stopped.ms)}`,
			dbBefore,
			dbAfterStop,
		});
	} else {
		await n8n.stop();
	}
	await standIn.stop();
	const allEmitted = findings.steps.flatMap((s) => (s.executions ?? []).flatMap((e) => e.products));
	findings.emittedInOrder = allEmitted;
	findings.pollRequests = standIn
		.requestsTo(POLL_PATH)
		.map((q) => ({ at: new Date(q.at).toISOString(), since: q.query.since, listed: q.listed }));
	console.log(`\n${JSON.stringify(findings, null, 2)}`);
}

main().catch(async (error) => {
	console.error(error);
	await stopAll({ graceMs: 10_000 });
	process.exit(1);
});

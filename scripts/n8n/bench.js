#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run bench:n8n`: what a user would build instead, side by side with this package, in a
 * real n8n 2.41.1 on the same change stream (issue 16, item 1). Printed, never asserted.
 *
 *   - DIY: bench/diy-workflow.json — core nodes only, as n8n's docs and templates teach
 *     (choices: bench/diy-workflow.md);
 *   - package: examples/1-psrestful-to-commerceconnect.json (PSRESTful Trigger → Sync Product
 *     Media), prepared as `npm start` prepares it: a poll every minute, no minimum interval.
 *
 * Each flow has a PSRESTful and a CommerceConnect sandbox of its own (every request and media
 * item belongs to one flow), 50 ms latency on every answer, N products synced once before
 * (version 1). Both workflows are activated, then every product changes at once (one in ten
 * becomes visible only 20–75 s later, one in ten changes again 10 s later), identically in
 * both flows' sandboxes. The bench watches both PIMs against the supplier until each is right
 * and stays so for a poll and more, or has had two more runs after the last change became
 * visible without changing anything, or the time is up. N = 20 and N = 1,000, each with and
 * without 20 % faults. Every flow and fault setting has an n8n process of its own (four in all,
 * running at the same time), so one workflow's work never holds up another's event loop, and the
 * CPU time each n8n used is its flow's alone.
 *
 * Scheduling is n8n's own: the Schedule Trigger every minute, the poll trigger every minute (n8n
 * refuses shorter poll times). Nothing is triggered by hand, so "time to the PIM" includes the
 * wait for the next tick; the first run's start is printed beside it.
 *
 *   npm run bench:n8n
 *   npm run bench:n8n -- --sizes 20 --faults off --max-per-poll 100 --no-build
 */
const fs = require('node:fs');
const os = require('node:os');

const { N8nClient } = require('./lib/client');
const { ensureRuntime } = require('./lib/install');
const { startN8n, stopAll, userFolderFor } = require('./lib/n8n-process');
const { buildPackage, preparePackage } = require('./lib/package');
const { resolveLine } = require('./lib/runtimes');
const { checkTypesLoaded } = require('./lib/scenario');
const {
	applyChanges,
	compare,
	diyWorkflow,
	packageWorkflow,
	requestCounts,
	setConditions,
	groupCpuSeconds,
	startFlow,
	stopFlow,
} = require('./lib/side-by-side');
const { log, parseArgs, sleep } = require('./lib/util');

/** @typedef {import('./lib/side-by-side').Flow} Flow */
/** @typedef {import('./lib/side-by-side').ScenarioOptions} ScenarioOptions */
/** @typedef {import('./lib/side-by-side').ProductState} ProductState */
/** @typedef {import('./lib/n8n-process').StartedN8n} StartedN8n */
/** @typedef {{ n8n: StartedN8n, client: N8nClient, typePrefix: string }} Instance  an n8n of one flow */

const OWNER = { email: 'bench@media-sync.local', firstName: 'Bench', lastName: 'Mark', password: 'MediaSync-bench-1' };

/** A PIM that is right must stay right this long (over a later run) before the flow counts as done. */
const STABLE_MS = 70_000;
/** A PIM that is not right counts as settled after two runs that began after the last visible change, and this long unchanged. */
const QUIET_MS = 30_000;

/**
 * An execution as GET /rest/executions lists it, with its times.
 * @typedef {{ id: string, status?: string, startedAt?: string, stoppedAt?: string }} ExecutionTimes
 */

/**
 * @typedef {object} FlowResult
 * @property {string} label
 * @property {import('./lib/side-by-side').FlowKind} kind
 * @property {number} n
 * @property {boolean} faults
 * @property {ReturnType<typeof requestCounts>} requests
 * @property {{ total: number, failed: number, running: number, firstStartS?: number }} executions
 * @property {number | undefined} cpuS  CPU seconds the flow's n8n (and its task runner) used while watched
 * @property {number[]} toPimS  per product that became right: seconds from its last change
 * @property {number | undefined} allRightS  seconds from the first change until every product was right
 * @property {Record<ProductState, number>} end  products by end state
 * @property {number} duplicates  media items that are extra copies of a current one
 * @property {number} staleItems  media items of an older version still in the PIM
 * @property {number} observedS  how long the flow was watched after the first change
 * @property {'right' | 'settled' | 'time'} doneBy  why watching ended: right and stable, settled wrong, or the time was up
 */

/**
 * Runs both flows on one change stream of `options.n` products, each in its own n8n.
 * @param {{ diy: Instance, package: Instance }} instances
 * @param {ScenarioOptions} options
 * @returns {Promise<FlowResult[]>}
 */
async function runScenario(instances, options) {
	const supplier = `B${options.n}${options.faults ? 'F' : ''}`;
	const name = (/** @type {string} */ kind) => `bench ${kind} N=${options.n}${options.faults ? ' faults' : ''}`;
	const diy = await startFlow('diy', options, supplier);
	const pkg = await startFlow('package', options, supplier);
	const flows = [diy, pkg];
	diy.client = instances.diy.client;
	diy.n8nPid = instances.diy.n8n.child.pid;
	pkg.client = instances.package.client;
	pkg.n8nPid = instances.package.n8n.child.pid;
	const clientOf = (/** @type {Flow} */ flow) => /** @type {N8nClient} */ (flow.client);
	try {
		for (const flow of flows) setConditions(flow, { latencyMs: options.latencyMs, faults: false, seed: options.seed });
		const workflows = [
			await diyWorkflow(clientOf(diy), diy, name('DIY')),
			await packageWorkflow(clientOf(pkg), pkg, name('package'), instances.package.typePrefix, options.maxPerPoll),
		];
		for (const [i, workflow] of workflows.entries())
			flows[i].workflowId = (await clientOf(flows[i]).createWorkflow(workflow)).id;
		// The package's activation runs its first poll (start from now); the DIY's first run comes
		// with its first tick and looks an hour back.
		for (const flow of [pkg, diy]) await clientOf(flow).activateWorkflow(/** @type {string} */ (flow.workflowId));
		// "Start From: Now" starts at the package trigger's first poll, which n8n runs at activation
		// but may finish after activation answered: the changes come after it.
		await firstPollDone(pkg);
		for (const flow of flows) {
			setConditions(flow, { latencyMs: options.latencyMs, faults: options.faults, seed: options.seed });
			flow.ps.server.resetLog();
			flow.cc.server.resetLog();
		}
		log(
			`N = ${options.n}${options.faults ? ', 20 % faults' : ''}: both workflows active; changing ${options.n} products`,
		);

		/** @type {Map<string, number>} */
		const lastChange = new Map();
		let lastVisible = Infinity;
		let changesDone = false;
		const t0 = Date.now();
		const cpuAtStart = flows.map((flow) => groupCpuSeconds(flow.n8nPid));
		const changes = applyChanges(flows, options.seed).then((done) => {
			for (const [code, at] of done.lastChange) lastChange.set(code, at);
			lastVisible = done.lastVisible;
			changesDone = true;
		});
		const deadline = () => lastVisible + (options.n >= 1000 ? 480_000 : 180_000);

		const watch = flows.map((flow) => ({
			flow,
			/** @type {Map<string, number>} product → when it was first right after its last change */
			rightAt: new Map(),
			/** @type {number | undefined} */
			allRightAt: undefined,
			writes: -1,
			unchangedSince: Date.now(),
			/** @type {ExecutionTimes[]} */
			executions: [],
			done: false,
			/** @type {number | undefined} */
			doneAt: undefined,
			/** @type {FlowResult['doneBy']} */
			doneBy: 'time',
		}));
		let lastExecutionCheck = 0;
		for (;;) {
			await sleep(500);
			const now = Date.now();
			if (process.env.BENCH_DEBUG && now - lastExecutionCheck > 5000) {
				for (const w of watch) {
					const s = (/** @type {import('./lib/side-by-side').MockServer} */ server) =>
						`${server.requests.length} req, ${server.inFlight} in flight`;
					log(
						`${w.flow.kind} N=${options.n}${options.faults ? 'F' : ''}: PS ${s(w.flow.ps.server)}; PIM ${s(w.flow.cc.server)}`,
					);
				}
			}
			const checkExecutions = now - lastExecutionCheck > 5000;
			if (checkExecutions) lastExecutionCheck = now;
			for (const w of watch) {
				if (w.done) continue;
				const { states } = compare(w.flow);
				let allRight = changesDone;
				for (const [code, state] of states) {
					const changed = lastChange.get(code) ?? t0;
					if (state === 'right') {
						if (!w.rightAt.has(code) && (changesDone || lastChange.has(code))) w.rightAt.set(code, now - changed);
					} else {
						w.rightAt.delete(code);
						allRight = false;
					}
				}
				if (allRight && w.allRightAt === undefined) w.allRightAt = now;
				if (!allRight) w.allRightAt = undefined;
				const writes = w.flow.cc.server.requests.filter((r) => r.method !== 'GET').length;
				if (writes !== w.writes) {
					w.writes = writes;
					w.unchangedSince = now;
				}
				if (checkExecutions) {
					// n8n answers 503 ("Database is not ready") when SQLite is slow on a busy machine:
					// keep the last list and ask again at the next check.
					const listed = await clientOf(w.flow)
						.listExecutions({ workflowId: w.flow.workflowId, limit: 100 })
						.catch((/** @type {unknown} */ error) => {
							log(
								`${w.flow.label}: executions not listed this time (${error instanceof Error ? error.message : error})`,
							);
							return undefined;
						});
					if (listed) w.executions = /** @type {ExecutionTimes[]} */ (listed);
				}
				const runsAfterVisible = w.executions.filter(
					(e) =>
						e.startedAt !== undefined &&
						Date.parse(e.startedAt) > lastVisible + 1000 &&
						e.status !== 'running' &&
						e.status !== 'new',
				).length;
				const stableRight = w.allRightAt !== undefined && now - w.allRightAt >= STABLE_MS;
				const settledWrong = changesDone && runsAfterVisible >= 2 && now - w.unchangedSince >= QUIET_MS;
				if (stableRight || settledWrong || (changesDone && now > deadline())) {
					w.done = true;
					w.doneAt = now;
					w.doneBy = stableRight ? 'right' : settledWrong ? 'settled' : 'time';
				}
			}
			if (watch.every((w) => w.done)) break;
		}
		await changes;
		const cpuAtEnd = flows.map((flow) => groupCpuSeconds(flow.n8nPid));
		for (const flow of flows)
			await clientOf(flow)
				.deactivateWorkflow(/** @type {string} */ (flow.workflowId))
				.catch(() => clientOf(flow).deactivateWorkflow(/** @type {string} */ (flow.workflowId)));

		if (process.env.BENCH_DEBUG) {
			for (const flow of flows) {
				for (const r of [...flow.ps.server.requests, ...flow.cc.server.requests].sort((a, b) => a.at - b.at))
					log(`${flow.kind} +${((r.at - t0) / 1000).toFixed(1)} s ${r.method} ${r.path}?${r.query.toString()}`);
			}
		}
		return watch.map((w, index) => {
			const final = compare(w.flow);
			const cpuStart = cpuAtStart[index];
			const cpuEnd = cpuAtEnd[index];
			/** @type {Record<ProductState, number>} */
			const end = { right: 0, missing: 0, stale: 0, duplicated: 0 };
			for (const state of final.states.values()) end[state]++;
			const started = w.executions
				.map((e) => (e.startedAt ? Date.parse(e.startedAt) : NaN))
				.filter((at) => at >= t0)
				.sort((a, b) => a - b);
			return {
				label: w.flow.label,
				kind: w.flow.kind,
				n: options.n,
				faults: options.faults,
				requests: requestCounts(w.flow),
				executions: {
					total: w.executions.filter((e) => e.startedAt && Date.parse(e.startedAt) >= t0).length,
					failed: w.executions.filter(
						(e) => e.startedAt && Date.parse(e.startedAt) >= t0 && ['error', 'crashed'].includes(e.status ?? ''),
					).length,
					running: w.executions.filter((e) => e.status === 'running' || e.status === 'new').length,
					firstStartS: started.length ? (started[0] - t0) / 1000 : undefined,
				},
				cpuS: cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined,
				toPimS: [...w.rightAt.values()].map((ms) => ms / 1000).sort((a, b) => a - b),
				allRightS: w.allRightAt !== undefined ? (w.allRightAt - t0) / 1000 : undefined,
				end,
				duplicates: final.duplicates,
				staleItems: final.stale,
				observedS: ((w.doneAt ?? Date.now()) - t0) / 1000,
				doneBy: w.doneBy,
			};
		});
	} finally {
		for (const flow of flows) {
			if (flow.workflowId)
				await clientOf(flow)
					.deactivateWorkflow(flow.workflowId)
					.catch(() => {});
			await stopFlow(flow);
		}
	}
}

/**
 * Waits until the package trigger's activation poll has listed (and its sandbox has been quiet
 * for 1.5 s), at most 60 s.
 * @param {Flow} flow
 */
async function firstPollDone(flow) {
	const until = Date.now() + 60_000;
	const listed = () => flow.ps.server.requests.filter((r) => r.path.includes('/media-modified-since'));
	while (Date.now() < until) {
		const last = listed().at(-1);
		if (last && flow.ps.server.inFlight === 0 && flow.ps.server.now() - last.at > 1500) return;
		await sleep(250);
	}
	throw new Error('the package trigger made no first poll within 60 s of its activation');
}

/**
 * @param {number[]} sorted
 * @param {number} q  0…1
 */
function quantile(sorted, q) {
	if (sorted.length === 0) return undefined;
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The 1-, 5- and 15-minute load averages. */
function loadAverage() {
	return os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' ');
}

/** @param {number | undefined} s */
const sec = (s) => (s === undefined ? '—' : `${s.toFixed(1)} s`);
/** @param {number} n */
const num = (n) => n.toLocaleString('en');

/**
 * @param {FlowResult[]} results
 * @param {{ latencyMs: number, maxPerPoll: number, command: string, load: string }} setup
 */
function printResults(results, setup) {
	const lines = [];
	lines.push('');
	lines.push(
		`Side by side in n8n 2.41.1 (${setup.command}; ${setup.latencyMs} ms latency on every answer; the package's Max Products per Poll ${num(setup.maxPerPoll)}; load average ${setup.load}, ${os.cpus().length} CPUs):`,
	);
	const header = [
		'flow',
		'N',
		'faults',
		'runs (failed, unfinished)',
		'n8n CPU',
		'1st run',
		'PSRESTful list / detail (repeats)',
		'PIM reads / writes (creates, deletes)',
		'to PIM: median / p95 / max',
		'all right after',
		'end state: right / lost / stale / dup.',
		'dup. items',
	];
	const rows = results.map((r) => [
		r.label,
		num(r.n),
		r.faults ? '20 %' : 'none',
		`${r.executions.total} (${r.executions.failed}, ${r.executions.running})`,
		sec(r.cpuS),
		sec(r.executions.firstStartS),
		`${num(r.requests.list)} / ${num(r.requests.detail)} (${num(r.requests.detailRepeats)})`,
		`${num(r.requests.pimReads)} / ${num(r.requests.writes)} (${num(r.requests.creates)}, ${num(r.requests.deletes)})`,
		`${sec(quantile(r.toPimS, 0.5))} / ${sec(r.toPimS.length === r.n ? quantile(r.toPimS, 0.95) : undefined)} / ${sec(r.toPimS.length === r.n ? r.toPimS[r.toPimS.length - 1] : undefined)}`,
		r.allRightS === undefined
			? `never (watched ${sec(r.observedS)}, ${r.doneBy === 'settled' ? 'settled' : 'time up'})`
			: sec(r.allRightS),
		`${r.end.right} / ${r.end.missing} / ${r.end.stale} / ${r.end.duplicated}`,
		num(r.duplicates),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const format = (/** @type {string[]} */ cells) =>
		cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
	lines.push(`  ${format(header)}`);
	for (const row of rows) lines.push(`  ${format(row)}`);
	lines.push('  Columns: runs = executions started after the first change (failed, and still running when the flow');
	lines.push("  was done being watched, in brackets); n8n CPU = CPU time of that flow's n8n and its task runner while");
	lines.push('  watched; 1st run = when the');
	lines.push('  first of them started, after the first change (the wait for the next tick); detail repeats = media');
	lines.push('  requests for a product already asked for in this run (retries, re-runs, re-fetches within the');
	lines.push("  trigger's lookback); to PIM = per product, from its last change until the PIM held exactly its media");
	lines.push('  (p95 and max only when every product got there); end state per product: right, lost (current media');
	lines.push('  missing), stale (an older version left beside it), dup. (current media more than once); dup. items =');
	lines.push('  media items in the PIM that are extra copies of a current one.');
	lines.push('  PSRESTful quota (Free plan: 50 calls a day), for a day with one such burst of N changes:');
	for (const r of results) {
		const calls = r.requests.list + r.requests.detail + r.requests.psOther;
		// Both flows list once a minute here. The DIY fetches each change once per run that lists it
		// (counted above); the package fetches a listed product's media again on every poll inside
		// its 15-minute lookback (to compare versions), so a day counts 16 fetches per change.
		const perDay =
			r.kind === 'diy'
				? `${num(1440 + r.requests.detail)} a day (1,440 listings + the ${num(r.requests.detail)} fetches above)`
				: `≈ ${num(1440 + 16 * r.n)} a day at a poll a minute (1,440 listings + 16 fetches per change: every poll of the 15-minute lookback fetches it again); ≈ ${num(24 + 2 * r.n)} at most at the example's own setting (a poll an hour: 24 listings, each change fetched once or twice) — and the Quota Reserve stops fetching 5 calls before PSRESTful's limit`;
		lines.push(
			`  - ${r.label}, N = ${num(r.n)}, ${r.faults ? '20 % faults' : 'no faults'}: ${num(calls)} calls while watched; ${perDay}.`,
		);
	}
	for (const line of lines) process.stdout.write(`${line}\n`);
	return lines;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const sizes = String(args.sizes ?? '20,1000')
		.split(',')
		.map(Number)
		.filter((n) => n > 0);
	const faultModes =
		args.faults === 'off' ? [false] : args.faults === 'only' ? [true] : /** @type {boolean[]} */ ([false, true]);
	const latencyMs = Number(args.latency ?? 50);
	const maxPerPoll = Number(args['max-per-poll'] ?? 1000);
	const command = `npm run bench:n8n${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
	const started = Date.now();
	const loadAtStart = loadAverage();

	const runtime = resolveLine('2.x');
	const install = await ensureRuntime(runtime);
	if (!args['no-build']) await buildPackage({});
	/**
	 * One n8n per flow and fault setting, so no flow's work slows another's event loop.
	 * @param {string} profile
	 * @returns {Promise<Instance>}
	 */
	const startInstance = async (profile) => {
		const userFolder = userFolderFor(runtime, profile);
		fs.rmSync(userFolder, { recursive: true, force: true });
		fs.mkdirSync(userFolder, { recursive: true });
		const pkg = await preparePackage({ userFolder, node: install.node, build: false, quiet: true });
		const n8n = await startN8n({ install, userFolder, env: pkg.env, quiet: true });
		const client = new N8nClient(n8n.url);
		await client.ensureOwner(OWNER);
		const types = await checkTypesLoaded(client, pkg.typePrefix);
		if (types.missingNodes.length > 0) throw new Error(`n8n did not load ${types.missingNodes.join(', ')}`);
		return { n8n, client, typePrefix: pkg.typePrefix };
	};
	log(`Starting ${faultModes.length * 2} n8n ${runtime.version} processes (one per flow and fault setting)…`);
	/** @type {Array<{ faults: boolean, diy: Instance, package: Instance }>} */
	const instances = [];
	for (const faults of faultModes) {
		const suffix = faults ? '-faults' : '';
		const [diy, pkgInstance] = await Promise.all([
			startInstance(`bench-diy${suffix}`),
			startInstance(`bench-package${suffix}`),
		]);
		instances.push({ faults, diy, package: pkgInstance });
	}

	/** @type {FlowResult[]} */
	const results = [];
	try {
		for (const [i, n] of sizes.entries()) {
			const scenarios = instances.map((pair, j) =>
				runScenario(pair, { n, faults: pair.faults, latencyMs, maxPerPoll, seed: 16_000 + i * 10 + j }),
			);
			// One scenario that fails (an n8n that stops answering) does not lose the others' figures.
			const sizeResults = [];
			for (const outcome of await Promise.allSettled(scenarios)) {
				if (outcome.status === 'fulfilled') sizeResults.push(...outcome.value);
				else
					log(
						`A scenario of N = ${n} failed: ${outcome.reason instanceof Error ? outcome.reason.message : outcome.reason}`,
					);
			}
			results.push(...sizeResults);
			// Printed as soon as a size is done, so a later failure cannot take these figures with it.
			if (i < sizes.length - 1)
				printResults(sizeResults, {
					latencyMs,
					maxPerPoll,
					command,
					load: `${loadAtStart} at start, ${loadAverage()} now`,
				});
		}
	} finally {
		await Promise.all(instances.flatMap((pair) => [pair.diy.n8n.stop(), pair.package.n8n.stop()]));
	}
	printResults(results, { latencyMs, maxPerPoll, command, load: `${loadAtStart} at start, ${loadAverage()} at end` });
	log(`Done in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
}

main().catch(async (error) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	await stopAll({ graceMs: 10_000 });
	process.exit(1);
});

// @ts-check
'use strict';
/**
 * The package in n8n 2.x queue mode: PostgreSQL 17 and Redis (real servers, started by the
 * project's scripts), an n8n main that runs the triggers and enqueues executions, and two
 * `n8n worker` processes that run them, each with the package installed like a community
 * package. Driven through the main's REST API, as a user would.
 *
 * Workflow 1's trigger has the re-check pass on (Options → Re-Check Every: 2 minutes), as
 * docs/deployment.md recommends for queue mode: items it emits again carry `recheck: true`.
 * "Exactly once" below is about first emissions; re-emissions are checked to change nothing.
 */
const { loadExample, prepareExample, sandboxFirstRuns } = require('../../scripts/n8n/lib/demo');
const { memoryOf, resetPeakMemory } = require('../../scripts/n8n/lib/queue');
const { checkTypesLoaded } = require('../../scripts/n8n/lib/scenario');
const { emitted, NEXT_POLL_MS } = require('./helpers');
const { changesOf, expectPimMatchesSupplier, psRestfulKeys } = require('./expectations');
const { QueueE2eEnvironment } = require('./queue-environment');

/** Workflow 1's re-check interval in this suite, minutes. */
const RECHECK_MINUTES = 2;
/**
 * What the re-check pass guarantees after an execution died: the change is applied again
 * within one re-check interval plus one poll (n8n polls each minute) — plus, on this busy
 * 2-core machine, the time the main takes to notice a dead worker's job and a worker to run the
 * new one. The waits below use this bound as their timeout.
 */
const HEAL_WITHIN_MS = (RECHECK_MINUTES + 1) * 60_000 + 120_000;

const FIFTY_MB = 50 * 1024 * 1024;
/** 50 MB uploads measured per binary data mode: their median increase is the figure. */
const UPLOADS = 3;
/** The suite's `n8n worker` processes; each one's first 50 MB upload per mode is a warm-up, not measured. */
const WORKERS = 2;
/** Each upload, warm-ups included, waits for a DAM poll (each minute) and its execution. */
const UPLOADS_TIMEOUT_MS = (UPLOADS + WORKERS) * (NEXT_POLL_MS * 2 + 60_000);

/** @typedef {import('../../scripts/n8n/lib/client').Execution} Execution */
/** @typedef {import('../../scripts/n8n/lib/demo').ImportedExample} ImportedExample */
/** @typedef {import('n8n-workflow').IDataObject} IDataObject */

/**
 * What workflow 1's trigger emitted in an execution: its run data, or — for an execution that
 * never ran (crashed before the worker got to the trigger) — the items the main saved with it.
 * @param {Execution} execution
 * @returns {IDataObject[]}
 */
function triggerItems(execution) {
	// A recovered execution carries artificial run data ({ isArtificialRecoveredEventItem: true }).
	const ran = emitted(execution, 'PSRESTful Trigger').filter((item) => item.productId);
	if (ran.length > 0) return ran;
	const stack = execution.data?.executionData?.nodeExecutionStack ?? [];
	const start = stack.find((entry) => entry.node?.name === 'PSRESTful Trigger');
	return (start?.data?.main?.[0] ?? []).map((item) => item.json);
}

describe('n8n 2.x in queue mode: PostgreSQL, Redis, a main and two workers', () => {
	const env = new QueueE2eEnvironment({
		profile: 'e2e-queue',
		workers: WORKERS,
		env: process.env.E2E_QUEUE_DEBUG ? { N8N_LOG_LEVEL: 'debug' } : {},
	});
	/** @type {ImportedExample[]} */
	let workflows = [];
	/** @type {Map<string, Set<string>>} */
	const known = new Map();
	/** First emissions of workflow 1, `productId@version`, over the whole suite. */
	const firstEmissions = /** @type {string[]} */ ([]);
	/** Re-emissions of workflow 1 (the re-check pass). */
	const reEmissions = /** @type {string[]} */ ([]);

	beforeAll(async () => {
		await env.start();
	});
	afterAll(async () => {
		const outcome = await env.stop();
		// What a user sees when stopping: printed, not asserted (see docs/deployment.md).
		console.log(`queue e2e: stopped ${JSON.stringify(outcome)}`);
	});

	/**
	 * Workflow 1's new finished executions: all must be successful, or (`allow`) end as given —
	 * except one benign failure: two executions syncing the same product at once (a re-emission
	 * next to the first emission), where the other one wins: the loser refuses to write because
	 * the product's media changed while it read them ("kept changing while they were read"). (A
	 * media item both planned to delete is simply gone for the second: Sync Product Media takes
	 * that 404 as done.) The checks of the PIM afterwards show the winner's result.
	 * Their first emissions and re-emissions are recorded. Resolves with the first emissions, sorted.
	 */
	const collect = async ({
		timeoutMs = NEXT_POLL_MS,
		atLeast = 1,
		allow = ['success'],
		/** Executions that may have ended any way (e.g. on the killed worker), by id. */
		tolerate = /** @type {Set<string>} */ (new Set()),
	} = {}) => {
		const id = workflows[0].id;
		const keys = /** @type {string[]} */ ([]);
		const deadline = Date.now() + timeoutMs;
		let seen = 0;
		for (;;) {
			for (const { summary, execution } of await env.takeFinished(id, /** @type {Set<string>} */ (known.get(id)))) {
				const error = String(execution.data?.resultData?.error?.message ?? '');
				const benign = summary.status === 'error' && /kept changing while they were read/.test(error);
				if (benign)
					console.log(`queue e2e: execution ${summary.id} met a concurrent run of the same product: ${error}`);
				expect({
					id: summary.id,
					status: summary.status,
					error,
					ok: benign || allow.includes(summary.status ?? '') || tolerate.has(summary.id),
				}).toMatchObject({
					ok: true,
				});
				seen++;
				const items = triggerItems(execution);
				keys.push(...psRestfulKeys(items.filter((item) => !item.recheck)));
				reEmissions.push(...psRestfulKeys(items.filter((item) => item.recheck)));
			}
			if (seen >= atLeast && keys.length > 0) break;
			if (Date.now() > deadline) throw new Error(`no new emission of workflow 1 within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
		firstEmissions.push(...keys);
		return keys.sort();
	};

	/** Asset ids of the 50 MB uploads, one new id each (a DAM day knows a file change once). */
	let nextAsset = 950000;

	/**
	 * A Hal Leonard → CommerceConnect path with a 50 MB file, each upload in an execution of its own
	 * (one DAM poll each): before each, both workers' peak RSS (VmHWM) is reset to their RSS; after
	 * it, the peak of the worker that ran it. A worker's first upload is a warm-up, printed and not
	 * measured: it grows the worker's heap once (+76 to +86 MB where later ones took +34 MB, in CI on
	 * 2026-12-01), so counting it made the median depend on how Redis happened to hand the jobs to
	 * the workers. Uploads go on until `UPLOADS` ran on a warm worker: at most `UPLOADS + WORKERS`.
	 * One increase depends on where that worker's garbage collector stood, so the median of the
	 * measured increases is the figure.
	 * @param {'database' | 'filesystem'} mode  what the cluster runs now (printed, and checked in the binary's id)
	 * @param {{ workflowId: string, path: 'url' | 'binary' }} how  the workflow that uploads, and how
	 *   the file reaches Upload: streamed from its URL (example 3), or as n8n binary data (Get Access
	 *   with Download File on, Upload from the binary field)
	 */
	const measureUploads = async (mode, { workflowId, path }) => {
		const hl = env.sandbox.halleonard;
		const cc = env.sandbox.commerceconnect;
		const wf3 = workflowId;
		const mb = (/** @type {number} */ n) => `${(n / 1024 / 1024).toFixed(0)} MB`;
		/** A change of RSS, with its sign: a worker's RSS can also fall after a garbage collection. */
		const delta = (/** @type {number} */ n) => `${n < 0 ? '-' : '+'}${mb(Math.abs(n))}`;
		const load = () => require('node:os').loadavg()[0].toFixed(1);
		cc.streamUploads = true;
		const big = Buffer.alloc(FIFTY_MB, 'MediaSync-50MB ');
		/** @type {Array<{ worker: string, before: number, peak: number, increase: number, load: string }>} */
		const runs = [];
		/** Each worker's RSS before the first upload of this round: memory a worker keeps after an upload shows against it. */
		/** @type {Map<string, number>} */
		const idle = new Map();
		/** Workers that ran an upload in this round (their warm-up). */
		const warm = new Set();
		expect(env.c.workers).toHaveLength(WORKERS);
		for (let i = 0; runs.length < UPLOADS && i < UPLOADS + WORKERS; i++) {
			const assetId = String(nextAsset++).padStart(8, '0');
			// The DAM's Get Access answers with this file for the asset (sandbox/halleonard.ts).
			hl.fileReplies.set(`HL_SCORCH_${assetId}.sco`, {
				status: 200,
				headers: { 'content-type': 'application/pdf' },
				body: big,
			});
			const seen = new Set((await env.list(wf3)).map((e) => e.id));
			/** @type {Map<string, number>} */
			const before = new Map();
			for (const worker of env.c.workers) {
				const pid = /** @type {number} */ (worker.n8n?.child.pid);
				resetPeakMemory(pid);
				before.set(worker.name, memoryOf(pid)?.rss ?? 0);
				if (!idle.has(worker.name)) idle.set(worker.name, before.get(worker.name) ?? 0);
			}
			hl.changeAsset(assetId, { title: `Fifty megabytes ${i + 1}` });
			hl.modifyFile(assetId);
			const uploaded = await env.until(
				() => [...cc.items.values()].find((item) => item.tag_list.includes(`hal-leonard-${assetId}`)),
				{
					timeoutMs: NEXT_POLL_MS * 2,
					what: `the 50 MB file of asset ${assetId} in CommerceConnect`,
					intervalMs: 1000,
				},
			);
			expect(uploaded.asset?.size).toBe(FIFTY_MB);
			const run = await env.waitFor(
				wf3,
				(list) => list.find((e) => !seen.has(e.id) && e.status === 'success' && env.c.executionsByWorker().has(e.id)),
				{ timeoutMs: 60_000, what: 'workflow 3 finished' },
			);
			const ranOn = String(env.c.executionsByWorker().get(run.id));
			const worker = env.c.workers.find((w) => w.name === ranOn);
			const peak = memoryOf(/** @type {number} */ (worker?.n8n?.child.pid))?.peak ?? 0;
			const base = before.get(ranOn) ?? 0;
			// How the file reached the worker: from its URL, never as n8n binary data; or as binary data,
			// whose id says which store holds it.
			const execution = await env.api.getExecution(run.id);
			const binary = execution.data?.resultData?.runData?.['Get Asset Access']?.[0]?.data?.main?.[0]?.[0]?.binary;
			if (path === 'url') expect(binary).toBeUndefined();
			else
				expect(String(binary?.data?.id ?? '').split(':')[0]).toBe(mode === 'filesystem' ? 'filesystem-v2' : 'database');
			const warmUp = !warm.has(ranOn);
			warm.add(ranOn);
			if (!warmUp) runs.push({ worker: ranOn, before: base, peak, increase: peak - base, load: load() });
			const first = idle.get(ranOn) ?? 0;
			console.log(
				`queue e2e: 50 MB upload ${i + 1} (${warmUp ? `${ranOn}'s warm-up, not measured` : `measured ${runs.length}/${UPLOADS}`}), ${mode} mode, file ${path === 'url' ? 'streamed from its URL' : 'as binary data'}, on ${ranOn} (execution ${run.id}, load ${load()}): RSS before ${mb(base)}, peak ${mb(peak)} (${delta(peak - base)}; ${delta(peak - first)} over its ${mb(first)} before the first upload)`,
			);
		}
		expect(runs).toHaveLength(UPLOADS);
		const increases = runs.map((r) => r.increase).sort((a, b) => a - b);
		const median = increases[Math.floor(increases.length / 2)];
		console.log(
			`queue e2e: 50 MB uploads in ${mode} mode, file ${path === 'url' ? 'streamed from its URL' : 'as binary data'}: median increase ${delta(median)} (${increases.map(delta).join(', ')}), ${(median / FIFTY_MB).toFixed(2)}× the file`,
		);
		return { runs, median };
	};

	it('runs PostgreSQL 17+, Redis, the main and two workers, each n8n with the package installed', async () => {
		const c = env.c;
		expect(Number(c.pg?.version.split('.')[0])).toBeGreaterThanOrEqual(17);
		expect(c.redis?.version).toMatch(/^\d+\./);
		expect(c.workers).toHaveLength(2);
		for (const member of c.members()) {
			expect({ name: member.name, running: member.n8n?.running }).toEqual({ name: member.name, running: true });
			expect(
				require('node:fs').existsSync(`${member.userFolder}/.n8n/nodes/node_modules/n8n-nodes-media-sync/package.json`),
			).toBe(true);
		}
		const settings = await env.api.settings();
		expect(settings.executionMode).toBe('queue');
		const types = await checkTypesLoaded(env.api, env.c.typePrefix);
		expect(types.declared.nodes).toHaveLength(8);
		expect({ missingNodes: types.missingNodes, missingCredentials: types.missingCredentials }).toEqual({
			missingNodes: [],
			missingCredentials: [],
		});
	});

	it('imports and activates the four examples; the workers run them — workflow 1 syncs the seed products', async () => {
		const firstRun = sandboxFirstRuns();
		workflows = await env.importExamples(undefined, {
			...firstRun,
			psRestfulTrigger: {
				...firstRun.psRestfulTrigger,
				syncOptions: { minIntervalMinutes: 0, recheckMinutes: RECHECK_MINUTES },
			},
		});
		for (const workflow of workflows) known.set(workflow.id, new Set());
		expect(await collect()).toEqual(['5989@1', '6234@1', '7891@1']);
	});

	it('emits each later change once, poll after poll; every execution ran on a worker', async () => {
		env.sandbox.tick();
		expect(await collect()).toEqual(['5989@2']);
		env.sandbox.tick();
		const next = await collect();
		if (next.length < 1 || !next.includes('6234@2')) next.push(...(await collect()));
		expect(next.sort()).toEqual(['6234@2']);
		expectPimMatchesSupplier(env.sandbox);

		// Which process ran what: every finished execution of the examples is in a worker's log.
		/** @type {Array<{ id: string }>} */
		const finishedAll = [];
		for (const workflow of workflows) {
			const finished = (await env.list(workflow.id)).filter((e) => e.status === 'success');
			expect(finished.length).toBeGreaterThan(0);
			finishedAll.push(...finished);
		}
		const byWorker = env.c.executionsByWorker(); // read after the list: every finished one has started
		for (const execution of finishedAll)
			expect({ execution: execution.id, ranOn: byWorker.get(execution.id)?.startsWith('worker-') }).toEqual({
				execution: execution.id,
				ranOn: true,
			});
	});

	it(
		'uploads a 50 MB Hal Leonard file to CommerceConnect on a worker, in database mode (example 3: streamed from its URL): the worker’s RSS stays well under 2× the file',
		async () => {
			// Example 3 hands Upload the file's URL: the worker streams the download into the upload
			// and holds chunks of it, never the file, and nothing goes to n8n's binary data (whose
			// database mode holds several copies of a file: see the filesystem test below and
			// docs/deployment.md → Binary data).
			const figures = await measureUploads('database', { workflowId: workflows[2].id, path: 'url' });
			// Measured on warm workers +5 to +34 MB (one run's median +18 MB, 0.36× the file), the chunks
			// that passed waiting for the garbage collector; a worker's warm-up, not measured, took +55
			// to +86 MB. The bound leaves room and still says "well under 2×"; n8n's own binary path in
			// this mode measured 5.4–7.2×.
			expect(figures.median).toBeLessThan(1.5 * FIFTY_MB);
		},
		UPLOADS_TIMEOUT_MS,
	);

	it('heals a worker killed with SIGKILL mid-execution: the execution is crashed, the PIM is right again within the stated time, with no duplicate', async () => {
		const cc = env.sandbox.commerceconnect;
		const wf1 = workflows[0].id;
		const before = new Set((await env.list(wf1)).map((e) => e.id));
		// Slow CommerceConnect answers: a Sync Product Media takes several seconds, so it can be caught mid-run.
		cc.server.latencyMs = 4000;
		const change = env.sandbox.tick(); // round 3: product 7891 gets new media
		const product = /HIT product (\d+)/.exec(change.changes[0])?.[1];
		expect(product).toBe('7891');
		const requestsBefore = cc.server.requests.length;
		const victimExecution = await env.waitFor(
			wf1,
			(list) => list.find((e) => !before.has(e.id) && e.status === 'running'),
			{ timeoutMs: NEXT_POLL_MS, what: 'workflow 1 running the change' },
		);
		// Sync Product Media has started talking to CommerceConnect (its first request is in flight).
		const aboutProduct = (/** @type {{ path: string, query: URLSearchParams }} */ r) =>
			r.path.includes(String(product)) || r.query.toString().includes(String(product));
		await env.until(() => cc.server.requests.slice(requestsBefore).some(aboutProduct), {
			timeoutMs: 60_000,
			what: 'Sync Product Media reaching CommerceConnect',
			intervalMs: 100,
		});
		// What it carries (the items the main saved with it): the first emission of the change.
		const victimItems = triggerItems(await env.api.getExecution(victimExecution.id));
		firstEmissions.push(...psRestfulKeys(victimItems.filter((item) => !item.recheck)));
		/** @type {Set<string>} */ (known.get(wf1)).add(victimExecution.id);
		const workerName = await env.until(() => env.c.executionsByWorker().get(victimExecution.id), {
			timeoutMs: 30_000,
			what: 'the worker running it',
		});
		const victim = /** @type {NonNullable<ReturnType<typeof env.c.members>[number]>} */ (
			env.c.workers.find((w) => w.name === workerName)
		);
		const pid = /** @type {number} */ (victim.n8n?.child.pid);
		const killedAt = Date.now();
		process.kill(-pid, 'SIGKILL'); // the worker and its task runner, as an OOM kill or a node failure would
		await victim.n8n?.exited;
		cc.server.latencyMs = 0;

		// The PIM is wrong now: the product still has its old media. (Checked before the worker is
		// started again: on a loaded machine its start can outlast the next re-check pass, which the
		// surviving worker then runs — the healing this test waits for below.)
		const wanted = (env.sandbox.psrestful.catalogue.get('HIT')?.get(String(product))?.media ?? []).map((m) => m.url);
		expect(wanted.length).toBeGreaterThan(0);
		const synced = () =>
			[...cc.items.values()]
				.filter((item) => item.product_id === Number(product) && item.tag_list.includes('psrestful-hit'))
				.map((item) => item.url)
				.sort();
		expect(synced()).not.toEqual(wanted.slice().sort());

		// A supervisor (systemd, Kubernetes) starts it again; at start-up n8n's event-log recovery
		// finds the execution it was running and marks it crashed.
		await env.c.startWorker(victim);

		// n8n marks the execution crashed (the restarted worker's event-log recovery) and, once Bull's
		// stalled-job check failed its job, error ("failed to be processed too many times") — and
		// never runs it again…
		const dead = await env.waitFor(
			wf1,
			(list) => list.find((e) => e.id === victimExecution.id && ['crashed', 'error'].includes(e.status ?? '')),
			{ timeoutMs: HEAL_WITHIN_MS, what: `execution ${victimExecution.id} marked crashed` },
		);
		console.log(`queue e2e: the killed execution ${dead.id} ran on ${workerName}; n8n marked it ${dead.status}`);
		// …and the re-check pass emits the change again: the surviving worker applies it.
		await env.until(() => JSON.stringify(synced()) === JSON.stringify(wanted.slice().sort()), {
			timeoutMs: HEAL_WITHIN_MS,
			what: `the PIM right again for product ${product}`,
			intervalMs: 1000,
		});
		console.log(`queue e2e: the PIM was right again ${((Date.now() - killedAt) / 1000).toFixed(0)} s after the kill`);
		expectPimMatchesSupplier(env.sandbox); // every product, each URL once: no duplicate
		const healer = (await env.list(wf1)).find(
			(e) => !before.has(e.id) && e.id !== victimExecution.id && e.status === 'success',
		);
		expect(healer).toBeDefined();
		expect(env.c.executionsByWorker().get(/** @type {{id: string}} */ (healer).id)).toMatch(/^worker-/);
		// The crashed execution's first emission counts; the healing one is a re-emission.
		await collect({ allow: ['success', 'crashed', 'error'], timeoutMs: 30_000 }).catch(() => []);
		expect(reEmissions).toContain(`${product}@2`);
		expect(firstEmissions).toContain(`${product}@2`);
	});

	it('keeps every change when the main restarts while executions wait in the queue', async () => {
		const wf1 = workflows[0].id;
		// No worker takes jobs: executions the main enqueues wait in Redis.
		await Promise.all(env.c.workers.map(async (worker) => await worker.n8n?.stop()));
		const before = new Set((await env.list(wf1)).map((e) => e.id));
		env.sandbox.tick(); // round 4: 5989
		const queued = await env.waitFor(
			wf1,
			(list) => {
				const waiting = list.filter((e) => !before.has(e.id) && e.status === 'new');
				return waiting.length > 0 ? waiting : undefined;
			},
			{ timeoutMs: NEXT_POLL_MS, what: 'an execution waiting in the queue' },
		);
		expect(queued.length).toBeGreaterThan(0);
		const stopped = await env.c.main?.n8n?.stop();
		console.log(`queue e2e: main stopped with executions queued: ${JSON.stringify(stopped)}`);
		env.sandbox.tick(); // round 5, while the main is down: 6234
		await env.c.startMain();
		await env.connect();
		await Promise.all(env.c.workers.map(async (worker) => await env.c.startWorker(worker)));
		// Both changes reach the PIM, each emitted once.
		// Executions from before (e.g. others the killed worker was running) may end crashed or failed.
		const got = await collect({ timeoutMs: NEXT_POLL_MS * 2, tolerate: before });
		if (got.length < 2) got.push(...(await collect({ timeoutMs: NEXT_POLL_MS, tolerate: before })));
		expect(got.sort()).toEqual(['5989@3', '6234@3']);
		await env.until(
			() => {
				try {
					expectPimMatchesSupplier(env.sandbox);
					return true;
				} catch {
					return false;
				}
			},
			{ timeoutMs: NEXT_POLL_MS, what: 'the PIM as the supplier' },
		);
	});

	it('emitted every PSRESTful change once (first emissions), re-emitted only changes already emitted, and both workers ran executions', async () => {
		expect(firstEmissions.slice().sort()).toEqual(changesOf(env.sandbox).sort());
		const all = new Set(changesOf(env.sandbox));
		for (const key of reEmissions) expect(all.has(key)).toBe(true);
		expectPimMatchesSupplier(env.sandbox);
		const workersUsed = new Set(env.c.executionsByWorker().values());
		expect([...workersUsed].sort()).toEqual(['worker-1', 'worker-2']);
	});

	it(
		'uploads a 50 MB Hal Leonard file in filesystem mode on a folder all processes share: the worker’s RSS stays well under 2× the file',
		async () => {
			// Every process restarted in filesystem mode (all must run one mode: the main prunes old
			// executions' binary data in its own), the files in the folder they share.
			await Promise.all(env.c.members().map(async (member) => await member.n8n?.stop()));
			env.c.setBinaryMode('filesystem');
			await Promise.all([env.c.startMain(), ...env.c.workers.map(async (worker) => await env.c.startWorker(worker))]);
			await env.connect();
			// The binary path: example 3 with Get Access downloading the file into n8n's binary data and
			// Upload reading it from there, in place of example 3 (one DAM poll, one upload each).
			await env.api.deactivateWorkflow(workflows[2].id);
			const example = loadExample(workflows[2].file);
			for (const node of example.nodes) {
				const parameters = (node.parameters ??= {});
				if (node.name === 'Get Asset Access') Object.assign(parameters, { download: true, binaryPropertyName: 'data' });
				if (node.name === 'Upload File') {
					delete parameters.fileUrl;
					Object.assign(parameters, { fileSource: 'binary', binaryPropertyName: 'data' });
				}
			}
			const variant = await env.api.createWorkflow(
				prepareExample(example, {
					credentials: env.credentials,
					typePrefix: env.c.typePrefix,
					firstRun: { halLeonardDamTrigger: { firstRun: 'now' } },
					name: `${example.name} (as binary data)`,
				}),
			);
			await env.api.activateWorkflow(variant.id);
			const figures = await measureUploads('filesystem', { workflowId: variant.id, path: 'binary' });
			// Get Access streams the download into the file and Upload streams it from there: the worker
			// holds chunks of it, never the file.
			expect(figures.median).toBeLessThan(FIFTY_MB);
			expect(require('node:fs').existsSync(env.c.binaryDataPath)).toBe(true);
		},
		UPLOADS_TIMEOUT_MS + 5 * 60_000,
	);
});

#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm run bench:queue`: 1,000 changed PSRESTful products → Sync Product Media, 50 ms provider
 * latency, in real n8n 2.x processes: single process (regular mode, SQLite) vs queue mode with
 * 1 worker vs 2 workers — and queue mode with the work split into one execution per product
 * (a webhook sub-workflow), the setting that lets workers add throughput. Prints a table; asserts
 * nothing. Takes ~10 minutes.
 *
 *   npm run bench:queue [-- --products 1000 --latency 50 --only single,queue-1,queue-2,queue-2-split]
 *
 * Wall time runs from the activation of the workflow (which polls at once) until CommerceConnect
 * holds every product's media; "executions" counts the runs n8n made of the syncing workflow.
 */
const { N8nClient } = require('./lib/client');
const { ensureSandboxCredentials, loadExample, prepareExample, startSandbox } = require('./lib/demo');
const { ensureRuntime } = require('./lib/install');
const { startN8n, userFolderFor } = require('./lib/n8n-process');
const { preparePackage } = require('./lib/package');
const { QueueCluster, memoryOf } = require('./lib/queue');
const { resolveLine } = require('./lib/runtimes');
const { log, parseArgs } = require('./lib/util');

const OWNER = { email: 'bench@media-sync.test', firstName: 'Bench', lastName: 'Mark', password: 'Bench-media-sync-1' };
const SUPPLIER = 'BENCH';

/** @typedef {import('./lib/client').Credential} Credential */
/** @typedef {import('./lib/client').WorkflowJson} WorkflowJson */
/** @typedef {import('./lib/client').WorkflowNodeJson} WorkflowNodeJson */
/** @typedef {import('./lib/install').Install} Install */
/** @typedef {import('./lib/runtimes').Runtime} Runtime */

/**
 * @typedef {{ name: string, label: string, queue: boolean, workers: number, split: boolean, batch?: number }} Variant
 * @typedef {{ variant: Variant, wallMs: number, executions: number, failed: number, synced: number,
 *   psRequests: number, ccRequests: number,
 *   memory: Array<{ name: string, peak: number }>, firstExecutionOn?: Record<string, number> }} Result
 */

/** @type {Variant[]} */
const VARIANTS = [
	{ name: 'single', label: 'single process (regular mode)', queue: false, workers: 0, split: false },
	{ name: 'queue-1', label: 'queue mode, 1 worker', queue: true, workers: 1, split: false },
	{ name: 'queue-2', label: 'queue mode, 2 workers', queue: true, workers: 2, split: false },
	{
		name: 'queue-2-split',
		label: 'queue mode, 2 workers, one execution per product',
		queue: true,
		workers: 2,
		split: true,
	},
	{
		name: 'queue-2-batch',
		label: 'queue mode, 2 workers, one execution per 100 products',
		queue: true,
		workers: 2,
		split: true,
		batch: 100,
	},
];

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const products = Number(args.products ?? 1000);
	const latency = Number(args.latency ?? 50);
	const only = args.only ? String(args.only).split(',') : VARIANTS.map((v) => v.name);
	const runtime = resolveLine('2.x');
	const install = await ensureRuntime(runtime, { quiet: true });
	/** @type {Result[]} */
	const results = [];
	for (const variant of VARIANTS.filter((v) => only.includes(v.name))) {
		log(`— ${variant.label}: ${products} products, ${latency} ms latency`);
		results.push(await runVariant(variant, { install, runtime, products, latency }));
		const r = /** @type {Result} */ (results.at(-1));
		log(`  ${(r.wallMs / 1000).toFixed(1)} s, ${r.executions} execution(s)`);
	}
	printTable(results, { products, latency });
}

/**
 * @param {Variant} variant
 * @param {{ install: Install, runtime: Runtime, products: number, latency: number }} options
 * @returns {Promise<Result>}
 */
async function runVariant(variant, { install, runtime, products, latency }) {
	const sandbox = await startSandbox();
	sandbox.psrestful.suppliers.push({ id: 900, code: SUPPLIER, name: 'Benchmark supplier' });
	for (let i = 0; i < products; i++) {
		const code = `B${String(i).padStart(5, '0')}`;
		sandbox.commerceconnect.products.push({ id: 100_000 + i, code, name: `Bench ${code}` });
		sandbox.psrestful.modify(SUPPLIER, code);
	}
	/** @type {QueueCluster | undefined} */
	let cluster;
	/** @type {Awaited<ReturnType<typeof startN8n>> | undefined} */
	let single;
	try {
		/** @type {string} */
		let url;
		/** @type {string} */
		let typePrefix;
		if (variant.queue) {
			cluster = new QueueCluster({
				install,
				runtime,
				profile: `bench-${variant.name}`,
				workers: variant.workers,
				quiet: true,
			});
			cluster.wipe();
			await cluster.start({ build: false });
			url = cluster.url;
			typePrefix = cluster.typePrefix;
		} else {
			const userFolder = userFolderFor(runtime, 'bench-single');
			require('node:fs').rmSync(userFolder, { recursive: true, force: true });
			const pkg = await preparePackage({ userFolder, node: install.node, build: false, quiet: true });
			single = await startN8n({ install, userFolder, env: pkg.env, quiet: true });
			url = single.url;
			typePrefix = pkg.typePrefix;
		}
		const client = new N8nClient(url);
		await client.ensureOwner(OWNER);
		const credentials = await ensureSandboxCredentials(client, sandbox);
		const workflows = buildWorkflows({
			credentials,
			typePrefix,
			split: variant.split,
			batch: variant.batch,
			products,
			url,
		});
		const created = [];
		for (const workflow of workflows) created.push(await client.createWorkflow(workflow));
		// The receiving sub-workflow first, so its webhook is registered when the trigger fires.
		for (const workflow of created.slice().reverse().slice(0, -1)) await client.activateWorkflow(workflow.id);
		const syncing = variant.split ? created[1] : created[0];

		sandbox.psrestful.server.latencyMs = latency;
		sandbox.commerceconnect.server.latencyMs = latency;
		sandbox.psrestful.server.resetLog();
		sandbox.commerceconnect.server.resetLog();
		const started = Date.now();
		await client.activateWorkflow(created[0].id); // activation polls at once
		const synced = () =>
			new Set(
				[...sandbox.commerceconnect.items.values()]
					.filter((item) => item.tag_list.includes('psrestful-bench'))
					.map((item) => item.product_id),
			).size;
		// Done when every product is in CommerceConnect — or, for split runs, when every execution
		// has ended (a run that failed leaves its products out; the table says how many).
		const deadline = started + 30 * 60_000;
		const expected = variant.split ? Math.ceil(products / (variant.batch ?? 1)) : 1;
		const receiving = variant.split ? created[1] : created[0];
		const endedRuns = async () => {
			if (!cluster) return { total: 0, failed: 0 };
			const [row] = await cluster.query(
				`SELECT count(*) FILTER (WHERE status IN ('success','error','crashed','canceled'))::int AS total, count(*) FILTER (WHERE status <> 'success')::int AS failed FROM execution_entity WHERE "workflowId" = $1`,
				[receiving.id],
			);
			return { total: Number(row.total), failed: Number(row.failed) };
		};
		let ended = { total: 0, failed: 0 };
		for (;;) {
			if (synced() >= products) break;
			if (variant.split) {
				ended = await endedRuns();
				if (ended.total >= expected) break;
			}
			if (Date.now() > deadline) throw new Error(`${variant.label}: ${synced()} of ${products} products after 30 min`);
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
		const wallMs = Date.now() - started;
		if (variant.split) ended = await endedRuns();
		const syncedProducts = synced();
		sandbox.psrestful.server.latencyMs = 0;
		sandbox.commerceconnect.server.latencyMs = 0;
		// Executions of the syncing workflow: counted in the database (queue mode; the REST list
		// pages by 100 and may still count a just-finished run as running), or through the REST API.
		let executions;
		if (cluster) {
			const [row] = await cluster.query('SELECT count(*)::int AS n FROM execution_entity WHERE "workflowId" = $1', [
				syncing.id,
			]);
			executions = Number(row.n);
		} else {
			const page = await client.request('GET', '/rest/executions', {
				query: { filter: { workflowId: syncing.id }, limit: '1' },
			});
			executions = Number(page.count ?? 0);
		}
		/** @type {Array<{ name: string, peak: number }>} */
		const memory = [];
		/** @type {Record<string, number>} */
		const firstExecutionOn = {};
		if (cluster) {
			for (const member of cluster.members())
				memory.push({ name: member.name, peak: memoryOf(/** @type {number} */ (member.n8n?.child.pid))?.peak ?? 0 });
			for (const worker of cluster.executionsByWorker().values())
				firstExecutionOn[worker] = (firstExecutionOn[worker] ?? 0) + 1;
		} else if (single) {
			memory.push({ name: 'n8n', peak: memoryOf(/** @type {number} */ (single.child.pid))?.peak ?? 0 });
		}
		return {
			variant,
			wallMs,
			executions,
			failed: ended.failed,
			synced: syncedProducts,
			psRequests: sandbox.psrestful.server.requests.length,
			ccRequests: sandbox.commerceconnect.server.requests.length,
			memory,
			firstExecutionOn,
		};
	} finally {
		if (cluster) await cluster.stop({ graceMs: 20_000 });
		if (single) await single.stop({ graceMs: 20_000 });
		await sandbox.stop();
	}
}

/**
 * Example 1 for the benchmark supplier; with `split`, the trigger's workflow posts each product to
 * a second workflow's webhook (one execution per product, which the main enqueues for the workers).
 * @param {{ credentials: Record<string, Credential>, typePrefix: string, split: boolean, batch?: number, products: number, url: string }} options
 * @returns {WorkflowJson[]}
 */
function buildWorkflows({ credentials, typePrefix, split, batch, products, url }) {
	const trigger = {
		psRestfulTrigger: {
			supplierCode: SUPPLIER,
			firstRun: 'date',
			startDate: '2024-01-01T00:00:00',
			syncOptions: { minIntervalMinutes: 0, maxItemsPerPoll: products, budgetSeconds: 3600 },
		},
	};
	const one = prepareExample(loadExample('1-psrestful-to-commerceconnect.json'), {
		credentials,
		typePrefix,
		firstRun: trigger,
		name: 'Bench: PSRESTful → Sync Product Media',
	});
	const sync = nodeNamed(one, 'Sync Product Media');
	sync.parameters = { ...sync.parameters, syncTag: 'psrestful-bench' };
	if (!split) return [one];

	const path = 'bench-sync-product';
	// The trigger's workflow: one POST per product to the webhook (HTTP Request sends one per item).
	one.name = 'Bench: PSRESTful → one execution per product';
	one.nodes = one.nodes.filter((node) => node.name !== 'Sync Product Media');
	one.nodes.push({
		id: 'f0b0a0c0-0000-4000-8000-000000000001',
		name: 'Post to Sync',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [260, 0],
		parameters: {
			method: 'POST',
			url: `${url}/webhook/${path}`,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json) }}',
			options: {},
		},
	});
	one.connections = { 'PSRESTful Trigger': { main: [[{ node: 'Post to Sync', type: 'main', index: 0 }]] } };
	if (batch) {
		// Batches: Loop Over Items (batch) → Aggregate into { items } → one POST per batch → loop.
		one.name = `Bench: PSRESTful → one execution per ${batch} products`;
		const post = nodeNamed(one, 'Post to Sync');
		post.parameters = { ...post.parameters, jsonBody: '={{ JSON.stringify({ items: $json.items }) }}' };
		one.nodes.push(
			{
				id: 'f0b0a0c0-0000-4000-8000-000000000003',
				name: 'Loop Over Items',
				type: 'n8n-nodes-base.splitInBatches',
				typeVersion: 3,
				position: [200, 0],
				parameters: { batchSize: batch, options: {} },
			},
			{
				id: 'f0b0a0c0-0000-4000-8000-000000000004',
				name: 'Aggregate',
				type: 'n8n-nodes-base.aggregate',
				typeVersion: 1,
				position: [400, 0],
				parameters: { aggregate: 'aggregateAllItemData', destinationFieldName: 'items', options: {} },
			},
		);
		one.connections = {
			'PSRESTful Trigger': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
			'Loop Over Items': { main: [[], [{ node: 'Aggregate', type: 'main', index: 0 }]] },
			Aggregate: { main: [[{ node: 'Post to Sync', type: 'main', index: 0 }]] },
			'Post to Sync': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
		};
	}
	/** @type {WorkflowJson} */
	const receiver = {
		name: 'Bench: Sync Product Media per product (webhook)',
		nodes: [
			{
				id: 'f0b0a0c0-0000-4000-8000-000000000002',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'f0b0a0c0-0000-4000-8000-00000000000a',
				parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
			},
			...(batch
				? [
						{
							id: 'f0b0a0c0-0000-4000-8000-000000000005',
							name: 'Split Out',
							type: 'n8n-nodes-base.splitOut',
							typeVersion: 1,
							position: [200, 0],
							parameters: { fieldToSplitOut: 'body.items', options: {} },
						},
					]
				: []),
			{
				...sync,
				parameters: {
					...sync.parameters,
					productCode: batch ? '={{ $json.productId }}' : '={{ $json.body.productId }}',
					mediaList: batch ? '={{ $json.media }}' : '={{ $json.body.media }}',
				},
			},
		],
		connections: batch
			? {
					Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
					'Split Out': { main: [[{ node: 'Sync Product Media', type: 'main', index: 0 }]] },
				}
			: { Webhook: { main: [[{ node: 'Sync Product Media', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
	return [one, receiver];
}

/**
 * A node of a workflow by its name (the examples' names are fixed).
 * @param {WorkflowJson} workflow
 * @param {string} name
 * @returns {WorkflowNodeJson}
 */
function nodeNamed(workflow, name) {
	const node = workflow.nodes.find((candidate) => candidate.name === name);
	if (!node) throw new Error(`${workflow.name}: no node "${name}"`);
	return node;
}

/**
 * @param {Result[]} results
 * @param {{ products: number, latency: number }} setup
 */
function printTable(results, { products, latency }) {
	const mb = (/** @type {number} */ n) => `${Math.round(n / 1024 / 1024)}`;
	console.log('');
	console.log(
		`Queue-mode benchmark: ${products} changed PSRESTful products → Sync Product Media, ${latency} ms provider latency`,
	);
	console.log(
		'| Setup | Wall time (first poll → done) | Products synced | Executions (failed) | Executions/s | Products/s | PSRESTful requests | CommerceConnect requests | Peak RSS per process (MB) | Executions per worker |',
	);
	console.log('|---|---|---|---|---|---|---|---|---|---|');
	for (const r of results) {
		const s = r.wallMs / 1000;
		console.log(
			`| ${r.variant.label} | ${s.toFixed(1)} s | ${r.synced} | ${r.executions} (${r.failed}) | ${(r.executions / s).toFixed(2)} | ${(r.synced / s).toFixed(1)} | ${r.psRequests} | ${r.ccRequests} | ${r.memory.map((m) => `${m.name} ${mb(m.peak)}`).join(', ')} | ${
				Object.entries(r.firstExecutionOn ?? {})
					.map(([w, n]) => `${w} ${n}`)
					.join(', ') || '—'
			} |`,
		);
	}
}

main().catch((error) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});

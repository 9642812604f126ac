// @ts-check
'use strict';
/**
 * The side-by-side benchmark's moving parts (scripts/n8n/bench.js runs them): one "flow" is a
 * workflow in a real n8n with a PSRESTful sandbox and a CommerceConnect sandbox of its own, so
 * every request and every media item in the PIM belongs to exactly one flow. Two flows — the
 * do-it-yourself workflow of bench/diy-workflow.json and this package's example 1 — get the same
 * change stream at the same moment, and the bench watches both PIMs against the supplier.
 */
const fs = require('node:fs');
const path = require('node:path');

const { registerTypeScript } = require('../../lib/typescript-loader');
const { loadExample, prepareExample } = require('./demo');
const { REPO } = require('./runtimes');

/** @typedef {import('./client').N8nClient} N8nClient */
/** @typedef {import('./client').WorkflowJson} WorkflowJson */
/** @typedef {import('../../../sandbox/psrestful').PsRestfulMock} PsRestfulMock */
/** @typedef {import('../../../sandbox/commerceconnect').CommerceConnectMock} CommerceConnectMock */
/** @typedef {import('../../../sandbox/server').MockServer} MockServer */
/** @typedef {import('../../../sandbox/server').Fault} Fault */

/** The sandbox modules are TypeScript: loaded through the project's loader on first use. */
function sandbox() {
	registerTypeScript();
	return {
		/** @type {typeof import('../../../sandbox/psrestful').PsRestfulMock} */
		PsRestfulMock: require('../../../sandbox/psrestful').PsRestfulMock,
		/** @type {typeof import('../../../sandbox/commerceconnect').CommerceConnectMock} */
		CommerceConnectMock: require('../../../sandbox/commerceconnect').CommerceConnectMock,
		/** @type {typeof import('../../../sandbox/random').seededRandom} */
		seededRandom: require('../../../sandbox/random').seededRandom,
	};
}

/** The DIY workflow's own tag on what it creates (see bench/diy-workflow.md). */
const DIY_TAG = 'psrestful-diy';
/** Example 1's sync tag. */
const PACKAGE_TAG = 'psrestful-hit';

/**
 * Faults for a run "with 20 % faults", as the soaks use them: rate limits with Retry-After,
 * server errors, an answer cut off mid-body after the server did the work, a dropped connection.
 * @type {Fault[]}
 */
const FAULTS = [
	{ kind: 'status', status: 429, retryAfter: '1' },
	{ kind: 'status', status: 500 },
	{ kind: 'status', status: 503 },
	{ kind: 'truncate' },
	{ kind: 'reset' },
];

/**
 * @typedef {'diy' | 'package'} FlowKind
 *
 * @typedef {object} Flow
 * @property {FlowKind} kind
 * @property {string} label
 * @property {PsRestfulMock} ps
 * @property {CommerceConnectMock} cc
 * @property {string} supplier
 * @property {string[]} products  supplier product ids = PIM product codes
 * @property {string} [workflowId]
 * @property {string[]} credentialIds
 * @property {N8nClient} [client]  the n8n the flow's workflow runs in
 * @property {number} [n8nPid]  that n8n's process (group leader: n8n and its task runner)
 */

/**
 * @typedef {object} ScenarioOptions
 * @property {number} n  changed products
 * @property {boolean} faults  20 % of every sandbox's answers fail
 * @property {number} latencyMs  added to every answer
 * @property {number} maxPerPoll  the package trigger's Max Products per Poll
 * @property {number} seed
 */

/**
 * One flow's sandboxes, started, holding `n` products already synced once (version 1 in the
 * supplier two hours ago, and in the PIM as that flow would have created it).
 * @param {FlowKind} kind
 * @param {ScenarioOptions} options
 * @param {string} supplier
 * @returns {Promise<Flow>}
 */
async function startFlow(kind, options, supplier) {
	const { PsRestfulMock, CommerceConnectMock } = sandbox();
	const ps = new PsRestfulMock();
	const cc = new CommerceConnectMock();
	// The same keys for every flow: credentials then differ only in their base URL.
	ps.apiKey = 'bench-psrestful-key';
	cc.token = 'bench-commerceconnect-token';
	await ps.start();
	await cc.start();
	ps.suppliers.push({ id: 9000, code: supplier, name: `Bench supplier ${supplier}` });
	const products = Array.from({ length: options.n }, (_, i) => `P${String(i + 1).padStart(5, '0')}`);
	// Version 1, two hours ago, in the supplier and in the PIM.
	ps.server.clockOffsetMs = -2 * 3_600_000;
	const tag = kind === 'diy' ? DIY_TAG : PACKAGE_TAG;
	products.forEach((code, i) => {
		const product = ps.modify(supplier, code);
		cc.products.push({ id: 10_000 + i, code, name: `Product ${code}` });
		for (const media of product.media) {
			cc.seed(
				{ url: media.url, product_id: 10_000 + i, description: media.description ?? '', tag_list: [tag] },
				ps.server.now(),
			);
		}
	});
	ps.server.clockOffsetMs = 0;
	return {
		kind,
		label: kind === 'diy' ? 'DIY (core nodes)' : 'package (example 1)',
		ps,
		cc,
		supplier,
		products,
		credentialIds: [],
	};
}

/**
 * The DIY workflow of bench/diy-workflow.json pointed at this flow's sandboxes: its two base
 * URLs and the supplier code replaced, its two Header Auth credentials created and linked.
 * @param {N8nClient} client
 * @param {Flow} flow
 * @param {string} name
 * @returns {Promise<WorkflowJson>}
 */
async function diyWorkflow(client, flow, name) {
	const text = fs
		.readFileSync(path.join(REPO, 'bench', 'diy-workflow.json'), 'utf8')
		.replaceAll(
			'https://api.psrestful.com/v1.1.0/suppliers/HIT/',
			`${flow.ps.server.baseUrl}/v1.1.0/suppliers/${flow.supplier}/`,
		)
		.replaceAll('https://pim.example.com/', `${flow.cc.server.baseUrl}/`);
	/** @type {WorkflowJson} */
	const workflow = JSON.parse(text);
	workflow.name = name;
	const psKey = await client.createCredential({
		name: `${name} · PSRESTful key`,
		type: 'httpHeaderAuth',
		data: { name: 'X-API-Key', value: flow.ps.apiKey },
	});
	const ccToken = await client.createCredential({
		name: `${name} · CommerceConnect token`,
		type: 'httpHeaderAuth',
		data: { name: 'Authorization', value: flow.cc.authorization },
	});
	flow.credentialIds.push(psKey.id, ccToken.id);
	for (const node of workflow.nodes) {
		const ref = node.credentials?.httpHeaderAuth;
		if (!ref) continue;
		const credential = ref.name.startsWith('PSRESTful') ? psKey : ccToken;
		node.credentials = { httpHeaderAuth: { id: credential.id, name: credential.name } };
	}
	return workflow;
}

/**
 * Example 1 pointed at this flow's sandboxes, prepared as `npm start` prepares it (a poll every
 * minute, no minimum interval of its own), starting from now, with `maxPerPoll` products a poll.
 * @param {N8nClient} client
 * @param {Flow} flow
 * @param {string} name
 * @param {string} typePrefix
 * @param {number} maxPerPoll
 * @returns {Promise<WorkflowJson>}
 */
async function packageWorkflow(client, flow, name, typePrefix, maxPerPoll) {
	const psCredential = await client.createCredential({
		name: `${name} · PSRESTful`,
		type: 'psRestfulApi',
		data: { apiKey: flow.ps.apiKey, environment: 'PROD', cultureName: 'us_en', baseUrl: flow.ps.server.baseUrl },
	});
	const ccCredential = await client.createCredential({
		name: `${name} · CommerceConnect`,
		type: 'commerceConnectApi',
		data: {
			authMethod: 'staticToken',
			email: flow.cc.email,
			apiToken: flow.cc.token,
			baseUrl: flow.cc.server.baseUrl,
		},
	});
	flow.credentialIds.push(psCredential.id, ccCredential.id);
	const workflow = prepareExample(loadExample('1-psrestful-to-commerceconnect.json'), {
		credentials: {
			psRestfulApi: { ...psCredential, type: 'psRestfulApi' },
			commerceConnectApi: { ...ccCredential, type: 'commerceConnectApi' },
		},
		typePrefix,
		firstRun: { psRestfulTrigger: { firstRun: 'now' } },
		name,
	});
	for (const node of workflow.nodes) {
		if (!node.type.endsWith('.psRestfulTrigger') || !node.parameters) continue;
		node.parameters.supplierCode = flow.supplier;
		node.parameters.syncOptions = {
			.../** @type {object} */ (node.parameters.syncOptions ?? {}),
			maxItemsPerPoll: maxPerPoll,
		};
	}
	return workflow;
}

/**
 * Every answer of the flow's sandboxes waits `latencyMs`; with `faults`, one in five fails.
 * @param {Flow} flow
 * @param {{ latencyMs: number, faults: boolean, seed: number }} options
 */
function setConditions(flow, { latencyMs, faults, seed }) {
	const { seededRandom } = sandbox();
	const servers = [flow.ps.server, flow.cc.server];
	servers.forEach((server, i) => {
		server.latencyMs = latencyMs;
		server.randomFaults = faults ? { rate: 0.2, random: seededRandom(seed * 10 + i), faults: FAULTS } : undefined;
	});
}

/**
 * What the PIM holds for one product, against what the supplier lists now.
 * @typedef {'right' | 'missing' | 'stale' | 'duplicated'} ProductState
 *   missing: the supplier's current media is not (all) there; stale: an older version is still
 *   there too; duplicated: the current media is there more than once
 */

/**
 * The PIM against the supplier, product by product.
 * @param {Flow} flow
 * @returns {{ states: Map<string, ProductState>, duplicates: number, stale: number, missing: number }}
 */
function compare(flow) {
	/** @type {Map<number, string[]>} */
	const pim = new Map();
	for (const item of flow.cc.items.values()) {
		if (item.product_id === null) continue;
		let urls = pim.get(item.product_id);
		if (!urls) pim.set(item.product_id, (urls = []));
		urls.push(item.url);
	}
	const catalogue = flow.ps.catalogue.get(flow.supplier);
	/** @type {Map<string, ProductState>} */
	const states = new Map();
	let duplicates = 0;
	let stale = 0;
	let missing = 0;
	flow.products.forEach((code, i) => {
		const wanted = new Set((catalogue?.get(code)?.media ?? []).map((m) => m.url));
		const held = pim.get(10_000 + i) ?? [];
		const counts = new Map();
		for (const url of held) counts.set(url, (counts.get(url) ?? 0) + 1);
		let extraCopies = 0;
		let old = 0;
		let absent = 0;
		for (const [url, count] of counts) {
			if (wanted.has(url)) extraCopies += count - 1;
			else old += count;
		}
		for (const url of wanted) if (!counts.has(url)) absent++;
		duplicates += extraCopies;
		stale += old;
		missing += absent;
		states.set(code, absent > 0 ? 'missing' : extraCopies > 0 ? 'duplicated' : old > 0 ? 'stale' : 'right');
	});
	return { states, duplicates, stale, missing };
}

/**
 * The change stream, the same for every flow: every product changes now (version 2); one in ten
 * becomes visible in PSRESTful's media-modified-since only 20–75 s later (suppliers index late:
 * the package trigger's lookback exists for this); one in ten changes again 10 s later
 * (version 3). Returns when the last change is made, and when the last one becomes visible.
 * @param {Flow[]} flows  same products in each
 * @param {number} seed
 * @returns {Promise<{ t0: number, lastChange: Map<string, number>, lastVisible: number }>}
 */
async function applyChanges(flows, seed) {
	const { seededRandom } = sandbox();
	const random = seededRandom(seed);
	const products = flows[0].products;
	const late = new Map(
		products.filter(() => random() < 0.1).map((code) => [code, 20_000 + Math.floor(random() * 55_000)]),
	);
	const again = products.filter(() => random() < 0.1);
	/** @type {Map<string, number>} */
	const lastChange = new Map();
	const t0 = Date.now();
	let lastVisible = t0;
	for (const code of products) {
		const lagMs = late.get(code) ?? 0;
		for (const flow of flows) flow.ps.modify(flow.supplier, code, { lagMs });
		lastChange.set(code, Date.now());
		lastVisible = Math.max(lastVisible, Date.now() + lagMs);
	}
	await new Promise((resolve) => setTimeout(resolve, 10_000));
	for (const code of again) {
		for (const flow of flows) flow.ps.modify(flow.supplier, code);
		lastChange.set(code, Date.now());
	}
	lastVisible = Math.max(lastVisible, Date.now());
	return { t0, lastChange, lastVisible };
}

/**
 * The requests a flow's sandboxes answered since their logs were last reset, by kind.
 * @param {Flow} flow
 */
function requestCounts(flow) {
	const ps = flow.ps.server.requests;
	const cc = flow.cc.server.requests;
	/** @type {Map<string, number>} */
	const fetched = new Map();
	for (const r of ps) if (r.path.includes('/medias/')) fetched.set(r.path, (fetched.get(r.path) ?? 0) + 1);
	const details = [...fetched.values()].reduce((a, b) => a + b, 0);
	return {
		list: ps.filter((r) => r.path.includes('/media-modified-since')).length,
		detail: details,
		/** Detail requests for a product already asked for in this run (retries and re-fetches). */
		detailRepeats: details - fetched.size,
		psOther: ps.filter((r) => !r.path.includes('/media-modified-since') && !r.path.includes('/medias/')).length,
		pimReads: cc.filter((r) => r.method === 'GET').length,
		writes: cc.filter((r) => r.method !== 'GET').length,
		creates: cc.filter((r) => r.method === 'POST' && r.path === '/api/v2/media_items').length,
		deletes: cc.filter(
			(r) => r.method === 'DELETE' || (r.method === 'POST' && r.path === '/api/v2/media_items/delete_by_filter'),
		).length,
		faults: Object.values(flow.ps.server.faultsApplied)
			.concat(Object.values(flow.cc.server.faultsApplied))
			.reduce((a, b) => a + b, 0),
	};
}

/**
 * CPU time (user + system, seconds) used so far by a process group: n8n and its task runner.
 * Linux only (/proc); undefined elsewhere.
 * @param {number | undefined} pgid
 * @returns {number | undefined}
 */
function groupCpuSeconds(pgid) {
	if (pgid === undefined || !fs.existsSync('/proc/self/stat')) return undefined;
	const ticks = 100; // USER_HZ on Linux
	let total = 0;
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let stat;
		try {
			stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
		} catch {
			continue;
		}
		// Fields after the command name (which may contain spaces) start after the last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (Number(fields[2]) !== pgid) continue;
		total += (Number(fields[11]) + Number(fields[12])) / ticks;
	}
	return total;
}

/**
 * @param {Flow} flow
 */
async function stopFlow(flow) {
	await flow.ps.stop();
	await flow.cc.stop();
}

module.exports = {
	DIY_TAG,
	PACKAGE_TAG,
	startFlow,
	diyWorkflow,
	packageWorkflow,
	setConditions,
	compare,
	applyChanges,
	requestCounts,
	groupCpuSeconds,
	stopFlow,
};

'use strict';
/**
 * The demo: the four providers' sandbox servers, credentials in n8n pointing at them, and the
 * example workflows of examples/ imported and activated. Shared by `npm start` and the
 * end-to-end tests, so the tests run exactly what a user sees.
 */
const fs = require('node:fs');
const path = require('node:path');

const { REPO } = require('./runtimes');

/** The example workflows, in the order the README describes them. */
const EXAMPLES = [
	'1-psrestful-to-commerceconnect.json',
	'2-panthermedia-to-commerceconnect.json',
	'3-halleonard-to-commerceconnect.json',
	'4-commerceconnect-changes.json',
];

/** Credential names the examples refer to, by credential type. */
const CREDENTIAL_NAMES = {
	psRestfulApi: 'PSRESTful account',
	pantherMediaApi: 'PantherMedia account',
	halLeonardDamApi: 'Hal Leonard DAM account',
	commerceConnectApi: 'CommerceConnect account',
};

let tsHookInstalled = false;

/**
 * Lets this (plain JavaScript) process load the sandbox, which is TypeScript next to the test
 * mocks it reuses: files are transpiled on load, like the tests' ts-jest (no type check).
 */
function installTypeScriptHook() {
	if (tsHookInstalled || require.extensions['.ts']) return;
	tsHookInstalled = true;
	const ts = require('typescript');
	require.extensions['.ts'] = (module, filename) => {
		const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
			fileName: filename,
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		});
		module._compile(outputText, filename);
	};
}

/** Starts the sandbox (all four mock providers on 127.0.0.1). */
async function startSandbox(options) {
	installTypeScriptHook();
	const { Sandbox } = require(path.join(REPO, 'test', 'sandbox', 'sandbox.ts'));
	return await new Sandbox(options).start();
}

function loadExample(file) {
	return JSON.parse(fs.readFileSync(path.join(REPO, 'examples', file), 'utf8'));
}

/**
 * One credential per provider in n8n, named as the examples expect and pointing at the sandbox:
 * created, or updated in place when a previous run made it. Returns them by type.
 */
async function ensureSandboxCredentials(client, sandbox) {
	const data = sandbox.credentials();
	const existing = await client.listCredentials();
	const result = {};
	for (const [type, name] of Object.entries(CREDENTIAL_NAMES)) {
		const found = existing.find((credential) => credential.type === type && credential.name === name);
		if (found) {
			await client.updateCredential(found.id, { name, type, data: data[type] });
			result[type] = { id: found.id, name, type };
		} else {
			result[type] = await client.createCredential({ name, type, data: data[type] });
		}
	}
	return result;
}

/**
 * An example made ready for the sandbox, as documented in the README: credentials linked, node
 * types renamed when the package is loaded another way (typePrefix), every trigger polling each
 * minute with no minimum interval of its own, and a first run that shows the sandbox's seed data
 * (`firstRun` overrides per trigger type name, e.g. { psRestfulTrigger: { firstRun: 'date', startDate } }).
 */
function prepareExample(workflow, { credentials, typePrefix = 'n8n-nodes-media-sync', firstRun = {}, name } = {}) {
	const copy = JSON.parse(JSON.stringify(workflow));
	if (name) copy.name = name;
	for (const node of copy.nodes) {
		if (node.type.startsWith('n8n-nodes-media-sync.'))
			node.type = `${typePrefix}.${node.type.slice('n8n-nodes-media-sync.'.length)}`;
		for (const [type, reference] of Object.entries(node.credentials ?? {})) {
			const credential = credentials[type];
			if (!credential) throw new Error(`${node.name}: no ${type} credential for the sandbox`);
			node.credentials[type] = { id: credential.id, name: credential.name };
		}
		if (node.parameters && node.parameters.pollTimes) {
			node.parameters.pollTimes = { item: [{ mode: 'everyMinute' }] };
			node.parameters.syncOptions = { ...(node.parameters.syncOptions ?? {}), minIntervalMinutes: 0 };
			const shortType = node.type.split('.').pop();
			Object.assign(node.parameters, firstRun[shortType] ?? {});
		}
	}
	return copy;
}

/** First runs that show the sandbox's seed data at once (see test/sandbox/sandbox.ts). */
function sandboxFirstRuns(now = Date.now()) {
	const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
	// The DAM's days are US Central days: until 05:00/06:00 UTC its "yesterday" (the seed files'
	// day) is two UTC days ago.
	const twoDaysAgo = new Date(now - 2 * 86_400_000).toISOString().slice(0, 10);
	return {
		psRestfulTrigger: { firstRun: 'date', startDate: '2024-01-01T00:00:00' },
		pantherMediaTrigger: { firstRun: 'date', startDate: `${yesterday}T00:00:00` },
		halLeonardDamTrigger: { firstRun: 'date', startDate: `${twoDaysAgo}T00:00:00` },
		commerceConnectTrigger: { firstRun: 'now' },
	};
}

/**
 * Imports the examples into n8n (prepared for the sandbox) unless a workflow of the same name is
 * there from a previous run, and activates those not active; activation runs each trigger's first
 * poll at once. Returns [{file, id, name, imported}] in example order.
 */
async function importExamples(
	client,
	{ credentials, typePrefix, files = EXAMPLES, activate = true, firstRun = sandboxFirstRuns() },
) {
	const existing = await client.listWorkflows();
	const workflows = [];
	for (const file of files) {
		const workflow = prepareExample(loadExample(file), { credentials, typePrefix, firstRun });
		const found = existing.find((candidate) => candidate.name === workflow.name);
		if (found) {
			workflows.push({ file, id: found.id, name: workflow.name, imported: false, active: Boolean(found.active) });
			continue;
		}
		const created = await client.createWorkflow(workflow);
		workflows.push({ file, id: created.id, name: workflow.name, imported: true, active: false });
	}
	if (activate) {
		// The PIM-side trigger first, so its "now" comes before the other examples write to the PIM.
		for (const workflow of [...workflows].reverse()) {
			if (workflow.active) continue;
			await client.activateWorkflow(workflow.id);
			workflow.active = true;
		}
	}
	return workflows;
}

module.exports = {
	EXAMPLES,
	CREDENTIAL_NAMES,
	startSandbox,
	loadExample,
	ensureSandboxCredentials,
	prepareExample,
	sandboxFirstRuns,
	importExamples,
};

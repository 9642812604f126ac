// @ts-check
'use strict';
/**
 * The demo: the four providers' sandbox servers, credentials in n8n pointing at them, and the
 * example workflows of examples/ imported and activated. Shared by `npm start` and the
 * end-to-end tests, so the tests run exactly what a user sees.
 */
const fs = require('node:fs');
const path = require('node:path');

const { registerTypeScript } = require('../../lib/typescript-loader');
const { REPO } = require('./runtimes');

// The sandbox, its mocks and the providers' registry are TypeScript.
registerTypeScript();
/** @type {typeof import('../../../sandbox/providers')} */
const { PROVIDER_LIST } = require('../../../sandbox/providers');

/** @typedef {import('./client').N8nClient} N8nClient */
/** @typedef {import('./client').Credential} Credential */
/** @typedef {import('./client').WorkflowJson} WorkflowJson */
/** @typedef {import('../../../sandbox/sandbox').Sandbox} Sandbox */
/** @typedef {import('../../../sandbox/sandbox').SandboxOptions} SandboxOptions */
/** @typedef {import('../../../sandbox/sandbox').SandboxCredentials} SandboxCredentials */

/**
 * Trigger parameters to set, by trigger type name without the package prefix.
 * @typedef {Record<string, Record<string, unknown>>} FirstRuns
 */

/**
 * An example workflow in n8n.
 * @typedef {object} ImportedExample
 * @property {string} file  in examples/
 * @property {string} id  n8n's workflow id
 * @property {string} name
 * @property {boolean} imported  false when it was there from a previous run
 * @property {boolean} active
 */

/** The example workflows (file names in examples/), one per provider, in the registry's order. */
const EXAMPLES = PROVIDER_LIST.map((provider) => path.basename(provider.example));

/**
 * Credential names the examples refer to, by credential type: "<provider> account".
 * @type {Record<keyof SandboxCredentials, string>}
 */
const CREDENTIAL_NAMES = /** @type {Record<keyof SandboxCredentials, string>} */ (
	Object.fromEntries(PROVIDER_LIST.map((provider) => [provider.credentialType, `${provider.name} account`]))
);

/**
 * Starts the sandbox (every provider's mock on 127.0.0.1). The sandbox is TypeScript next to
 * the test mocks it reuses, so it is loaded through the project's TypeScript loader.
 * @param {SandboxOptions} [options]
 * @returns {Promise<Sandbox>}
 */
async function startSandbox(options) {
	const { Sandbox } = require('../../../sandbox/sandbox');
	return await new Sandbox(options).start();
}

/**
 * Where the sandbox serves each provider, for the log: "PSRESTful http://127.0.0.1:…, …".
 * @param {Sandbox} sandbox
 * @returns {string}
 */
function sandboxAddresses(sandbox) {
	const urls = sandbox.urls();
	return PROVIDER_LIST.map((provider) => `${provider.name} ${urls[provider.id]}`).join(', ');
}

/**
 * @param {string} file  in examples/
 * @returns {WorkflowJson}
 */
function loadExample(file) {
	return JSON.parse(fs.readFileSync(path.join(REPO, 'examples', file), 'utf8'));
}

/**
 * One credential per provider in n8n, named as the examples expect and pointing at the sandbox:
 * created, or updated in place when a previous run made it. Returns them by type.
 * @param {N8nClient} client
 * @param {Sandbox} sandbox
 * @returns {Promise<Record<string, Credential>>}
 */
async function ensureSandboxCredentials(client, sandbox) {
	const data = sandbox.credentials();
	const existing = await client.listCredentials();
	/** @type {Record<string, Credential>} */
	const result = {};
	for (const [type, name] of /** @type {Array<[keyof SandboxCredentials, string]>} */ (
		Object.entries(CREDENTIAL_NAMES)
	)) {
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
 * @param {WorkflowJson} workflow  left unchanged
 * @param {object} [options]
 * @param {Record<string, Credential>} [options.credentials]  by credential type; every type a node uses
 * @param {string} [options.typePrefix]
 * @param {FirstRuns} [options.firstRun]
 * @param {string} [options.name]  a name of its own instead of the example's
 * @returns {WorkflowJson}
 */
function prepareExample(workflow, { credentials, typePrefix = 'n8n-nodes-media-sync', firstRun = {}, name } = {}) {
	/** @type {WorkflowJson} */
	const copy = JSON.parse(JSON.stringify(workflow));
	if (name) copy.name = name;
	for (const node of copy.nodes) {
		if (node.type.startsWith('n8n-nodes-media-sync.'))
			node.type = `${typePrefix}.${node.type.slice('n8n-nodes-media-sync.'.length)}`;
		const references = node.credentials ?? {};
		for (const type of Object.keys(references)) {
			const credential = credentials?.[type];
			if (!credential) throw new Error(`${node.name}: no ${type} credential for the sandbox`);
			references[type] = { id: credential.id, name: credential.name };
		}
		if (node.parameters && node.parameters.pollTimes) {
			node.parameters.pollTimes = { item: [{ mode: 'everyMinute' }] };
			node.parameters.syncOptions = {
				.../** @type {object} */ (node.parameters.syncOptions ?? {}),
				minIntervalMinutes: 0,
			};
			const shortType = node.type.slice(node.type.lastIndexOf('.') + 1);
			Object.assign(node.parameters, firstRun[shortType] ?? {});
		}
	}
	return copy;
}

/**
 * First runs that show the sandbox's seed data at once (see sandbox/sandbox.ts).
 * @param {number} [now]
 * @returns {FirstRuns}
 */
function sandboxFirstRuns(now = Date.now()) {
	/** @param {number} days */
	const daysAgo = (days) => new Date(now - days * 86_400_000).toISOString().slice(0, 10);
	return {
		psRestfulTrigger: { firstRun: 'date', startDate: '2024-01-01T00:00:00' },
		pantherMediaTrigger: { firstRun: 'date', startDate: `${daysAgo(1)}T00:00:00` },
		// The DAM's days are Chicago's, up to six hours behind UTC: from 00:00 to 06:00 UTC its
		// yesterday (when the sandbox dates its seed files) is two UTC days ago.
		halLeonardDamTrigger: { firstRun: 'date', startDate: `${daysAgo(2)}T00:00:00` },
		commerceConnectTrigger: { firstRun: 'now' },
	};
}

/**
 * Imports the examples into n8n (prepared for the sandbox) unless a workflow of the same name is
 * there from a previous run, and activates those not active; activation runs each trigger's first
 * poll at once. Returns them in example order.
 * @param {N8nClient} client
 * @param {object} options
 * @param {Record<string, Credential>} options.credentials  ensureSandboxCredentials()
 * @param {string} [options.typePrefix]
 * @param {string[]} [options.files]  default: all examples
 * @param {boolean} [options.activate]
 * @param {FirstRuns} [options.firstRun]
 * @returns {Promise<ImportedExample[]>}
 */
async function importExamples(
	client,
	{ credentials, typePrefix, files = EXAMPLES, activate = true, firstRun = sandboxFirstRuns() },
) {
	const existing = await client.listWorkflows();
	/** @type {ImportedExample[]} */
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
	sandboxAddresses,
	loadExample,
	ensureSandboxCredentials,
	prepareExample,
	sandboxFirstRuns,
	importExamples,
};

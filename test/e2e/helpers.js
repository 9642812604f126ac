// @ts-check
'use strict';
/**
 * What the end-to-end tests share: one real n8n with this package and the sandbox, the example
 * workflows imported through n8n's own REST API, and readers for what n8n executed.
 */
const fs = require('node:fs');

const { N8nClient, nodeOutput } = require('../../scripts/n8n/lib/client');
const { ensureSandboxCredentials, importExamples, startSandbox } = require('../../scripts/n8n/lib/demo');
const { ensureRuntime } = require('../../scripts/n8n/lib/install');
const { startN8n, userFolderFor } = require('../../scripts/n8n/lib/n8n-process');
const { preparePackage } = require('../../scripts/n8n/lib/package');
const { resolveLine } = require('../../scripts/n8n/lib/runtimes');

const OWNER = { email: 'e2e@media-sync.test', firstName: 'End', lastName: 'ToEnd', password: 'E2e-media-sync-1' };

/** n8n's minute polls land at a random second of the minute: a poll plus its run fits in this. */
const NEXT_POLL_MS = 150_000;

/** @typedef {import('../../scripts/n8n/lib/client').Execution} Execution */
/** @typedef {import('../../scripts/n8n/lib/client').ExecutionSummary} ExecutionSummary */
/** @typedef {import('../../scripts/n8n/lib/client').Credential} Credential */
/** @typedef {import('../../scripts/n8n/lib/demo').ImportedExample} ImportedExample */
/** @typedef {import('../../scripts/n8n/lib/demo').Sandbox} Sandbox */
/** @typedef {import('../../scripts/n8n/lib/install').Install} Install */
/** @typedef {import('../../scripts/n8n/lib/n8n-process').StartedN8n} StartedN8n */
/** @typedef {import('../../scripts/n8n/lib/package').PreparedPackage} PreparedPackage */

/** @typedef {{ summary: ExecutionSummary, execution: Execution }} DecodedExecution */

/**
 * A fresh n8n of one release line (its own user folder, so nothing carries over from earlier
 * runs) with the package installed like a community package, and the sandbox it talks to.
 * The runtime must be installed already (`npm run test:e2e` installs it first).
 */
class E2eEnvironment {
	/**
	 * `env`: extra n8n settings (e.g. durable poll cursors); `profile` names the user folder.
	 * @param {string} line  "2.x" or "1.x"
	 * @param {{ profile?: string, env?: Record<string, string> }} [options]
	 */
	constructor(line, { profile = 'e2e', env = {} } = {}) {
		this.line = line;
		this.runtime = resolveLine(line);
		this.profile = profile;
		this.extraEnv = env;
		// Set by start(), and used by the tests only after it: declared for the type checker alone
		// (these statements create nothing).
		/** @type {Install} */ this.install;
		/** @type {string} */ this.userFolder;
		/** @type {PreparedPackage} */ this.pkg;
		/** @type {Sandbox} */ this.sandbox;
		/** @type {StartedN8n} */ this.n8n;
		/** @type {N8nClient} */ this.client;
		/** @type {Record<string, Credential>} by credential type */ this.credentials;
	}

	async start() {
		this.install = await ensureRuntime(this.runtime, { quiet: true });
		this.userFolder = userFolderFor(this.runtime, this.profile);
		fs.rmSync(this.userFolder, { recursive: true, force: true });
		// `npm run test:e2e` builds once before the suite; the package is packed and installed from dist/.
		this.pkg = await preparePackage({
			userFolder: this.userFolder,
			node: this.install.node,
			build: false,
			quiet: true,
		});
		this.sandbox = await startSandbox();
		await this.startN8n();
		this.credentials = await ensureSandboxCredentials(this.client, this.sandbox);
		return this;
	}

	async startN8n() {
		this.n8n = await startN8n({
			install: this.install,
			userFolder: this.userFolder,
			env: { ...this.pkg.env, ...this.extraEnv },
			quiet: true,
		});
		this.client = new N8nClient(this.n8n.url);
		await this.client.ensureOwner(OWNER);
	}

	/**
	 * A graceful stop and a new start on the same database, like an upgrade or a server reboot.
	 * @param {() => unknown} [whileStopped]  runs (and is awaited) while n8n is down
	 */
	async restartN8n(whileStopped = () => {}) {
		const stopped = await this.n8n.stop();
		if (stopped.forced) throw new Error('n8n did not stop gracefully');
		await whileStopped();
		await this.startN8n();
	}

	async stop() {
		if (this.n8n) await this.n8n.stop({ graceMs: 30_000 });
		if (this.sandbox) await this.sandbox.stop();
	}

	/**
	 * @param {string[]} [files]  default: all examples
	 * @returns {Promise<ImportedExample[]>}
	 */
	async importExamples(files) {
		return await importExamples(this.client, { credentials: this.credentials, typePrefix: this.pkg.typePrefix, files });
	}

	/**
	 * Finished executions of a workflow, oldest first, decoded.
	 * @param {string} workflowId
	 * @returns {Promise<DecodedExecution[]>}
	 */
	async executions(workflowId) {
		const list = await this.client.listExecutions({ workflowId, limit: 100 });
		const finished = list.filter(
			(e) => e.finished || ['success', 'error', 'crashed', 'canceled'].includes(e.status ?? ''),
		);
		/** @type {DecodedExecution[]} */
		const decoded = [];
		for (const summary of finished.reverse())
			decoded.push({ summary, execution: await this.client.getExecution(summary.id) });
		return decoded;
	}

	/**
	 * Waits for finished executions beyond the `known` ones; resolves with the new ones (decoded).
	 * @param {string} workflowId
	 * @param {Set<string>} known  execution ids already seen (the new ones are added)
	 * @param {{ timeoutMs?: number, atLeast?: number }} [options]
	 * @returns {Promise<DecodedExecution[]>}
	 */
	async newExecutions(workflowId, known, { timeoutMs = NEXT_POLL_MS, atLeast = 1 } = {}) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const fresh = (await this.executions(workflowId)).filter(({ summary }) => !known.has(summary.id));
			if (fresh.length >= atLeast) {
				for (const { summary } of fresh) known.add(summary.id);
				return fresh;
			}
			if (Date.now() > deadline)
				throw new Error(`no new execution of workflow ${workflowId} within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	}
}

/**
 * The items a node emitted in one execution (their json).
 * @param {Execution} execution
 * @param {string} nodeName
 * @returns {import('n8n-workflow').IDataObject[]}
 */
function emitted(execution, nodeName) {
	return (nodeOutput(execution, nodeName) ?? []).map((item) => item.json);
}

/**
 * The status of an execution, in the words of both n8n lines (1.x has `finished`, 2.x `status`).
 * @param {ExecutionSummary} summary
 * @returns {string}
 */
function statusOf(summary) {
	return summary.status ?? (summary.finished ? 'success' : 'error');
}

module.exports = { E2eEnvironment, emitted, statusOf, NEXT_POLL_MS };

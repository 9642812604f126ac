// @ts-check
'use strict';
/**
 * What the queue-mode end-to-end tests share: PostgreSQL, Redis, an n8n main and two workers
 * (scripts/n8n/lib/queue.js, the settings docs/deployment.md documents), the sandbox, the example
 * workflows imported through the main's REST API, and readers for what ran where.
 */
const { N8nClient } = require('../../scripts/n8n/lib/client');
const { ensureSandboxCredentials, importExamples, startSandbox } = require('../../scripts/n8n/lib/demo');
const { ensureRuntime } = require('../../scripts/n8n/lib/install');
const { QueueCluster } = require('../../scripts/n8n/lib/queue');
const { resolveLine } = require('../../scripts/n8n/lib/runtimes');

const OWNER = { email: 'e2e@media-sync.test', firstName: 'End', lastName: 'ToEnd', password: 'E2e-media-sync-1' };

/** Executions of a workflow that are over, in the words of n8n 2.x. */
const DONE = ['success', 'error', 'crashed', 'canceled'];

/** @typedef {import('../../scripts/n8n/lib/client').Credential} Credential */
/** @typedef {import('../../scripts/n8n/lib/client').Execution} Execution */
/** @typedef {import('../../scripts/n8n/lib/client').ExecutionSummary} ExecutionSummary */
/** @typedef {import('../../scripts/n8n/lib/demo').FirstRuns} FirstRuns */
/** @typedef {import('../../scripts/n8n/lib/demo').ImportedExample} ImportedExample */
/** @typedef {import('../../scripts/n8n/lib/demo').Sandbox} Sandbox */

class QueueE2eEnvironment {
	/**
	 * @param {{ profile?: string, durable?: boolean, env?: Record<string, string>, workers?: number }} [options]
	 */
	constructor({ profile = 'e2e-queue', durable = false, env = {}, workers = 2 } = {}) {
		this.runtime = resolveLine('2.x');
		this.profile = profile;
		this.durable = durable;
		this.extraEnv = env;
		this.workerCount = workers;
		/** @type {QueueCluster | undefined} */
		this.cluster = undefined;
		/** @type {N8nClient | undefined} */
		this.client = undefined;
		/** @type {Record<string, Credential>} by credential type, as ensureSandboxCredentials made them */
		this.credentials = {};
		// Set by start(), and used by the tests only after it: declared for the type checker alone
		// (this statement creates nothing).
		/** @type {Sandbox} */ this.sandbox;
	}

	async start() {
		const install = await ensureRuntime(this.runtime, { quiet: true });
		this.cluster = new QueueCluster({
			install,
			runtime: this.runtime,
			profile: this.profile,
			workers: this.workerCount,
			durable: this.durable,
			env: this.extraEnv,
			quiet: true,
		});
		this.cluster.wipe();
		this.sandbox = await startSandbox();
		// `npm run test:e2e` builds once before the suite; each process installs the packed dist/.
		await this.cluster.start({ build: false });
		await this.connect();
		this.credentials = await ensureSandboxCredentials(this.api, this.sandbox);
		return this;
	}

	/** A client logged in to the (re)started main. */
	async connect() {
		this.client = new N8nClient(this.c.url);
		await this.client.ensureOwner(OWNER);
	}

	/** The cluster (after start()). */
	get c() {
		if (!this.cluster) throw new Error('start() first');
		return this.cluster;
	}

	/** The REST client (after start()). */
	get api() {
		if (!this.client) throw new Error('start() first');
		return this.client;
	}

	async stop() {
		/** @type {Record<string, unknown>} */
		let outcome = {};
		if (this.cluster) outcome = await this.cluster.stop({ graceMs: 45_000 });
		if (this.sandbox) await this.sandbox.stop();
		return outcome;
	}

	/**
	 * @param {string[] | undefined} files  default: all examples
	 * @param {FirstRuns} [firstRun] per trigger type, e.g. extra syncOptions
	 * @returns {Promise<ImportedExample[]>}
	 */
	async importExamples(files, firstRun) {
		return await importExamples(this.api, {
			credentials: this.credentials,
			typePrefix: this.c.typePrefix,
			files,
			...(firstRun ? { firstRun } : {}),
		});
	}

	/**
	 * The last 100 executions of a workflow (newest first; n8n's page limit), whatever their status.
	 * @param {string} workflowId
	 * @returns {Promise<ExecutionSummary[]>}
	 */
	async list(workflowId) {
		return await this.api.listExecutions({ workflowId, limit: 100 });
	}

	/**
	 * Waits until `predicate` over the workflow's executions holds; resolves with its value.
	 * @template T
	 * @param {string} workflowId
	 * @param {(executions: ExecutionSummary[]) => T | undefined | false} predicate
	 * @param {{ timeoutMs: number, what: string }} options
	 * @returns {Promise<T>}
	 */
	async waitFor(workflowId, predicate, { timeoutMs, what }) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const value = predicate(await this.list(workflowId));
			if (value) return value;
			if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
	}

	/**
	 * Waits for a condition that is not about executions (the sandbox, a log).
	 * @template T
	 * @param {() => T | undefined | false | Promise<T | undefined | false>} check
	 * @param {{ timeoutMs: number, what: string, intervalMs?: number }} options
	 * @returns {Promise<T>}
	 */
	async until(check, { timeoutMs, what, intervalMs = 500 }) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const value = await check();
			if (value) return value;
			if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
		}
	}

	/**
	 * Finished executions of a workflow not in `known` (marked known), decoded, oldest first.
	 * @param {string} workflowId
	 * @param {Set<string>} known
	 * @returns {Promise<Array<{ summary: ExecutionSummary, execution: Execution }>>}
	 */
	async takeFinished(workflowId, known) {
		const fresh = (await this.list(workflowId))
			.filter((e) => DONE.includes(e.status ?? '') && !known.has(e.id))
			.reverse();
		const decoded = [];
		for (const summary of fresh) {
			known.add(summary.id);
			decoded.push({ summary, execution: await this.api.getExecution(summary.id) });
		}
		return decoded;
	}
}

module.exports = { QueueE2eEnvironment, DONE };

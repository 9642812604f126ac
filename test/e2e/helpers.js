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

/**
 * A fresh n8n of one release line (its own user folder, so nothing carries over from earlier
 * runs) with the package installed like a community package, and the sandbox it talks to.
 * The runtime must be installed already (`npm run test:e2e` installs it first).
 */
class E2eEnvironment {
	/** `env`: extra n8n settings (e.g. durable poll cursors); `profile` names the user folder. */
	constructor(line, { profile = 'e2e', env = {} } = {}) {
		this.line = line;
		this.runtime = resolveLine(line);
		this.profile = profile;
		this.extraEnv = env;
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

	/** A graceful stop and a new start on the same database, like an upgrade or a server reboot. */
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

	async importExamples(files) {
		return await importExamples(this.client, { credentials: this.credentials, typePrefix: this.pkg.typePrefix, files });
	}

	/** Finished executions of a workflow, oldest first, decoded. */
	async executions(workflowId) {
		const list = await this.client.listExecutions({ workflowId, limit: 100 });
		const finished = list.filter((e) => e.finished || ['success', 'error', 'crashed', 'canceled'].includes(e.status));
		const decoded = [];
		for (const summary of finished.reverse())
			decoded.push({ summary, execution: await this.client.getExecution(summary.id) });
		return decoded;
	}

	/** Waits for finished executions beyond the `known` ones; resolves with the new ones (decoded). */
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

/** The items a node emitted in one execution (their json). */
function emitted(execution, nodeName) {
	return (nodeOutput(execution, nodeName) ?? []).map((item) => item.json);
}

/** The status of an execution, in the words of both n8n lines (1.x has `finished`, 2.x `status`). */
function statusOf(summary) {
	return summary.status ?? (summary.finished ? 'success' : 'error');
}

module.exports = { E2eEnvironment, emitted, statusOf, NEXT_POLL_MS };

// @ts-check
'use strict';
/**
 * A small client for the REST API n8n's own editor uses (the /rest/* endpoints with the auth
 * cookie), for n8n 2.x and the last 1.x. Only what the scripts need: owner setup and login,
 * node and credential types, credentials and their test, workflows and their activation,
 * executions and their data.
 *
 * Endpoints (checked in n8n 2.41.1 and 1.123.x, packages/cli controllers):
 *   GET  /rest/settings                      public; version and whether the owner is set up
 *   POST /rest/owner/setup                   first-run owner {email, firstName, lastName, password}
 *   POST /rest/login                         {emailOrLdapLoginId, password} → cookie n8n-auth
 *   GET  /types/nodes.json, /types/credentials.json   every loaded node / credential type
 *   POST /rest/credentials                   {name, type, data}
 *   GET  /rest/credentials                   every credential (without data)
 *   PATCH /rest/credentials/:id              {name, type, data}
 *   POST /rest/credentials/test              {credentials: {id, name, type, data}} → {status, message}
 *   GET  /rest/workflows                     every workflow (id, name, active, …)
 *   POST /rest/workflows                     workflow JSON → {id, versionId, …}
 *   POST /rest/workflows/:id/activate        {versionId} (2.x "publish"; 1.123 has it too)
 *   POST /rest/workflows/:id/deactivate
 *   GET  /rest/executions?filter={"workflowId":…}&limit=…   → {results, count}
 *   GET  /rest/executions/:id                → {data: <flatted JSON string>, …}
 */
const crypto = require('node:crypto');

/** @typedef {import('n8n-workflow').INodeExecutionData} INodeExecutionData */
/** @typedef {import('n8n-workflow').IRunData} IRunData */
/** @typedef {import('n8n-workflow').ITaskData} ITaskData */
/** @typedef {import('n8n-workflow').IExecuteData} IExecuteData */

/**
 * A workflow as the editor exports it (examples/*.json) and POST /rest/workflows takes it.
 * @typedef {object} WorkflowJson
 * @property {string} name
 * @property {WorkflowNodeJson[]} nodes
 * @property {Record<string, unknown>} connections
 * @property {Record<string, unknown>} [settings]
 * @property {string} [id]  ignored on create: n8n assigns one
 * @property {boolean} [active]  ignored on create: activation is a call of its own
 */

/**
 * @typedef {object} WorkflowNodeJson
 * @property {string} [id]
 * @property {string} name
 * @property {string} type  e.g. "n8n-nodes-media-sync.psRestfulTrigger"
 * @property {number} typeVersion
 * @property {number[]} position
 * @property {Record<string, unknown>} [parameters]
 * @property {Record<string, CredentialRef>} [credentials]  by credential type
 * @property {string} [webhookId]  a Webhook node's id for its production URL
 */

/** @typedef {{ id: string, name: string }} CredentialRef  how a node names its credential */

/**
 * A credential as n8n lists it (never with its data).
 * @typedef {{ id: string, name: string, type: string }} Credential
 */

/**
 * @typedef {object} CredentialInput
 * @property {string} name
 * @property {string} type  credential type name, e.g. "psRestfulApi"
 * @property {Record<string, unknown>} data  the credential's fields
 */

/** @typedef {{ status: 'OK' | 'Error', message: string }} CredentialTestResult */

/**
 * @typedef {object} WorkflowSummary
 * @property {string} id
 * @property {string} name
 * @property {boolean} active
 * @property {string} [versionId]
 */

/**
 * An execution as GET /rest/executions lists it. n8n 1.x and 2.x both send `status`; `finished`
 * is what older 1.x releases had.
 * @typedef {object} ExecutionSummary
 * @property {string} id
 * @property {boolean} [finished]
 * @property {string} [status]  "success", "error", "running", …
 * @property {string} [mode]  "trigger", "manual", …
 */

/**
 * One execution with its run data decoded (getExecution).
 * The execution stack is what an execution still had to run: for one that never ran (crashed
 * before a worker got to it), the trigger's items the main saved with it.
 * @typedef {ExecutionSummary & { data?: { resultData?: { runData?: IRunData, error?: { message: string } }, executionData?: { nodeExecutionStack?: IExecuteData[] } } }} Execution
 */

/**
 * n8n's public settings: the parts the scripts read.
 * @typedef {object} N8nSettings
 * @property {string} versionCli
 * @property {{ showSetupOnFirstLoad?: boolean }} [userManagement]
 * @property {string} [executionMode]  "regular" or "queue" (EXECUTIONS_MODE)
 */

/** @typedef {{ email: string, firstName: string, lastName: string, password: string }} Owner */

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body]  sent as JSON
 * @property {Record<string, unknown>} [query]  strings as they are, anything else as JSON
 * @property {boolean} [raw]  the whole answer, not its `data`
 */

class N8nApiError extends Error {
	/**
	 * @param {string} method
	 * @param {string} path
	 * @param {number} status
	 * @param {unknown} body  the answer, parsed when it was JSON
	 */
	constructor(method, path, status, body) {
		const message =
			body && typeof body === 'object'
				? /** @type {{ message?: string }} */ (body).message || JSON.stringify(body).slice(0, 500)
				: String(body).slice(0, 500);
		super(`${method} ${path} → HTTP ${status}: ${message}`);
		this.status = status;
		this.body = body;
	}
}

class N8nClient {
	/** @param {string} baseUrl  e.g. http://127.0.0.1:5678 */
	constructor(baseUrl) {
		this.baseUrl = baseUrl.replace(/\/+$/, '');
		/** @type {Map<string, string>} */
		this.cookies = new Map();
		// The editor sends a per-browser id; the auth cookie is bound to it.
		this.browserId = crypto.randomUUID();
	}

	/**
	 * One call: the auth cookie sent and kept, errors as N8nApiError, and the answer's `data`
	 * (unchecked: each method below says what it returns).
	 * @param {string} method
	 * @param {string} path
	 * @param {RequestOptions} [options]
	 * @returns {Promise<any>}
	 */
	async request(method, path, { body, query, raw = false } = {}) {
		const url = new URL(this.baseUrl + path);
		for (const [key, value] of Object.entries(query ?? {})) {
			if (value !== undefined) url.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
		}
		/** @type {Record<string, string>} */
		const headers = { accept: 'application/json', 'browser-id': this.browserId };
		if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		if (body !== undefined) headers['content-type'] = 'application/json';
		const response = await fetchOnFreshSocketIfClosed(method, () =>
			fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
		);
		for (const line of response.headers.getSetCookie?.() ?? []) {
			const [pair] = line.split(';');
			const eq = pair.indexOf('=');
			if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
		}
		const text = await response.text();
		/** @type {unknown} */
		let parsed = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// not JSON: keep the text
		}
		if (!response.ok) throw new N8nApiError(method, path, response.status, parsed);
		if (raw) return parsed;
		// The REST API wraps answers as {data: …}; the /types files are plain arrays.
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'data' in parsed ? parsed.data : parsed;
	}

	/**
	 * Public settings: n8n version and whether the first-run owner setup is still open.
	 * @returns {Promise<N8nSettings>}
	 */
	async settings() {
		return await this.request('GET', '/rest/settings');
	}

	/** @returns {Promise<string>} */
	async version() {
		return (await this.settings()).versionCli;
	}

	/**
	 * Creates the owner on a fresh instance, or logs in when it exists already.
	 * @param {Owner} owner
	 */
	async ensureOwner(owner) {
		const settings = await this.settings();
		const setupOpen = settings.userManagement && settings.userManagement.showSetupOnFirstLoad;
		if (setupOpen) {
			return await this.request('POST', '/rest/owner/setup', {
				body: { email: owner.email, firstName: owner.firstName, lastName: owner.lastName, password: owner.password },
			});
		}
		return await this.login(owner.email, owner.password);
	}

	/**
	 * @param {string} email
	 * @param {string} password
	 */
	async login(email, password) {
		return await this.request('POST', '/rest/login', { body: { emailOrLdapLoginId: email, password } });
	}

	/** @returns {Promise<Array<{ name: string }>>} every loaded node type (each version listed) */
	async nodeTypes() {
		return await this.request('GET', '/types/nodes.json');
	}

	/** @returns {Promise<Array<{ name: string }>>} */
	async credentialTypes() {
		return await this.request('GET', '/types/credentials.json');
	}

	/**
	 * @param {CredentialInput} credential
	 * @returns {Promise<Credential>}
	 */
	async createCredential({ name, type, data }) {
		return await this.request('POST', '/rest/credentials', { body: { name, type, data } });
	}

	/** @returns {Promise<Credential[]>} */
	async listCredentials() {
		const answer = await this.request('GET', '/rest/credentials');
		return Array.isArray(answer) ? answer : (answer.data ?? answer.results ?? []);
	}

	/**
	 * @param {string} id
	 * @param {CredentialInput} credential
	 */
	async updateCredential(id, { name, type, data }) {
		return await this.request('PATCH', `/rest/credentials/${encodeURIComponent(id)}`, { body: { name, type, data } });
	}

	/** @returns {Promise<WorkflowSummary[]>} */
	async listWorkflows() {
		const answer = await this.request('GET', '/rest/workflows');
		return Array.isArray(answer) ? answer : (answer.data ?? answer.results ?? []);
	}

	/**
	 * Runs a credential's test the way the editor's "Retry"/"Save" button does. `data` may
	 * override saved fields (the editor sends its unsaved form).
	 * @param {Credential & { data?: Record<string, unknown> }} credential
	 * @param {Record<string, unknown>} [data]
	 * @returns {Promise<CredentialTestResult>}
	 */
	async testCredential(credential, data) {
		return await this.request('POST', '/rest/credentials/test', {
			body: {
				credentials: {
					id: credential.id,
					name: credential.name,
					type: credential.type,
					data: data ?? credential.data ?? {},
				},
			},
		});
	}

	/**
	 * @param {WorkflowJson} workflow  created inactive, with n8n's own id
	 * @returns {Promise<WorkflowSummary>}
	 */
	async createWorkflow(workflow) {
		const { id: _ignored, active: _active, ...rest } = workflow;
		return await this.request('POST', '/rest/workflows', { body: { settings: {}, ...rest, active: false } });
	}

	/**
	 * @param {string} id
	 * @returns {Promise<WorkflowSummary & WorkflowJson>}
	 */
	async getWorkflow(id) {
		return await this.request('GET', `/rest/workflows/${encodeURIComponent(id)}`);
	}

	/** @param {string} id */
	async activateWorkflow(id) {
		const workflow = await this.getWorkflow(id);
		try {
			return await this.request('POST', `/rest/workflows/${encodeURIComponent(id)}/activate`, {
				body: { versionId: workflow.versionId },
			});
		} catch (error) {
			if (!(error instanceof N8nApiError) || error.status !== 404) throw error;
			// Older 1.x: activation is an update of the `active` flag.
			return await this.request('PATCH', `/rest/workflows/${encodeURIComponent(id)}`, {
				body: { active: true, versionId: workflow.versionId },
			});
		}
	}

	/** @param {string} id */
	async deactivateWorkflow(id) {
		try {
			return await this.request('POST', `/rest/workflows/${encodeURIComponent(id)}/deactivate`, { body: {} });
		} catch (error) {
			if (!(error instanceof N8nApiError) || error.status !== 404) throw error;
			const workflow = await this.getWorkflow(id);
			return await this.request('PATCH', `/rest/workflows/${encodeURIComponent(id)}`, {
				body: { active: false, versionId: workflow.versionId },
			});
		}
	}

	/**
	 * Newest first.
	 * @param {{ workflowId?: string, limit?: number }} [options]
	 * @returns {Promise<ExecutionSummary[]>}
	 */
	async listExecutions({ workflowId, limit = 50 } = {}) {
		const answer = await this.request('GET', '/rest/executions', {
			query: { filter: workflowId ? { workflowId } : undefined, limit: String(limit) },
		});
		return answer.results ?? answer;
	}

	/**
	 * One execution with its run data decoded (n8n stores it in the "flatted" format).
	 * @param {string} id
	 * @returns {Promise<Execution>}
	 */
	async getExecution(id) {
		const execution = await this.request('GET', `/rest/executions/${encodeURIComponent(id)}`);
		if (execution && typeof execution.data === 'string') execution.data = parseFlatted(execution.data);
		return execution;
	}

	/**
	 * Waits until the workflow has at least `count` finished executions; returns them oldest first.
	 * @param {string} workflowId
	 * @param {number} count
	 * @param {{ timeoutMs?: number, intervalMs?: number }} [options]
	 * @returns {Promise<ExecutionSummary[]>}
	 */
	async waitForExecutions(workflowId, count, { timeoutMs = 120_000, intervalMs = 1000 } = {}) {
		const deadline = Date.now() + timeoutMs;
		let seen = [];
		for (;;) {
			seen = (await this.listExecutions({ workflowId, limit: 100 })).filter(
				(e) => e.finished || ['success', 'error', 'crashed', 'canceled'].includes(e.status ?? ''),
			);
			if (seen.length >= count) return seen.slice().reverse();
			if (Date.now() > deadline) {
				throw new Error(
					`Workflow ${workflowId}: ${seen.length} finished execution(s) after ${timeoutMs / 1000} s, expected ${count}`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
		}
	}
}

/**
 * Output items of a node in a decoded execution: [{json, …}] of its last run's first output.
 * @param {Execution} execution
 * @param {string} nodeName
 * @param {{ run?: number, output?: number }} [options]  which run (negative: from the end) and output
 * @returns {INodeExecutionData[] | undefined} undefined when the node did not run
 */
function nodeOutput(execution, nodeName, { run = -1, output = 0 } = {}) {
	const runs =
		execution.data &&
		execution.data.resultData &&
		execution.data.resultData.runData &&
		execution.data.resultData.runData[nodeName];
	if (!runs || runs.length === 0) return undefined;
	const chosen = /** @type {ITaskData} */ (runs.at(run));
	return (chosen.data && chosen.data.main && chosen.data.main[output]) || [];
}

/**
 * Decodes n8n's execution data format ("flatted"): a JSON array whose first entry is the root and
 * in which every string inside an object or array is the index of the real value in the array
 * (so shared and circular references survive). Written here to keep the scripts dependency-free.
 * @param {string} text
 * @returns {any} the decoded value (its shape is the caller's to know)
 */
function parseFlatted(text) {
	const table = JSON.parse(text);
	if (!Array.isArray(table) || table.length === 0) return table;
	/** @type {Map<number, unknown>} */
	const resolved = new Map();
	/**
	 * @param {number} index
	 * @returns {unknown}
	 */
	const revive = (index) => {
		if (resolved.has(index)) return resolved.get(index);
		const value = table[index];
		if (value === null || typeof value !== 'object') {
			resolved.set(index, value);
			return value;
		}
		// An array's keys are its indexes as strings: arrays and objects fill the same way.
		const copy = /** @type {Record<string, unknown>} */ (Array.isArray(value) ? [] : {});
		resolved.set(index, copy);
		for (const [key, entry] of Object.entries(value)) {
			copy[key] = typeof entry === 'string' ? revive(Number(entry)) : entry;
		}
		return copy;
	};
	return revive(0);
}

/**
 * Sends a request; a GET that fails because the server closed the kept-alive connection it went
 * out on (n8n closes idle sockets after 5 s, and fetch may pick one at that moment: "other side
 * closed") is sent again at once, on a fresh connection. Only reads: they are safe to repeat.
 * @param {string} method
 * @param {() => Promise<Response>} send
 * @returns {Promise<Response>}
 */
async function fetchOnFreshSocketIfClosed(method, send) {
	for (let attempt = 1; ; attempt++) {
		try {
			return await send();
		} catch (error) {
			const code = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code;
			const closed = code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
			if (method !== 'GET' || !closed || attempt >= 3) throw error;
		}
	}
}

module.exports = { N8nClient, N8nApiError, nodeOutput, parseFlatted };

// @ts-check
'use strict';
/**
 * Starts and stops a real n8n process for this project: bound to 127.0.0.1 on a free port,
 * SQLite in its own user folder under .n8n-runtime/data/, everything that phones home switched
 * off, this package loaded. Stopping sends SIGTERM to n8n's process group (n8n and its task
 * runner), waits for n8n's graceful shutdown, then SIGKILLs what is left.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { RUNTIME_ROOT } = require('./runtimes');
const { errorCode, freePort, isAlive, log, sleep } = require('./util');

/** @typedef {import('./install').Install} Install */
/** @typedef {import('./runtimes').Runtime} Runtime */

/**
 * How an n8n process ended: its exit code, or the signal that ended it.
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ExitInfo
 */

/**
 * Milliseconds from spawning n8n until each readiness step answered (see waitUntilReady).
 * @typedef {{ healthzMs: number, readinessMs: number, readyMs: number }} ReadyTimings
 */

/**
 * What startN8n() runs: `n8n start` (the main) or `n8n worker` (a queue-mode worker).
 * @typedef {'start' | 'worker'} N8nCommand
 */

/**
 * An n8n that startN8n() saw answer its REST API.
 * @typedef {N8nProcess & { timings: ReadyTimings }} StartedN8n
 */

/**
 * Environment for a local, private n8n. Variable names are n8n's own (@n8n/config and
 * packages/cli config); variables one major version does not know are ignored by it.
 * @param {object} options
 * @param {string} options.userFolder
 * @param {number} options.port  the editor and REST API
 * @param {number} options.brokerPort  the task runner broker
 * @param {Record<string, string>} [options.extra]  added last, so it overrides the defaults
 * @returns {Record<string, string>}
 */
function n8nEnvironment({ userFolder, port, brokerPort, extra = {} }) {
	const base = `http://127.0.0.1:${port}`;
	const env = {
		// Where n8n keeps everything (database.sqlite, config with the encryption key, nodes/, logs).
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `${base}/`,
		WEBHOOK_URL: `${base}/`,
		// The editor is served over plain http on loopback: the auth cookie must not require https.
		N8N_SECURE_COOKIE: 'false',
		DB_TYPE: 'sqlite',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		// Nothing leaves the machine: telemetry/diagnostics (RudderStack, PostHog), version
		// notifications and "what's new", templates, personalization survey, banners, the license
		// server, AI features, and fetching n8n's list of verified community nodes.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_LICENSE_DETACH_FLOATING_ON_SHUTDOWN: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_PUBLIC_API_DISABLED: 'true',
		// n8n's task runner broker (Code node) listens on its own port: keep it private and free.
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		NODE_ENV: 'production',
		...extra,
	};
	return env;
}

/**
 * This process's environment without the variables that must not leak into n8n (they would
 * change its behaviour).
 * @returns {NodeJS.ProcessEnv}
 */
function cleanParentEnv() {
	/** @type {NodeJS.ProcessEnv} */
	const env = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|NODE_OPTIONS$|NODE_PATH$|npm_)/.test(key)) continue;
		env[key] = value;
	}
	return env;
}

class N8nProcess {
	/**
	 * @param {object} options
	 * @param {import('node:child_process').ChildProcess & { pid: number }} options.child  spawned (so it has a pid)
	 * @param {string} options.url  http://127.0.0.1:<port>
	 * @param {number} options.port
	 * @param {string} options.userFolder
	 * @param {string} options.logFile  n8n's own output
	 * @param {number} options.startedAt  Date.now() when it was spawned
	 */
	constructor({ child, url, port, userFolder, logFile, startedAt }) {
		this.child = child;
		this.url = url;
		this.port = port;
		this.userFolder = userFolder;
		this.logFile = logFile;
		this.startedAt = startedAt;
		/** @type {Promise<ExitInfo>} */
		this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
		/** @type {ExitInfo | undefined} */
		this.exitInfo = undefined;
		/** @type {ReadyTimings | undefined} set by startN8n() once n8n answers */
		this.timings = undefined;
		this.exited.then((info) => (this.exitInfo = info));
	}

	get running() {
		return this.exitInfo === undefined;
	}

	/**
	 * SIGTERM to the whole process group, wait `graceMs` (n8n's graceful shutdown is 30 s by
	 * default), then SIGKILL. Resolves with {code, signal, forced, ms}.
	 * @param {{ graceMs?: number }} [options]
	 * @returns {Promise<ExitInfo & { forced: boolean, ms: number }>}
	 */
	async stop({ graceMs = 45_000 } = {}) {
		const started = Date.now();
		if (!this.running) return { .../** @type {ExitInfo} */ (this.exitInfo), forced: false, ms: 0 };
		signalGroup(this.child.pid, 'SIGTERM');
		/** @type {NodeJS.Timeout | undefined} */
		let timer;
		/** @type {Promise<'timeout'>} */
		const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
		const outcome = await Promise.race([this.exited, timeout]);
		// A pending grace timer would keep the calling process (e.g. the test runner) alive.
		clearTimeout(timer);
		let forced = false;
		if (outcome === 'timeout') {
			forced = true;
			signalGroup(this.child.pid, 'SIGKILL');
			await this.exited;
		}
		// The task runner is a child of n8n: make sure nothing of the group is left.
		if (isAlive(this.child.pid)) signalGroup(this.child.pid, 'SIGKILL');
		return { ...(await this.exited), forced, ms: Date.now() - started };
	}

	/**
	 * Lines of n8n's own output so far.
	 * @returns {string}
	 */
	logText() {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}
}

/**
 * @param {number} pid  the group leader (n8n, spawned detached)
 * @param {NodeJS.Signals} signal
 */
function signalGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
	} catch (error) {
		if (errorCode(error) !== 'ESRCH') throw error;
	}
}

/**
 * Every n8n this process started, so Ctrl-C / exit can stop them.
 * @type {Set<N8nProcess>}
 */
const started = new Set();
let handlersInstalled = false;

function installExitHandlers() {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.once('exit', () => {
		for (const n8n of started) if (n8n.running) signalGroup(n8n.child.pid, 'SIGKILL');
	});
}

/**
 * Starts n8n (the main, or a queue-mode worker) and waits until it serves its REST API (a
 * worker: until its health-check server reports it ready).
 * @param {object} options
 * @param {Install} options.install  result of ensureRuntime() (node binary + n8n bin)
 * @param {string} options.userFolder  n8n's N8N_USER_FOLDER (created if missing)
 * @param {Record<string, string>} [options.env]  extra environment (e.g. N8N_CUSTOM_EXTENSIONS, poller settings)
 * @param {number} [options.port]  fixed port (default: a free one); for a worker, its health-check server's port
 * @param {boolean} [options.echo]  copy n8n's output to this console
 * @param {number} [options.readyTimeoutMs]
 * @param {boolean} [options.quiet]  no progress lines
 * @param {N8nCommand} [options.command]  'start' (default: the main, with editor and REST API) or
 *   'worker' (queue mode: runs enqueued executions)
 * @param {string[]} [options.args]  extra arguments, e.g. ['--concurrency=10'] for a worker
 * @param {string} [options.logName]  log file name in the user folder (default n8n.log)
 * @returns {Promise<StartedN8n>}
 */
async function startN8n({
	install,
	userFolder,
	env = {},
	port,
	echo = false,
	readyTimeoutMs = 180_000,
	quiet = false,
	command = 'start',
	args = [],
	logName = 'n8n.log',
}) {
	const say = quiet ? () => {} : log;
	installExitHandlers();
	fs.mkdirSync(userFolder, { recursive: true });
	const chosenPort = port ?? (await freePort());
	const brokerPort = await freePort();
	const logFile = path.join(userFolder, logName);
	const out = fs.openSync(logFile, 'a');
	fs.writeSync(
		out,
		`\n===== n8n ${command} ${install.runtime.version} on Node ${install.node.v}, port ${chosenPort}, ${new Date().toISOString()}\n`,
	);
	const fullEnv = {
		...cleanParentEnv(),
		...n8nEnvironment({ userFolder, port: chosenPort, brokerPort, extra: { ...install.runtime.env, ...env } }),
	};
	// A worker serves only /healthz and /healthz/readiness, on QUEUE_HEALTH_CHECK_PORT.
	if (command === 'worker')
		Object.assign(fullEnv, { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(chosenPort) });
	fullEnv.PATH = `${path.dirname(install.node.bin)}${path.delimiter}${process.env.PATH}`;

	const startedAt = Date.now();
	const child = spawn(install.node.bin, [install.n8nBin, command, ...args], {
		cwd: userFolder,
		env: fullEnv,
		detached: true, // own process group: stop() signals n8n and its task runner together
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	/** @param {Buffer} chunk */
	const onOutput = (chunk) => {
		fs.writeSync(out, chunk);
		if (echo) process.stdout.write(chunk);
	};
	child.stdout.on('data', onOutput);
	child.stderr.on('data', onOutput);
	child.once('close', () => fs.closeSync(out));
	const n8n = new N8nProcess({
		child: /** @type {typeof child & { pid: number }} */ (child),
		url: `http://127.0.0.1:${chosenPort}`,
		port: chosenPort,
		userFolder,
		logFile,
		startedAt,
	});
	started.add(n8n);
	n8n.exited.then(() => started.delete(n8n));
	say(
		`Starting n8n ${command === 'start' ? '' : `${command} `}${install.runtime.version} (Node ${install.node.v}) on ${n8n.url}; log: ${logFile}`,
	);

	try {
		n8n.timings = await waitUntilReady(n8n, readyTimeoutMs, command);
	} catch (error) {
		await n8n.stop({ graceMs: 5000 });
		const tail = n8n.logText().split('\n').slice(-30).join('\n');
		throw new Error(`${/** @type {Error} */ (error).message}\nLast lines of ${logFile}:\n${tail}`);
	}
	say(
		`n8n is up after ${(n8n.timings.readyMs / 1000).toFixed(1)} s (HTTP after ${(n8n.timings.healthzMs / 1000).toFixed(1)} s, migrated and ready after ${(n8n.timings.readinessMs / 1000).toFixed(1)} s)`,
	);
	return /** @type {StartedN8n} */ (n8n);
}

/**
 * Ready, in three steps (each timed): /healthz answers 200 (HTTP server up; n8n then still runs
 * its database migrations and answers every other path with "n8n is starting up"), then
 * /healthz/readiness answers 200 (database connected and migrated, start-up finished), then the
 * public /rest/settings answers with JSON (the REST API is registered).
 * A worker has no REST API: its ready step is /healthz/readiness on its health-check port.
 * @param {N8nProcess} n8n
 * @param {number} timeoutMs
 * @param {N8nCommand} [command]
 * @returns {Promise<ReadyTimings>}
 */
async function waitUntilReady(n8n, timeoutMs, command = 'start') {
	const deadline = Date.now() + timeoutMs;
	/** @type {Partial<ReadyTimings>} */
	const timings = {};
	/**
	 * @param {string} pathName
	 * @param {(text: string) => boolean} accept
	 */
	const probe = async (pathName, accept) => {
		try {
			const response = await fetch(`${n8n.url}${pathName}`, { signal: AbortSignal.timeout(5000) });
			const text = await response.text();
			// An n8n without the readiness endpoint answers 404: skip that step.
			if (response.status === 404 && pathName === '/healthz/readiness') return true;
			return response.status === 200 && accept(text);
		} catch {
			return false;
		}
	};
	/** @param {string} [key] a property `data` must have */
	const isJsonObject = (key) => (/** @type {string} */ text) => {
		try {
			const parsed = JSON.parse(text);
			return key ? Boolean(parsed && parsed.data && parsed.data[key]) : Boolean(parsed);
		} catch {
			return false;
		}
	};
	/** @type {Array<[string, keyof ReadyTimings, (text: string) => boolean]>} */
	const stages = [
		['/healthz', 'healthzMs', () => true],
		['/healthz/readiness', 'readinessMs', isJsonObject()],
		['/rest/settings', 'readyMs', isJsonObject('userManagement')],
	];
	// A worker has no REST API: connected to the database and Redis (readiness) is ready.
	if (command === 'worker') stages.splice(2, 1, ['/healthz/readiness', 'readyMs', () => true]);
	for (const [pathName, key, accept] of stages) {
		for (;;) {
			if (!n8n.running) throw new Error(`n8n exited (${JSON.stringify(n8n.exitInfo)}) before ${pathName} answered`);
			if (await probe(pathName, accept)) {
				timings[key] = Date.now() - n8n.startedAt;
				break;
			}
			if (Date.now() > deadline) throw new Error(`n8n did not answer ${pathName} within ${timeoutMs / 1000} s`);
			await sleep(250);
		}
	}
	return /** @type {ReadyTimings} */ (timings);
}

/**
 * Default user folder for a profile ("dev", "smoke", …) of an n8n version.
 * @param {Runtime} runtime
 * @param {string} profile
 * @returns {string}
 */
function userFolderFor(runtime, profile) {
	return path.join(RUNTIME_ROOT, 'data', `${profile}-n8n-${runtime.version}`);
}

/**
 * Stops every n8n this process started (for SIGINT/SIGTERM handlers).
 * @param {{ graceMs?: number }} [options]
 */
async function stopAll(options) {
	await Promise.all([...started].map(async (n8n) => await n8n.stop(options)));
}

module.exports = { startN8n, stopAll, userFolderFor, n8nEnvironment };

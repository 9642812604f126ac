// @ts-check
'use strict';
/**
 * What the PostgreSQL and Redis servers of queue mode share: the unprivileged account they run
 * as, a long-running server child process with its output in a log file, waiting for a TCP port,
 * and stopping it.
 *
 * PostgreSQL refuses to run as root, and neither server should: when this script runs as root
 * (CI, a container), the servers run as the system account `n8n-media-sync` (created once with
 * useradd, no home, no login shell) and their data folders belong to it. Run as any other user,
 * they run as that user.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const { isAlive, sleep } = require('./util');

/** The system account the database and queue servers run as when this script runs as root. */
const SERVICE_USER = 'n8n-media-sync';

/**
 * @typedef {{ uid: number, gid: number, name: string }} ServiceAccount
 */

/** @returns {boolean} */
function isRoot() {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The account to run the servers as: the current one, or (as root) the system account
 * `n8n-media-sync`, created when missing.
 * @returns {ServiceAccount}
 */
function serviceAccount() {
	if (!isRoot() || typeof process.getuid !== 'function' || typeof process.getgid !== 'function') {
		const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
		const gid = typeof process.getgid === 'function' ? process.getgid() : -1;
		return { uid, gid, name: process.env.USER ?? String(uid) };
	}
	let ids = lookupAccount(SERVICE_USER);
	if (!ids) {
		const created = spawnSync(
			'useradd',
			['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SERVICE_USER],
			{ encoding: 'utf8' },
		);
		if (created.status !== 0 && !/already exists/.test(created.stderr))
			throw new Error(`useradd ${SERVICE_USER} failed: ${created.stderr || created.error?.message}`);
		ids = lookupAccount(SERVICE_USER);
		if (!ids) throw new Error(`The account ${SERVICE_USER} does not exist after useradd`);
	}
	return { ...ids, name: SERVICE_USER };
}

/**
 * @param {string} name
 * @returns {{ uid: number, gid: number } | undefined}
 */
function lookupAccount(name) {
	const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
	const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
	if (uid.status !== 0 || gid.status !== 0) return undefined;
	return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Creates `dir` (and parents) and hands it to the service account, mode 0700.
 * @param {string} dir
 * @param {ServiceAccount} account
 */
function ownedFolder(dir, account) {
	fs.mkdirSync(dir, { recursive: true });
	if (isRoot()) fs.chownSync(dir, account.uid, account.gid);
	fs.chmodSync(dir, 0o700);
}

/**
 * A file only its owner (the service account) can read, e.g. a password file.
 * @param {string} file
 * @param {string} content
 * @param {ServiceAccount} account
 */
function ownedFile(file, content, account) {
	fs.writeFileSync(file, content, { mode: 0o600 });
	fs.chmodSync(file, 0o600);
	if (isRoot()) fs.chownSync(file, account.uid, account.gid);
}

/** Resolves when something accepts TCP connections on 127.0.0.1:`port`. */
function canConnect(/** @type {number} */ port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port });
		socket.setTimeout(2000);
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
		socket.once('timeout', () => {
			socket.destroy();
			resolve(false);
		});
	});
}

/**
 * A server process started by this script: its own process group, output appended to a log file.
 */
class ServiceProcess {
	/**
	 * @param {{ name: string, child: import('node:child_process').ChildProcess, logFile: string, port: number }} options
	 */
	constructor({ name, child, logFile, port }) {
		this.name = name;
		this.child = child;
		this.logFile = logFile;
		this.port = port;
		/** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
		this.exitInfo = undefined;
		/** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
		this.exited = new Promise((resolve) =>
			child.once('exit', (code, signal) => {
				this.exitInfo = { code, signal };
				resolve(this.exitInfo);
			}),
		);
	}

	get running() {
		return this.exitInfo === undefined;
	}

	get pid() {
		return this.child.pid ?? -1;
	}

	/** @returns {string} */
	logText() {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	/**
	 * Sends `signal` (the server's own "shut down cleanly" signal), waits up to `graceMs`, then
	 * SIGKILLs the group.
	 * @param {{ signal?: NodeJS.Signals, graceMs?: number }} [options]
	 */
	async stop({ signal = 'SIGTERM', graceMs = 30_000 } = {}) {
		if (!this.running) return this.exitInfo;
		signalGroup(this.pid, signal);
		/** @type {NodeJS.Timeout | undefined} */
		let timer;
		const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
		const outcome = await Promise.race([this.exited, timeout]);
		clearTimeout(timer);
		if (outcome === 'timeout') signalGroup(this.pid, 'SIGKILL');
		await this.exited;
		if (isAlive(this.pid)) signalGroup(this.pid, 'SIGKILL');
		return this.exitInfo;
	}
}

/**
 * @param {number} pid
 * @param {NodeJS.Signals} signal
 */
function signalGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
	} catch (error) {
		if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
	}
}

/** Every server this process started, so an exit (even an uncaught error) does not leave them running. */
/** @type {Set<ServiceProcess>} */
const started = new Set();
let exitHandlerInstalled = false;

/**
 * Starts a server as the service account and waits until it accepts connections on `port`
 * (and, when given, until `ready(logText)` is true).
 * @param {{
 *   name: string,
 *   command: string,
 *   args: string[],
 *   account: ServiceAccount,
 *   logFile: string,
 *   port: number,
 *   cwd?: string,
 *   env?: NodeJS.ProcessEnv,
 *   ready?: (log: string) => boolean,
 *   timeoutMs?: number,
 * }} options
 * @returns {Promise<ServiceProcess>}
 */
async function startService({ name, command, args, account, logFile, port, cwd, env, ready, timeoutMs = 60_000 }) {
	if (!exitHandlerInstalled) {
		exitHandlerInstalled = true;
		process.once('exit', () => {
			for (const service of started) if (service.running) signalGroup(service.pid, 'SIGKILL');
		});
	}
	fs.mkdirSync(path.dirname(logFile), { recursive: true });
	const out = fs.openSync(logFile, 'a');
	fs.writeSync(out, `\n===== ${name} on 127.0.0.1:${port}, ${new Date().toISOString()}\n`);
	/** @type {import('node:child_process').SpawnOptions} */
	const options = {
		cwd: cwd ?? path.dirname(logFile),
		env: env ?? { PATH: process.env.PATH, LANG: 'C.UTF-8' },
		detached: true,
		stdio: ['ignore', out, out],
	};
	if (isRoot()) Object.assign(options, { uid: account.uid, gid: account.gid });
	const child = spawn(command, args, options);
	fs.closeSync(out);
	const service = new ServiceProcess({ name, child, logFile, port });
	started.add(service);
	void service.exited.then(() => started.delete(service));
	/** @type {Error | undefined} */
	let spawnError;
	child.once('error', (error) => (spawnError = error));

	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (spawnError) throw new Error(`${name} could not start: ${spawnError.message}`);
		if (!service.running) {
			throw new Error(
				`${name} exited (${JSON.stringify(service.exitInfo)}) before it accepted connections; last lines of ${logFile}:\n${tail(service.logText())}`,
			);
		}
		if ((await canConnect(port)) && (!ready || ready(service.logText()))) return service;
		if (Date.now() > deadline) {
			await service.stop({ graceMs: 5000 });
			throw new Error(
				`${name} did not accept connections within ${timeoutMs / 1000} s; see ${logFile}\n${tail(service.logText())}`,
			);
		}
		await sleep(200);
	}
}

/** @param {string} text */
function tail(text, lines = 20) {
	return text.split('\n').slice(-lines).join('\n');
}

/**
 * Runs a command to completion as the service account; throws with its output when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {{ account: ServiceAccount, input?: string, cwd?: string, env?: NodeJS.ProcessEnv }} options
 */
function runAs(command, args, { account, input, cwd, env }) {
	/** @type {import('node:child_process').SpawnSyncOptionsWithStringEncoding} */
	const options = { encoding: 'utf8', input, cwd, env: env ?? { PATH: process.env.PATH, LANG: 'C.UTF-8' } };
	if (isRoot()) Object.assign(options, { uid: account.uid, gid: account.gid });
	const result = spawnSync(command, args, options);
	if (result.status !== 0) {
		throw new Error(
			`${path.basename(command)} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${tail(`${result.stdout}\n${result.stderr}`, 30)}`,
		);
	}
	return result.stdout;
}

module.exports = {
	ServiceProcess,
	SERVICE_USER,
	serviceAccount,
	ownedFolder,
	ownedFile,
	startService,
	runAs,
	canConnect,
	isRoot,
};

// @ts-check
'use strict';
/** Small helpers shared by the scripts in scripts/n8n (plain Node.js, no dependencies). */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');

/**
 * One line on stdout, stamped with the time of day (UTC).
 * @param {...unknown} parts
 */
function log(...parts) {
	const stamp = new Date().toISOString().slice(11, 19);
	process.stdout.write(`[${stamp}] ${parts.join(' ')}\n`);
}

/**
 * @param {number} ms
 * @returns {Promise<void>}
 */
function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * @param {number} ms
 * @returns {string} e.g. "12.3 s"
 */
function seconds(ms) {
	return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now.
 * @returns {Promise<number>}
 */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/**
 * Whether nothing listens on `port` of 127.0.0.1 right now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function isPortFree(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.unref();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/**
 * Commands run() started that are still running: stopChildren() ends them when the script is
 * stopped half-way (an `npm ci` of n8n would otherwise go on without it).
 * @type {Set<import('node:child_process').ChildProcess>}
 */
const runningChildren = new Set();

/**
 * Ends every command run() started that is still running.
 * @param {NodeJS.Signals} [signal]
 */
function stopChildren(signal = 'SIGTERM') {
	for (const child of runningChildren) child.kill(signal);
}

/**
 * @typedef {object} RunOptions
 * @property {string} [cwd]
 * @property {NodeJS.ProcessEnv} [env]  the whole environment (default: this process's)
 * @property {string} [logFile]  appended to: the command line, then its output
 * @property {boolean} [echo]  also copy the output to this console
 * @property {boolean} [allowFailure]  resolve with a non-zero exit code instead of rejecting
 */

/**
 * Runs a command, streaming its output to `logFile` (and to the console when `echo`), and
 * resolves with its exit code; rejects when it cannot start or exits non-zero (unless allowFailure).
 * @param {string} command
 * @param {string[]} args
 * @param {RunOptions} [options]
 * @returns {Promise<number | null>} the exit code (null when a signal ended it and allowFailure is set)
 */
function run(command, args, { cwd, env, logFile, echo = false, allowFailure = false } = {}) {
	return new Promise((resolve, reject) => {
		const out = logFile ? fs.openSync(logFile, 'a') : undefined;
		if (out !== undefined) fs.writeSync(out, `\n$ ${command} ${args.join(' ')}\n`);
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		runningChildren.add(child);
		child.once('exit', () => runningChildren.delete(child));
		/** @type {string[]} */
		const tail = [];
		/** @param {Buffer} chunk */
		const onData = (chunk) => {
			if (out !== undefined) fs.writeSync(out, chunk);
			if (echo) process.stdout.write(chunk);
			tail.push(chunk.toString());
			if (tail.length > 40) tail.shift();
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', (error) => {
			if (out !== undefined) fs.closeSync(out);
			reject(error);
		});
		child.on('close', (code, signal) => {
			if (out !== undefined) fs.closeSync(out);
			if (code === 0 || allowFailure) return resolve(code);
			const where = logFile ? ` (full log: ${logFile})` : '';
			reject(
				new Error(
					`${path.basename(command)} ${args.join(' ')} failed with ${signal ?? `exit code ${code}`}${where}\n${tail.join('').slice(-3000)}`,
				),
			);
		});
	});
}

/**
 * Size of a folder in bytes (du when available, otherwise a walk).
 * @param {string} dir
 * @returns {number}
 */
function folderBytes(dir) {
	const { spawnSync } = require('node:child_process');
	const du = spawnSync('du', ['-sk', dir], { encoding: 'utf8' });
	if (du.status === 0) return Number(du.stdout.split(/\s+/)[0]) * 1024;
	let total = 0;
	/** @param {string} d */
	const walk = (d) => {
		for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, entry.name);
			if (entry.isDirectory()) walk(p);
			else if (entry.isFile()) total += fs.statSync(p).size;
		}
	};
	walk(dir);
	return total;
}

/**
 * @param {number} bytes
 * @returns {string} e.g. "1688 MiB"
 */
function mib(bytes) {
	return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/**
 * Whether a process exists (one owned by another user counts).
 * @param {number} pid
 * @returns {boolean}
 */
function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return errorCode(error) === 'EPERM';
	}
}

/**
 * The `code` of a Node.js system error (ENOENT, EEXIST, …), if the thrown value has one.
 * @param {unknown} error
 * @returns {string | undefined}
 */
function errorCode(error) {
	return /** @type {NodeJS.ErrnoException | undefined} */ (error)?.code;
}

/**
 * A cross-process lock (a folder with the owner's pid), so two scripts never install into the
 * same runtime folder at once. A lock whose owner died is taken over.
 * @template T
 * @param {string} lockDir
 * @param {string} what  what the holder is doing, for the "waiting for" message
 * @param {() => Promise<T>} fn  runs while the lock is held
 * @param {{ waitMs?: number }} [options]
 * @returns {Promise<T>}
 */
async function withLock(lockDir, what, fn, { waitMs = 30 * 60_000 } = {}) {
	const started = Date.now();
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (errorCode(error) !== 'EEXIST') throw error;
			const owner = Number(readOr(path.join(lockDir, 'pid'), '0'));
			if (!owner || !isAlive(owner)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() - started > waitMs) throw new Error(`Timed out waiting for process ${owner} to finish ${what}`);
			if (!announced) log(`Waiting for process ${owner}, which is ${what}…`);
			announced = true;
			await sleep(2000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

/**
 * @param {string} file
 * @param {string} fallback  returned when the file cannot be read
 * @returns {string}
 */
function readOr(file, fallback) {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return fallback;
	}
}

/**
 * A JSON file's content, unchecked (callers say what they expect), or `fallback` when the file is
 * missing or not JSON.
 * @param {string} file
 * @param {unknown} fallback
 * @returns {any}
 */
function readJson(file, fallback) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return fallback;
	}
}

/**
 * Command-line options: `--key value` and `--key=value` as strings, a bare `--flag` as true, and
 * the other arguments in order under `_`.
 * @typedef {{ _: string[]; [option: string]: string | true | string[] }} Args
 */

/**
 * Parses `--key value`, `--key=value` and `--flag` into an object.
 * @param {string[]} argv
 * @returns {Args}
 */
function parseArgs(argv) {
	/** @type {Args} */
	const args = { _: [] };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) {
			args._.push(arg);
			continue;
		}
		const eq = arg.indexOf('=');
		if (eq > 0) {
			args[arg.slice(2, eq)] = arg.slice(eq + 1);
		} else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
			args[arg.slice(2)] = argv[++i];
		} else {
			args[arg.slice(2)] = true;
		}
	}
	return args;
}

module.exports = {
	log,
	sleep,
	seconds,
	freePort,
	isPortFree,
	run,
	stopChildren,
	folderBytes,
	mib,
	isAlive,
	errorCode,
	withLock,
	readOr,
	readJson,
	parseArgs,
};

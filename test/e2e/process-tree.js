// @ts-check
'use strict';
/**
 * Processes as another program sees them (a process manager, an IDE, CI): by pid, with parent
 * and process group, read from `ps`. Linux and macOS.
 */
const { spawnSync } = require('node:child_process');

/** @typedef {{ pid: number, ppid: number, pgid: number, args: string }} ProcessInfo */

/** @returns {ProcessInfo[]} every process on the machine */
function processes() {
	const result = spawnSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`ps failed: ${result.stderr}`);
	return result.stdout
		.split('\n')
		.map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
		.filter((match) => match !== null)
		.map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), args: match[4] }));
}

/**
 * A process and everything it started, at any depth (children, grandchildren…), and the members
 * of their process groups (n8n runs in a group of its own).
 * @param {number} rootPid
 * @returns {ProcessInfo[]}
 */
function processTree(rootPid) {
	const all = processes();
	/** @type {Map<number, ProcessInfo>} */
	const found = new Map();
	const visit = (/** @type {number} */ pid) => {
		for (const info of all) {
			if ((info.pid === pid || info.ppid === pid) && !found.has(info.pid)) {
				found.set(info.pid, info);
				visit(info.pid);
			}
		}
	};
	visit(rootPid);
	// Not this test's own group: the tree's processes may share it when not started detached.
	const ownGroup = all.find((info) => info.pid === process.pid)?.pgid;
	const groups = new Set([...found.values()].map((info) => info.pgid).filter((pgid) => pgid !== ownGroup));
	for (const info of all) if (groups.has(info.pgid)) found.set(info.pid, info);
	return [...found.values()];
}

/**
 * Which of these pids still exist.
 * @param {number[]} pids
 * @returns {number[]}
 */
function stillRunning(pids) {
	const alive = new Set(processes().map((info) => info.pid));
	return pids.filter((pid) => alive.has(pid));
}

/**
 * Waits until `condition()` is truthy (checked every `intervalMs`), and resolves with its value;
 * rejects after `timeoutMs` with `what` and the last value in the message.
 * @template T
 * @param {() => T | Promise<T>} condition
 * @param {{ what: string, timeoutMs?: number, intervalMs?: number }} options
 * @returns {Promise<NonNullable<T>>}
 */
async function waitFor(condition, { what, timeoutMs = 90_000, intervalMs = 250 }) {
	const deadline = Date.now() + timeoutMs;
	/** @type {T | undefined} */
	let last;
	for (;;) {
		last = await condition();
		if (last) return /** @type {NonNullable<T>} */ (last);
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

module.exports = { processes, processTree, stillRunning, waitFor };

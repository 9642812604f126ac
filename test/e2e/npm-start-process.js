// @ts-check
'use strict';
/**
 * One `npm start` as a user runs it, in a profile of its own (so it never touches the user's demo
 * in .n8n-runtime/data/demo-…), with its output collected: what the process tests signal by pid
 * and the browser test drives.
 */
const { spawn } = require('node:child_process');

const { REPO } = require('../../scripts/n8n/lib/runtimes');
const { processTree, waitFor } = require('./process-tree');

/** @typedef {import('./process-tree').ProcessInfo} ProcessInfo */

class NpmStart {
	/**
	 * @param {string} profile  the n8n user folder's profile (see userFolderFor)
	 * @param {string[]} [args]  more of `npm start`'s options, e.g. ['--fresh', '--change-every', '15']
	 */
	constructor(profile, args = []) {
		this.output = '';
		// Its own process group, as a service manager starts it; the tests signal single pids.
		this.npm = spawn('npm', ['start', '--', '--no-build', '--profile', profile, ...args], {
			cwd: REPO,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, CI: 'true' },
		});
		const collect = (/** @type {Buffer} */ chunk) => (this.output += chunk.toString());
		this.npm.stdout.on('data', collect);
		this.npm.stderr.on('data', collect);
		/** @type {Promise<number | null>} */
		this.exited = new Promise((resolve) => this.npm.once('exit', (code) => resolve(code)));
	}

	get pid() {
		return /** @type {number} */ (this.npm.pid);
	}

	/** @returns {Promise<string>} the editor's URL, once the demo says it is ready */
	async ready() {
		const match = await waitFor(
			() => /Ready after .*? Open (http:\/\/127\.0\.0\.1:\d+)\//.exec(this.output) ?? this.failed(),
			{ what: 'npm start to be ready', timeoutMs: 240_000 },
		);
		return match[1];
	}

	/** Throws when npm start ended before it was ready. */
	failed() {
		if (this.npm.exitCode !== null) throw new Error(`npm start exited early:\n${this.output.slice(-3000)}`);
		return null;
	}

	/**
	 * The processes of the tree, by role.
	 * @returns {{ script: ProcessInfo, n8n: ProcessInfo, all: ProcessInfo[] }}
	 */
	roles() {
		const all = processTree(this.pid);
		const script = all.find((info) => info.ppid === this.pid && /scripts\/n8n\/start\.js/.test(info.args));
		const n8n = all.find((info) => script && info.ppid === script.pid && /n8n\/bin\/n8n start/.test(info.args));
		if (!script || !n8n) throw new Error(`npm start's processes not found: ${JSON.stringify(all, null, 1)}`);
		return { script, n8n, all };
	}

	/** SIGKILL to every process of the tree: what a failed test does so that nothing is left running. */
	killAll() {
		for (const info of processTree(this.pid)) killQuietly(info.pid);
	}
}

/** @param {number} pid */
function killQuietly(pid) {
	try {
		process.kill(pid, 'SIGKILL');
	} catch {
		// gone already
	}
}

module.exports = { NpmStart };

// @ts-check
'use strict';
/**
 * What one `npm start` leaves for the next, in the demo's n8n user folder: the sandbox's ports
 * and keys (n8n's saved credentials stay valid), its catalogue and round of changes (n8n's
 * triggers remember what they saw, so the sandbox must go on, not start over), and the editor's
 * port (a bookmark keeps working).
 */
const fs = require('node:fs');
const path = require('node:path');

const { isPortFree, readJson } = require('./util');

/** @typedef {import('../../../sandbox/sandbox').Sandbox} Sandbox */
/** @typedef {import('../../../sandbox/sandbox').SandboxIdentity} SandboxIdentity */
/** @typedef {import('../../../sandbox/sandbox').SandboxState} SandboxState */

/** n8n's own default port: what its docs and most bookmarks say. */
const DEFAULT_EDITOR_PORT = 5678;

/**
 * @param {string} userFolder
 */
function files(userFolder) {
	return {
		identity: path.join(userFolder, 'sandbox.json'),
		state: path.join(userFolder, 'sandbox-state.json'),
		editor: path.join(userFolder, 'editor.json'),
	};
}

/**
 * Writes JSON so that a reader never sees half a file (the demo may be killed at any moment).
 * @param {string} file
 * @param {unknown} value
 */
function writeJsonAtomically(file, value) {
	const temporary = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(temporary, `${JSON.stringify(value)}\n`, { mode: 0o600 });
	fs.renameSync(temporary, file);
}

/**
 * The previous run's sandbox, if there was one: ports and keys, catalogue and rounds.
 * @param {string} userFolder
 * @returns {{ identity?: SandboxIdentity, state?: SandboxState }}
 */
function loadSandboxMemory(userFolder) {
	const { identity, state } = files(userFolder);
	return { identity: readJson(identity, undefined), state: readJson(state, undefined) };
}

/**
 * Saves the sandbox's ports and keys and its catalogue (after every round of changes and on stop).
 * @param {string} userFolder
 * @param {Sandbox} sandbox
 */
function saveSandboxMemory(userFolder, sandbox) {
	const { identity, state } = files(userFolder);
	writeJsonAtomically(identity, sandbox.identity());
	writeJsonAtomically(state, sandbox.state());
}

/**
 * The editor's port: the one asked for, else the last run's when it is free, else n8n's default
 * 5678 when free, else any free one — remembered for the next run.
 * @param {string} userFolder
 * @param {number | undefined} requested  --port
 * @returns {Promise<{ port: number | undefined, note?: string }>} undefined: let startN8n pick one
 */
async function chooseEditorPort(userFolder, requested) {
	if (requested) return { port: requested };
	const remembered = Number(readJson(files(userFolder).editor, {}).port);
	if (Number.isInteger(remembered) && remembered > 0 && (await isPortFree(remembered))) return { port: remembered };
	if (await isPortFree(DEFAULT_EDITOR_PORT)) {
		const note = remembered ? `port ${remembered} is taken; using ${DEFAULT_EDITOR_PORT}` : undefined;
		return { port: DEFAULT_EDITOR_PORT, note };
	}
	return {
		port: undefined,
		note: `port ${remembered || DEFAULT_EDITOR_PORT} is taken; using a free one (kept for the next runs while free)`,
	};
}

/**
 * @param {string} userFolder
 * @param {number} port
 */
function rememberEditorPort(userFolder, port) {
	writeJsonAtomically(files(userFolder).editor, { port });
}

module.exports = {
	DEFAULT_EDITOR_PORT,
	loadSandboxMemory,
	saveSandboxMemory,
	chooseEditorPort,
	rememberEditorPort,
};

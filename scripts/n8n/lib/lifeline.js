// @ts-check
'use strict';
/**
 * Nothing of `npm start` outlives the process that started it, however that one ends.
 *
 * Two directions, because a process manager, an IDE's stop button or a CI time-out signals one
 * pid, not a terminal's process group:
 *   - upwards: watchParent() notices that the script's own parent (npm, a shell, a test runner)
 *     is gone — it was re-parented — and lets the script stop n8n and the sandboxes;
 *   - downwards: n8n is spawned with a lifeline, a pipe on an extra file descriptor that only the
 *     script holds open. When the script ends in any way, SIGKILL included, the kernel closes its
 *     end, and lifeline-preload.js (loaded into n8n with --require) shuts n8n down.
 * Linux offers prctl(PR_SET_PDEATHSIG) for the second, but Node.js does not expose it; a pipe
 * works on every platform Node.js runs on and needs no polling.
 */
const path = require('node:path');

/** The file descriptor the lifeline has in n8n (0–2 are stdin, stdout and stderr). */
const LIFELINE_FD = 3;

/** Environment variable that tells the preload where its lifeline is. */
const LIFELINE_ENV = 'MEDIA_SYNC_LIFELINE_FD';

const PRELOAD = path.join(__dirname, 'lifeline-preload.js');

/**
 * Node arguments, stdio and environment that give a spawned n8n its lifeline.
 * @param {string} logFile  where n8n's output goes: the preload notes there why n8n stops
 * @returns {{ nodeArgs: string[], stdio: Array<'ignore' | 'pipe'>, env: Record<string, string> }}
 */
function lifelineSpawnOptions(logFile) {
	return {
		nodeArgs: ['--require', PRELOAD],
		stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
		env: { [LIFELINE_ENV]: String(LIFELINE_FD), MEDIA_SYNC_LIFELINE_LOG: logFile },
	};
}

/**
 * Calls `onGone` once when this process's parent has ended (this process was re-parented, to
 * init or a subreaper). Checked every `intervalMs`; the timer does not keep the process alive.
 * @param {() => void} onGone
 * @param {{ intervalMs?: number, parentPid?: number }} [options]
 * @returns {() => void} stops watching
 */
function watchParent(onGone, { intervalMs = 1000, parentPid = process.ppid } = {}) {
	const timer = setInterval(() => {
		if (process.ppid === parentPid) return;
		clearInterval(timer);
		onGone();
	}, intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}

module.exports = { LIFELINE_ENV, LIFELINE_FD, PRELOAD, lifelineSpawnOptions, watchParent };

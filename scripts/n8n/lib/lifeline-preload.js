// @ts-check
'use strict';
/**
 * Loaded into n8n with `node --require` (see lifeline.js): when the process that started n8n is
 * gone — its end of the lifeline pipe closed — n8n is asked to stop the way Ctrl-C asks it
 * (SIGTERM, n8n's graceful shutdown, which also stops its task runner), and whatever of its
 * process group is left after the grace period is killed.
 *
 * It only listens: it adds no output and changes nothing in n8n while the lifeline holds.
 */
const fs = require('node:fs');
const net = require('node:net');

/** n8n's own graceful shutdown waits up to 30 s (N8N_GRACEFUL_SHUTDOWN_TIMEOUT); then some more. */
const GRACE_MS = 45_000;

const fd = Number(process.env.MEDIA_SYNC_LIFELINE_FD);
/** n8n's log file: its output reached it through the parent, so the parent's end is noted here. */
const logFile = process.env.MEDIA_SYNC_LIFELINE_LOG;
// The task runner and anything else n8n starts must not think they have a lifeline too.
delete process.env.MEDIA_SYNC_LIFELINE_FD;
delete process.env.MEDIA_SYNC_LIFELINE_LOG;

if (Number.isInteger(fd) && fd > 2) {
	const lifeline = new net.Socket({ fd, readable: true, writable: false });
	// n8n decides on its own when to exit; the lifeline must not keep it running.
	lifeline.unref();
	let ended = false;
	const parentGone = () => {
		if (ended) return;
		ended = true;
		// The parent read n8n's output through pipes that are now broken: a write must not crash
		// n8n in the middle of its graceful shutdown.
		process.stdout.on('error', () => {});
		process.stderr.on('error', () => {});
		if (logFile) {
			try {
				fs.appendFileSync(
					logFile,
					`${new Date().toISOString()} The process that started n8n has ended: stopping n8n (SIGTERM, graceful)\n`,
				);
			} catch {
				// Nowhere to say it: stop all the same.
			}
		}
		process.kill(process.pid, 'SIGTERM');
		setTimeout(() => {
			try {
				// n8n was spawned as the leader of its own process group (detached).
				process.kill(-process.pid, 'SIGKILL');
			} catch {
				process.kill(process.pid, 'SIGKILL');
			}
		}, GRACE_MS).unref();
	};
	lifeline.on('end', parentGone);
	lifeline.on('close', parentGone);
	lifeline.on('error', parentGone);
	lifeline.resume();
}

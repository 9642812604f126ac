// @ts-check
'use strict';
/**
 * Progress lines for the long first-run steps (n8n's `npm ci` of ~2,400 packages, sqlite3's
 * compilation), so a first run never sits silent for minutes.
 */
const fs = require('node:fs');
const path = require('node:path');

const { log } = require('./util');

/**
 * @param {number} ms
 * @returns {string} e.g. "3 min 05 s"
 */
function elapsed(ms) {
	const total = Math.round(ms / 1000);
	const minutes = Math.floor(total / 60);
	const rest = String(total % 60).padStart(2, '0');
	return minutes > 0 ? `${minutes} min ${rest} s` : `${total} s`;
}

/**
 * Logs `describe()` with the time since the start every `everyMs`, until the returned function is
 * called.
 * @param {() => string} describe
 * @param {{ everyMs?: number, say?: (line: string) => void }} [options]
 * @returns {() => void}
 */
function reportProgress(describe, { everyMs = 20_000, say = log } = {}) {
	const started = Date.now();
	const timer = setInterval(() => say(`  … ${describe()}, ${elapsed(Date.now() - started)} so far`), everyMs);
	timer.unref();
	return () => clearInterval(timer);
}

/**
 * How many of a lockfile's packages are unpacked in `installDir` so far: npm ci extracts each one
 * straight into its final folder, so counting the folders that have a package.json follows it.
 * @param {string} installDir  holds package-lock.json and node_modules/
 * @returns {() => { unpacked: number, total: number }}
 */
function lockfileProgress(installDir) {
	/** @type {string[]} */
	let paths = [];
	try {
		const lock = JSON.parse(fs.readFileSync(path.join(installDir, 'package-lock.json'), 'utf8'));
		paths = Object.entries(lock.packages ?? {})
			.filter(([key, entry]) => key.startsWith('node_modules/') && installsHere(entry))
			.map(([key]) => key);
	} catch {
		// No lockfile: only the elapsed time is shown.
	}
	return () => ({
		unpacked: paths.filter((key) => fs.existsSync(path.join(installDir, key, 'package.json'))).length,
		total: paths.length,
	});
}

/**
 * Whether npm installs a lockfile entry on this machine: optional packages for another platform,
 * CPU or C library (the musl builds on glibc Linux) are skipped.
 * @param {{ os?: string[], cpu?: string[], libc?: string[] }} entry
 * @returns {boolean}
 */
function installsHere(entry) {
	return fits(entry.os, process.platform) && fits(entry.cpu, process.arch) && (!LIBC || fits(entry.libc, LIBC));
}

/**
 * @param {string[] | undefined} list  npm's form: names, or "!name" to exclude one
 * @param {string} value
 * @returns {boolean}
 */
function fits(list, value) {
	return !list || list.some((item) => (item.startsWith('!') ? item.slice(1) !== value : item === value));
}

/** The C library of this Linux (how npm tells glibc from musl); undefined elsewhere. */
const LIBC =
	process.platform !== 'linux'
		? undefined
		: /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (process.report.getReport()).header
					?.glibcVersionRuntime
			? 'glibc'
			: 'musl';

/**
 * "1,234 of 2,417 packages unpacked (51 %)", or a phase name while nothing is unpacked yet.
 * @param {{ unpacked: number, total: number }} count
 * @returns {string}
 */
function describeUnpacked({ unpacked, total }) {
	if (total === 0) return 'npm ci running';
	if (unpacked === 0) return `npm ci: resolving ${total.toLocaleString('en-US')} packages`;
	if (unpacked >= total) return `npm ci: all ${total.toLocaleString('en-US')} packages unpacked, linking`;
	const percent = Math.floor((unpacked / total) * 100);
	return `npm ci: ${unpacked.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} packages unpacked (${percent} %)`;
}

module.exports = { elapsed, reportProgress, lockfileProgress, describeUnpacked };

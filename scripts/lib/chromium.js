// @ts-check
'use strict';
/**
 * The Chromium the browser end-to-end test drives (through playwright-core, which brings no
 * browser of its own): Debian's `chromium` package, or any Chrome/Chromium named by
 * CHROMIUM_PATH. `ensureChromium()` installs Debian's package when none is found and this process
 * may (root, apt-get present) — what a clean CI container needs — and otherwise says exactly
 * what to do. Nothing is downloaded from outside the system's package sources.
 */
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

/** Where distributions and vendors put the binary, in the order they are tried. */
const CANDIDATES = [
	'/usr/bin/chromium',
	'/usr/bin/chromium-browser',
	'/usr/bin/google-chrome-stable',
	'/usr/bin/google-chrome',
	'/snap/bin/chromium',
	'/Applications/Chromium.app/Contents/MacOS/Chromium',
	'/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** What the browser test's own runner checks to skip it on a machine without a browser. */
const SKIP_VARIABLE = 'E2E_BROWSER';

/**
 * A browser this machine can run.
 * @typedef {object} Chromium
 * @property {string} path
 * @property {string} version  what `--version` printed, e.g. "Chromium 156.0.8078.108 built on Debian 12.11"
 */

/**
 * `--version` of a binary, or undefined when it does not run.
 * @param {string} path
 * @returns {string | undefined}
 */
function versionOf(path) {
	if (!fs.existsSync(path)) return undefined;
	const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
	return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * The browser named by CHROMIUM_PATH, else the first one installed.
 * @returns {Chromium | undefined}
 */
function findChromium() {
	const wanted = process.env.CHROMIUM_PATH;
	if (wanted) {
		const version = versionOf(wanted);
		if (!version) throw new Error(`CHROMIUM_PATH=${wanted} does not run (\`${wanted} --version\` failed)`);
		return { path: wanted, version };
	}
	for (const path of CANDIDATES) {
		const version = versionOf(path);
		if (version) return { path, version };
	}
	return undefined;
}

/** @returns {boolean} */
function canInstallWithApt() {
	return process.platform === 'linux' && process.getuid?.() === 0 && versionOf('/usr/bin/apt-get') !== undefined;
}

/** @returns {string} */
function howToInstall() {
	return [
		'The browser end-to-end test (test/e2e/browser.e2e.js) needs Chromium. Either:',
		'  Debian/Ubuntu:  sudo apt-get install -y chromium     (then run the command again)',
		'  any system:     CHROMIUM_PATH=/path/to/chrome-or-chromium npm run test:e2e',
		`  or skip only that test on this machine: ${SKIP_VARIABLE}=skip npm run test:e2e`,
	].join('\n');
}

/**
 * Finds Chromium, installing Debian's package first when it is missing and this process is root
 * with apt-get. Throws the ways to get one otherwise.
 * @param {(message: string) => void} [say]
 * @returns {Chromium}
 */
function ensureChromium(say = () => {}) {
	const found = findChromium();
	if (found) return found;
	if (!canInstallWithApt()) throw new Error(howToInstall());
	say('Chromium not found: installing Debian’s chromium package (apt-get install -y chromium)…');
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
		const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
		if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed.\n${howToInstall()}`);
	}
	const installed = findChromium();
	if (!installed) throw new Error(`apt-get installed chromium, but no binary was found.\n${howToInstall()}`);
	return installed;
}

/** @returns {boolean} whether the browser test is switched off on this machine */
function browserTestSkipped() {
	return process.env[SKIP_VARIABLE] === 'skip';
}

module.exports = { CANDIDATES, SKIP_VARIABLE, findChromium, ensureChromium, browserTestSkipped, howToInstall };

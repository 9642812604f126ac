// @ts-check
'use strict';
/**
 * The build tools the first run needs, checked before anything is installed: n8n's sqlite3 is
 * compiled for n8n's Node.js (node-gyp runs python3, make and a C++ compiler). Without this
 * check a missing compiler shows up as a node-gyp error after ten minutes of `npm ci`.
 */
const { spawnSync } = require('node:child_process');

/**
 * @typedef {object} Tool
 * @property {string} name  as the message names it
 * @property {string[]} commands  any one of them will do
 */

/** @type {Tool[]} */
const BUILD_TOOLS = [
	{ name: 'python3', commands: ['python3'] },
	{ name: 'make', commands: ['make'] },
	// node-gyp uses $CXX when set, else c++ (g++ on most Linux systems, clang++ on macOS).
	{ name: 'a C++ compiler', commands: [process.env.CXX ?? '', 'c++', 'g++', 'clang++'].filter(Boolean) },
];

/**
 * @param {string} command
 * @returns {boolean}
 */
function runs(command) {
	const result = spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 15_000 });
	return result.status === 0;
}

/**
 * Names of the missing tools (empty when all are there).
 * @param {Tool[]} [tools]
 * @returns {string[]}
 */
function missingBuildTools(tools = BUILD_TOOLS) {
	return tools.filter((tool) => !tool.commands.some(runs)).map((tool) => tool.name);
}

/**
 * Throws a message that says what is missing and how to install it.
 * @param {string} why  what needs them, e.g. "sqlite3 is compiled for Node 24"
 */
function requireBuildTools(why) {
	const missing = missingBuildTools();
	if (missing.length === 0) return;
	throw new Error(
		[
			`Missing: ${missing.join(', ')}. The first run needs python3, make and a C++ compiler (${why}).`,
			'Install them, then run the command again:',
			'  Debian/Ubuntu:  sudo apt-get install -y python3 make g++',
			'  Fedora/RHEL:    sudo dnf install -y python3 make gcc-c++',
			'  Alpine:         apk add python3 make g++',
			'  macOS:          xcode-select --install',
		].join('\n'),
	);
}

module.exports = { BUILD_TOOLS, missingBuildTools, requireBuildTools };

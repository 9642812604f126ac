// @ts-check
'use strict';
/**
 * Installs a pinned n8n into .n8n-runtime/<version>/ from its committed manifest, exactly:
 *
 *   1. `npm ci --ignore-scripts` from scripts/n8n/runtime-<line>/{package.json,package-lock.json}
 *      (no install script of n8n's 2,400 dependencies runs: several would try to download
 *      binaries or send install analytics, and none of that works or is wanted here);
 *   2. `npm rebuild <native modules>` (sqlite3 at least) with the Node version that will run n8n,
 *      against that Node's own headers (node-gyp would otherwise download them, which CI cannot);
 *   3. a check that the native modules load in that Node;
 *   4. a stamp file recording what was installed.
 *
 * A second run compares the stamp with the manifest and the Node ABI and does nothing when both
 * match; when only the Node ABI changed, it only rebuilds the native modules.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { requireBuildTools } = require('./prerequisites');
const { describeUnpacked, elapsed, lockfileProgress, reportProgress } = require('./progress');
const { RUNTIME_ROOT, findNode, findNodeHeaders, npmCliPath } = require('./runtimes');
const { folderBytes, log, mib, readJson, run, seconds, withLock } = require('./util');

const STAMP = '.media-sync-runtime.json';
const MANIFEST_FILES = ['package.json', 'package-lock.json', '.npmrc'];
/** Bump when the install procedure itself changes, to force one reinstall everywhere. */
const PROCEDURE = 1;

/** @typedef {import('./runtimes').Runtime} Runtime */
/** @typedef {import('./runtimes').NodeBinary} NodeBinary */

/**
 * What the stamp file in .n8n-runtime/<version>/ records about an install.
 * @typedef {object} InstallStamp
 * @property {string} n8n
 * @property {string} manifest  manifestHash() of what was installed
 * @property {string} native  nativeKey() the native modules were built for
 * @property {string} node
 * @property {string} installedAt
 * @property {number} bytes
 * @property {InstallTimings} timings
 */

/**
 * @typedef {object} InstallTimings
 * @property {number} [npmCiMs]
 * @property {number} [rebuildMs]
 */

/**
 * An installed, current runtime: what starts n8n.
 * @typedef {object} Install
 * @property {Runtime} runtime
 * @property {NodeBinary} node  the Node.js that runs this n8n
 * @property {string} n8nBin  n8n's start script
 * @property {boolean} changed  whether this call installed or rebuilt anything
 * @property {InstallTimings} timings
 * @property {number} [bytes]  size on disk, when measured (after an install)
 */

/**
 * Hash of the committed manifest (plus the install procedure's version): a new one means reinstall.
 * @param {Runtime} runtime
 * @returns {string}
 */
function manifestHash(runtime) {
	const hash = crypto.createHash('sha256');
	hash.update(`procedure ${PROCEDURE}\n`);
	for (const file of MANIFEST_FILES) {
		const full = path.join(runtime.manifestDir, file);
		if (!fs.existsSync(full)) {
			if (file === '.npmrc') continue;
			throw new Error(`${full} is missing: generate it (see docs/running-in-n8n.md)`);
		}
		let content = fs.readFileSync(full);
		if (file === 'package.json') {
			// Only what shapes the installed tree; the mediaSync notes and settings do not.
			const { mediaSync, ...tree } = JSON.parse(content.toString('utf8'));
			content = Buffer.from(JSON.stringify(tree));
		}
		hash.update(`${file}\n`).update(content);
	}
	return hash.digest('hex');
}

/**
 * What the native build depends on: platform, Node ABI and the list of rebuilt modules.
 * @param {NodeBinary} node
 * @param {Runtime} runtime
 * @returns {string}
 */
function nativeKey(node, runtime) {
	return `${node.platform}-${node.arch}-abi${node.abi}:${runtime.nativeModules.join(',')}`;
}

/**
 * What is installed and whether it is current, without changing anything.
 * @param {Runtime} runtime
 * @param {NodeBinary} [node]
 */
function inspect(runtime, node = findNode(runtime.nodeMajor)) {
	/** @type {InstallStamp | undefined} */
	const stamp = readJson(path.join(runtime.installDir, STAMP), undefined);
	/** @type {string | undefined} */
	const installedVersion = readJson(path.join(runtime.installDir, 'node_modules', 'n8n', 'package.json'), {}).version;
	const treeCurrent = Boolean(
		stamp && stamp.manifest === manifestHash(runtime) && installedVersion === runtime.version,
	);
	const nativeCurrent = Boolean(treeCurrent && stamp?.native === nativeKey(node, runtime));
	return { stamp, installedVersion, treeCurrent, nativeCurrent, node };
}

/**
 * Makes sure the runtime is installed and current. `force` reinstalls from scratch.
 * @param {Runtime} runtime
 * @param {{ force?: boolean, quiet?: boolean }} [options]
 * @returns {Promise<Install>}
 */
async function ensureRuntime(runtime, { force = false, quiet = false } = {}) {
	const say = quiet ? () => {} : log;
	fs.mkdirSync(RUNTIME_ROOT, { recursive: true });
	return await withLock(
		path.join(RUNTIME_ROOT, `.lock-${runtime.version}`),
		`installing n8n ${runtime.version}`,
		async () => {
			const node = findNode(runtime.nodeMajor);
			const state = inspect(runtime, node);
			const n8nBin = path.join(runtime.installDir, 'node_modules', 'n8n', 'bin', 'n8n');
			if (!force && state.treeCurrent && state.nativeCurrent) {
				say(
					`n8n ${runtime.version} is installed and current (${path.relative(process.cwd(), runtime.installDir) || '.'}); nothing to do`,
				);
				return { runtime, node, n8nBin, changed: false, timings: {} };
			}

			// Checked before the long `npm ci`, not found missing by node-gyp after it.
			if (runtime.nativeModules.length > 0)
				requireBuildTools(`${runtime.nativeModules.join(', ')} is compiled for n8n's Node ${node.v}`);
			/** @type {InstallTimings} */
			const timings = {};
			const logFile = path.join(RUNTIME_ROOT, `install-${runtime.version}.log`);
			fs.writeFileSync(logFile, `install of n8n ${runtime.version} started ${new Date().toISOString()}\n`);
			const npm = npmCliPath();
			// npm runs on the Node that will run n8n, and every `node` a build script starts is that one too.
			const env = {
				...process.env,
				PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH}`,
				npm_config_update_notifier: 'false',
				npm_config_fund: 'false',
				npm_config_audit: 'false',
			};

			if (force || !state.treeCurrent) {
				say(
					`Installing n8n ${runtime.version} into ${runtime.installDir} (npm ci from scripts/n8n/runtime-${runtime.line}; log: ${logFile})`,
				);
				say(
					'  Once per machine and n8n version: about 2,200 packages and 2.6 GB, measured 4–15 minutes on a 2-core machine (download, then compiling sqlite3); later runs reuse it.',
				);
				fs.mkdirSync(runtime.installDir, { recursive: true });
				fs.rmSync(path.join(runtime.installDir, STAMP), { force: true });
				for (const file of MANIFEST_FILES) {
					const from = path.join(runtime.manifestDir, file);
					if (fs.existsSync(from)) fs.copyFileSync(from, path.join(runtime.installDir, file));
				}
				const started = Date.now();
				const count = lockfileProgress(runtime.installDir);
				const stopProgress = reportProgress(() => describeUnpacked(count()), { say });
				try {
					await run(node.bin, [npm, 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'], {
						cwd: runtime.installDir,
						env,
						logFile,
					});
				} finally {
					stopProgress();
				}
				timings.npmCiMs = Date.now() - started;
				say(`  npm ci: ${seconds(timings.npmCiMs)} (${elapsed(timings.npmCiMs)})`);
			}

			const headers = findNodeHeaders(node, say);
			const modules = runtime.nativeModules;
			if (modules.length > 0) {
				say(`Building ${modules.join(', ')} for Node ${node.v} (headers: ${headers})`);
				const started = Date.now();
				const stopProgress = reportProgress(() => `compiling ${modules.join(', ')} (C++)`, { say });
				await run(node.bin, [npm, 'rebuild', ...modules, '--foreground-scripts', '--loglevel=warn'], {
					cwd: runtime.installDir,
					logFile,
					env: {
						...env,
						npm_config_nodedir: headers,
						// prebuild-install would try to download a prebuilt binary first; go straight to node-gyp.
						npm_config_build_from_source: 'true',
						JOBS: 'max',
					},
				}).finally(stopProgress);
				timings.rebuildMs = Date.now() - started;
				say(`  native build: ${seconds(timings.rebuildMs)}`);
			}
			verifyNative(runtime, node, [...new Set([...modules, ...runtime.checkModules])]);

			const bytes = folderBytes(runtime.installDir);
			/** @type {InstallStamp} */
			const stamp = {
				n8n: runtime.version,
				manifest: manifestHash(runtime),
				native: nativeKey(node, runtime),
				node: node.v,
				installedAt: new Date().toISOString(),
				bytes,
				timings,
			};
			fs.writeFileSync(path.join(runtime.installDir, STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
			say(`n8n ${runtime.version} ready: ${mib(bytes)} on disk`);
			return { runtime, node, n8nBin, changed: true, timings, bytes };
		},
	);
}

/**
 * Loads each native module in the runtime's Node (sqlite3 also opens a database); throws if one fails.
 * @param {Runtime} runtime
 * @param {NodeBinary} node
 * @param {string[]} modules
 */
function verifyNative(runtime, node, modules) {
	const { spawnSync } = require('node:child_process');
	for (const name of modules) {
		const probe =
			name === 'sqlite3'
				? "const s=require('sqlite3');const db=new s.Database(':memory:');db.get('select sqlite_version() v',(e,r)=>{if(e)throw e;console.log('sqlite',r.v);db.close()})"
				: `require(${JSON.stringify(name)});console.log(${JSON.stringify(name)},'loads')`;
		const result = spawnSync(node.bin, ['-e', probe], { cwd: runtime.installDir, encoding: 'utf8' });
		if (result.status !== 0) {
			throw new Error(`${name} does not load in Node ${node.v} after the build:\n${result.stderr.slice(-2000)}`);
		}
	}
}

module.exports = { ensureRuntime, inspect, manifestHash, STAMP };

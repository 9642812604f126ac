// @ts-check
'use strict';
/**
 * Which n8n runtimes this project can run, and the Node.js each one needs.
 *
 * A runtime "line" is a folder next to this one (scripts/n8n/runtime-<line>/) holding a committed
 * npm manifest: package.json (one pinned `n8n` dependency, plus `mediaSync.nodeMajor`) and the
 * package-lock.json generated from it. The installer copies both into .n8n-runtime/<version>/ and
 * runs `npm ci` there, so every machine gets exactly the same tree.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '..', '..', '..');
const SCRIPTS = path.resolve(__dirname, '..');
const RUNTIME_ROOT = path.join(REPO, '.n8n-runtime');

/**
 * A pinned n8n release line, read from its manifest (scripts/n8n/runtime-<line>/package.json).
 * @typedef {object} Runtime
 * @property {string} line  the folder's suffix, e.g. "2.x"
 * @property {string} version  the pinned n8n version, e.g. "2.41.1"
 * @property {number} nodeMajor  the Node.js major version that runs it
 * @property {string} manifestDir
 * @property {string} installDir  .n8n-runtime/<version>
 * @property {string[]} nativeModules  rebuilt for the runtime's Node after `npm ci`
 * @property {string[]} checkModules  only checked to load
 * @property {Record<string, string>} env  n8n settings this line needs (e.g. its expression engine)
 */

/**
 * A Node.js binary and what it says about itself.
 * @typedef {object} NodeBinary
 * @property {string} bin  real path of the binary
 * @property {string} v  version without the "v", e.g. "24.21.0"
 * @property {string} abi  process.versions.modules
 * @property {string} platform
 * @property {string} arch
 */

/**
 * The release lines with a manifest, e.g. ["1.x", "2.x"].
 * @returns {string[]}
 */
function listLines() {
	return fs
		.readdirSync(SCRIPTS)
		.filter((name) => name.startsWith('runtime-') && fs.existsSync(path.join(SCRIPTS, name, 'package.json')))
		.map((name) => name.slice('runtime-'.length));
}

/**
 * Accepts "2", "2.x", "1", "1.x" (or the exact pinned version).
 * @param {string} [wanted]
 * @returns {Runtime}
 */
function resolveLine(wanted = '2.x') {
	const lines = listLines();
	const normalized = String(wanted).trim();
	for (const line of lines) {
		const runtime = describeLine(line);
		if (normalized === line || normalized === line.replace(/\.x$/, '') || normalized === runtime.version)
			return runtime;
	}
	throw new Error(
		`Unknown n8n runtime "${wanted}". Known: ${lines.map((l) => `${l} (${describeLine(l).version})`).join(', ')}`,
	);
}

/**
 * @param {string} line
 * @returns {Runtime}
 */
function describeLine(line) {
	const manifestDir = path.join(SCRIPTS, `runtime-${line}`);
	const manifest = JSON.parse(fs.readFileSync(path.join(manifestDir, 'package.json'), 'utf8'));
	const version = manifest.dependencies && manifest.dependencies.n8n;
	if (!version || !/^\d+\.\d+\.\d+$/.test(version))
		throw new Error(`${manifestDir}/package.json must pin n8n to an exact version`);
	const nodeMajor = manifest.mediaSync && manifest.mediaSync.nodeMajor;
	if (!Number.isInteger(nodeMajor)) throw new Error(`${manifestDir}/package.json needs mediaSync.nodeMajor`);
	return {
		line,
		version,
		nodeMajor,
		manifestDir,
		installDir: path.join(RUNTIME_ROOT, version),
		nativeModules: (manifest.mediaSync && manifest.mediaSync.nativeModules) || [],
		checkModules: (manifest.mediaSync && manifest.mediaSync.checkModules) || [],
		env: (manifest.mediaSync && manifest.mediaSync.env) || {},
	};
}

/**
 * @param {string} bin
 * @returns {Omit<NodeBinary, 'bin'> | undefined} undefined when it does not run
 */
function nodeVersionOf(bin) {
	const result = spawnSync(
		bin,
		[
			'-p',
			'JSON.stringify({v: process.versions.node, abi: process.versions.modules, platform: process.platform, arch: process.arch})',
		],
		{
			encoding: 'utf8',
		},
	);
	if (result.status !== 0) return undefined;
	try {
		return JSON.parse(result.stdout.trim());
	} catch {
		return undefined;
	}
}

/**
 * @param {string} version
 * @returns {number}
 */
function majorOf(version) {
	return Number(String(version).split('.')[0]);
}

/**
 * Finds a Node.js binary of the given major version: an explicit override (N8N_NODE_<major>),
 * the Node running this script, the project's `node` devDependency (Node 24), or any `node` on PATH.
 * @param {number} major
 * @returns {NodeBinary}
 */
function findNode(major) {
	const candidates = [];
	const override = process.env[`N8N_NODE_${major}`];
	if (override) candidates.push(override);
	candidates.push(process.execPath);
	candidates.push(path.join(REPO, 'node_modules', 'node', 'bin', 'node'));
	for (const dir of (process.env.PATH || '').split(path.delimiter)) {
		if (dir && !dir.includes(`${path.sep}node_modules${path.sep}`)) candidates.push(path.join(dir, 'node'));
	}
	const seen = new Set();
	for (const candidate of candidates) {
		let real;
		try {
			real = fs.realpathSync(candidate);
		} catch {
			continue;
		}
		if (seen.has(real)) continue;
		seen.add(real);
		const info = nodeVersionOf(real);
		if (info && majorOf(info.v) === major) return { bin: real, ...info };
		if (candidate === override)
			throw new Error(`N8N_NODE_${major}=${override} is Node ${info ? info.v : '(not runnable)'}, not ${major}.x`);
	}
	const hint =
		major === 24
			? 'Run `npm ci` in the project: the `node` devDependency provides Node 24.'
			: `Install Node ${major} (e.g. the system package) or point N8N_NODE_${major} at its binary.`;
	throw new Error(`No Node.js ${major}.x found. ${hint}`);
}

/**
 * @param {string} dir
 * @returns {boolean}
 */
function hasHeaders(dir) {
	return (
		fs.existsSync(path.join(dir, 'include', 'node', 'node.h')) &&
		fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))
	);
}

/**
 * A folder usable as node-gyp's --nodedir (it holds include/node) for exactly this Node version.
 * node-gyp would download headers from the Node.js website, which CI cannot reach, so they come
 * from the install itself (/usr/bin/node → /usr/include/node), from the `node` devDependency's
 * platform package, or from that platform package on the npm registry (only include/ is kept).
 */
/**
 * @param {NodeBinary} node
 * @param {(message: string) => void} [log]
 * @returns {string}
 */
function findNodeHeaders(node, log = () => {}) {
	const own = path.resolve(path.dirname(node.bin), '..');
	if (hasHeaders(own) && headerVersion(own) === node.v) return own;
	const platformPackage = `node-${node.platform}-${node.arch}`;
	const bundled = path.join(REPO, 'node_modules', 'node', 'node_modules', platformPackage);
	if (hasHeaders(bundled) && headerVersion(bundled) === node.v) return bundled;
	const cached = path.join(RUNTIME_ROOT, 'node-headers', `v${node.v}-${node.platform}-${node.arch}`);
	if (hasHeaders(cached)) return cached;

	log(
		`Node ${node.v} headers not found next to ${node.bin}; fetching ${platformPackage}@${node.v} from the npm registry (headers only)`,
	);
	const work = `${cached}.tmp-${process.pid}`;
	fs.rmSync(work, { recursive: true, force: true });
	fs.mkdirSync(work, { recursive: true });
	const pack = spawnSync(npmCommand(), ['pack', `${platformPackage}@${node.v}`, '--silent'], {
		cwd: work,
		encoding: 'utf8',
		shell: false,
	});
	if (pack.status !== 0) throw new Error(`npm pack ${platformPackage}@${node.v} failed: ${pack.stderr || pack.stdout}`);
	// npm prints the tarball's name as its last line.
	const lines = pack.stdout.trim().split('\n');
	const tarball = lines[lines.length - 1];
	const untar = spawnSync('tar', ['-xzf', tarball, '-C', work, 'package/include'], { cwd: work, encoding: 'utf8' });
	if (untar.status !== 0) throw new Error(`Extracting headers from ${tarball} failed: ${untar.stderr}`);
	fs.mkdirSync(cached, { recursive: true });
	fs.renameSync(path.join(work, 'package', 'include'), path.join(cached, 'include'));
	fs.rmSync(work, { recursive: true, force: true });
	if (!hasHeaders(cached)) throw new Error(`${platformPackage}@${node.v} has no include/node headers`);
	return cached;
}

/**
 * The Node.js version of the headers in `dir`, e.g. "20.20.2", or undefined when there are none.
 * @param {string} dir
 * @returns {string | undefined}
 */
function headerVersion(dir) {
	const header = path.join(dir, 'include', 'node', 'node_version.h');
	if (!fs.existsSync(header)) return undefined;
	const text = fs.readFileSync(header, 'utf8');
	/** @param {string} name */
	const part = (name) => (text.match(new RegExp(`#define ${name}\\s+(\\d+)`)) || [])[1];
	return `${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
}

/**
 * npm's own CLI script, so it can be run with a chosen Node binary.
 * @returns {string}
 */
function npmCliPath() {
	const fromEnv = process.env.npm_execpath;
	if (fromEnv && /npm-cli\.js$/.test(fromEnv) && fs.existsSync(fromEnv)) return fromEnv;
	for (const dir of (process.env.PATH || '').split(path.delimiter)) {
		const candidate = path.join(dir, 'npm');
		if (!dir || dir.includes(`${path.sep}node_modules${path.sep}.bin`) || !fs.existsSync(candidate)) continue;
		const real = fs.realpathSync(candidate);
		if (real.endsWith('npm-cli.js')) return real;
		const sibling = path.join(path.dirname(real), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
		if (fs.existsSync(sibling)) return fs.realpathSync(sibling);
	}
	throw new Error('npm not found on PATH');
}

/** @returns {string} */
function npmCommand() {
	return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

module.exports = {
	REPO,
	RUNTIME_ROOT,
	listLines,
	resolveLine,
	findNode,
	findNodeHeaders,
	headerVersion,
	npmCliPath,
	npmCommand,
};

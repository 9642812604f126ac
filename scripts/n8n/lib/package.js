// @ts-check
'use strict';
/**
 * Puts this package into an n8n user folder the way n8n itself installs a community package
 * (Settings → Community Nodes → Install, n8n 1.x and 2.x alike):
 *
 *   npm pack → extract into <userFolder>/.n8n/nodes/node_modules/<name>/ → drop dev, peer and
 *   optional dependencies from its package.json → `npm install --install-strategy=shallow
 *   --ignore-scripts --package-lock=false` inside it (so fast-xml-parser and crypto-js land in
 *   the package's own node_modules) → record it in <userFolder>/.n8n/nodes/package.json.
 *
 * n8n scans <userFolder>/.n8n/nodes/node_modules/n8n-nodes-* at start-up, so node types are
 * named `n8n-nodes-media-sync.<node>` exactly as for users. (n8n's installed_packages table is not
 * written: the package then works but is not listed under Settings → Community Nodes.)
 *
 * The alternative, mode "custom", puts the same prepared folder on N8N_CUSTOM_EXTENSIONS. n8n
 * then loads every *.node.js / *.credentials.js under it with the package name "CUSTOM", so
 * node types become `CUSTOM.<node>` and workflows made that way do not import into a real
 * install. It exists for comparison (see docs/running-in-n8n.md).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { REPO, npmCliPath } = require('./runtimes');
const { log, readJson, run } = require('./util');

/** @typedef {import('./runtimes').NodeBinary} NodeBinary */

/**
 * The parts of this project's package.json the scripts read.
 * @typedef {object} PackageManifest
 * @property {string} name
 * @property {string} version
 * @property {{ nodes: string[], credentials: string[] }} n8n  built files n8n loads
 */

/**
 * A packed tarball of the project in a temporary folder.
 * @typedef {object} PackedPackage
 * @property {string} tarball
 * @property {string} sha  sha256 of the tarball
 * @property {string} dir  the temporary folder (removed by the caller)
 */

/**
 * How n8n finds the package: extra environment and the prefix of its node type names.
 * @typedef {object} PreparedPackage
 * @property {Record<string, string>} env
 * @property {string} typePrefix  "n8n-nodes-media-sync", or "CUSTOM" in mode "custom"
 * @property {string} packageDir
 */

/** @returns {PackageManifest} */
function packageJson() {
	return JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
}

/**
 * `npm run build` in the project, with the project's own Node 24 toolchain.
 * @param {{ logFile?: string }} [options]
 * @returns {Promise<number>} how long it took (ms)
 */
async function buildPackage({ logFile } = {}) {
	const started = Date.now();
	await run(process.execPath, [npmCliPath(), 'run', 'build', '--silent'], {
		cwd: REPO,
		logFile,
		env: { ...process.env, npm_config_update_notifier: 'false' },
	});
	return Date.now() - started;
}

/**
 * Packs the project (dist/ must be built) into a temporary folder; returns the tarball path and its hash.
 * @param {NodeBinary} node
 * @param {{ logFile?: string }} [options]
 * @returns {Promise<PackedPackage>}
 */
async function packPackage(node, { logFile } = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-sync-pack-'));
	await run(node.bin, [npmCliPath(), 'pack', '--silent', '--pack-destination', dir], { cwd: REPO, logFile });
	const tarball = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
	if (!tarball) throw new Error('npm pack produced no tarball');
	const full = path.join(dir, tarball);
	const sha = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
	return { tarball: full, sha, dir };
}

/**
 * Installs the packed package under `target` (<userFolder>/.n8n/nodes or a custom-extensions
 * folder), unless the same tarball is installed there already. Returns the package folder.
 * @param {PackedPackage} pack
 * @param {string} target
 * @param {NodeBinary} node
 * @param {{ logFile?: string }} [options]
 * @returns {Promise<{ packageDir: string, changed: boolean }>}
 */
async function installPackedPackage(pack, target, node, { logFile } = {}) {
	const name = packageJson().name;
	const packageDir = path.join(target, 'node_modules', name);
	const stampFile = path.join(target, '.media-sync-package.json');
	const stamp = readJson(stampFile, {});
	if (stamp.sha === pack.sha && fs.existsSync(path.join(packageDir, 'package.json')))
		return { packageDir, changed: false };

	fs.rmSync(packageDir, { recursive: true, force: true });
	fs.mkdirSync(packageDir, { recursive: true });
	await run('tar', ['-xzf', pack.tarball, '-C', packageDir, '--strip-components=1'], { logFile });
	const manifestPath = path.join(packageDir, 'package.json');
	// Same as n8n's community package installer: only runtime dependencies get installed.
	const { devDependencies, peerDependencies, optionalDependencies, ...manifest } = JSON.parse(
		fs.readFileSync(manifestPath, 'utf8'),
	);
	fs.writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
	await run(
		node.bin,
		[
			npmCliPath(),
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
			'--prefer-offline',
			'--loglevel=warn',
		],
		{
			cwd: packageDir,
			logFile,
			env: { ...process.env, PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH}` },
		},
	);
	const listing = path.join(target, 'package.json');
	const installed = readJson(listing, { name: 'installed-nodes', private: true, dependencies: {} });
	installed.dependencies = { ...(installed.dependencies ?? {}), [name]: manifest.version };
	fs.writeFileSync(listing, `${JSON.stringify(installed, null, 2)}\n`);
	fs.writeFileSync(
		stampFile,
		`${JSON.stringify({ sha: pack.sha, version: manifest.version, installedAt: new Date().toISOString() }, null, 2)}\n`,
	);
	return { packageDir, changed: true };
}

/**
 * Prepares this package for an n8n whose user folder is `userFolder`. mode "nodes" (default)
 * installs it like a community package; mode "custom" prepares a folder for N8N_CUSTOM_EXTENSIONS.
 * @param {object} options
 * @param {string} options.userFolder
 * @param {NodeBinary} options.node  the Node.js that runs n8n (npm pack and install run on it)
 * @param {string} [options.mode]  "nodes" or "custom"
 * @param {boolean} [options.build]  `npm run build` first (otherwise dist/ must exist)
 * @param {string} [options.logFile]
 * @param {boolean} [options.quiet]
 * @returns {Promise<PreparedPackage>}
 */
async function preparePackage({ userFolder, node, mode = 'nodes', build = true, logFile, quiet = false }) {
	const say = quiet ? () => {} : log;
	if (build) {
		const ms = await buildPackage({ logFile });
		say(`Built the package (${(ms / 1000).toFixed(1)} s)`);
	} else if (!fs.existsSync(path.join(REPO, 'dist'))) {
		throw new Error('dist/ is missing: run `npm run build` first (or drop --no-build)');
	}
	const pack = await packPackage(node, { logFile });
	try {
		const name = packageJson().name;
		if (mode === 'nodes') {
			const target = path.join(userFolder, '.n8n', 'nodes');
			const { packageDir, changed } = await installPackedPackage(pack, target, node, { logFile });
			say(
				changed
					? `Installed ${name} into ${path.relative(REPO, packageDir)}`
					: `${name} in ${path.relative(REPO, packageDir)} is current`,
			);
			return { env: {}, typePrefix: name, packageDir };
		}
		if (mode === 'custom') {
			const target = path.join(userFolder, 'custom-extensions');
			const { packageDir, changed } = await installPackedPackage(pack, target, node, { logFile });
			say(`${changed ? 'Prepared' : 'Reusing'} ${path.relative(REPO, packageDir)} for N8N_CUSTOM_EXTENSIONS`);
			return { env: { N8N_CUSTOM_EXTENSIONS: packageDir }, typePrefix: 'CUSTOM', packageDir };
		}
		throw new Error(`Unknown package mode "${mode}" (use "nodes" or "custom")`);
	} finally {
		fs.rmSync(pack.dir, { recursive: true, force: true });
	}
}

module.exports = { preparePackage, buildPackage, packageJson };

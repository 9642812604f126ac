#!/usr/bin/env node
// @ts-check
// Checks what `npm pack` would ship: every node and credential listed in package.json's "n8n"
// section, the icons they reference, their codex files — and nothing outside dist/.
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** @type {[{ files: Array<{ path: string }>, size: number }]} npm's JSON report: one entry per packed package */
const [report] = JSON.parse(
	execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
		cwd: root,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'ignore'],
	}),
);
const shipped = new Set(report.files.map((f) => f.path));
/** @type {string[]} */
const problems = [];

/**
 * @param {string} file
 * @param {string} why
 */
const expectFile = (file, why) => {
	if (!shipped.has(file)) problems.push(`missing ${file} (${why})`);
};

/**
 * The icon files a node or credential source names (`icon: 'file:….svg'`).
 * @param {string} source
 * @returns {string[]}
 */
function iconFiles(source) {
	const text = readFileSync(source, 'utf8');
	return [...text.matchAll(/'file:([^']+\.(?:svg|png))'/g)].map((m) => m[1]);
}

for (const kind of ['nodes', 'credentials']) {
	for (const entry of pkg.n8n[kind]) {
		expectFile(entry, `listed in n8n.${kind}`);
		const source = path.join(root, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		for (const icon of iconFiles(source)) {
			expectFile(path.posix.normalize(path.posix.join(path.posix.dirname(entry), icon)), `icon of ${entry}`);
		}
		if (kind === 'nodes') expectFile(entry.replace(/\.js$/, '.json'), `codex of ${entry}`);
	}
}
for (const file of shipped) {
	if (
		!file.startsWith('dist/') &&
		!['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'index.js'].includes(file)
	) {
		problems.push(`unexpected file in the package: ${file}`);
	}
}
for (const file of shipped) {
	if (/\.test\.|\/test\/|\.map$/.test(file)) problems.push(`test or source-map file shipped: ${file}`);
}

if (problems.length > 0) {
	console.error(`npm pack check failed:\n- ${problems.join('\n- ')}`);
	process.exit(1);
}
console.log(
	`npm pack check: ${report.files.length} files, ${pkg.n8n.nodes.length} nodes, ${pkg.n8n.credentials.length} credentials, icons and codex files present (${(report.size / 1024).toFixed(1)} KiB packed).`,
);

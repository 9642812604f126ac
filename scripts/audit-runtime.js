#!/usr/bin/env node
// @ts-check
/**
 * `npm run audit:runtime`: asks the registry's advisory database (`npm audit --omit=dev`) about the
 * packages this package brings into an n8n process — its runtime dependencies, nothing of the
 * dev tree — and prints one dated report:
 *
 *   exit 0  no known vulnerability
 *   exit 1  known vulnerabilities (each listed with severity, title, affected range and link)
 *   exit 0  the registry could not be asked (some mirrors refuse the audit endpoint): said
 *           plainly as "not checked", never as clean; exit 3 instead with --strict
 *
 * Other arguments go to npm as they are (e.g. --registry=https://registry.npmjs.org/).
 * .ci/run runs it without --strict so that CI on a mirror without the audit endpoint stays able
 * to land changes, while a reachable advisory database that knows a vulnerability fails it.
 */
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const npmArgs = args.filter((arg) => arg !== '--strict');

/**
 * The npm that runs this script (npm run sets npm_execpath), else the one on PATH.
 * @param {string[]} commandArgs
 */
function npm(commandArgs) {
	const execPath = process.env.npm_execpath;
	const [command, prefix] = execPath && /npm-cli\.js$/.test(execPath) ? [process.execPath, [execPath]] : ['npm', []];
	return spawnSync(command, [...prefix, ...commandArgs], {
		cwd: root,
		encoding: 'utf8',
		timeout: 180_000,
		maxBuffer: 64 * 1024 * 1024,
	});
}

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
/** @param {string} path  a package-lock.json key, e.g. node_modules/a/node_modules/b */
const nameOf = (path) => path.replace(/^.*node_modules\//, '');
/** What package-lock.json installs outside the dev tree: what npm audit --omit=dev asks about. */
const runtimeEntries = Object.entries(lock.packages).filter(
	([path, entry]) => path !== '' && !entry.dev && !entry.devOptional && !entry.link,
);

function runtimePackages() {
	return runtimeEntries.map(([path, entry]) => `${nameOf(path)} ${entry.version}`).sort();
}

/**
 * Who brings `name` in: this package itself, or the runtime packages that depend on it.
 * @param {string} name
 * @returns {string}
 */
function requiredBy(name) {
	const dependents = [];
	if (lock.packages[''].dependencies?.[name]) dependents.push('this package');
	for (const [path, entry] of runtimeEntries) {
		if ({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }[name])
			dependents.push(nameOf(path));
	}
	return dependents.join(', ') || 'unknown';
}

function registryOf() {
	const given = npmArgs.find((arg) => arg.startsWith('--registry='));
	if (given) return given.slice('--registry='.length);
	const answer = npm(['config', 'get', 'registry']);
	return answer.status === 0 ? answer.stdout.trim() : 'unknown';
}

function main() {
	const version = npm(['--version']).stdout.trim();
	const packages = runtimePackages();
	console.log(
		`npm audit --omit=dev — ${new Date().toISOString().slice(0, 16)}Z, npm ${version}, registry ${registryOf()}`,
	);
	console.log(`runtime packages (${packages.length}): ${packages.join(', ')}`);

	const run = npm(['audit', '--omit=dev', '--json', ...npmArgs]);
	let report;
	try {
		report = JSON.parse(run.stdout);
	} catch {
		report = undefined;
	}

	if (report && report.auditReportVersion === 2 && report.metadata) {
		const counts = report.metadata.vulnerabilities;
		const byLevel = ['info', 'low', 'moderate', 'high', 'critical']
			.map((level) => `${level} ${counts[level] ?? 0}`)
			.join(', ');
		if (!counts.total) {
			console.log(`result: no known vulnerability in the runtime dependencies (${byLevel})`);
			return 0;
		}
		console.log(
			`result: ${counts.total} known ${counts.total === 1 ? 'vulnerability' : 'vulnerabilities'} in the runtime dependencies (${byLevel})`,
		);
		for (const [name, entry] of Object.entries(report.vulnerabilities)) {
			for (const via of entry.via) {
				// A string "via" is a dependency that is vulnerable through another package listed on its own.
				if (typeof via === 'string') console.log(`  ${name} (${entry.severity}): through ${via}`);
				else console.log(`  ${name} ${via.range} (${via.severity}): ${via.title} — ${via.url}`);
			}
			const fix =
				entry.fixAvailable === true
					? 'npm audit fix'
					: entry.fixAvailable
						? `${entry.fixAvailable.name}@${entry.fixAvailable.version}`
						: 'none published';
			console.log(`    installed at ${entry.nodes.join(', ')}, required by ${requiredBy(name)}; fix: ${fix}`);
		}
		return 1;
	}

	// npm prints its own failure as JSON ({ message, statusCode, ... }) or, for some errors, only on stderr.
	const why =
		(report && (report.message || (report.error && report.error.summary))) ||
		run.stderr
			.split('\n')
			.filter((line) => /error/i.test(line))
			.join(' ') ||
		`npm exited ${run.status}`;
	console.log(`result: NOT CHECKED — the registry did not answer the audit request (${why.trim()})`);
	console.log(
		'        run `npm run audit:runtime -- --registry=<a registry with the audit endpoint>` where one is reachable',
	);
	return strict ? 3 : 0;
}

process.exitCode = main();

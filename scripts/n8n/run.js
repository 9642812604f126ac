#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Runs a real n8n with this package loaded, until Ctrl-C.
 *
 *   node scripts/n8n/run.js                     # n8n 2.x on Node 24, profile "dev", a free port
 *   node scripts/n8n/run.js --n8n 1.x           # the last n8n 1.x on Node 20
 *   node scripts/n8n/run.js --port 5678         # a fixed port
 *   node scripts/n8n/run.js --fresh             # start from an empty user folder
 *   node scripts/n8n/run.js --mode custom       # load via N8N_CUSTOM_EXTENSIONS (node types CUSTOM.*)
 *   node scripts/n8n/run.js --no-build --echo   # skip `npm run build`; show n8n's own log
 *
 * Builds the package, installs the pinned n8n when needed (reused otherwise), installs the package
 * into the profile's user folder like a community package, starts n8n on 127.0.0.1, creates the
 * owner account on first run, and prints the editor URL and login. Ctrl-C stops n8n (SIGTERM,
 * then SIGKILL after n8n's grace period) and exits.
 */
const fs = require('node:fs');

const { N8nClient } = require('./lib/client');
const { ensureRuntime } = require('./lib/install');
const { startN8n, stopAll, userFolderFor } = require('./lib/n8n-process');
const { preparePackage } = require('./lib/package');
const { resolveLine } = require('./lib/runtimes');
const { checkTypesLoaded } = require('./lib/scenario');
const { log, parseArgs } = require('./lib/util');

const DEV_OWNER = { email: 'dev@media-sync.local', firstName: 'Media', lastName: 'Sync', password: 'MediaSync-dev-1' };

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const runtime = resolveLine(String(args.n8n ?? '2.x'));
	const profile = String(args.profile ?? 'dev');
	const mode = String(args.mode ?? 'nodes');
	let stopping = false;
	for (const signal of ['SIGINT', 'SIGTERM']) {
		process.on(signal, () => {
			if (stopping) return;
			stopping = true;
			log(`${signal}: stopping n8n (graceful, up to 45 s; Ctrl-C again does not skip it)…`);
			stopAll()
				.then(() => log('Stopped.'))
				.finally(() => process.exit(0));
		});
	}

	const install = await ensureRuntime(runtime);
	const userFolder = userFolderFor(runtime, mode === 'nodes' ? profile : `${profile}-${mode}`);
	if (args.fresh) fs.rmSync(userFolder, { recursive: true, force: true });
	const pkg = await preparePackage({ userFolder, node: install.node, mode, build: !args['no-build'] });
	const n8n = await startN8n({
		install,
		userFolder,
		env: pkg.env,
		port: args.port ? Number(args.port) : undefined,
		echo: Boolean(args.echo),
	});
	const client = new N8nClient(n8n.url);
	await client.ensureOwner(DEV_OWNER);
	const types = await checkTypesLoaded(client, pkg.typePrefix);
	const loaded = types.declared.nodes.length - types.missingNodes.length;
	log(
		`This package: ${loaded}/${types.declared.nodes.length} node types and ${types.declared.credentials.length - types.missingCredentials.length}/${types.declared.credentials.length} credential types loaded`,
	);
	if (types.missingNodes.length || types.missingCredentials.length) {
		log(`Missing: ${[...types.missingNodes, ...types.missingCredentials].join(', ')} — see ${n8n.logFile}`);
	}
	log('');
	log(`n8n ${runtime.version} is running: ${n8n.url}/`);
	log(`Log in as ${DEV_OWNER.email} / ${DEV_OWNER.password} (local only, bound to 127.0.0.1)`);
	log(`Data: ${userFolder}`);
	log('Ctrl-C stops it.');
	const exit = await n8n.exited;
	if (!stopping) {
		log(`n8n exited on its own (${exit.signal ?? `code ${exit.code}`}); see ${n8n.logFile}`);
		process.exit(1);
	}
}

main().catch(async (error) => {
	console.error(error instanceof Error ? error.message : error);
	await stopAll({ graceMs: 10_000 });
	process.exit(1);
});

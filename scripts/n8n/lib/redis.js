// @ts-check
'use strict';
/**
 * Redis for n8n's queue (Bull), on this machine only: Debian's `redis-server` (installed with
 * apt-get when it is missing and this script runs as root), run as an unprivileged account on
 * 127.0.0.1 with a password, its data (append-only file) in the project's runtime folder so
 * queued jobs survive a restart of the demo.
 *
 * MEDIA_SYNC_REDIS_SERVER may point at another redis-server binary.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { isRoot, ownedFile, ownedFolder, serviceAccount, startService } = require('./services');
const { log, readJson, run } = require('./util');

/**
 * @typedef {{ bin: string, version: string }} RedisBinary
 * @typedef {{
 *   host: string, port: number, password: string, version: string,
 *   process: import('./services').ServiceProcess, stop: () => Promise<unknown>,
 * }} RedisServer
 */

/** @returns {string | undefined} */
function findRedisServer() {
	const candidates = [process.env.MEDIA_SYNC_REDIS_SERVER, '/usr/bin/redis-server', '/usr/local/bin/redis-server'];
	for (const dir of (process.env.PATH ?? '').split(path.delimiter))
		if (dir) candidates.push(path.join(dir, 'redis-server'));
	return candidates.find((candidate) => candidate && fs.existsSync(candidate));
}

/**
 * Finds redis-server, installing Debian's package when it is missing (as root, with apt-get).
 * @param {{ quiet?: boolean, logFile?: string }} [options]
 * @returns {Promise<RedisBinary>}
 */
async function ensureRedisServer({ quiet = false, logFile } = {}) {
	const say = quiet ? () => {} : log;
	let bin = findRedisServer();
	if (!bin) {
		if (!isRoot() || !fs.existsSync('/usr/bin/apt-get')) {
			throw new Error(
				'redis-server is not installed. Install Redis 6.2 or newer (Debian/Ubuntu: sudo apt-get install redis-server) or set MEDIA_SYNC_REDIS_SERVER',
			);
		}
		say('Installing redis-server with apt-get (it is missing)');
		const started = Date.now();
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		await run('apt-get', ['update', '-qq'], { env, logFile });
		await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { env, logFile });
		say(`  apt-get: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		bin = findRedisServer();
		if (!bin) throw new Error('redis-server is still missing after apt-get install redis-server');
	}
	const result = spawnSync(bin, ['--version'], { encoding: 'utf8' });
	const version = /v=(\d+\.\d+\.\d+)/.exec(result.stdout ?? '')?.[1];
	if (!version) throw new Error(`${bin} --version failed: ${result.stderr || result.error?.message}`);
	return { bin, version };
}

/**
 * Starts redis-server with its data in `dataDir` on 127.0.0.1:`port`. The password is made on the
 * first run and kept in `dataDir/../redis.json` (mode 0600).
 * @param {{ dataDir: string, port: number, binary: RedisBinary }} options
 * @returns {Promise<RedisServer>}
 */
async function startRedis({ dataDir, port, binary }) {
	const account = serviceAccount();
	const secretsFile = path.join(path.dirname(dataDir), 'redis.json');
	/** @type {{ password: string }} */
	let secrets = readJson(secretsFile, undefined);
	if (!secrets) {
		secrets = { password: crypto.randomBytes(18).toString('base64url') };
		fs.writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
	}
	ownedFolder(dataDir, account);
	// The settings as a file the server reads (a password on the command line shows in `ps`).
	const configFile = path.join(dataDir, 'redis.conf');
	ownedFile(
		configFile,
		[
			`bind 127.0.0.1`,
			`port ${port}`,
			`protected-mode yes`,
			`requirepass ${secrets.password}`,
			`dir ${dataDir}`,
			// Queued jobs survive a restart: append-only file, synced every second; no RDB snapshots.
			`appendonly yes`,
			`appendfsync everysec`,
			`save ""`,
			`daemonize no`,
			`logfile ""`,
			// Bull keeps its queue in Redis: never evict keys.
			`maxmemory-policy noeviction`,
			'',
		].join('\n'),
		account,
	);
	const logFile = path.join(path.dirname(dataDir), 'redis.log');
	const server = await startService({
		name: `Redis ${binary.version}`,
		command: binary.bin,
		args: [configFile],
		account,
		logFile,
		port,
		cwd: dataDir,
		ready: (text) => /Ready to accept connections/.test(text.slice(text.lastIndexOf('\n====='))),
	});
	return {
		host: '127.0.0.1',
		port,
		password: secrets.password,
		version: binary.version,
		process: server,
		// SIGTERM: Redis flushes the append-only file and exits.
		stop: async () => await server.stop({ signal: 'SIGTERM', graceMs: 15_000 }),
	};
}

/**
 * n8n's settings for this Redis (@n8n/config ScalingModeConfig, QUEUE_BULL_REDIS_*).
 * @param {RedisServer} redis
 * @returns {Record<string, string>}
 */
function n8nRedisEnv(redis) {
	return {
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_REDIS_PASSWORD: redis.password,
	};
}

module.exports = { ensureRedisServer, startRedis, n8nRedisEnv };

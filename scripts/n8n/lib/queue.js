// @ts-check
'use strict';
/**
 * n8n in queue mode on this machine, with the settings docs/deployment.md documents:
 *
 *   PostgreSQL 17 ─┬─ main    `n8n start`   editor, REST API, triggers and pollers; enqueues
 *   Redis (Bull) ──┤                         every production execution as a job in Redis
 *                  ├─ worker-1 `n8n worker`  takes jobs from Redis and runs them
 *                  └─ worker-2 `n8n worker`
 *
 * Every n8n process has its own user folder (as separate machines or containers would) with this
 * package installed the way Settings → Community Nodes installs it, and all share one encryption
 * key, the database and Redis. Binary data is kept in the database (n8n 2.41's queue-mode
 * default, set explicitly here), so a file one worker downloads is readable by any process.
 *
 * Layout of a profile (`.n8n-runtime/data/<profile>-n8n-<version>/`):
 *   cluster.json   ports and the shared encryption key (mode 0600), reused by the next run
 *   postgres/ postgres.json postgres.log    redis/ redis.json redis.log
 *   main/  worker-1/  worker-2/             n8n user folders (n8n.log in each)
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { startN8n, userFolderFor } = require('./n8n-process');
const { preparePackage } = require('./package');
const { ensurePostgresBinaries, n8nPostgresEnv, startPostgres } = require('./postgres');
const { ensureRedisServer, n8nRedisEnv, startRedis } = require('./redis');
const { freePort, log, readJson } = require('./util');

/**
 * n8n 2.36+'s durable poll cursors: polls scheduled from the database, and a poll's state
 * committed with the execution it starts (instead of saved when the poll emits).
 */
const DURABLE_CURSORS = {
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
};

/**
 * @typedef {import('./install').Install} Install
 * @typedef {import('./runtimes').Runtime} Runtime
 * @typedef {Awaited<ReturnType<typeof startN8n>>} N8n
 * @typedef {{ port: number, userFolder: string, n8n?: N8n, name: string }} Member
 * @typedef {{ rss: number, peak: number }} Memory
 */

/**
 * The part of the `pg` driver's client (the one n8n's runtime installs) that query() uses.
 * @typedef {object} PgClient
 * @property {() => Promise<void>} connect
 * @property {(sql: string, params: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>} query
 * @property {() => Promise<void>} end
 */

/**
 * The environment every n8n process of the cluster shares (main and workers alike).
 * @param {{
 *   pg: import('./postgres').PostgresServer,
 *   redis: import('./redis').RedisServer,
 *   encryptionKey: string,
 *   durable?: boolean,
 * }} options
 * @returns {Record<string, string>}
 */
function queueEnvironment({ pg, redis, encryptionKey, durable = false }) {
	return {
		EXECUTIONS_MODE: 'queue',
		...n8nPostgresEnv(pg),
		...n8nRedisEnv(redis),
		// The same key everywhere: workers decrypt the credentials the main saved.
		N8N_ENCRYPTION_KEY: encryptionKey,
		// Binary data in PostgreSQL: any process reads what another wrote (queue mode's default in 2.41).
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		// Keep every execution, also successful ones, so they can be inspected (n8n's default too).
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		...(durable ? DURABLE_CURSORS : {}),
	};
}

class QueueCluster {
	/**
	 * @param {{
	 *   install: Install, runtime: Runtime, profile: string,
	 *   workers?: number, concurrency?: number, durable?: boolean, env?: Record<string, string>,
	 *   workerEnv?: Record<string, string>, quiet?: boolean, port?: number,
	 * }} options
	 */
	constructor({
		install,
		runtime,
		profile,
		workers = 2,
		concurrency = 10,
		durable = false,
		env = {},
		workerEnv = {},
		quiet = false,
		port,
	}) {
		this.install = install;
		this.runtime = runtime;
		this.profile = profile;
		this.workerCount = workers;
		this.concurrency = concurrency;
		this.durable = durable;
		this.extraEnv = env;
		this.workerEnv = workerEnv;
		this.quiet = quiet;
		this.say = quiet ? () => {} : log;
		this.fixedPort = port;
		this.base = userFolderFor(runtime, profile);
		/** @type {Member | undefined} */
		this.main = undefined;
		/** @type {Member[]} */
		this.workers = [];
		/** @type {import('./postgres').PostgresServer | undefined} */
		this.pg = undefined;
		/** @type {import('./redis').RedisServer | undefined} */
		this.redis = undefined;
		/** @type {Record<string, string>} */
		this.env = {};
		this.typePrefix = 'n8n-nodes-media-sync';
		/** @type {Record<string, number>} how long each step took, ms */
		this.timings = {};
	}

	/** Removes the profile's data (database, queue, user folders) for a fresh start. */
	wipe() {
		fs.rmSync(this.base, { recursive: true, force: true });
	}

	/**
	 * Starts PostgreSQL, Redis, the main and the workers (each with the package installed).
	 * @param {{ build?: boolean }} [options]
	 */
	async start({ build = false } = {}) {
		const t0 = Date.now();
		fs.mkdirSync(this.base, { recursive: true });
		const settingsFile = path.join(this.base, 'cluster.json');
		/** @type {{ encryptionKey: string, ports: Record<string, number> }} */
		const settings = readJson(settingsFile, { encryptionKey: crypto.randomBytes(24).toString('base64url'), ports: {} });
		const port = async (/** @type {string} */ name) => (settings.ports[name] ??= await freePort());

		const [binaries, redisBinary] = await Promise.all([
			ensurePostgresBinaries({ quiet: this.quiet }),
			ensureRedisServer({ quiet: this.quiet }),
		]);
		this.timings.installMs = Date.now() - t0;
		const t1 = Date.now();
		[this.pg, this.redis] = await Promise.all([
			startPostgres({
				dataDir: path.join(this.base, 'postgres'),
				port: await port('postgres'),
				binaries,
				quiet: this.quiet,
			}),
			startRedis({ dataDir: path.join(this.base, 'redis'), port: await port('redis'), binary: redisBinary }),
		]);
		this.timings.servicesMs = Date.now() - t1;
		this.say(
			`PostgreSQL ${this.pg.version} on 127.0.0.1:${this.pg.port}, Redis ${this.redis.version} on 127.0.0.1:${this.redis.port} (data in ${this.base})`,
		);
		this.env = {
			...queueEnvironment({
				pg: this.pg,
				redis: this.redis,
				encryptionKey: settings.encryptionKey,
				durable: this.durable,
			}),
			...this.extraEnv,
		};

		const t2 = Date.now();
		this.main = {
			name: 'main',
			port: this.fixedPort ?? (await port('main')),
			userFolder: path.join(this.base, 'main'),
		};
		this.workers = [];
		for (let i = 1; i <= this.workerCount; i++)
			this.workers.push({
				name: `worker-${i}`,
				port: await port(`worker-${i}`),
				userFolder: path.join(this.base, `worker-${i}`),
			});
		fs.writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
		// Each process gets the package in its own user folder, as on separate machines.
		for (const [index, member] of [this.main, ...this.workers].entries()) {
			fs.mkdirSync(member.userFolder, { recursive: true });
			const pkg = await preparePackage({
				userFolder: member.userFolder,
				node: this.install.node,
				build: build && index === 0,
				quiet: this.quiet,
			});
			this.typePrefix = pkg.typePrefix;
		}
		this.timings.packageMs = Date.now() - t2;

		const t3 = Date.now();
		await this.startMain();
		this.timings.mainMs = Date.now() - t3;
		const t4 = Date.now();
		await Promise.all(this.workers.map(async (worker) => await this.startWorker(worker)));
		this.timings.workersMs = Date.now() - t4;
		return this;
	}

	/** Starts (or restarts) the main. */
	async startMain() {
		const main = /** @type {Member} */ (this.main);
		main.n8n = await startN8n({
			install: this.install,
			userFolder: main.userFolder,
			env: this.env,
			port: main.port,
			quiet: this.quiet,
		});
		return main.n8n;
	}

	/**
	 * Starts (or restarts) one worker.
	 * @param {Member} worker
	 */
	async startWorker(worker) {
		worker.n8n = await startN8n({
			install: this.install,
			userFolder: worker.userFolder,
			env: { ...this.env, ...this.workerEnv },
			port: worker.port,
			command: 'worker',
			args: [`--concurrency=${this.concurrency}`],
			quiet: this.quiet,
		});
		return worker.n8n;
	}

	/** The main's URL (editor and REST API); the cluster must have started. */
	get url() {
		const n8n = this.main?.n8n;
		if (!n8n) throw new Error('the queue cluster has no main yet: call start() first');
		return n8n.url;
	}

	/** Every n8n process with its name. */
	members() {
		return [this.main, ...this.workers].filter((member) => member !== undefined);
	}

	/**
	 * Which n8n process ran each execution, from the workers' logs ("Worker started execution <id>")
	 * and the main's (executions it ran itself, e.g. manual ones, are not in a worker's log).
	 * @returns {Map<string, string>} execution id → worker name
	 */
	executionsByWorker() {
		/** @type {Map<string, string>} */
		const byExecution = new Map();
		for (const worker of this.workers) {
			const text = readLog(worker.userFolder);
			for (const match of text.matchAll(/Worker started execution (\d+)/g)) byExecution.set(match[1], worker.name);
		}
		return byExecution;
	}

	/**
	 * A read of n8n's PostgreSQL database (for tests and probes), with the `pg` driver of the
	 * installed n8n runtime: rows as objects.
	 * @param {string} sql
	 * @param {unknown[]} [params]
	 * @returns {Promise<Array<Record<string, unknown>>>}
	 */
	async query(sql, params = []) {
		const pg = /** @type {NonNullable<QueueCluster['pg']>} */ (this.pg);
		/** @type {{ Client: new (config: object) => PgClient }} */
		const { Client } = require(path.join(this.runtime.installDir, 'node_modules', 'pg'));
		const client = new Client({
			host: pg.host,
			port: pg.port,
			user: pg.user,
			password: pg.password,
			database: pg.database,
		});
		await client.connect();
		try {
			return (await client.query(sql, params)).rows;
		} finally {
			await client.end();
		}
	}

	/**
	 * Stops the workers, then the main (each gracefully), then Redis and PostgreSQL.
	 * @param {{ graceMs?: number }} [options]
	 */
	async stop({ graceMs = 45_000 } = {}) {
		/** @type {Record<string, unknown>} */
		const outcome = {};
		await Promise.all(
			this.workers.map(async (worker) => {
				if (worker.n8n) outcome[worker.name] = await worker.n8n.stop({ graceMs });
			}),
		);
		if (this.main?.n8n) outcome.main = await this.main.n8n.stop({ graceMs });
		if (this.redis) outcome.redis = await this.redis.stop();
		if (this.pg) outcome.postgres = await this.pg.stop();
		return outcome;
	}
}

/** @param {string} userFolder */
function readLog(userFolder) {
	try {
		return fs.readFileSync(path.join(userFolder, 'n8n.log'), 'utf8');
	} catch {
		return '';
	}
}

/**
 * Resident memory of a process from /proc: current and peak ("high water mark") in bytes.
 * @param {number} pid
 * @returns {Memory | undefined}
 */
function memoryOf(pid) {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const kib = (/** @type {string} */ key) =>
			Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
		return { rss: kib('VmRSS'), peak: kib('VmHWM') };
	} catch {
		return undefined;
	}
}

/**
 * Resets a process's peak RSS to its current RSS (Linux: write 5 to /proc/<pid>/clear_refs), so a
 * later {@link memoryOf} shows the peak of what happened since. Returns false where not allowed.
 * @param {number} pid
 */
function resetPeakMemory(pid) {
	try {
		fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
		return true;
	} catch {
		return false;
	}
}

module.exports = { QueueCluster, queueEnvironment, memoryOf, resetPeakMemory, DURABLE_CURSORS };

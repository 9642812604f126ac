import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { useMock } from '../harness/servers';

/**
 * `npm run audit:runtime` (scripts/audit-runtime.js) run for real — the script, npm's own audit
 * and its HTTP requests — against a loopback registry that answers the advisory endpoint the way
 * the npm registry does. Proves what is asked (the runtime tree only, exactly as locked) and how
 * each answer is reported: clean, vulnerable (direct and transitive), and not asked at all.
 */

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts', 'audit-runtime.js');

interface Advisory {
	id: number;
	url: string;
	title: string;
	severity: 'low' | 'moderate' | 'high' | 'critical';
	vulnerable_versions: string;
	cwe: string[];
	cvss: { score: number; vectorString: string | null };
}

type Answer = { status: number; body: string } | { advisories: Record<string, Advisory[]> };

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
	packages: Record<string, { version?: string; dev?: boolean; devOptional?: boolean }>;
};
/** name → version of everything the lockfile installs outside the dev tree. */
const runtime = Object.fromEntries(
	Object.entries(lock.packages)
		.filter(([path, entry]) => path !== '' && !entry.dev && !entry.devOptional)
		.map(([path, entry]) => [path.replace(/^.*node_modules\//, ''), entry.version!]),
);

class FakeRegistry {
	answer: Answer = { advisories: {} };
	/** Bodies of the advisory requests, decoded. */
	readonly asked: Array<Record<string, string[]>> = [];
	private server?: Server;

	async start(): Promise<string> {
		this.server = createServer((req, res) => void this.handle(req, res));
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
	}

	async stop(): Promise<void> {
		await new Promise((resolve) => this.server?.close(resolve));
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		let body = Buffer.concat(chunks);
		if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
		const json = (status: number, value: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(value));
		};

		if (req.method === 'POST' && req.url === '/-/npm/v1/security/advisories/bulk') {
			this.asked.push(JSON.parse(body.toString('utf8')) as Record<string, string[]>);
			if ('status' in this.answer) {
				res.writeHead(this.answer.status, { allow: 'GET,HEAD' });
				res.end(this.answer.body);
			} else json(200, this.answer.advisories);
			return;
		}
		// npm reads the packument of a package with an advisory to work out its vulnerable versions.
		const name = decodeURIComponent((req.url ?? '/').slice(1));
		if (req.method === 'GET' && runtime[name]) {
			const installed = runtime[name];
			json(200, {
				name,
				'dist-tags': { latest: installed },
				versions: {
					[installed]: { name, version: installed, dist: { tarball: `${req.headers.host}/${name}/-/x.tgz` } },
				},
			});
			return;
		}
		json(404, { error: 'not found' });
	}
}

function runAudit(registry: string, ...extra: string[]): Promise<{ code: number; out: string }> {
	return new Promise((resolve) => {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- test tooling, not part of the package: runs this repository's audit script as CI does
		execFile(
			process.execPath,
			[script, `--registry=${registry}`, ...extra],
			{
				cwd: root,
				env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' },
				timeout: 120_000,
			},
			(error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, out: stdout }),
		);
	});
}

const registry = new FakeRegistry();
const url = useMock(registry, { reset: () => (registry.asked.length = 0) });
let cache: string;

beforeAll(() => {
	cache = mkdtempSync(join(tmpdir(), 'audit-cache-'));
});
afterAll(() => {
	rmSync(cache, { recursive: true, force: true });
});

const advisory = (over: Partial<Advisory>): Advisory => ({
	id: 1,
	url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc',
	title: 'Example advisory',
	severity: 'high',
	vulnerable_versions: '<0.0.1',
	cwe: ['CWE-400'],
	cvss: { score: 7.5, vectorString: null },
	...over,
});

describe('npm run audit:runtime', () => {
	it('asks about exactly the locked runtime tree (no dev package) and reports a clean answer as clean', async () => {
		registry.answer = { advisories: {} };
		const { code, out } = await runAudit(url());

		expect(registry.asked).toHaveLength(1);
		const asked = Object.fromEntries(
			Object.entries(registry.asked[0]).map(([name, versions]) => [name, versions.join()]),
		);
		expect(asked).toEqual(runtime);
		expect(Object.keys(asked)).toEqual(expect.arrayContaining(['crypto-js', 'fast-xml-parser']));
		for (const dev of ['jest', 'typescript', 'n8n-workflow', 'n8n-core', 'node']) expect(asked[dev]).toBeUndefined();

		expect(code).toBe(0);
		expect(out).toContain(`registry ${url()}`);
		expect(out).toContain(`runtime packages (${Object.keys(runtime).length}): `);
		expect(out).toContain(
			'result: no known vulnerability in the runtime dependencies (info 0, low 0, moderate 0, high 0, critical 0)',
		);
	});

	it('fails with each vulnerability listed when the advisory database knows one in a direct dependency', async () => {
		registry.answer = {
			advisories: {
				'crypto-js': [
					advisory({
						title: 'crypto-js weakness',
						vulnerable_versions: `<=${runtime['crypto-js']}`,
						severity: 'critical',
					}),
				],
				// An advisory for older versions only must not count.
				'fast-xml-parser': [advisory({ id: 2, title: 'old fast-xml-parser issue', vulnerable_versions: '<4.0.0' })],
			},
		};
		const { code, out } = await runAudit(url());

		expect(code).toBe(1);
		expect(out).toContain(
			'result: 1 known vulnerability in the runtime dependencies (info 0, low 0, moderate 0, high 0, critical 1)',
		);
		expect(out).toContain(
			`crypto-js <=${runtime['crypto-js']} (critical): crypto-js weakness — https://github.com/advisories/GHSA-aaaa-bbbb-cccc`,
		);
		expect(out).toContain('installed at node_modules/crypto-js, required by this package;');
		expect(out).not.toContain('old fast-xml-parser issue');
	});

	it('names the dependency a transitive vulnerability comes through', async () => {
		registry.answer = {
			advisories: {
				strnum: [
					advisory({ title: 'strnum weakness', vulnerable_versions: `<=${runtime.strnum}`, severity: 'moderate' }),
				],
			},
		};
		const { code, out } = await runAudit(url());

		expect(code).toBe(1);
		expect(out).toContain(`strnum <=${runtime.strnum} (moderate): strnum weakness`);
		// Who pulls it in, from the lockfile: the user's way to judge and to fix it.
		expect(out).toContain('installed at node_modules/strnum, required by fast-xml-parser;');
	});

	it('says NOT CHECKED — never clean — when the registry refuses the audit endpoint; --strict makes that a failure', async () => {
		registry.answer = { status: 405, body: '' };
		const lenient = await runAudit(url());
		expect(lenient.code).toBe(0);
		expect(lenient.out).toContain(
			'result: NOT CHECKED — the registry did not answer the audit request (405 Method Not Allowed',
		);
		expect(lenient.out).not.toContain('no known vulnerability');

		const strict = await runAudit(url(), '--strict');
		expect(strict.code).toBe(3);
		expect(strict.out).toContain('NOT CHECKED');
	});

	it('says NOT CHECKED when the registry answers something that is not an audit answer', async () => {
		registry.answer = { status: 200, body: '<html>proxy login</html>' };
		const { code, out } = await runAudit(url(), '--strict');
		expect(code).toBe(3);
		expect(out).toContain('result: NOT CHECKED');
		expect(out).not.toContain('no known vulnerability');
	});
});

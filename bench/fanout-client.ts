/**
 * The n8n side of the PSRESTful fan-out benchmark, run in a fresh process by psrestful.bench.ts
 * (through bench/child/run-ts.js): the PSRESTful Trigger fetches the media of every changed
 * product from the mock, which runs in the benchmark's process — as a real API runs outside
 * n8n's, so the mock's own CPU is not charged to n8n's event loop.
 */
import '../test/harness/env';

import { request } from 'node:http';
import { performance } from 'node:perf_hooks';

import { PollHarness } from '../test/harness/n8n';

export interface FanOutJob {
	baseUrl: string;
	apiKey: string;
	/** A supplier with a few changes, synced first so n8n-core has loaded what it loads on first use. */
	warmSupplier: string;
	supplier: string;
	/** Undefined for the trigger's default. */
	concurrency?: number;
	/**
	 * Instead of the trigger: the same media requests from a bare node:http client (a new
	 * connection per request, as n8n's helper makes them), `concurrency` at a time — the ceiling
	 * the HTTP round trips alone allow, to tell n8n's per-request cost from the latency.
	 */
	bare?: { productIds: string[] };
}

export interface FanOutFigures {
	elapsed: number;
	emitted: number;
}

async function sync(job: FanOutJob, supplier: string): Promise<FanOutFigures> {
	const harness = new PollHarness({
		type: 'psRestfulTrigger',
		parameters: {
			supplierCode: supplier,
			includeMediaContent: true,
			firstRun: 'all',
			syncOptions: {
				maxItemsPerPoll: 1000,
				...(job.concurrency ? { concurrency: job.concurrency } : {}),
				budgetSeconds: 3600,
				minIntervalMinutes: 0,
			},
		} as never,
		credentials: { psRestfulApi: { apiKey: job.apiKey, baseUrl: job.baseUrl } },
	});
	const started = performance.now();
	const out = await harness.poll({ pollBudgetMs: 3_600_000 });
	return { elapsed: performance.now() - started, emitted: out?.[0].length ?? 0 };
}

function get(url: string, apiKey: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const req = request(url, { headers: { 'X-API-Key': apiKey }, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => {
				if (res.statusCode !== 200) return reject(new Error(`${url}: HTTP ${res.statusCode}`));
				JSON.parse(Buffer.concat(chunks).toString('utf8'));
				resolve();
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end();
	});
}

async function bareFetch(job: FanOutJob, productIds: string[]): Promise<FanOutFigures> {
	const base = `${job.baseUrl}/v1.1.0/suppliers/${encodeURIComponent(job.supplier)}/medias/`;
	let next = 0;
	const started = performance.now();
	const worker = async () => {
		while (next < productIds.length)
			await get(`${base}${encodeURIComponent(productIds[next++])}/?environment=PROD`, job.apiKey);
	};
	await Promise.all(Array.from({ length: job.concurrency ?? 10 }, worker));
	return { elapsed: performance.now() - started, emitted: productIds.length };
}

async function run(job: FanOutJob): Promise<FanOutFigures> {
	if (job.bare) {
		await bareFetch(job, job.bare.productIds.slice(0, 20));
		return await bareFetch(job, job.bare.productIds);
	}
	await sync(job, job.warmSupplier);
	return await sync(job, job.supplier);
}

process.once('message', (job: FanOutJob) => {
	run(job).then(
		(figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
		(error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
	);
});

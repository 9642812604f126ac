import { performance } from 'node:perf_hooks';

import { PollHarness } from '../test/harness/n8n';
import { useMock } from '../test/harness/servers';
import { PsRestfulMock } from '../sandbox/psrestful';
import { runInChild } from './child/fork';
import type { FanOutFigures, FanOutJob } from './fanout-client';
import { loadAverage } from './memory';
import { median, ms, report } from './report';

/**
 * PSRESTful figures (issue 2): media fan-out for 1,000 products at 50 ms server latency, default
 * concurrency versus one at a time — measured twice: with the mock in the same process as n8n
 * (its CPU competes with n8n's event loop), and with n8n in a fresh process of its own, as in
 * production; the trigger's own overhead per emitted item.
 */
describe('PSRESTful benchmarks', () => {
	const mock = new PsRestfulMock();
	const baseUrl = useMock(mock);

	const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);

	async function timeMediaSync(
		supplier: string,
		concurrency: number | undefined,
	): Promise<{ elapsed: number; emitted: number; requests: number }> {
		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: {
				supplierCode: supplier,
				includeMediaContent: true,
				firstRun: 'all',
				syncOptions: {
					maxItemsPerPoll: 1000,
					...(concurrency ? { concurrency } : {}),
					budgetSeconds: 3600,
					minIntervalMinutes: 0,
				},
			} as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl() } },
		});
		mock.server.resetLog();
		const started = performance.now();
		const out = await harness.poll({ pollBudgetMs: 3_600_000 });
		return {
			elapsed: performance.now() - started,
			emitted: out?.[0].length ?? 0,
			requests: mock.server.requests.length,
		};
	}

	it('fetches media for 1,000 products: default concurrency vs one at a time', async () => {
		mock.suppliers.push({ id: 501, code: 'BENCH', name: 'Bench' }, { id: 500, code: 'WARM', name: 'Warm-up' });
		for (let i = 0; i < 1000; i++) mock.modify('BENCH', `P${String(i).padStart(4, '0')}`);
		for (let i = 0; i < 20; i++) mock.modify('WARM', `W${i}`);
		mock.server.latencyMs = latency;
		try {
			// n8n-core loads parts of itself on first use: warm up before timing anything.
			await timeMediaSync('WARM', undefined);
			const parallel = await timeMediaSync('BENCH', undefined);
			const serial = await timeMediaSync('BENCH', 1);
			report(
				`\nPSRESTful media fan-out, 1,000 products, ${latency} ms latency, mock in n8n's process (load average ${loadAverage()}):`,
			);
			report(
				`  default concurrency (10): ${ms(parallel.elapsed)} for ${parallel.emitted} products, ${parallel.requests} requests`,
			);
			report(
				`  one at a time:            ${ms(serial.elapsed)} for ${serial.emitted} products, ${serial.requests} requests`,
			);
			report(`  speed-up: ${(serial.elapsed / parallel.elapsed).toFixed(1)}x`);
			expect(parallel.emitted).toBe(1000);
			expect(serial.emitted).toBe(1000);

			// The same with n8n in a fresh process of its own.
			const job = { baseUrl: baseUrl(), apiKey: mock.apiKey, warmSupplier: 'WARM', supplier: 'BENCH' };
			const inChild = async (concurrency?: number, bare?: FanOutJob['bare']) => {
				mock.server.resetLog();
				const figures = await runInChild<FanOutJob, FanOutFigures>('fanout-client.ts', { ...job, concurrency, bare });
				return { ...figures, requests: mock.server.count('/v1.1.0/suppliers/BENCH/') };
			};
			const parallelApart = await inChild(undefined);
			const serialApart = await inChild(1);
			report(`PSRESTful media fan-out, the same with n8n in a process of its own (load average ${loadAverage()}):`);
			report(
				`  default concurrency (10): ${ms(parallelApart.elapsed)} for ${parallelApart.emitted} products, ${parallelApart.requests} requests`,
			);
			report(
				`  one at a time:            ${ms(serialApart.elapsed)} for ${serialApart.emitted} products, ${serialApart.requests} requests`,
			);
			report(`  speed-up: ${(serialApart.elapsed / parallelApart.elapsed).toFixed(1)}x`);
			expect(parallelApart.emitted).toBe(1000);
			expect(serialApart.emitted).toBe(1000);

			// The ceiling: the same 1,000 media requests from a bare HTTP client in a fresh process.
			const productIds = Array.from({ length: 1000 }, (_, i) => `P${String(i).padStart(4, '0')}`);
			const bare = async (concurrency: number) => await inChild(concurrency, { productIds });
			const parallelBare = await bare(10);
			const serialBare = await bare(1);
			report(`The same media requests from a bare node:http client (no n8n; new connection per request):`);
			report(
				`  10 at a time: ${ms(parallelBare.elapsed)}, ${parallelBare.requests} requests; one at a time: ${ms(serialBare.elapsed)}`,
			);
			report(
				`  speed-up: ${(serialBare.elapsed / parallelBare.elapsed).toFixed(1)}x — what is left between this and n8n's is n8n's per-request cost`,
			);
			expect(parallelBare.requests).toBe(1020);
			expect(serialBare.requests).toBe(1020);
		} finally {
			mock.server.latencyMs = 0;
		}
	});

	it('measures the trigger’s own overhead per emitted item', async () => {
		const n = 10_000;
		mock.suppliers.push({ id: 502, code: 'OVER', name: 'Overhead' });
		for (let i = 0; i < n; i++) mock.modify('OVER', `Q${String(i).padStart(5, '0')}`);
		const url = `${baseUrl()}/v1.1.0/suppliers/OVER/media-modified-since/?since=2000-01-01T00:00:00&environment=PROD`;
		const raw: number[] = [];
		const polls: number[] = [];
		for (let run = 0; run < 5; run++) {
			let started = performance.now();
			const response = await fetch(url, { headers: { 'X-API-Key': mock.apiKey } });
			await response.json();
			raw.push(performance.now() - started);

			const harness = new PollHarness({
				type: 'psRestfulTrigger',
				parameters: {
					supplierCode: 'OVER',
					firstRun: 'all',
					syncOptions: { maxItemsPerPoll: n, minIntervalMinutes: 0 },
				} as never,
				credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl() } },
			});
			started = performance.now();
			const out = await harness.poll();
			polls.push(performance.now() - started);
			expect(out?.[0]).toHaveLength(n);
		}
		const overheadPerItem = ((median(polls) - median(raw)) / n) * 1000;
		report(
			`PSRESTful Trigger overhead, ${n.toLocaleString('en')} changed products in one poll (median of 5, no latency):`,
		);
		report(`  poll: ${ms(median(polls))}, the same listing fetched and parsed directly: ${ms(median(raw))}`);
		report(`  trigger overhead: ${overheadPerItem.toFixed(1)} µs per emitted item`);
	});
});

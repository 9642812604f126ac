import { performance } from 'node:perf_hooks';

import { PollHarness } from '../test/harness/n8n';
import { PsRestfulMock } from '../test/mocks/psrestful';
import { median, ms, report } from './report';

/**
 * PSRESTful figures (issue 2): media fan-out for 1,000 products at 50 ms server latency, default
 * concurrency versus one at a time; the trigger's own overhead per emitted item.
 */
describe('PSRESTful benchmarks', () => {
	const mock = new PsRestfulMock();
	let baseUrl: string;
	beforeAll(async () => {
		baseUrl = await mock.start();
	});
	afterAll(async () => await mock.stop());

	const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);

	async function timeMediaSync(supplier: string, concurrency: number | undefined): Promise<{ elapsed: number; emitted: number; requests: number }> {
		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: {
				supplierCode: supplier,
				includeMediaContent: true,
				firstRun: 'all',
				syncOptions: { maxItemsPerPoll: 1000, ...(concurrency ? { concurrency } : {}), budgetSeconds: 3600, minIntervalMinutes: 0 },
			} as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl } },
		});
		mock.server.resetLog();
		const started = performance.now();
		const out = await harness.poll({ pollBudgetMs: 3_600_000 });
		return { elapsed: performance.now() - started, emitted: out?.[0].length ?? 0, requests: mock.server.requests.length };
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
			report(`PSRESTful media fan-out, 1,000 products, ${latency} ms latency:`);
			report(`  default concurrency (10): ${ms(parallel.elapsed)} for ${parallel.emitted} products, ${parallel.requests} requests`);
			report(`  one at a time:            ${ms(serial.elapsed)} for ${serial.emitted} products, ${serial.requests} requests`);
			report(`  speed-up: ${(serial.elapsed / parallel.elapsed).toFixed(1)}x`);
			expect(parallel.emitted).toBe(1000);
			expect(serial.emitted).toBe(1000);
		} finally {
			mock.server.latencyMs = 0;
		}
	});

	it('measures the trigger’s own overhead per emitted item', async () => {
		const n = 10_000;
		mock.suppliers.push({ id: 502, code: 'OVER', name: 'Overhead' });
		for (let i = 0; i < n; i++) mock.modify('OVER', `Q${String(i).padStart(5, '0')}`);
		const url = `${baseUrl}/v1.1.0/suppliers/OVER/media-modified-since/?since=2000-01-01T00:00:00&environment=PROD`;
		const raw: number[] = [];
		const polls: number[] = [];
		for (let run = 0; run < 5; run++) {
			let started = performance.now();
			const response = await fetch(url, { headers: { 'X-API-Key': mock.apiKey } });
			await response.json();
			raw.push(performance.now() - started);

			const harness = new PollHarness({
				type: 'psRestfulTrigger',
				parameters: { supplierCode: 'OVER', firstRun: 'all', syncOptions: { maxItemsPerPoll: n, minIntervalMinutes: 0 } } as never,
				credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl } },
			});
			started = performance.now();
			const out = await harness.poll();
			polls.push(performance.now() - started);
			expect(out?.[0]).toHaveLength(n);
		}
		const overheadPerItem = ((median(polls) - median(raw)) / n) * 1000;
		report(`PSRESTful Trigger overhead, ${n.toLocaleString('en')} changed products in one poll (median of 5, no latency):`);
		report(`  poll: ${ms(median(polls))}, the same listing fetched and parsed directly: ${ms(median(raw))}`);
		report(`  trigger overhead: ${overheadPerItem.toFixed(1)} µs per emitted item`);
	});
});

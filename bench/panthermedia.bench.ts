import { performance } from 'node:perf_hooks';

import { PollHarness } from '../test/harness/n8n';
import { useMock } from '../test/harness/servers';
import { PantherMediaMock } from '../sandbox/panthermedia';
import { runInChild } from './child/fork';
import type { ImportFigures, ImportJob } from './import-client';
import { kib, loadAverage, mib } from './memory';
import { ms, report } from './report';

/**
 * PantherMedia figures (issue 7):
 * - media-info fan-out for 1,000 new media at BENCH_LATENCY_MS (default 50 ms): the trigger at
 *   its defaults (get-media-info for 50 ids per request, 3 requests at a time) versus one
 *   request per media, one after the other — what a Schedule Trigger + HTTP Request workflow
 *   does;
 * - memory and state of a 100,000-media initial import ("Everything") spread over polls: RSS
 *   after every poll and its peak (sampled every 1 ms by a worker thread), and the size of the
 *   workflow's saved static data after every poll.
 */
const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
const IMPORT_SIZE = Number(process.env.BENCH_IMPORT_SIZE ?? 100_000);
const DAY = 24 * 3600_000;

describe('PantherMedia benchmarks', () => {
	const mock = new PantherMediaMock({ seed: false });
	const baseUrl = useMock(mock);

	const credentials = () => ({
		pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: baseUrl() },
	});

	async function timeInfoSync(maxItems: number, batch?: number, concurrency?: number) {
		const harness = new PollHarness({
			type: 'pantherMediaTrigger',
			parameters: {
				events: ['new'],
				includeMediaInfo: true,
				firstRun: 'all',
				syncOptions: {
					maxItemsPerPoll: maxItems,
					budgetSeconds: 3600,
					...(batch ? { infoBatchSize: batch } : {}),
					...(concurrency ? { infoConcurrency: concurrency } : {}),
				},
			} as never,
			credentials: credentials(),
		});
		mock.server.resetLog();
		const started = performance.now();
		const out = await harness.poll({ pollBudgetMs: 3_600_000 });
		const elapsed = performance.now() - started;
		const items = out?.[0] ?? [];
		return {
			elapsed,
			emitted: items.length,
			withInfo: items.filter((i) => i.json.media && typeof i.json.media === 'object').length,
			infoRequests: mock.server.count('/get-media-info'),
			requests: mock.server.requests.length,
		};
	}

	it('fetches media info for 1,000 new media: default batching and concurrency vs one request per media, one at a time', async () => {
		mock.bulkNew(1000, mock.now() - 5 * DAY - 1000 * 1000, 1000);
		mock.server.latencyMs = latency;
		try {
			await timeInfoSync(20); // warm-up: n8n-core loads parts of itself on first use
			const batched = await timeInfoSync(1000);
			const serial = await timeInfoSync(1000, 1, 1);
			report(
				`\nPantherMedia media-info fan-out, 1,000 new media, ${latency} ms latency (load average ${loadAverage()}):`,
			);
			report(
				`  default (50 ids per get-media-info, 3 in parallel): ${ms(batched.elapsed)} for ${batched.emitted} media, ${batched.requests} requests (${batched.infoRequests} get-media-info)`,
			);
			report(
				`  one request per media, one at a time:                ${ms(serial.elapsed)} for ${serial.emitted} media, ${serial.requests} requests (${serial.infoRequests} get-media-info)`,
			);
			report(`  speed-up: ${(serial.elapsed / batched.elapsed).toFixed(1)}x`);
			for (const run of [batched, serial]) {
				expect(run.emitted).toBe(1000);
				expect(run.withInfo).toBe(1000);
			}
			expect(batched.infoRequests).toBe(20);
			expect(serial.infoRequests).toBe(1000);
		} finally {
			mock.server.latencyMs = 0;
		}
	});

	it.each([
		['at its default per-poll cap (1,000)', undefined],
		['at the largest per-poll cap (10,000)', 10_000],
	] as const)(
		`imports ${IMPORT_SIZE.toLocaleString('en')} media %s: RSS per poll and saved state`,
		async (name, cap) => {
			const importer = new PantherMediaMock({ seed: false });
			const url = await importer.start();
			try {
				importer.bulkNew(IMPORT_SIZE, importer.now() - 5 * DAY - IMPORT_SIZE * 1000, 1000);
				importer.server.latencyMs = latency;
				const figures = await runInChild<ImportJob, ImportFigures>('import-client.ts', {
					baseUrl: url,
					apiKey: importer.apiKey,
					apiSecret: importer.apiSecret,
					cap,
				});
				const series = figures.rssPerPoll.filter(
					(_, i) =>
						i % Math.max(1, Math.floor(figures.rssPerPoll.length / 10)) === 0 || i === figures.rssPerPoll.length - 1,
				);
				if (!cap) {
					report(
						`\nPantherMedia initial import ("Everything", events new/changed/deleted), ${IMPORT_SIZE.toLocaleString('en')} new media, ${latency} ms latency (load average ${loadAverage()}):`,
					);
					report(
						'  (n8n and the trigger in a fresh process, the mock in another; RSS sampled after every poll and every 1 ms by a worker thread)',
					);
				}
				report(
					`  ${name}: ${figures.polls} polls, ${figures.emitted.toLocaleString('en')} emitted (${figures.distinct.toLocaleString('en')} distinct), ${ms(figures.elapsed)}`,
				);
				report(
					`    RSS: ${mib(figures.rssBefore)} before the first poll, peak ${mib(figures.rssPeak)} (+${mib(figures.rssPeak - figures.rssBefore)}); after polls ${series.map((v) => mib(v).replace(' MiB', '')).join(', ')} MiB`,
				);
				report(
					`    heap used: ${mib(figures.heapBefore)} before, ${mib(figures.heapAfterGc)} after the import and a full GC, heap reserved then ${mib(figures.heapTotalAfterGc)}, RSS then ${mib(figures.rssAfterGc)}`,
				);
				report(
					`    saved static data: largest after any poll ${kib(figures.maxSavedBytes)}, after the import ${kib(figures.savedBytes)} (${figures.remembered} remembered changes; target < 64 KiB)`,
				);
				expect(figures.emitted).toBe(IMPORT_SIZE);
				expect(figures.distinct).toBe(IMPORT_SIZE);
				expect(figures.maxSavedBytes).toBeLessThan(64 * 1024);
			} finally {
				await importer.stop();
			}
		},
	);
});

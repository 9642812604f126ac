import { CommerceConnectMock } from '../sandbox/commerceconnect';
import { seededRandom } from '../sandbox/random';
import { runInChild } from './child/fork';
import { loadAverage } from './memory';
import { ms, report } from './report';
import type { WritesFigures, WritesJob } from './writes-client';

/**
 * Writes in parallel (issue 16 point 2): 1,000 media created through the CommerceConnect node at
 * BENCH_LATENCY_MS (default 50 ms) per request — one request at a time (Options → Concurrency 1,
 * how every write ran before) against the default (10) and the largest setting (20). Two shapes:
 * Create with one input item per media, and Sync Product Media with one input item per product
 * (an initial import). 200 products × 5 media: items of one product run one after another by
 * design, so the parallelism comes from products.
 *
 * n8n runs in a fresh process of its own (bench/writes-client.ts), the mock here: as in
 * production, the mock's CPU is not charged to n8n's event loop. Prints; asserts only that every
 * media item was written once.
 */
const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);
/**
 * BENCH_LATENCY_JITTER_MS=10: each answer takes 40–60 ms (evenly spread, seeded) instead of
 * exactly 50, as round trips vary on a real network. Every answer exactly as long is the harder
 * case: answers that come back together are handled in one burst (see ApiClient.ownTurn for how
 * the transport keeps the next requests from leaving together again).
 */
const jitter = Number(process.env.BENCH_LATENCY_JITTER_MS ?? 0);
const latencyText = jitter > 0 ? `${latency} ± ${jitter} ms latency` : `${latency} ms latency`;
const PRODUCTS = Number(process.env.BENCH_WRITES_PRODUCTS ?? 200);
const PER_PRODUCT = Number(process.env.BENCH_WRITES_PER_PRODUCT ?? 5);
const SETTINGS: Array<number | undefined> = [1, undefined, 20];

describe('CommerceConnect writes in parallel', () => {
	const mock = new CommerceConnectMock();
	let baseUrl: string;
	const products = Array.from({ length: PRODUCTS }, (_, i) => 10_000 + i);
	const warmProducts = [9_000, 9_001, 9_002];
	beforeAll(async () => {
		baseUrl = await mock.start();
		for (const id of [...products, ...warmProducts]) mock.products.push({ id, code: `B-${id}`, name: `Bench ${id}` });
	});
	afterAll(async () => await mock.stop());

	async function measure(operation: WritesJob['operation'], concurrency: number | undefined, run: string) {
		// Every run starts from an empty catalogue: Sync's scan reads the same few pages each time.
		mock.items.clear();
		mock.server.latencyMs = latency;
		if (jitter > 0) mock.server.latencyJitter = { spreadMs: jitter, random: seededRandom(16) };
		mock.server.resetLog();
		mock.server.maxInFlight = 0;
		try {
			const figures = await runInChild<WritesJob, WritesFigures>('writes-client.ts', {
				baseUrl,
				email: mock.email,
				token: mock.token,
				operation,
				products,
				perProduct: PER_PRODUCT,
				warmProducts,
				concurrency,
				run,
			});
			const created = mock.writes().filter((r) => r.method === 'POST' && r.text.includes(`/${run}/`)).length;
			const stored = [...mock.items.values()].filter((item) => item.url.includes(`/${run}/`));
			expect(figures.errors).toBe(0);
			expect(created).toBe(PRODUCTS * PER_PRODUCT);
			expect(new Set(stored.map((item) => item.url)).size).toBe(PRODUCTS * PER_PRODUCT);
			return {
				...figures,
				requests: mock.server.requests.length,
				maxInFlight: mock.server.maxInFlight,
				// Over the measured run only (its last `elapsed` ms), not the warm-up before it.
				meanInFlight: mock.server.meanInFlight(figures.elapsed),
			};
		} finally {
			mock.server.latencyMs = 0;
			mock.server.latencyJitter = undefined;
		}
	}

	it.each(['create', 'syncProductMedia'] as const)(
		`%s: ${(PRODUCTS * PER_PRODUCT).toLocaleString('en')} media, one at a time vs the default vs 20`,
		async (operation) => {
			const rows: Array<Awaited<ReturnType<typeof measure>> & { label: string }> = [];
			for (const concurrency of SETTINGS) {
				const figures = await measure(operation, concurrency, `${operation}-${concurrency ?? 'default'}`);
				rows.push({
					label:
						concurrency === undefined ? 'default (10)' : concurrency === 1 ? 'one at a time (1)' : String(concurrency),
					...figures,
				});
			}
			const [serial, ...others] = rows;
			const title =
				operation === 'create'
					? `Create, ${PRODUCTS * PER_PRODUCT} input items (${PRODUCTS} products × ${PER_PRODUCT})`
					: `Sync Product Media, ${PRODUCTS} input items × ${PER_PRODUCT} media (initial import, whole run incl. the scan)`;
			report(
				`\nCommerceConnect ${title}, ${latencyText}, n8n in a process of its own (load average ${loadAverage()}):`,
			);
			for (const row of rows) {
				report(
					`  Concurrency ${row.label.padEnd(18)} ${ms(row.elapsed).padStart(9)}, ${row.requests} requests (warm-up included), at most ${row.maxInFlight} in flight, ${row.meanInFlight.toFixed(1)} on average, n8n CPU ${(row.cpuMs / (PRODUCTS * PER_PRODUCT)).toFixed(2)} ms per media item${row === serial ? '' : `: ${(serial.elapsed / row.elapsed).toFixed(1)}x faster than one at a time`}`,
				);
			}
			expect(others.length).toBe(2);
		},
	);
});

import { performance } from 'node:perf_hooks';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { KEPT_INDEX_KEY } from '../nodes/CommerceConnect/actions/mediaItem/sync/keptIndex';
import { ActionHarness } from '../test/harness/n8n';
import { CommerceConnectMock } from '../sandbox/commerceconnect';
import { loadAverage } from './memory';
import { ms, report } from './report';

/**
 * Sync Product Media's cost per execution against the size of the PIM (issue 16 point 3): an
 * hourly execution syncing 20 changed products (one media replaced each: a create and a delete),
 * in a PIM of 10,000 and of 1,000,000 media items, 5,000 of them synced (1,000 products × 5).
 *
 * Executions run as n8n runs production executions (ActionHarness: static data loaded before and
 * saved after each). The PIM beyond the synced media is the mock's `catalogue()` — media items
 * built page by page when listed, so a million of them cost no memory; list requests are counted,
 * the mock has no latency (counts do not depend on it), and the time the list requests take at
 * 50 ms each is computed as list requests × 50 ms (Sync reads them one after another). Prints; asserts only that
 * every execution synced exactly what was wanted.
 */
const SIZES = (process.env.BENCH_PIM_SIZES ?? '10000,1000000').split(',').map(Number);
const PRODUCTS = 1000;
const PER_PRODUCT = 5;
const OTHERS = 100;
const CHANGED = 20;
const TAG = 'sync:bench';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Row {
	label: string;
	mode: string;
	reason?: string;
	list: number;
	writes: number;
	elapsed: number;
	keptBytes: number;
}

describe('Sync Product Media cost per execution against the size of the PIM', () => {
	it.each(SIZES)('PIM of %d media items, 20 changed products an hour', async (size) => {
		const mock = new CommerceConnectMock();
		const baseUrl = await mock.start();
		try {
			const now = mock.now();
			mock.catalogue(size - PRODUCTS * PER_PRODUCT - OTHERS, now - 30 * DAY);
			const products = Array.from({ length: PRODUCTS }, (_, i) => 20_000 + i);
			for (const id of products) mock.products.push({ id, code: `S-${id}`, name: `Synced ${id}` });
			const url = (product: number, name: string) => `https://cdn.example.com/${product}/${name}.jpg`;
			for (const product of products)
				for (let i = 0; i < PER_PRODUCT; i++)
					mock.seed(
						{ url: url(product, `m${i}`), product_id: product, tag_list: [TAG], position: i + 1 },
						now - 2 * DAY,
					);
			const others = Array.from({ length: OTHERS }, (_, i) =>
				mock.seed({ url: `https://cdn.example.com/other/${i}.jpg`, product_id: 9 }, now - 2 * DAY),
			);

			const harness = (fullScanHours?: number) =>
				new ActionHarness({
					type: 'commerceConnect',
					parameters: {
						resource: 'mediaItem',
						operation: 'syncProductMedia',
						productBy: 'id',
						productId: '={{ $json.product }}',
						syncTag: TAG,
						mediaSource: 'list',
						mediaList: '={{ $json.media }}',
						syncOptions: fullScanHours === undefined ? {} : { fullScanHours },
					} as never,
					credentials: { commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl } },
				});
			// Hour h changes products 20h … 20h + 19: their fifth media is replaced by a new one.
			const changed = (hour: number): INodeExecutionData[] =>
				products.slice(CHANGED * hour, CHANGED * (hour + 1)).map((product) => ({
					json: {
						product,
						media: [
							...[0, 1, 2, 3].map((i) => ({ url: url(product, `m${i}`), position: i + 1 })),
							{ url: url(product, `h${hour}`), position: 5 },
						],
					},
				}));

			const rows: Row[] = [];
			let hour = 0;
			const measure = async (label: string, h: ActionHarness) => {
				mock.server.resetLog();
				const input = changed(hour++);
				const started = performance.now();
				const result = await h.execute(input);
				const elapsed = performance.now() - started;
				const out = result.output[0].map((item) => item.json);
				expect(out.map((r) => [r.created, r.deleted])).toEqual(input.map(() => [1, 1]));
				const scan = out[0].scan as IDataObject;
				const kept = h.savedState?.[KEPT_INDEX_KEY];
				rows.push({
					label,
					mode: String(scan.mode ?? 'full'),
					...(scan.reason ? { reason: String(scan.reason) } : {}),
					list: mock.listRequests().length,
					writes: mock.writes().length,
					elapsed,
					keptBytes: typeof kept === 'string' ? Buffer.byteLength(kept) : 0,
				});
				mock.server.advance(HOUR);
			};

			const kept = harness();
			await measure('first execution (cold start)', kept);
			await measure('next hour', kept);
			await measure('the hour after', kept);
			mock.remove(others[0].id); // someone deletes one media item, anywhere in the PIM
			await measure('after a deletion elsewhere', kept);
			await measure('the hour after that', kept);
			await measure('without a kept index (Full Scan Every 0; as before)', harness(0));

			report(
				`\nSync Product Media, PIM of ${size.toLocaleString('en')} media items (${(PRODUCTS * PER_PRODUCT).toLocaleString('en')} synced), ${CHANGED} changed products per execution, no latency (load average ${loadAverage()}):`,
			);
			for (const row of rows) {
				report(
					`  ${row.label.padEnd(52)} ${row.mode.padEnd(11)} ${String(row.list).padStart(6)} list requests + ${row.writes} writes, ${ms(row.elapsed).padStart(9)}; its list requests at 50 ms ≈ ${ms(row.list * 50).padStart(8)}${row.keptBytes ? `; kept index ${(row.keptBytes / 1024).toFixed(0)} KiB (${(row.keptBytes / (PRODUCTS * PER_PRODUCT)).toFixed(0)} bytes per synced media)` : ''}${row.reason ? ` (${row.reason})` : ''}`,
				);
			}
			const incremental = rows.filter((r) => r.mode === 'incremental').map((r) => r.list);
			const full = rows.find((r) => r.label.startsWith('without'))!.list;
			const perDay = Math.max(...incremental) * 23 + rows[0].list;
			report(
				`  an hourly schedule for a day with no deletion elsewhere: ≤ ${perDay.toLocaleString('en')} list requests (23 incremental + 1 full scan) instead of ${(full * 24).toLocaleString('en')}`,
			);
		} finally {
			await mock.stop();
		}
	});
});

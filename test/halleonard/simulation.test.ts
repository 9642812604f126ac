import type { IDataObject } from 'n8n-workflow';

import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { HalLeonardMock, TestClock } from '../mocks/halleonard';
import { seededRandom } from '../mocks/random';
import type { Fault } from '../mocks/server';

/**
 * The Hal Leonard DAM Trigger over real HTTP against the mock, for thousands of polls across
 * about three simulated months (winter into spring, so the DAM's calendar also crosses a DST
 * change): PDFs are modified and asset metadata is changed or deleted at random times of day,
 * sometimes in bursts; 20 % of requests fail (500, 503 with Retry-After, truncated and
 * malformed bodies, dropped connections); n8n restarts now and then. Every change must be
 * emitted exactly once.
 *
 * One key changes at most every 30 hours here: the DAM reports files by day, so two changes of
 * one file on one day are one change to it (docs/halleonard.md, "Limits").
 */
const HOUR = 3_600_000;

interface Variant {
	name: string;
	seed: number;
	parameters: IDataObject;
	damTimeZone?: string;
	serverSkewMs?: number;
	durableCursors?: boolean;
}

const variants: Variant[] = [
	{ name: 'defaults: today included, at most a query round every 6 hours', seed: 11, parameters: {} },
	{ name: 'only complete days', seed: 12, parameters: { completeDaysOnly: true } },
	{
		name: 'DAM on Pacific time while Chicago is assumed, server clock 3 minutes ahead',
		seed: 13,
		parameters: {},
		damTimeZone: 'America/Los_Angeles',
		serverSkewMs: 3 * 60_000,
	},
	{
		name: 'every poll queries, 3 changes per poll, durable cursors',
		seed: 14,
		parameters: { syncOptions: { minIntervalMinutes: 0, maxItemsPerPoll: 3 } },
		durableCursors: true,
	},
];

describe('Hal Leonard DAM Trigger simulation', () => {
	const clock = new TestClock();
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(() => {
		sleeps = recordSleeps();
	});
	afterAll(() => sleeps.restore());

	it.each(variants)('emits every change exactly once ($name)', async (variant) => {
		const random = seededRandom(variant.seed);
		clock.install(Date.parse('2024-12-20T15:00:00Z'));
		const mock = new HalLeonardMock();
		await mock.start();
		try {
			if (variant.damTimeZone) mock.timeZone = variant.damTimeZone;
			mock.server.clockOffsetMs = variant.serverSkewMs ?? 0;
			const faults: Fault[] = [
				{ kind: 'status', status: 500, body: 'Internal Server Error', contentType: 'text/plain' },
				{ kind: 'status', status: 503, retryAfter: '2', body: 'busy', contentType: 'text/plain' },
				{ kind: 'truncate' },
				{ kind: 'malformed', body: '<?xml version="1.0"?><DAMResponse><ModifiedFileResponse><ModifiedFile>', contentType: 'text/xml' },
				{ kind: 'reset' },
			];
			const syncOptions = (variant.parameters.syncOptions ?? {}) as IDataObject;
			const harness = new PollHarness(
				{
					type: 'halLeonardDamTrigger',
					parameters: { events: ['modifiedFile', 'assetMetadata'], ...variant.parameters, syncOptions } as never,
					credentials: { halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint } },
				},
				{ durableCursors: variant.durableCursors },
			);

			const emitted = new Map<string, number>();
			const lastChange = new Map<string, number>();
			let polls = 0;
			let failed = 0;
			let restarts = 0;
			let maxStateBytes = 0;
			const poll = async () => {
				polls++;
				try {
					const out = await harness.poll();
					for (const item of out?.[0] ?? []) {
						const j = item.json;
						const id =
							j.event === 'fileModified'
								? `modifiedFile ${String(j.assetId)}|${String(j.fileName)} ${String(j.lastModified)}`
								: `assetMetadata ${String(j.kind)}|${String(j.assetId)} ${j.deleted ? 'deleted@' : ''}${String((j.metadata as IDataObject).Edition)}`;
						emitted.set(id, (emitted.get(id) ?? 0) + 1);
					}
				} catch {
					failed++;
				}
				const state = harness.memoryState?.[STATE_KEY] as IDataObject | undefined;
				if (state) maxStateBytes = Math.max(maxStateBytes, stateSize(state));
			};
			const change = (key: string) => {
				if (mock.server.now() - (lastChange.get(key) ?? -Infinity) <= 30 * HOUR) return;
				lastChange.set(key, mock.server.now());
				if (key.startsWith('f')) {
					mock.modifyFile(key.slice(1));
				} else {
					const id = key.slice(1);
					const asset = mock.assets.get(id);
					if (asset && !asset.deleted && random() < 0.15) mock.deleteAsset(id);
					else mock.changeAsset(id, { kind: Number(id) % 5 === 0 ? 'package' : 'asset', title: `Für Elise № ${id}` });
				}
			};

			await poll(); // activation (Start From: Now)
			mock.server.randomFaults = { rate: 0.2, random, faults };
			const start = mock.server.now();
			for (let tick = 0; tick < 2000; tick++) {
				clock.advance(20 * 60_000 + Math.floor(random() * 80 * 60_000));
				if (random() < 0.6) change(`${random() < 0.5 ? 'f' : 'm'}${Math.floor(random() * 40)}`);
				if (random() < 0.01) for (let i = 0; i < 10; i++) change(`${random() < 0.5 ? 'f' : 'm'}${Math.floor(random() * 40)}`);
				if (random() < 0.02) {
					harness.restart();
					restarts++;
				}
				await poll();
			}
			const simulatedDays = Math.round((mock.server.now() - start) / (24 * HOUR));
			mock.server.randomFaults = undefined;
			for (let i = 0; i < 24; i++) {
				clock.advance(3 * HOUR); // three quiet days without faults: every open day closes and is read
				await poll();
			}

			const expected = mock.changes.map((c) => `${c.stream} ${c.key} ${c.version}`);
			const expectedSet = new Set(expected);
			let lost = 0;
			let duplicated = 0;
			for (const id of expected) {
				const count = emitted.get(id) ?? 0;
				if (count === 0) lost++;
				if (count > 1) duplicated += count - 1;
			}
			const unexpected = [...emitted.keys()].filter((id) => !expectedSet.has(id)).length;
			const total = [...emitted.values()].reduce((a, b) => a + b, 0);
			console.log(
				`Hal Leonard DAM simulation (${variant.name}): ${JSON.stringify({
					changes: expected.length,
					emitted: total,
					lost,
					duplicated,
					unexpected,
					polls,
					failedPolls: failed,
					restarts,
					simulatedDays,
					requests: mock.server.requests.length,
					faults: mock.server.faultsApplied,
					maxStateBytes,
				})}`,
			);
			expect(expected.length).toBeGreaterThan(800);
			expect(expectedSet.size).toBe(expected.length);
			expect(Object.values(mock.server.faultsApplied).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
			expect(lost).toBe(0);
			expect(duplicated).toBe(0);
			expect(unexpected).toBe(0);
			expect(total).toBe(expected.length);
		} finally {
			await mock.stop();
			clock.uninstall();
		}
	}, 300_000);
});

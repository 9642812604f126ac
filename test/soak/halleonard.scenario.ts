import type { IDataObject } from 'n8n-workflow';

import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { HalLeonardMock, TestClock } from '../../sandbox/halleonard';
import { seededRandom } from '../../sandbox/random';
import type { Fault } from '../../sandbox/server';
import { HostileMix } from './hostile';
import { SlowAnswers } from './slow';
import { type SoakOptions, type SoakResult, compare } from './types';

const HOUR = 3_600_000;

/** One way of running the DAM trigger (its parameters and the DAM's situation). */
export interface HalLeonardVariant {
	name: string;
	seed: number;
	parameters: IDataObject;
	damTimeZone?: string;
	serverSkewMs?: number;
	durableCursors?: boolean;
}

export const HAL_LEONARD_VARIANTS: HalLeonardVariant[] = [
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

/**
 * The Hal Leonard DAM Trigger over real HTTP against the mock, from 20 December 2024 on, one poll
 * every 20 to 100 simulated minutes (2,000 polls are about three months: winter into spring, so
 * the DAM's calendar also crosses a DST change): PDFs are modified and asset metadata is changed
 * or deleted at random times of day, sometimes in bursts of ten; a share of requests fail (500,
 * 503 with Retry-After, truncated and malformed XML, dropped connections, optionally slow answers
 * that run into the poll budget); n8n restarts now and then.
 *
 * What is knowable: the DAM reports files by day (LastModified) and metadata by edition, so every
 * (file, day) and (asset, edition) is expected exactly once — lost and duplicated are exact.
 *
 * What is not: two changes of one file on one DAM day are one change to anyone who asks (the DAM
 * has no finer time), and an edition replaced on the same day is never seen. One key changes at
 * most every 30 hours here (docs/halleonard.md, "Limits").
 *
 * Time: this machine's clock and the DAM's move together (TestClock); requests still run in real
 * time, so slow answers cost real seconds.
 */
export async function halLeonardScenario(
	variant: HalLeonardVariant,
	options: Omit<SoakOptions, 'seed'> & { seed?: number },
): Promise<SoakResult> {
	// Wall time by hrtime: the test clock makes Date.now jump.
	const startedHr = process.hrtime.bigint();
	const elapsedSeconds = () => Number(process.hrtime.bigint() - startedHr) / 1e9;
	const seed = options.seed ?? variant.seed;
	const sleeps = recordSleeps();
	const clock = new TestClock();
	const random = seededRandom(seed);
	clock.install(Date.parse('2024-12-20T15:00:00Z'));
	const mock = new HalLeonardMock();
	await mock.start();
	// Now and then a redirect elsewhere or a Date from 2100; nothing may reach the other origin.
	const hostile = new HostileMix(seed);
	await hostile.start();
	try {
		if (variant.damTimeZone) mock.timeZone = variant.damTimeZone;
		mock.server.clockOffsetMs = variant.serverSkewMs ?? 0;
		const faults: Fault[] = [
			{ kind: 'status', status: 500, body: 'Internal Server Error', contentType: 'text/plain' },
			{ kind: 'status', status: 503, retryAfter: '2', body: 'busy', contentType: 'text/plain' },
			{ kind: 'truncate' },
			{
				kind: 'malformed',
				body: '<?xml version="1.0"?><DAMResponse><ModifiedFileResponse><ModifiedFile>',
				contentType: 'text/xml',
			},
			{ kind: 'reset' },
		];
		const slow = new SlowAnswers(mock.server, seed, options.slowAnswers === true);
		const syncOptions = (variant.parameters.syncOptions ?? {}) as IDataObject;
		const harness = new PollHarness(
			{
				type: 'halLeonardDamTrigger',
				parameters: { events: ['modifiedFile', 'assetMetadata'], ...variant.parameters, syncOptions } as never,
				credentials: {
					halLeonardDamApi: { vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint },
				},
			},
			{ durableCursors: variant.durableCursors },
		);

		const emitted = new Map<string, number>();
		const lastChange = new Map<string, number>();
		let polls = 0;
		let failedPolls = 0;
		let restarts = 0;
		let maxStateBytes = 0;
		const poll = async () => {
			polls++;
			try {
				const out = await harness.poll({ pollBudgetMs: slow.budget() });
				for (const item of out?.[0] ?? []) {
					const j = item.json;
					const id =
						j.event === 'fileModified'
							? `modifiedFile ${String(j.assetId)}|${String(j.fileName)} ${String(j.lastModified)}`
							: `assetMetadata ${String(j.kind)}|${String(j.assetId)} ${j.deleted ? 'deleted@' : ''}${String((j.metadata as IDataObject).Edition)}`;
					emitted.set(id, (emitted.get(id) ?? 0) + 1);
				}
			} catch {
				failedPolls++;
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
		mock.server.randomFaults = { rate: options.faultRate, random, faults };
		hostile.install(mock.server);
		const start = mock.server.now();
		for (let tick = 0; tick < options.polls; tick++) {
			if (options.maxSeconds !== undefined && elapsedSeconds() > options.maxSeconds) break;
			clock.advance(20 * 60_000 + Math.floor(random() * 80 * 60_000));
			if (random() < 0.6) change(`${random() < 0.5 ? 'f' : 'm'}${Math.floor(random() * 40)}`);
			if (random() < 0.01)
				for (let i = 0; i < 10; i++) change(`${random() < 0.5 ? 'f' : 'm'}${Math.floor(random() * 40)}`);
			if (random() < 0.02) {
				harness.restart();
				restarts++;
			}
			slow.beforePoll();
			await poll();
		}
		const simulatedDays = Math.round((mock.server.now() - start) / (24 * HOUR));
		slow.stop();
		mock.server.randomFaults = undefined;
		hostile.uninstall(mock.server);
		for (let i = 0; i < 24; i++) {
			clock.advance(3 * HOUR); // three quiet days without faults: every open day closes and is read
			await poll();
		}

		const expected = mock.changes.map((c) => `${c.stream} ${c.key} ${c.version}`);
		const known = new Set(expected);
		return {
			scenario: `Hal Leonard DAM Trigger, ${variant.name}`,
			...compare(expected, emitted),
			polls,
			failedPolls,
			restarts,
			requests: mock.server.requests.length,
			faults: { ...mock.server.faultsApplied },
			leaked: hostile.leaked(),
			seconds: Math.round(elapsedSeconds()),
			details: {
				// Changes listed by the mock (changes counts distinct ones; both are equal unless one repeats).
				listed: expected.length,
				unexpected: [...emitted.keys()].filter((id) => !known.has(id)).length,
				simulatedDays,
				maxStateBytes,
			},
		};
	} finally {
		await hostile.stop();
		sleeps.restore();
		await mock.stop();
		clock.uninstall();
	}
}

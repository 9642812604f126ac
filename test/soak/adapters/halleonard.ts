import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { STATE_KEY, stateSize } from '../../../nodes/shared/sync/state';
import { credentialsFor } from '../../harness/providers';
import { HalLeonardMock, TestClock } from '../../../sandbox/halleonard';
import { PROVIDERS } from '../../../sandbox/providers';
import { type SoakAdapter, soakCase } from '../runner';
import { compare } from '../types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One way of running the DAM trigger (its parameters and the DAM's situation). */
export interface HalLeonardVariant {
	name: string;
	/** The seed its simulation runs with. */
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
		serverSkewMs: 3 * MINUTE,
	},
	{
		name: 'every poll queries, 3 changes per poll, durable cursors',
		seed: 14,
		parameters: { syncOptions: { minIntervalMinutes: 0, maxItemsPerPoll: 3 } },
		durableCursors: true,
	},
];

/**
 * The Hal Leonard DAM Trigger against the mock, from 20 December 2024 on, one poll every 20 to
 * 100 simulated minutes (2,000 polls are about three months: winter into spring, so the DAM's
 * calendar also crosses a DST change): PDFs are modified and asset metadata is changed or deleted
 * at random times of day, sometimes in bursts of ten; a share of requests fail (500, 503 with
 * Retry-After, truncated and malformed XML, dropped connections, optionally slow answers that run
 * into the poll budget); n8n restarts now and then.
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
export const halLeonardSoak: SoakAdapter<{ variant: HalLeonardVariant }> = {
	provider: 'halleonard',
	async open(run, { variant }) {
		const clock = new TestClock();
		clock.install(Date.parse('2024-12-20T15:00:00Z'));
		const mock = new HalLeonardMock();
		await mock.start();
		if (variant.damTimeZone) mock.timeZone = variant.damTimeZone;
		mock.server.clockOffsetMs = variant.serverSkewMs ?? 0;
		const lastChange = new Map<string, number>();
		const { random } = run;
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
		const randomKey = () => `${random() < 0.5 ? 'f' : 'm'}${Math.floor(random() * 40)}`;
		let faultsFrom = 0;
		let simulatedDays = 0;
		let maxStateBytes = 0;
		return {
			scenario: `Hal Leonard DAM Trigger, ${variant.name}`,
			server: mock.server,
			faults: [
				{ kind: 'status', status: 500, body: 'Internal Server Error', contentType: 'text/plain' },
				{ kind: 'status', status: 503, retryAfter: '2', body: 'busy', contentType: 'text/plain' },
				{ kind: 'truncate' },
				{
					kind: 'malformed',
					body: '<?xml version="1.0"?><DAMResponse><ModifiedFileResponse><ModifiedFile>',
					contentType: 'text/xml',
				},
				{ kind: 'reset' },
			],
			trigger: {
				type: PROVIDERS.halleonard.nodeTypes.trigger,
				parameters: {
					events: ['modifiedFile', 'assetMetadata'],
					...variant.parameters,
					syncOptions: (variant.parameters.syncOptions ?? {}) as IDataObject,
				} as INodeParameters,
				credentials: credentialsFor('halleonard', mock),
			},
			durableCursors: variant.durableCursors,
			// Start From: Now — the activation poll comes before the faults.
			activateFirst: true,
			beginFaults() {
				faultsFrom = mock.server.now();
			},
			endFaults() {
				simulatedDays = Math.round((mock.server.now() - faultsFrom) / (24 * HOUR));
			},
			tick() {
				clock.advance(20 * MINUTE + Math.floor(random() * 80 * MINUTE));
				if (random() < 0.6) change(randomKey());
				if (random() < 0.01) for (let i = 0; i < 10; i++) change(randomKey());
			},
			// Three quiet days: every open day closes and is read.
			drain: { polls: 24, step: () => clock.advance(3 * HOUR) },
			keyOf({ json: j }) {
				return j.event === 'fileModified'
					? `modifiedFile ${String(j.assetId)}|${String(j.fileName)} ${String(j.lastModified)}`
					: `assetMetadata ${String(j.kind)}|${String(j.assetId)} ${j.deleted ? 'deleted@' : ''}${String((j.metadata as IDataObject).Edition)}`;
			},
			observe(harness) {
				const state = harness.memoryState?.[STATE_KEY] as IDataObject | undefined;
				if (state) maxStateBytes = Math.max(maxStateBytes, stateSize(state));
			},
			verdict() {
				const expected = mock.changes.map((c) => `${c.stream} ${c.key} ${c.version}`);
				const known = new Set(expected);
				return {
					...compare(expected, run.emitted),
					details: {
						// Changes listed by the mock (changes counts distinct ones; both are equal unless one repeats).
						listed: expected.length,
						unexpected: [...run.emitted.keys()].filter((id) => !known.has(id)).length,
						simulatedDays,
						maxStateBytes,
					},
				};
			},
			async close() {
				await mock.stop();
				clock.uninstall();
			},
		};
	},
};

const variant = (name: string) => HAL_LEONARD_VARIANTS.find((v) => v.name.startsWith(name))!;

/** `npm run soak`'s runs of the Hal Leonard DAM Trigger (seeds of their own, not the simulations'). */
export const HALLEONARD_SOAK = [
	soakCase('Hal Leonard DAM, defaults', halLeonardSoak, 121, { variant: variant('defaults') }),
	soakCase('Hal Leonard DAM, Pacific DAM, skewed clock', halLeonardSoak, 122, { variant: variant('DAM on Pacific') }),
	soakCase('Hal Leonard DAM, every poll queries, durable cursors', halLeonardSoak, 123, {
		variant: variant('every poll'),
	}),
];

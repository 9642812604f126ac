import type { IDataObject } from 'n8n-workflow';

import { stateSize } from '../../../nodes/shared/sync/state';
import { credentialsFor } from '../../harness/providers';
import { type GeneratedEvent, PantherMediaMock, ROW_TYPES } from '../../../sandbox/panthermedia';
import { PROVIDERS } from '../../../sandbox/providers';
import { seededRandom } from '../../../sandbox/random';
import { type SoakAdapter, soakCase } from '../runner';
import { compare } from '../types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A row as PantherMedia lists it: event type, media id and date (whole seconds, UTC). */
export const pantherEventKey = (e: { type?: unknown; event?: unknown; id: unknown; date: unknown }) =>
	`${String(e.type ?? e.event)}:${String(e.id)}:${typeof e.date === 'number' ? new Date(e.date).toISOString().replace('.000Z', 'Z') : String(e.date)}`;

export interface PantherMediaSoakOptions {
	firstRun: 'date' | 'now';
	/** n8n 2.36+'s durable poll cursors instead of n8n's default saving. */
	durableCursors: boolean;
	/** Label for the printed figures. */
	name?: string;
}

/**
 * The PantherMedia Trigger against the mock: media are added, changed and deleted at random,
 * PantherMedia shows each change three days after its date (10 % up to 50 minutes later still:
 * stragglers inside the 60-minute lookback), a share of all requests fail (429 with Retry-After,
 * 421 "Too many Request" in PantherMedia's XML, 500, 503, truncated and malformed XML, dropped
 * connections, optionally slow answers that run into the poll budget), PantherMedia ignores a
 * cursor or serves an unreadable row now and then, n8n restarts now and then, and media info is
 * fetched in batches (3 ids, 2 in parallel).
 *
 * What is knowable: PantherMedia lists every row (type, id, date) it ever showed, so every row
 * dated after the start is expected exactly once — lost and duplicated are exact.
 *
 * What is not: a change PantherMedia replaced before showing it (a second change of one media
 * moves its "changed" row) can never be emitted by anyone. Changes of one media are therefore
 * only made once the previous one was emitted (docs/panthermedia.md, "Limits"); one tick is
 * 20 simulated minutes.
 */
export const pantherMediaSoak: SoakAdapter<PantherMediaSoakOptions> = {
	provider: 'panthermedia',
	async open(run, options) {
		const mock = new PantherMediaMock({ seed: false });
		await mock.start();
		const simStart = mock.now();
		const withInfo = { ok: 0, gone: 0 };
		let maxStateBytes = 0;
		const alive = () => [...mock.media.values()].filter((m) => !m.deleted);
		const lastChange = (id: string) => mock.events.filter((e) => e.id === id && e.type === 'changed').at(-1);
		/** Rows dated from the start on, once the trigger is active: what it must emit. */
		const expectedEvents = (): GeneratedEvent[] =>
			mock.events.filter((e) => run.activatedAt !== undefined && e.date >= simStart);
		return {
			scenario: `PantherMedia Trigger, ${options.name ?? `${options.firstRun === 'now' ? 'start from now' : 'start from a date'}, ${options.durableCursors ? 'durable poll cursors' : 'n8n’s default saving'}`}`,
			server: mock.server,
			faults: [
				{ kind: 'status', status: 429, retryAfter: '1' },
				{
					kind: 'status',
					status: 421,
					body: '<rsp stat="fail"><err code="421" msg="Too many Request"/></rsp>',
					contentType: 'text/xml',
				},
				{ kind: 'status', status: 500 },
				{ kind: 'status', status: 503 },
				{ kind: 'truncate' },
				{
					kind: 'malformed',
					body: '<?xml version="1.0"?><rsp stat="ok"><items type="new"><media id="1" date="Mon, 11 Jan',
					contentType: 'text/xml',
				},
				{ kind: 'reset' },
			],
			trigger: {
				type: PROVIDERS.panthermedia.nodeTypes.trigger,
				parameters: {
					events: ['new', 'changed', 'deleted'],
					includeMediaInfo: true,
					firstRun: options.firstRun,
					startDate: new Date(simStart).toISOString(),
					syncOptions: { maxItemsPerPoll: 7, lookbackMinutes: 60, infoBatchSize: 3, infoConcurrency: 2 },
				},
				credentials: credentialsFor('panthermedia', mock),
			},
			durableCursors: options.durableCursors,
			beginFaults() {
				mock.hostile.rates = { random: seededRandom(run.seed + 5), ignoreCursor: 0.01, badRow: 0.01 };
			},
			endFaults() {
				mock.hostile.rates = undefined;
			},
			tick() {
				mock.server.advance(20 * MINUTE);
				if (run.activatedAt === undefined) return;
				const { random } = run;
				const straggle = () => (random() < 0.1 ? Math.floor(random() * 50 * MINUTE) : 0);
				if (random() < 0.5) mock.addMedia({ extraLagMs: straggle() });
				const pool = alive();
				if (pool.length > 0 && random() < 0.3) {
					const media = pool[Math.floor(random() * pool.length)];
					const previous = lastChange(media.id);
					if (!previous || run.emitted.has(pantherEventKey(previous)))
						mock.change(media.id, { extraLagMs: straggle() });
				}
				if (pool.length > 20 && random() < 0.05)
					mock.remove(pool[Math.floor(random() * pool.length)].id, { extraLagMs: straggle() });
			},
			// Six quiet days: PantherMedia shows the last changes (three days late) and the lookback
			// re-reads pass.
			drain: { polls: 6 * 24, step: () => mock.server.advance(HOUR) },
			keyOf: (item) => pantherEventKey(item.json as IDataObject & { id: string; date: string }),
			observe(harness, out) {
				for (const item of out?.[0] ?? []) {
					if (item.json.event === 'deleted') continue;
					if (item.json.media) withInfo.ok++;
					else if (item.json.media === null) withInfo.gone++;
				}
				maxStateBytes = Math.max(
					maxStateBytes,
					stateSize(harness.saved),
					stateSize((harness.memoryState ?? {}) as IDataObject),
				);
			},
			misbehaviourCounts: () => ({ ...mock.hostile.counts }),
			verdict() {
				const events = expectedEvents();
				const expected = events.map(pantherEventKey);
				const known = new Set(expected);
				return {
					...compare(expected, run.emitted),
					details: {
						// Rows listed (changes counts distinct rows; both are equal unless a row repeats).
						rows: events.length,
						byType: Object.fromEntries(ROW_TYPES.map((t) => [t, events.filter((e) => e.type === t).length])),
						// Emitted rows PantherMedia never listed (counted in duplicated as well).
						unexpected: [...run.emitted.keys()].filter((k) => !known.has(k)).length,
						withInfo,
						maxStateBytes,
					},
				};
			},
			close: () => mock.stop(),
		};
	},
};

/** `npm run soak`'s runs of the PantherMedia Trigger. */
export const PANTHERMEDIA_SOAK = [
	soakCase('PantherMedia, start from a date, default saving', pantherMediaSoak, 111, {
		firstRun: 'date',
		durableCursors: false,
	}),
	soakCase('PantherMedia, start from now, durable cursors', pantherMediaSoak, 112, {
		firstRun: 'now',
		durableCursors: true,
	}),
];

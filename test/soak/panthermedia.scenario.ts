import type { IDataObject } from 'n8n-workflow';

import { stateSize } from '../../nodes/shared/sync/state';
import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { type GeneratedEvent, PantherMediaMock, type RowType } from '../../sandbox/panthermedia';
import { seededRandom } from '../../sandbox/random';
import type { Fault } from '../../sandbox/server';
import { HostileMix } from './hostile';
import { SlowAnswers } from './slow';
import { type SoakOptions, type SoakResult, compare } from './types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A row as PantherMedia lists it: event type, media id and date (whole seconds, UTC). */
export const pantherEventKey = (e: { type?: unknown; event?: unknown; id: unknown; date: unknown }) =>
	`${String(e.type ?? e.event)}:${String(e.id)}:${typeof e.date === 'number' ? new Date(e.date).toISOString().replace('.000Z', 'Z') : String(e.date)}`;

export interface PantherMediaSoakOptions extends SoakOptions {
	firstRun: 'date' | 'now';
	/** n8n 2.36+'s durable poll cursors instead of n8n's default saving. */
	durableCursors: boolean;
	/** Label for the printed figures. */
	name?: string;
}

/**
 * The PantherMedia Trigger over real HTTP against the mock: media are added, changed and deleted
 * at random, PantherMedia shows each change three days after its date (10 % up to 50 minutes
 * later still: stragglers inside the 60-minute lookback), a share of all requests fail (429 with
 * Retry-After, 421 "Too many Request" in PantherMedia's XML, 500, 503, truncated and malformed
 * XML, dropped connections, optionally slow answers that run into the poll budget), n8n restarts
 * now and then, and media info is fetched in batches (3 ids, 2 in parallel).
 *
 * What is knowable: PantherMedia lists every row (type, id, date) it ever showed, so every row
 * dated after the start is expected exactly once — lost and duplicated are exact.
 *
 * What is not: a change PantherMedia replaced before showing it (a second change of one media
 * moves its "changed" row) can never be emitted by anyone. Changes of one media are therefore
 * only made once the previous one was emitted (docs/panthermedia.md, "Limits"); one tick is
 * 20 simulated minutes.
 */
export async function pantherMediaScenario(options: PantherMediaSoakOptions): Promise<SoakResult> {
	const started = performance.now();
	const sleeps = recordSleeps();
	const random = seededRandom(options.seed);
	const mock = new PantherMediaMock({ seed: false });
	const baseUrl = await mock.start();
	// Now and then a redirect elsewhere or a Date from 2100; nothing may reach the other origin.
	const hostile = new HostileMix(options.seed);
	await hostile.start();
	try {
		const simStart = mock.now();
		const harness = new PollHarness(
			{
				type: 'pantherMediaTrigger',
				parameters: {
					events: ['new', 'changed', 'deleted'],
					includeMediaInfo: true,
					firstRun: options.firstRun,
					startDate: new Date(simStart).toISOString(),
					syncOptions: { maxItemsPerPoll: 7, lookbackMinutes: 60, infoBatchSize: 3, infoConcurrency: 2 },
				} as never,
				credentials: { pantherMediaApi: { apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl } },
			},
			{ durableCursors: options.durableCursors },
		);
		const faults: Fault[] = [
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
		];
		const slow = new SlowAnswers(mock.server, options.seed, options.slowAnswers === true);

		const emitted = new Map<string, number>();
		const withInfo = { ok: 0, gone: 0 };
		let activatedAt: number | undefined;
		let polls = 0;
		let failedPolls = 0;
		let restarts = 0;
		let maxStateBytes = 0;
		const poll = async () => {
			polls++;
			try {
				const out = await harness.poll({ pollBudgetMs: slow.budget() });
				activatedAt ??= mock.now();
				for (const item of out?.[0] ?? []) {
					const key = pantherEventKey(item.json as IDataObject & { id: string; date: string });
					emitted.set(key, (emitted.get(key) ?? 0) + 1);
					if (item.json.event !== 'deleted') {
						if (item.json.media) withInfo.ok++;
						else if (item.json.media === null) withInfo.gone++;
					}
				}
			} catch {
				failedPolls++;
			}
			maxStateBytes = Math.max(
				maxStateBytes,
				stateSize(harness.saved),
				stateSize((harness.memoryState ?? {}) as IDataObject),
			);
		};
		const alive = () => [...mock.media.values()].filter((m) => !m.deleted);
		const lastChange = (id: string) => mock.events.filter((e) => e.id === id && e.type === 'changed').at(-1);

		mock.server.randomFaults = { rate: options.faultRate, random, faults };
		hostile.install(mock.server);
		mock.hostile.rates = { random: seededRandom(options.seed + 5), ignoreCursor: 0.01, badRow: 0.01 };
		for (let tick = 0; tick < options.polls; tick++) {
			if (options.maxSeconds !== undefined && (performance.now() - started) / 1000 > options.maxSeconds) break;
			mock.server.advance(20 * MINUTE);
			if (activatedAt !== undefined) {
				const straggle = () => (random() < 0.1 ? Math.floor(random() * 50 * MINUTE) : 0);
				if (random() < 0.5) mock.addMedia({ extraLagMs: straggle() });
				const pool = alive();
				if (pool.length > 0 && random() < 0.3) {
					const media = pool[Math.floor(random() * pool.length)];
					const previous = lastChange(media.id);
					if (!previous || emitted.has(pantherEventKey(previous))) mock.change(media.id, { extraLagMs: straggle() });
				}
				if (pool.length > 20 && random() < 0.05)
					mock.remove(pool[Math.floor(random() * pool.length)].id, { extraLagMs: straggle() });
			}
			if (random() < 0.02) {
				harness.restart();
				restarts++;
			}
			slow.beforePoll();
			await poll();
		}
		slow.stop();
		mock.server.randomFaults = undefined;
		hostile.uninstall(mock.server);
		mock.hostile.rates = undefined;
		// Six quiet days without faults: PantherMedia shows the last changes (three days late) and
		// the lookback re-reads pass.
		for (let i = 0; i < 6 * 24; i++) {
			mock.server.advance(HOUR);
			await poll();
		}

		const events: GeneratedEvent[] = mock.events.filter((e) => activatedAt !== undefined && e.date >= simStart);
		const expected = events.map(pantherEventKey);
		const known = new Set(expected);
		const byType = Object.fromEntries(
			(['new', 'changed', 'deleted'] as RowType[]).map((t) => [t, events.filter((e) => e.type === t).length]),
		);
		return {
			scenario: `PantherMedia Trigger, ${options.name ?? `${options.firstRun === 'now' ? 'start from now' : 'start from a date'}, ${options.durableCursors ? 'durable poll cursors' : 'n8n’s default saving'}`}`,
			...compare(expected, emitted),
			polls,
			failedPolls,
			restarts,
			requests: mock.server.requests.length,
			faults: { ...mock.server.faultsApplied, ...mock.hostile.counts },
			leaked: hostile.leaked(),
			seconds: Math.round((performance.now() - started) / 1000),
			details: {
				// Rows listed (changes counts distinct rows; both are equal unless a row repeats).
				rows: events.length,
				byType,
				// Emitted rows PantherMedia never listed (counted in duplicated as well).
				unexpected: [...emitted.keys()].filter((k) => !known.has(k)).length,
				withInfo,
				maxStateBytes,
			},
		};
	} finally {
		await hostile.stop();
		sleeps.restore();
		await mock.stop();
	}
}

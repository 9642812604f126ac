import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { PsRestfulMock } from '../../sandbox/psrestful';
import { seededRandom } from '../../sandbox/random';
import type { Fault } from '../../sandbox/server';
import { HostileMix } from './hostile';
import { SlowAnswers } from './slow';
import { type SoakOptions, type SoakResult, compare } from './types';

/**
 * The PSRESTful Trigger over real HTTP against the mock: products change at random, each change
 * is indexed after a random delay (up to 10 minutes, inside the 15-minute lookback), a share of
 * requests fail (429 with Retry-After, 500, 503, truncated and malformed bodies, dropped
 * connections, optionally slow answers that run into the poll budget), and n8n restarts now and then.
 *
 * Changes of one product are at least 30 minutes apart: with an id-only API two changes of one
 * product inside the lookback window cannot be told apart (README, "Limits").
 */
export async function psRestfulScenario(options: SoakOptions & { includeMedia: boolean }): Promise<SoakResult> {
	const started = performance.now();
	const mock = new PsRestfulMock();
	const baseUrl = await mock.start();
	const sleeps = recordSleeps();
	const supplier = options.includeMedia ? 'SIMM' : 'SIMI';
	mock.suppliers.push({ id: 900, code: supplier, name: supplier });
	// Now and then a redirect elsewhere or a Date from 2100; nothing may reach the other origin.
	const hostile = new HostileMix(options.seed);
	await hostile.start();
	try {
		const random = seededRandom(options.seed);
		const faults: Fault[] = [
			{ kind: 'status', status: 429, retryAfter: '1' },
			{ kind: 'status', status: 500 },
			{ kind: 'status', status: 503 },
			{ kind: 'truncate' },
			{ kind: 'malformed', body: '{"MediaDateModifiedArray": {' },
			{ kind: 'reset' },
		];
		const slow = new SlowAnswers(mock.server, options.seed, options.slowAnswers === true);
		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: {
				supplierCode: supplier,
				includeMediaContent: options.includeMedia,
				syncOptions: { concurrency: 4, maxItemsPerPoll: 5, minIntervalMinutes: 0 },
			} as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl } },
		});

		const emitted = new Map<string, number>();
		const lastChange = new Map<string, number>();
		let activated = false;
		let polls = 0;
		let failedPolls = 0;
		let restarts = 0;
		// Without media the item only says when the change was detected: it stands for the
		// newest change made by then.
		const versionAt = (id: string, detectedAt: number) =>
			mock.changes.filter((c) => c.supplier === supplier && c.productId === id && c.at <= detectedAt + 1000).length;
		const poll = async () => {
			polls++;
			try {
				// A short budget: a slow answer runs into the request timeout it leaves.
				const out = await harness.poll({ pollBudgetMs: slow.budget(3_000) });
				activated = true;
				for (const item of out?.[0] ?? []) {
					const id = String(item.json.productId);
					const version = options.includeMedia
						? /\/v(\d+)\.jpg$/.exec(String((item.json.media as Array<{ url: string }>)[0]?.url))?.[1]
						: String(versionAt(id, Date.parse(String(item.json.detectedAt))));
					const key = `${id}@${version}`;
					emitted.set(key, (emitted.get(key) ?? 0) + 1);
				}
			} catch {
				failedPolls++;
			}
		};

		mock.server.randomFaults = { rate: options.faultRate, random, faults };
		hostile.install(mock.server);
		for (let tick = 0; tick < options.polls; tick++) {
			if (options.maxSeconds !== undefined && (performance.now() - started) / 1000 > options.maxSeconds) break;
			mock.server.advance(60_000);
			if (activated && random() < 0.6) {
				const id = `P${Math.floor(random() * 60)}`;
				if (mock.server.now() - (lastChange.get(id) ?? -Infinity) >= 30 * 60_000) {
					mock.modify(supplier, id, { lagMs: Math.floor(random() * 10 * 60_000) });
					lastChange.set(id, mock.server.now());
				}
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
		for (let i = 0; i < 60; i++) {
			mock.server.advance(60_000);
			await poll();
		}

		const truth = mock.changes.filter((c) => c.supplier === supplier).map((c) => `${c.productId}@${c.version}`);
		return {
			scenario: `PSRESTful Trigger, ${options.includeMedia ? 'with media content' : 'ids only'}`,
			...compare(truth, emitted),
			polls,
			failedPolls,
			restarts,
			requests: mock.server.requests.length,
			faults: { ...mock.server.faultsApplied },
			leaked: hostile.leaked(),
			seconds: Math.round((performance.now() - started) / 1000),
		};
	} finally {
		await hostile.stop();
		sleeps.restore();
		await mock.stop();
	}
}

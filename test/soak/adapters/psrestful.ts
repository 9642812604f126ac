import { credentialsFor } from '../../harness/providers';
import { PROVIDERS } from '../../../sandbox/providers';
import { PsRestfulMock } from '../../../sandbox/psrestful';
import { type SoakAdapter, soakCase } from '../runner';
import { compare } from '../types';

const MINUTE = 60_000;

/**
 * The PSRESTful Trigger against the mock: products change at random, each change is indexed
 * after a random delay (up to 10 minutes, inside the 15-minute lookback), a share of requests
 * fail (429 with Retry-After, 500, 503, truncated and malformed bodies, dropped connections,
 * optionally slow answers that run into the poll budget), and n8n restarts now and then. One
 * poll per simulated minute.
 *
 * Changes of one product are at least 30 minutes apart: with an id-only API two changes of one
 * product inside the lookback window cannot be told apart (README, "Limits").
 */
export const psRestfulSoak: SoakAdapter<{ includeMedia: boolean }> = {
	provider: 'psrestful',
	async open(run, options) {
		const mock = new PsRestfulMock();
		await mock.start();
		const supplier = options.includeMedia ? 'SIMM' : 'SIMI';
		mock.suppliers.push({ id: 900, code: supplier, name: supplier });
		const lastChange = new Map<string, number>();
		// Without media the item only says when the change was detected: it stands for the
		// newest change made by then.
		const versionAt = (id: string, detectedAt: number) =>
			mock.changes.filter((c) => c.supplier === supplier && c.productId === id && c.at <= detectedAt + 1000).length;
		return {
			scenario: `PSRESTful Trigger, ${options.includeMedia ? 'with media content' : 'ids only'}`,
			server: mock.server,
			faults: [
				{ kind: 'status', status: 429, retryAfter: '1' },
				{ kind: 'status', status: 500 },
				{ kind: 'status', status: 503 },
				{ kind: 'truncate' },
				{ kind: 'malformed', body: '{"MediaDateModifiedArray": {' },
				{ kind: 'reset' },
			],
			trigger: {
				type: PROVIDERS.psrestful.nodeTypes.trigger,
				parameters: {
					supplierCode: supplier,
					includeMediaContent: options.includeMedia,
					syncOptions: { concurrency: 4, maxItemsPerPoll: 5, minIntervalMinutes: 0 },
				},
				credentials: credentialsFor('psrestful', mock),
			},
			// A short budget: a slow answer runs into the request timeout it leaves.
			pollBudgetMs: 3_000,
			tick() {
				mock.server.advance(MINUTE);
				if (run.activatedAt !== undefined && run.random() < 0.6) {
					const id = `P${Math.floor(run.random() * 60)}`;
					if (mock.server.now() - (lastChange.get(id) ?? -Infinity) >= 30 * MINUTE) {
						mock.modify(supplier, id, { lagMs: Math.floor(run.random() * 10 * MINUTE) });
						lastChange.set(id, mock.server.now());
					}
				}
			},
			drain: { polls: 60, step: () => mock.server.advance(MINUTE) },
			keyOf(item) {
				const id = String(item.json.productId);
				const version = options.includeMedia
					? /\/v(\d+)\.jpg$/.exec(String((item.json.media as Array<{ url: string }>)[0]?.url))?.[1]
					: String(versionAt(id, Date.parse(String(item.json.detectedAt))));
				return `${id}@${version}`;
			},
			verdict: () =>
				compare(
					mock.changes.filter((c) => c.supplier === supplier).map((c) => `${c.productId}@${c.version}`),
					run.emitted,
				),
			close: () => mock.stop(),
		};
	},
};

/** `npm run soak`'s runs of the PSRESTful Trigger. */
export const PSRESTFUL_SOAK = [
	soakCase('PSRESTful, media content', psRestfulSoak, 101, { includeMedia: true }),
	soakCase('PSRESTful, ids only', psRestfulSoak, 102, { includeMedia: false }),
];

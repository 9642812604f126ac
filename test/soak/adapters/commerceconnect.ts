import { credentialsFor } from '../../harness/providers';
import { CommerceConnectMock, type StoredItem } from '../../../sandbox/commerceconnect';
import { PROVIDERS } from '../../../sandbox/providers';
import { seededRandom } from '../../../sandbox/random';
import { type SoakAdapter, soakCase } from '../runner';

const MINUTE = 60_000;

export interface CommerceConnectSoakOptions {
	/** How the server compares updated_time_from/to: inclusive (default) or exclusive. */
	boundMode: 'inclusive' | 'exclusive';
	/** Stored time precision: milliseconds, or whole seconds (MySQL DATETIME). */
	precision: 'ms' | 's';
	lookbackMinutes: number;
	/** Label for the printed figures. */
	name?: string;
}

/** A version replaced sooner than this after it was written may never be visible to any poller. */
const MIN_LIFE_MS = 30 * MINUTE;

/**
 * The CommerceConnect Trigger against the stateful mock, one poll per simulated minute: media
 * items are created, edited and deleted at random; now and then (1.5 % of minutes) a bulk job
 * writes 150 items within one second (more than a page: the trigger must page inside a
 * one-second slice); while the trigger pages, other users edit items of the very range it reads
 * (so offset paging drifts); writes become visible up to 3 s late; a share of requests fail (429
 * with Retry-After, 500, 503 with an HTML page, truncated and malformed JSON, dropped
 * connections, optionally slow answers that run into the poll budget); CommerceConnect ignores a
 * page number or serves an entry without an id now and then; n8n restarts now and then.
 *
 * What is knowable: the mock keeps every version of every item, so an emitted version that never
 * existed, or one emitted twice, is counted exactly (duplicated counts both).
 *
 * What is not: CommerceConnect lists only each item's current state and deleted items not at
 * all, so a version replaced within seconds may never be visible to any poller. "Lost" therefore
 * counts the versions that stayed current for 30 minutes or more, or are the item's final one;
 * edits of one item are made at least 30 minutes apart, except the mid-poll edits of other users
 * (whose replaced versions are then not required). Deletions are not trigger events here.
 */
export const commerceConnectSoak: SoakAdapter<CommerceConnectSoakOptions> = {
	provider: 'commerceconnect',
	async open(run, options) {
		const { random } = run;
		const mock = new CommerceConnectMock();
		mock.boundMode = options.boundMode;
		mock.precision = options.precision;
		await mock.start();
		const lastChange = new Map<number, number>();
		const eligible = () => {
			const now = mock.server.now();
			return [...mock.items.values()].filter((i) => now - (lastChange.get(i.id) ?? i.updated_at) >= MIN_LIFE_MS);
		};
		const pick = <T>(list: T[]): T | undefined =>
			list.length === 0 ? undefined : list[Math.floor(random() * list.length)];
		const lag = () => Math.floor(random() * 3000);
		let counter = 0;
		const create = (at?: number): StoredItem => {
			mock.visibilityLagMs = lag();
			const item = mock.seed(
				{ url: `https://cdn.example.com/sim/${counter++}.jpg`, product_id: 9, description: 'v1', tag_list: ['sim'] },
				at,
			);
			lastChange.set(item.id, item.updated_at);
			return item;
		};
		const edit = (item: StoredItem) => {
			mock.visibilityLagMs = lag();
			mock.edit(item.id, { description: `v${item.version + 1}`, position: Math.floor(random() * 10) });
			lastChange.set(item.id, mock.server.now());
		};
		let bursts = 0;
		let midPollEdits = 0;

		for (let i = 0; i < 200; i++) create(); // the catalogue before activation
		mock.server.advance(MINUTE);

		const versionKey = (change: { id: number; version: number }) => `${change.id}@v${change.version}`;
		return {
			scenario: `CommerceConnect Trigger, ${options.name ?? `${options.boundMode} bounds, ${options.precision} timestamps, ${options.lookbackMinutes}-minute lookback`}`,
			server: mock.server,
			faults: [
				{ kind: 'status', status: 429, retryAfter: '1', body: '{"error":"Rate limit exceeded"}' },
				{ kind: 'status', status: 500, body: '{"error":"Internal Server Error"}' },
				{ kind: 'status', status: 503, contentType: 'text/html', body: '<html>Service Unavailable</html>' },
				{ kind: 'truncate' },
				{ kind: 'malformed', body: '{"page":1,"per_page":100,"entries":[{"id":' },
				{ kind: 'reset' },
			],
			trigger: {
				type: PROVIDERS.commerceconnect.nodeTypes.trigger,
				// Writes here become visible within 3 s, inside the 5 s settle lag: no lookback is needed.
				parameters: { event: 'updated', syncOptions: { lookbackMinutes: options.lookbackMinutes } },
				credentials: credentialsFor('commerceconnect', mock),
			},
			beginFaults() {
				mock.hostile.rates = {
					random: seededRandom(run.seed + 5),
					ignorePage: 0.01,
					entryWithoutId: 0.01,
					fewerPages: 0.01,
				};
				// Other users edit items while the trigger reads: an item of the very range being paged.
				mock.onList = (request) => {
					if (run.activatedAt === undefined || request.query.get('page') === '1' || random() < 0.5) return;
					const from = Date.parse(request.query.get('updated_time_from') ?? '');
					const to = Date.parse(request.query.get('updated_time_to') ?? '');
					const item = pick([...mock.items.values()].filter((i) => i.updated_at >= from && i.updated_at <= to));
					if (item) {
						edit(item);
						midPollEdits++;
					}
				};
			},
			endFaults() {
				mock.hostile.rates = undefined;
				mock.onList = undefined;
			},
			tick() {
				mock.server.advance(MINUTE);
				if (run.activatedAt === undefined) return;
				if (random() < 0.5) create();
				if (random() < 0.6) {
					const item = pick(eligible());
					if (item) edit(item);
				}
				if (random() < 0.05) {
					const item = pick(eligible());
					if (item) mock.remove(item.id);
				}
				if (random() < 0.015) {
					// A bulk job: 150 items inside one second.
					bursts++;
					const at = mock.now();
					for (let i = 0; i < 150; i++) create(at + Math.floor(random() * 900));
				}
			},
			drain: { polls: 30, step: () => mock.server.advance(MINUTE) },
			keyOf: (item) => `${String(item.json.id)}@${String(item.json.description)}`,
			misbehaviourCounts: () => ({ ...mock.hostile.counts }),
			verdict() {
				const { activatedAt, emitted } = run;
				const changes = mock.changes.filter(
					(c) => c.kind !== 'deleted' && activatedAt !== undefined && c.at > activatedAt,
				);
				// When each version stopped being current (its item's next change or deletion).
				const replacedAt = new Map<string, number>();
				const latest = new Map<number, string>();
				for (const change of mock.changes) {
					const previous = latest.get(change.id);
					if (previous) replacedAt.set(previous, change.at);
					latest.set(change.id, versionKey(change));
				}
				const required = changes.filter((c) => {
					const end = replacedAt.get(versionKey(c));
					return end === undefined || end - c.at >= MIN_LIFE_MS;
				});
				const requiredSet = new Set(required);
				let lost = 0;
				for (const change of required) if ((emitted.get(versionKey(change)) ?? 0) === 0) lost++;
				let duplicated = 0;
				for (const count of emitted.values()) if (count > 1) duplicated += count - 1;
				// Emitted versions that were not changes after activation (e.g. from before it).
				const changeKeys = new Set(changes.map(versionKey));
				const extra = [...emitted.keys()].filter((key) => !changeKeys.has(key)).length;
				return {
					changes: changes.length,
					emitted: [...emitted.values()].reduce((a, b) => a + b, 0),
					lost,
					duplicated: duplicated + extra,
					details: {
						required: required.length,
						// Versions replaced within 30 minutes (not required) that were emitted anyway.
						shortLivedEmitted: changes.filter((c) => !requiredSet.has(c) && emitted.has(versionKey(c))).length,
						extra,
						bursts,
						midPollEdits,
					},
				};
			},
			close: () => mock.stop(),
		};
	},
};

/** `npm run soak`'s runs of the CommerceConnect Trigger. */
export const COMMERCECONNECT_SOAK = [
	soakCase('CommerceConnect, inclusive bounds, 5-minute lookback', commerceConnectSoak, 131, {
		boundMode: 'inclusive',
		precision: 'ms',
		lookbackMinutes: 5,
	}),
	soakCase('CommerceConnect, exclusive whole-second bounds, no lookback', commerceConnectSoak, 132, {
		boundMode: 'exclusive',
		precision: 's',
		lookbackMinutes: 0,
	}),
];

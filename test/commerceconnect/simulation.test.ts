import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { CommerceConnectMock, type StoredItem } from '../mocks/commerceconnect';
import { seededRandom } from '../mocks/random';
import type { Fault } from '../mocks/server';

/**
 * The CommerceConnect Trigger over real HTTP against the stateful mock, for 1,500 one-minute
 * polls per variant: media items are created, edited and deleted at random; now and then a
 * bulk job writes 150 items within one second (more than a page: the trigger must page inside
 * a one-second slice); while the trigger pages, other users edit items it is reading (so offset
 * paging drifts); writes become visible up to 3 s late; 20 % of requests fail (429 with
 * Retry-After, 500, 503, truncated and malformed JSON, dropped connections); n8n restarts now
 * and then. Every version of every item must be emitted exactly once.
 *
 * The mid-poll edits aim at the slice the trigger is paging (an item of the range it reads moves
 * to the present), which is what makes offset paging skip. One variant has no lookback, so a
 * skipped item gets no second chance from an overlapping window.
 *
 * A version replaced within seconds may never be visible to any poller (a documented limit), so
 * "lost" counts the versions that stayed current for 30 minutes or more, or are the final one;
 * every emitted version must be a real one, and none may be emitted twice.
 */
describe('CommerceConnect Trigger simulation', () => {
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(() => (sleeps = recordSleeps()));
	afterAll(() => sleeps.restore());

	it.each([
		['inclusive bounds, ms timestamps, 5-minute lookback', 21, 'inclusive', 'ms', 5],
		['exclusive bounds, whole-second timestamps, no lookback', 22, 'exclusive', 's', 0],
	] as const)('emits every change exactly once (%s)', async (name, seed, boundMode, precision, lookbackMinutes) => {
		const random = seededRandom(seed);
		const mock = new CommerceConnectMock();
		mock.boundMode = boundMode;
		mock.precision = precision;
		const baseUrl = await mock.start();
		try {
			const MIN_LIFE_MS = 30 * 60_000;
			const lastChange = new Map<number, number>();
			const eligible = () => {
				const now = mock.server.now();
				return [...mock.items.values()].filter((i) => now - (lastChange.get(i.id) ?? i.updated_at) >= MIN_LIFE_MS);
			};
			const pick = <T>(list: T[]): T | undefined => (list.length === 0 ? undefined : list[Math.floor(random() * list.length)]);
			const lag = () => Math.floor(random() * 3000);
			let counter = 0;
			const create = (at?: number): StoredItem => {
				mock.visibilityLagMs = lag();
				const item = mock.seed({ url: `https://cdn.example.com/sim/${counter++}.jpg`, product_id: 9, description: 'v1', tag_list: ['sim'] }, at);
				lastChange.set(item.id, item.updated_at);
				return item;
			};
			const edit = (item: StoredItem) => {
				mock.visibilityLagMs = lag();
				mock.edit(item.id, { description: `v${item.version + 1}`, position: Math.floor(random() * 10) });
				lastChange.set(item.id, mock.server.now());
			};

			for (let i = 0; i < 200; i++) create(); // the catalogue before activation
			mock.server.advance(60_000);

			const harness = new PollHarness({
				type: 'commerceConnectTrigger',
				// Writes here become visible within 3 s, inside the 5 s settle lag: no lookback is needed.
				parameters: { event: 'updated', syncOptions: { lookbackMinutes } } as never,
				credentials: { commerceConnectApi: { email: mock.email, apiToken: mock.token, baseUrl } },
			});
			const emitted = new Map<string, number>();
			let activatedAt: number | undefined;
			let polls = 0;
			let failed = 0;
			let restarts = 0;
			let bursts = 0;
			let midPollEdits = 0;
			const poll = async () => {
				polls++;
				try {
					const out = await harness.poll();
					activatedAt ??= mock.server.now();
					for (const item of out?.[0] ?? []) {
						const key = `${String(item.json.id)}@${String(item.json.description)}`;
						emitted.set(key, (emitted.get(key) ?? 0) + 1);
					}
				} catch {
					failed++;
				}
			};

			const faults: Fault[] = [
				{ kind: 'status', status: 429, retryAfter: '1', body: '{"error":"Rate limit exceeded"}' },
				{ kind: 'status', status: 500, body: '{"error":"Internal Server Error"}' },
				{ kind: 'status', status: 503, contentType: 'text/html', body: '<html>Service Unavailable</html>' },
				{ kind: 'truncate' },
				{ kind: 'malformed', body: '{"page":1,"per_page":100,"entries":[{"id":' },
				{ kind: 'reset' },
			];
			mock.server.randomFaults = { rate: 0.2, random, faults };
			// Other users edit items while the trigger reads: an item of the very range being paged.
			mock.onList = (request, phase) => {
				if (activatedAt === undefined || request.query.get('page') === '1' || random() < 0.5) return;
				const from = Date.parse(request.query.get('updated_time_from') ?? '');
				const to = Date.parse(request.query.get('updated_time_to') ?? '');
				const inRange = [...mock.items.values()].filter((i) => i.updated_at >= from && i.updated_at <= to);
				const item = pick(inRange);
				if (item) {
					edit(item);
					midPollEdits++;
				}
				void phase;
			};

			for (let tick = 0; tick < 1500; tick++) {
				mock.server.advance(60_000);
				if (activatedAt !== undefined) {
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
				}
				if (random() < 0.02) {
					harness.restart();
					restarts++;
				}
				await poll();
			}
			mock.server.randomFaults = undefined;
			mock.onList = undefined;
			for (let i = 0; i < 30; i++) {
				mock.server.advance(60_000);
				await poll();
			}

			const changes = mock.changes.filter((c) => c.kind !== 'deleted' && activatedAt !== undefined && c.at > activatedAt);
			// When each version stopped being current (its item's next change or deletion).
			const replacedAt = new Map<string, number>();
			const latest = new Map<number, string>();
			for (const change of mock.changes) {
				const previous = latest.get(change.id);
				if (previous) replacedAt.set(previous, change.at);
				latest.set(change.id, `${change.id}@v${change.version}`);
			}
			const required = changes.filter((c) => {
				const key = `${c.id}@v${c.version}`;
				const end = replacedAt.get(key);
				return end === undefined || end - c.at >= MIN_LIFE_MS;
			});
			let lost = 0;
			let duplicated = 0;
			for (const change of required) {
				const count = emitted.get(`${change.id}@v${change.version}`) ?? 0;
				if (count === 0) lost++;
			}
			for (const count of emitted.values()) if (count > 1) duplicated += count - 1;
			const total = [...emitted.values()].reduce((a, b) => a + b, 0);
			// Emitted versions that were not changes after activation (e.g. from before it).
			const changeKeys = new Set(changes.map((c) => `${c.id}@v${c.version}`));
			const extra = [...emitted.keys()].filter((key) => !changeKeys.has(key)).length;
			console.log(
				`CommerceConnect simulation (${name}): ${JSON.stringify({
					changes: changes.length,
					required: required.length,
					emitted: total,
					lost,
					duplicated,
					extra,
					polls,
					failedPolls: failed,
					restarts,
					bursts,
					midPollEdits,
					requests: mock.server.requests.length,
					faults: mock.server.faultsApplied,
				})}`,
			);
			expect(required.length).toBeGreaterThan(2000);
			expect(bursts).toBeGreaterThan(8);
			expect(midPollEdits).toBeGreaterThan(30);
			expect(failed).toBeGreaterThan(0);
			expect(lost).toBe(0);
			expect(duplicated).toBe(0);
			expect(extra).toBe(0);
		} finally {
			await mock.stop();
		}
	}, 300_000);
});

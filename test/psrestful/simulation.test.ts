import { recordSleeps } from '../harness/assertions';
import { PollHarness } from '../harness/n8n';
import { PsRestfulMock } from '../mocks/psrestful';
import { seededRandom } from '../mocks/random';
import type { Fault } from '../mocks/server';

/**
 * The PSRESTful Trigger over real HTTP against the mock, for ~1,500 polls: products change at
 * random, each change is indexed after a random delay (up to 10 minutes, inside the 15-minute
 * lookback), 20 % of requests fail (429 with Retry-After, 500, truncated and malformed bodies,
 * dropped connections), and n8n restarts now and then. Every change is emitted exactly once.
 *
 * Changes of one product are at least 30 minutes apart here: with an id-only API two changes
 * of one product inside the lookback window cannot be told apart (see README, "Limits").
 */
describe('PSRESTful Trigger simulation', () => {
	const mock = new PsRestfulMock();
	let baseUrl: string;
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(async () => {
		baseUrl = await mock.start();
		sleeps = recordSleeps();
	});
	afterAll(async () => {
		sleeps.restore();
		await mock.stop();
	});

	it.each([
		['with media content', true, 'SIMM'],
		['ids only', false, 'SIMI'],
	] as const)('emits every change exactly once (%s)', async (name, includeMedia, supplier) => {
		const random = seededRandom(includeMedia ? 7 : 8);
		mock.suppliers.push({ id: 900 + supplier.length, code: supplier, name: supplier });
		const faults: Fault[] = [
			{ kind: 'status', status: 429, retryAfter: '1' },
			{ kind: 'status', status: 500 },
			{ kind: 'status', status: 503 },
			{ kind: 'truncate' },
			{ kind: 'malformed', body: '{"MediaDateModifiedArray": {' },
			{ kind: 'reset' },
		];
		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: { supplierCode: supplier, includeMediaContent: includeMedia, syncOptions: { concurrency: 4, maxItemsPerPoll: 5, minIntervalMinutes: 0 } } as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl } },
		});

		const emitted = new Map<string, number>();
		const lastChange = new Map<string, number>();
		let activatedAt: number | undefined;
		let polls = 0;
		let failed = 0;
		let restarts = 0;
		const poll = async () => {
			polls++;
			try {
				const out = await harness.poll();
				activatedAt ??= mock.server.now();
				for (const item of out?.[0] ?? []) {
					const id = String(item.json.productId);
					// With media, the version is visible in the media URL (…/v<version>.jpg); without, count per id and detection.
					const version = includeMedia ? /\/v(\d+)\.jpg$/.exec(String((item.json.media as Array<{ url: string }>)[0]?.url))?.[1] : String(versionAt(id, Date.parse(String(item.json.detectedAt))));
					const key = `${id}@${version}`;
					emitted.set(key, (emitted.get(key) ?? 0) + 1);
				}
			} catch {
				failed++;
			}
		};
		// Without media the item says when the change was detected: the change it stands for is the
		// newest one made by then.
		const versionAt = (id: string, detectedAt: number) =>
			mock.changes.filter((c) => c.supplier === supplier && c.productId === id && c.at <= detectedAt + 1000).length;

		mock.server.randomFaults = { rate: 0.2, random, faults };
		for (let tick = 0; tick < 1500; tick++) {
			mock.server.advance(60_000);
			if (activatedAt !== undefined && random() < 0.6) {
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
			await poll();
		}
		mock.server.randomFaults = undefined;
		for (let i = 0; i < 60; i++) {
			mock.server.advance(60_000);
			await poll();
		}

		const changes = mock.changes.filter((c) => c.supplier === supplier);
		let lost = 0;
		let duplicated = 0;
		for (const change of changes) {
			const count = emitted.get(`${change.productId}@${change.version}`) ?? 0;
			if (count === 0) lost++;
			if (count > 1) duplicated += count - 1;
		}
		const total = [...emitted.values()].reduce((a, b) => a + b, 0);
		console.log(
			`PSRESTful simulation (${name}): ${JSON.stringify({ changes: changes.length, emitted: total, lost, duplicated, polls, failedPolls: failed, restarts, requests: mock.server.requests.length, faults: mock.server.faultsApplied })}`,
		);
		expect(changes.length).toBeGreaterThan(400);
		expect(failed).toBeGreaterThan(0);
		expect(lost).toBe(0);
		expect(duplicated).toBe(0);
		expect(total).toBe(changes.length);
	});
});

import { PollHarness } from '../test/harness/n8n';
import { useMock } from '../test/harness/servers';
import { PsRestfulMock } from '../sandbox/psrestful';
import { seededRandom } from '../sandbox/random';
import { report } from './report';

/**
 * PSRESTful calls per day made by the trigger at its defaults (issue 7): n8n ticks every
 * minute (its Poll Times default), a supplier changes 20 products a day, with and without media
 * content. Only Date is faked (one simulated day runs in seconds); HTTP is real.
 */
describe('PSRESTful quota use', () => {
	const mock = new PsRestfulMock();
	const baseUrl = useMock(mock);
	afterAll(() => jest.useRealTimers());

	it.each([
		['ids only', false],
		['with media content', true],
	] as const)('counts calls over one day (%s)', async (name, includeMedia) => {
		const supplier = includeMedia ? 'QMEDIA' : 'QIDS';
		mock.suppliers.push({ id: includeMedia ? 801 : 802, code: supplier, name: supplier });
		const random = seededRandom(includeMedia ? 11 : 12);
		const start = Date.UTC(2026, 10, 24, 0, 0, 0);
		jest.useFakeTimers({
			now: start,
			doNotFake: [
				'setTimeout',
				'clearTimeout',
				'setImmediate',
				'clearImmediate',
				'setInterval',
				'clearInterval',
				'nextTick',
				'queueMicrotask',
				'hrtime',
				'performance',
			],
		});
		mock.server.clockOffsetMs = 0;
		const changeMinutes = new Set<number>();
		while (changeMinutes.size < 20) changeMinutes.add(Math.floor(random() * 1440));

		const harness = new PollHarness({
			type: 'psRestfulTrigger',
			parameters: { supplierCode: supplier, includeMediaContent: includeMedia } as never,
			credentials: { psRestfulApi: { apiKey: mock.apiKey, baseUrl: baseUrl() } },
		});
		await harness.poll(); // activation
		mock.server.resetLog();
		const emitted = new Set<string>();
		let n = 0;
		for (let minute = 1; minute <= 1440; minute++) {
			jest.setSystemTime(start + minute * 60_000);
			if (changeMinutes.has(minute)) mock.modify(supplier, `C${++n}`);
			const out = await harness.poll();
			for (const item of out?.[0] ?? []) emitted.add(String(item.json.productId));
		}
		const calls = mock.server.requests.length;
		report(
			`PSRESTful Trigger at its defaults, one day, 20 changed products (${name}): ${calls} calls (Free plan 50, Standard 300); ${emitted.size} of 20 products emitted by the end of the day`,
		);
		jest.useRealTimers();
		expect(emitted.size).toBeGreaterThanOrEqual(19); // a change in the last hour is emitted by the next day's first poll
	});
});

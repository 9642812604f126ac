import { commerceConnectSoak } from '../soak/adapters/commerceconnect';
import { runSoak } from '../soak/runner';
import { formatResult } from '../soak/types';

/**
 * The CommerceConnect Trigger over real HTTP against the stateful mock, for 1,500 one-minute
 * polls per variant (the small version of `npm run soak`, scenario in
 * test/soak/adapters/commerceconnect.ts): media items are created, edited and deleted at random;
 * now and then a bulk job writes 150 items within one second (more than a page: the trigger must
 * page inside a one-second slice); while the trigger pages, other users edit items it is reading
 * (so offset paging drifts); writes become visible up to 3 s late; 20 % of requests fail (429
 * with Retry-After, 500, 503, truncated and malformed JSON, dropped connections); n8n restarts
 * now and then. Every version of every item must be emitted exactly once.
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
	it.each([
		['inclusive bounds, ms timestamps, 5-minute lookback', 21, 'inclusive', 'ms', 5],
		['exclusive bounds, whole-second timestamps, no lookback', 22, 'exclusive', 's', 0],
	] as const)(
		'emits every change exactly once (%s)',
		async (name, seed, boundMode, precision, lookbackMinutes) => {
			const result = await runSoak(commerceConnectSoak, {
				seed,
				polls: 1500,
				faultRate: 0.2,
				boundMode,
				precision,
				lookbackMinutes,
				name,
			});
			console.log(formatResult(result));
			const details = result.details as { required: number; extra: number; bursts: number; midPollEdits: number };
			expect(details.required).toBeGreaterThan(2000);
			expect(details.bursts).toBeGreaterThan(8);
			expect(details.midPollEdits).toBeGreaterThan(30);
			expect(result.failedPolls).toBeGreaterThan(0);
			expect(result.lost).toBe(0);
			// Redirects to another origin and Dates from 2100 were answered now and then; nothing left the host.
			expect(result.faults.redirect).toBeGreaterThan(0);
			expect(result.faults.headers).toBeGreaterThan(0);
			expect(result.leaked).toBe(0);
			// Counts emissions of a version twice, and of a version that was never a change (extra).
			expect(result.duplicated).toBe(0);
			expect(details.extra).toBe(0);
		},
		300_000,
	);
});

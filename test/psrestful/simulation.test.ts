import { psRestfulSoak } from '../soak/adapters/psrestful';
import { runSoak } from '../soak/runner';
import { formatResult } from '../soak/types';

/**
 * The PSRESTful Trigger over real HTTP, ~1,500 polls with 20 % faults and restarts (the small
 * version of `npm run soak`): every change is emitted exactly once.
 */
describe('PSRESTful Trigger simulation', () => {
	it.each([
		['with media content', true, 7],
		['ids only', false, 8],
	] as const)(
		'emits every change exactly once (%s)',
		async (_name, includeMedia, seed) => {
			const result = await runSoak(psRestfulSoak, { seed, polls: 1500, faultRate: 0.2, includeMedia });
			console.log(formatResult(result));
			expect(result.changes).toBeGreaterThan(400);
			// About a fifth of all requests were answered with a fault.
			expect(Object.values(result.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(result.requests * 0.15);
			expect(result.lost).toBe(0);
			// Redirects to another origin and Dates from 2100 were answered now and then; nothing left the host.
			expect(result.faults.redirect).toBeGreaterThan(0);
			expect(result.faults.headers).toBeGreaterThan(0);
			expect(result.leaked).toBe(0);
			expect(result.duplicated).toBe(0);
			expect(result.emitted).toBe(result.changes);
		},
		300_000,
	);
});

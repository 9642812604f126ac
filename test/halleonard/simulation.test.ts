import { HAL_LEONARD_VARIANTS, halLeonardSoak } from '../soak/adapters/halleonard';
import { runSoak } from '../soak/runner';
import { formatResult } from '../soak/types';

/**
 * The Hal Leonard DAM Trigger over real HTTP against the mock, 2,000 polls across about three
 * simulated months (the small version of `npm run soak`, scenario in
 * test/soak/adapters/halleonard.ts): PDFs are modified and asset metadata is changed or deleted
 * at random times of day, sometimes in bursts; 20 % of requests fail (500, 503 with Retry-After,
 * truncated and malformed bodies, dropped connections); n8n restarts now and then. Every change
 * must be emitted exactly once.
 *
 * One key changes at most every 30 hours here: the DAM reports files by day, so two changes of
 * one file on one day are one change to it (docs/halleonard.md, "Limits").
 */
describe('Hal Leonard DAM Trigger simulation', () => {
	it.each(HAL_LEONARD_VARIANTS)(
		'emits every change exactly once ($name)',
		async (variant) => {
			const result = await runSoak(halLeonardSoak, { variant, seed: variant.seed, polls: 2000, faultRate: 0.2 });
			console.log(formatResult(result));
			const details = result.details as { listed: number; unexpected: number };
			expect(details.listed).toBeGreaterThan(800);
			// Every listed change is a distinct (key, version).
			expect(result.changes).toBe(details.listed);
			expect(Object.values(result.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
			expect(result.lost).toBe(0);
			// Redirects to another origin and Dates from 2100 were answered now and then; nothing left the host.
			expect(result.faults.redirect).toBeGreaterThan(0);
			expect(result.faults.headers).toBeGreaterThan(0);
			expect(result.leaked).toBe(0);
			expect(result.duplicated).toBe(0);
			expect(details.unexpected).toBe(0);
			expect(result.emitted).toBe(details.listed);
		},
		300_000,
	);
});

import { psRestfulScenario } from './psrestful.scenario';
import { type SoakResult, formatResult } from './types';

/**
 * `npm run soak`: every trigger against its mock for thousands of polls with 20 % faults
 * (429 with Retry-After, 500/503, timeouts, truncated bodies, malformed answers, dropped
 * connections) and restarts between polls. SOAK_POLLS (default 5,000) and SOAK_MAX_SECONDS per
 * scenario (default 120) bound it. Prints changes made, emitted, lost and duplicated.
 */
const polls = Number(process.env.SOAK_POLLS ?? 5000);
const maxSeconds = Number(process.env.SOAK_MAX_SECONDS ?? 120);
const results: SoakResult[] = [];

afterAll(() => {
	process.stdout.write('\nFault soak results\n');
	for (const result of results) process.stdout.write(`  ${formatResult(result)}\n`);
});

describe('fault soak', () => {
	it.each([
		['PSRESTful, media content', () => psRestfulScenario({ seed: 101, polls, faultRate: 0.2, slowAnswers: true, maxSeconds, includeMedia: true })],
		['PSRESTful, ids only', () => psRestfulScenario({ seed: 102, polls, faultRate: 0.2, slowAnswers: true, maxSeconds, includeMedia: false })],
	] as const)('%s', async (_name, run) => {
		const result = await run();
		results.push(result);
		expect(result.lost).toBe(0);
		expect(result.duplicated).toBe(0);
	});
});

import { PROVIDER_IDS } from '../../sandbox/providers';
import { SOAK_CASES } from './adapters';
import { type SoakResult, formatResult, formatTable } from './types';

/**
 * `npm run soak`: every trigger against its mock for thousands of polls with 20 % faults
 * (429 with Retry-After, 500/503, truncated bodies, malformed JSON/XML, dropped connections, and
 * on 1 % of polls a slow or drip-fed answer that runs into the poll budget), a hostile mix at
 * 0.5 % each (a redirect to another origin carrying the key, a Date from 2100; PantherMedia and
 * CommerceConnect also ignore the cursor or page and serve an unreadable row, and CommerceConnect
 * claims fewer pages than its count makes, 1 % each) and
 * restarts between polls. The runs are each provider's (test/soak/adapters/), in the registry's
 * order (sandbox/providers.ts).
 * SOAK_POLLS (default 5,000) and SOAK_MAX_SECONDS per scenario (default 120) bound it; a
 * fault-free drain phase follows each. Prints changes made, emitted, lost and duplicated, and a
 * Markdown table of them.
 */
const polls = Number(process.env.SOAK_POLLS ?? 5000);
const maxSeconds = Number(process.env.SOAK_MAX_SECONDS ?? 120);
const common = { polls, faultRate: 0.2, slowAnswers: true, maxSeconds };
const results: SoakResult[] = [];

afterAll(() => {
	process.stdout.write('\nFault soak results\n');
	for (const result of results) process.stdout.write(`  ${formatResult(result)}\n`);
	process.stdout.write(`\n${formatTable(results)}\n`);
});

describe('fault soak', () => {
	it.each(PROVIDER_IDS.flatMap((id) => SOAK_CASES[id]))('$name', async (soak) => {
		const result = await soak.run(common);
		results.push(result);
		expect(result.lost).toBe(0);
		expect(result.duplicated).toBe(0);
		expect(result.leaked).toBe(0);
	});
});

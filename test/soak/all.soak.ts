import { commerceConnectScenario } from './commerceconnect.scenario';
import { HAL_LEONARD_VARIANTS, halLeonardScenario } from './halleonard.scenario';
import { pantherMediaScenario } from './panthermedia.scenario';
import { psRestfulScenario } from './psrestful.scenario';
import { type SoakResult, formatResult, formatTable } from './types';

/**
 * `npm run soak`: every trigger against its mock for thousands of polls with 20 % faults
 * (429 with Retry-After, 500/503, truncated bodies, malformed JSON/XML, dropped connections, and
 * on 1 % of polls a slow or drip-fed answer that runs into the poll budget), a hostile mix at
 * 0.5 % each (a redirect to another origin carrying the key, a Date from 2100; PantherMedia and
 * CommerceConnect also ignore the cursor or page and serve an unreadable row, 1 % each) and
 * restarts between polls.
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

const dam = (name: string) => HAL_LEONARD_VARIANTS.find((v) => v.name.startsWith(name))!;

describe('fault soak', () => {
	it.each([
		['PSRESTful, media content', () => psRestfulScenario({ ...common, seed: 101, includeMedia: true })],
		['PSRESTful, ids only', () => psRestfulScenario({ ...common, seed: 102, includeMedia: false })],
		[
			'PantherMedia, start from a date, default saving',
			() => pantherMediaScenario({ ...common, seed: 111, firstRun: 'date', durableCursors: false }),
		],
		[
			'PantherMedia, start from now, durable cursors',
			() => pantherMediaScenario({ ...common, seed: 112, firstRun: 'now', durableCursors: true }),
		],
		['Hal Leonard DAM, defaults', () => halLeonardScenario(dam('defaults'), { ...common, seed: 121 })],
		[
			'Hal Leonard DAM, Pacific DAM, skewed clock',
			() => halLeonardScenario(dam('DAM on Pacific'), { ...common, seed: 122 }),
		],
		[
			'Hal Leonard DAM, every poll queries, durable cursors',
			() => halLeonardScenario(dam('every poll'), { ...common, seed: 123 }),
		],
		[
			'CommerceConnect, inclusive bounds, 5-minute lookback',
			() =>
				commerceConnectScenario({ ...common, seed: 131, boundMode: 'inclusive', precision: 'ms', lookbackMinutes: 5 }),
		],
		[
			'CommerceConnect, exclusive whole-second bounds, no lookback',
			() =>
				commerceConnectScenario({ ...common, seed: 132, boundMode: 'exclusive', precision: 's', lookbackMinutes: 0 }),
		],
	] as const)('%s', async (_name, run) => {
		const result = await run();
		results.push(result);
		expect(result.lost).toBe(0);
		expect(result.duplicated).toBe(0);
		expect(result.leaked).toBe(0);
	});
});

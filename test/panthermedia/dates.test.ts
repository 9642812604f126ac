import { parsePantherDate } from '../../nodes/PantherMedia/model';
import { seededRandom } from '../../sandbox/random';

/**
 * PantherMedia's dates are read by position when they have the layout PantherMedia writes
 * (`Thu, 02 Aug 2012 05:54:55 UTC`) and by a pattern otherwise. A leading space sends the same
 * text down the pattern's path: both must always agree.
 */
describe('PantherMedia dates', () => {
	const byPattern = (text: string) => parsePantherDate(` ${text}`);

	it('reads the layout PantherMedia writes, and what it cannot hold is no date', () => {
		expect(parsePantherDate('Thu, 02 Aug 2012 05:54:55 UTC')).toBe(Date.UTC(2012, 7, 2, 5, 54, 55));
		expect(parsePantherDate('Thu, 29 Feb 2024 23:59:59 UTC')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
		for (const bad of [
			'Wed, 29 Feb 2023 00:00:00 UTC',
			'Thu, 31 Apr 2024 00:00:00 UTC',
			'Thu, 02 Aug 2012 24:00:00 UTC',
			'Thu, 02 Aug 2012 05:60:00 UTC',
			'Thu, 02 Foo 2012 05:54:55 UTC',
			'Thu, 00 Aug 2012 05:54:55 UTC',
			'Thu, 0x Aug 2012 05:54:55 UTC',
			'123, 02 Aug 2012 05:54:55 UTC',
		])
			expect({ bad, ms: parsePantherDate(bad) }).toEqual({ bad, ms: undefined });
	});

	it('agrees with the pattern on every date of a span of years, and on corrupted ones', () => {
		const random = seededRandom(29);
		const disagreements: string[] = [];
		for (let i = 0; i < 20_000; i++) {
			const ms = Date.UTC(1998, 0, 1) + Math.floor(random() * 40 * 365 * 86_400) * 1000;
			let text = new Date(ms).toUTCString().replace('GMT', 'UTC');
			if (i % 2 === 1) {
				// One character replaced by a digit, a letter, a space or a colon.
				const at = Math.floor(random() * text.length);
				const by = '0123456789 :aZ,'[Math.floor(random() * 15)];
				text = text.slice(0, at) + by + text.slice(at + 1);
			} else if (parsePantherDate(text) !== ms) disagreements.push(`${text} ≠ ${ms}`);
			if (!Object.is(parsePantherDate(text), byPattern(text))) disagreements.push(text);
		}
		expect(disagreements).toEqual([]);
	});
});

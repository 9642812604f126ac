import {
	MAX_COUNTS_AHEAD,
	afterRead,
	expectedIn,
	spanExpecting,
	stretchOver,
	withCount,
} from '../../nodes/CommerceConnect/trigger/counts-ahead';

/** Epoch ms of second `n` after an arbitrary whole second. */
const at = (n: number) => 1_700_000_000_000 + n * 1000;

describe('counts seen ahead of a CommerceConnect trigger window', () => {
	it('keeps ends ascending and counts that never fall, the window’s own count last', () => {
		let counts = withCount([], at(1000), 500);
		counts = withCount(counts, at(400), 600); // a stretch holds no more than a longer one that contains it
		expect(counts).toEqual([
			{ end: at(400), count: 500 },
			{ end: at(1000), count: 500 },
		]);
		for (let end = 300; end > 0; end -= 50) counts = withCount(counts, at(end), end);
		expect(counts).toHaveLength(MAX_COUNTS_AHEAD);
		expect(counts.at(-1)).toEqual({ end: at(1000), count: 500 });
		expect(counts[0]).toEqual({ end: at(50), count: 50 });
	});

	it('takes a read slice off, its padding seconds’ share aside, and drops the counts it passed', () => {
		const counts = withCount(withCount([], at(1000), 1000), at(100), 300);
		// The slice [0, 97] (98 seconds) read 300 items over its 100-second query.
		expect(afterRead(counts, at(0), at(97), 300)).toEqual([
			{ end: at(100), count: 6 },
			{ end: at(1000), count: 706 },
		]);
		expect(afterRead(counts, at(0), at(1000), 50)).toEqual([]);
		expect(afterRead(counts, at(0), at(10), 5000)).toEqual([
			{ end: at(100), count: 0 },
			{ end: at(1000), count: 0 },
		]);
	});

	it('interpolates between counts: an empty stretch, then the changes', () => {
		// Nothing in [0, 99] (a count of 0 there), 1,000 items in [100, 199].
		const counts = withCount(withCount([], at(199), 1000), at(99), 0);
		expect(expectedIn(counts, at(0), 50)).toBe(0);
		expect(expectedIn(counts, at(0), 149)).toBe(490); // 49 of the 100 query seconds past the empty stretch
		// 100 items: the slice reaches about a tenth into the changes.
		const span = spanExpecting(counts, at(0), 100)!;
		expect(span).toBeGreaterThan(100);
		expect(span).toBeLessThan(115);
		expect(spanExpecting(counts, at(0), 1000)).toBeUndefined(); // everything counted fits
		// Beyond the last count: as dense as everything counted.
		expect(expectedIn(counts, at(0), 400)).toBeCloseTo(2000, -2);
	});

	it('names the shortest counted stretch holding more than an aim, for halving after a missed answer', () => {
		const counts = withCount(withCount([], at(1000), 5000), at(200), 80);
		expect(stretchOver(counts, at(0), 50)).toBe(201);
		expect(stretchOver(counts, at(0), 100)).toBe(1001);
		expect(stretchOver(counts, at(0), 5000)).toBeUndefined();
		expect(stretchOver([], at(0), 1)).toBeUndefined();
	});
});

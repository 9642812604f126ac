/**
 * Counts a trigger window has seen ahead of the second it reads next (`pos`): each says that at
 * most `count` items are in [pos, end]. A past slice only loses items (edits move them to the
 * present), so a count taken earlier stays an upper bound, and reading the start of it takes what
 * was read off.
 *
 * They size the next slice. Between two counts the items are taken as spread evenly, so a count
 * of the whole window, then of a shorter slice that was too full, then an empty answer, place the
 * changes better than the density of the last answer alone (which, after an empty answer, says
 * nothing). All of it is a guess that the next answer checks: no item depends on it.
 *
 * Seconds here are query seconds: a query for a slice of s seconds reaches one second beyond each
 * end (s + 2 seconds), and so did the queries that gave the counts.
 */

export interface CountAhead {
	/** Last second the count reaches, epoch ms. */
	end: number;
	/** At most this many items are in [pos, end]. */
	count: number;
}

/** Ends ascending; counts never fall as the ends grow. */
export type CountsAhead = readonly CountAhead[];

/** Counts kept at once: the innermost ones, and the outermost (the window's own). */
export const MAX_COUNTS_AHEAD = 4;

const seconds = (pos: number, end: number) => (end - pos) / 1000 + 3;

/** `counts` with `count` items known to be in [pos, end]. */
export function withCount(counts: CountsAhead, end: number, count: number): CountAhead[] {
	// Every count is an upper bound: a stretch holds no more than a longer one that contains it.
	const longer = counts.filter((known) => known.end > end).map((known) => known.count);
	const bound = Math.min(count, ...longer);
	const next = counts
		.filter((known) => known.end !== end)
		.map((known) => (known.end < end ? { end: known.end, count: Math.min(known.count, bound) } : known));
	next.push({ end, count: bound });
	next.sort((a, b) => a.end - b.end);
	while (next.length > MAX_COUNTS_AHEAD) next.splice(next.length - 2, 1);
	return next;
}

/**
 * `counts` once the slice [pos, end] was read and its query held `read` items: pos moves past
 * `end`. The query's two seconds beyond the slice are taken as holding their share of `read`:
 * they are counted again by the queries on either side.
 */
export function afterRead(counts: CountsAhead, pos: number, end: number, read: number): CountAhead[] {
	const span = seconds(pos, end) - 2;
	const own = (read * span) / (span + 2);
	return counts
		.filter((known) => known.end > end)
		.map((known) => ({ end: known.end, count: Math.max(0, Math.round(known.count - own)) }));
}

/** Items expected in the query of a slice of `span` seconds from `pos`: the counts, interpolated. */
export function expectedIn(counts: CountsAhead, pos: number, span: number): number {
	const x = span + 2;
	let [x0, c0] = [0, 0];
	for (const known of counts) {
		const [x1, c1] = [seconds(pos, known.end), known.count];
		if (x <= x1) return c0 + ((c1 - c0) * (x - x0)) / Math.max(1, x1 - x0);
		[x0, c0] = [x1, c1];
	}
	// Beyond the last count: as dense as everything counted.
	return x0 > 0 ? (c0 * x) / x0 : 0;
}

/**
 * The longest slice from `pos`, in seconds, whose query the counts expect to bring at most `aim`
 * items; undefined when that reaches past every count (nothing known says how far to go).
 */
export function spanExpecting(counts: CountsAhead, pos: number, aim: number): number | undefined {
	let [x0, c0] = [0, 0];
	for (const known of counts) {
		const [x1, c1] = [seconds(pos, known.end), known.count];
		if (aim < c1) return Math.max(1, Math.floor(x0 + ((aim - c0) * (x1 - x0)) / (c1 - c0)) - 2);
		[x0, c0] = [x1, c1];
	}
	return undefined;
}

/**
 * Length in seconds of the shortest counted stretch from `pos` that may hold more than `aim`
 * items; undefined when no count is that high.
 */
export function stretchOver(counts: CountsAhead, pos: number, aim: number): number | undefined {
	const known = counts.find((c) => c.count > aim);
	return known === undefined ? undefined : seconds(pos, known.end) - 2;
}

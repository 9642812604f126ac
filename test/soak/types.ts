/** What one fault-soak / simulation scenario reports. */
export interface SoakResult {
	scenario: string;
	/** Changes the provider made (the ground truth). */
	changes: number;
	/** Items the trigger emitted. */
	emitted: number;
	lost: number;
	duplicated: number;
	polls: number;
	failedPolls: number;
	restarts: number;
	requests: number;
	faults: Record<string, number>;
	seconds: number;
}

export interface SoakOptions {
	seed: number;
	/** Polls with changes and faults (a drain phase without faults follows). */
	polls: number;
	/** Share of requests that fail (0.2 = 20 %). */
	faultRate: number;
	/** Include slow answers that run into the poll budget (costs real seconds). */
	slowAnswers?: boolean;
	/** Stop early (before `polls`) when this many seconds have passed. */
	maxSeconds?: number;
}

export function formatResult(result: SoakResult): string {
	const { scenario, ...figures } = result;
	return `${scenario}: ${JSON.stringify(figures)}`;
}

/** Counts lost and duplicated emissions against the ground truth. */
export function compare(expected: Iterable<string>, emitted: Map<string, number>): { lost: number; duplicated: number; emitted: number; changes: number } {
	let lost = 0;
	let duplicated = 0;
	let changes = 0;
	for (const key of new Set(expected)) {
		changes++;
		const count = emitted.get(key) ?? 0;
		if (count === 0) lost++;
		if (count > 1) duplicated += count - 1;
	}
	const total = [...emitted.values()].reduce((a, b) => a + b, 0);
	// Emissions of something that never changed count as duplicates too.
	const known = new Set(expected);
	for (const [key, count] of emitted) if (!known.has(key)) duplicated += count;
	return { lost, duplicated, emitted: total, changes };
}

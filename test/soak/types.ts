/** What one fault-soak / simulation scenario reports. */
export interface SoakResult {
	scenario: string;
	/** Changes the provider made (the ground truth). */
	changes: number;
	/** Items the trigger emitted. */
	emitted: number;
	lost: number;
	duplicated: number;
	/** Requests that reached another origin through a redirect (each one a credential leaving its host). */
	leaked: number;
	polls: number;
	failedPolls: number;
	restarts: number;
	requests: number;
	faults: Record<string, number>;
	seconds: number;
	/** Scenario-specific figures (per-event-type counts, state size…), printed and asserted by callers. */
	details?: Record<string, unknown>;
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

/** Total faults injected in a run (every kind). */
export function faultCount(result: SoakResult): number {
	return Object.values(result.faults).reduce((a, b) => a + b, 0);
}

/** The results as a Markdown table, ready to paste into the README's "Reliability" section. */
export function formatTable(results: readonly SoakResult[]): string {
	const rows = [
		'| Trigger (scenario) | Polls | Restarts | Requests | Faults injected | Failed polls | Changes made | Emitted | Lost | Duplicated | Leaked |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const r of results) {
		const faults = faultCount(r);
		const share = r.requests > 0 ? ` (${Math.round((faults / r.requests) * 100)} %)` : '';
		rows.push(
			`| ${r.scenario} | ${r.polls} | ${r.restarts} | ${r.requests} | ${faults}${share} | ${r.failedPolls} | ${r.changes} | ${r.emitted} | ${r.lost} | ${r.duplicated} | ${r.leaked} |`,
		);
	}
	return rows.join('\n');
}

/** Counts lost and duplicated emissions against the ground truth. */
export function compare(
	expected: Iterable<string>,
	emitted: ReadonlyMap<string, number>,
): { lost: number; duplicated: number; emitted: number; changes: number } {
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

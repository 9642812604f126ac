/**
 * How far a provider's clock, or a date it reports, may stand from this machine's clock before
 * it is taken for a mistake rather than the truth.
 *
 * Sync state moves with the provider's dates and clock: one answer from year 2100 (a wrong
 * `Date` header, a row dated by a broken importer) would otherwise carry a watermark into the
 * future, after which every real change looks older than it and is never asked for again — the
 * silent, permanent loss sync tools are known for. A day is far beyond any real clock skew or
 * time-zone mistake, and still close enough to bound the damage of one that gets through.
 */
export const MAX_CLOCK_SKEW_MS = 24 * 3600_000;

/** Whether an instant (epoch ms) is at most {@link MAX_CLOCK_SKEW_MS} ahead of `now`. */
export function notInFuture(ms: number, now: number = Date.now()): boolean {
	return Number.isFinite(ms) && ms <= now + MAX_CLOCK_SKEW_MS;
}

/** Whether a clock offset (provider clock − this machine's clock) is within {@link MAX_CLOCK_SKEW_MS}. */
export function plausibleOffset(offsetMs: number): boolean {
	return Number.isFinite(offsetMs) && Math.abs(offsetMs) <= MAX_CLOCK_SKEW_MS;
}

/** The latest instant a watermark may hold now: a day past this machine's clock. */
export function latestPlausible(now: number = Date.now()): number {
	return now + MAX_CLOCK_SKEW_MS;
}

/**
 * A whole number from a node field or option, kept within `[min, max]`; `fallback` when the value
 * is absent or not a number. For settings whose out-of-range values have an obvious nearest
 * meaning (a concurrency of 50 means "as many as allowed"), not for IDs or counts the user must
 * get right — those are refused with an error instead.
 */
export function clampInteger(value: unknown, range: { min: number; max: number }, fallback: number): number {
	const n = value === undefined || value === null || value === '' ? NaN : Math.floor(Number(value));
	return Number.isFinite(n) ? Math.min(range.max, Math.max(range.min, n)) : fallback;
}

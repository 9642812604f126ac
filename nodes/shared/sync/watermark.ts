/**
 * Watermark rule for sources read as "changes at or after `since`, oldest first, in pages":
 *
 * When a window is fully read, the next one starts at `watermark − lookback`. The watermark is
 * the newest change time seen — but never later than the server time at which the window's
 * first page was read. A window read over several polls (per-poll cap, time budget) passes
 * positions early and reaches newer changes later; a change behind an early position that was
 * not yet visible then is at most `lookback` older than that first read, so the next window
 * must reach back from there. Never moves backwards.
 */
export function closedWatermark(previous: number, newestSeen: number, firstReadAt: number): number {
	return Math.max(previous, Math.min(newestSeen, firstReadAt));
}

import type { IDataObject } from 'n8n-workflow';

import { MAX_CLOCK_SKEW_MS } from '../clock';

/**
 * Helpers for `SyncSource.restore`: reading a checkpoint back from saved state that may have been
 * edited by hand, written by another version of the package, or poisoned by a future date before
 * dates were bounded. A value is repaired where its meaning is clear (a number saved as a string;
 * a time in the future brought back to now) and every repair is reported; what cannot be read
 * makes the caller drop that part, or the whole checkpoint.
 */

export type Report = (problem: string) => void;

/** The value as a plain object, or undefined. */
export function record(value: unknown): IDataObject | undefined {
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;
}

/** A finite number, or a string holding one (hand edits and other tools save numbers as text). */
export function numberOf(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function integerOf(value: unknown): number | undefined {
	const n = numberOf(value);
	return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

export function textOf(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * An instant (epoch ms) that may not lie more than a day ahead of this machine's clock: a later
 * one is moved back to now and reported.
 */
export function pastTime(value: unknown, label: string, report: Report): number | undefined {
	const ms = numberOf(value);
	if (ms === undefined) return undefined;
	const now = Date.now();
	if (ms <= now + MAX_CLOCK_SKEW_MS) return ms;
	report(`${label} (${describeInstant(ms)}) lies in the future; it was moved back to now`);
	return now;
}

/**
 * The two times every time-based checkpoint holds: its watermark and its first-run start, each
 * bounded by {@link pastTime}; undefined when either cannot be read.
 */
export function watermarkAndFloor(
	cp: IDataObject | undefined,
	report: Report,
): { wm: number; floor: number } | undefined {
	const wm = pastTime(cp?.wm, 'the watermark', report);
	const floor = pastTime(cp?.floor, 'the start date', report);
	return wm === undefined || floor === undefined ? undefined : { wm, floor };
}

/** Whether an instant (epoch ms) lies more than a day ahead of this machine's clock. */
export function inFuture(ms: number): boolean {
	return ms > Date.now() + MAX_CLOCK_SKEW_MS;
}

function describeInstant(ms: number): string {
	const date = new Date(ms);
	return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/**
 * Whole days, the only time unit of the Hal Leonard DAM.
 *
 * A day is a calendar date label, held as a day number (days since 1970-01-01). It carries no
 * time zone: "2015/12/7" is day 16776 whoever reads it. A time zone is needed in exactly one
 * place, {@link todayIn}: to tell which day the DAM is on at a server instant. Everything else
 * (parsing, formatting, ranges, comparisons) is plain arithmetic on labels, so the same input
 * gives the same days on an n8n in UTC−8 and one in UTC+10.
 */

export type Day = number;

export const MS_PER_DAY = 86_400_000;

/** Hal Leonard is in Milwaukee, Wisconsin: US Central Time. The DAM documentation states no zone. */
export const DEFAULT_DAM_TIME_ZONE = 'America/Chicago';

export function dayFromParts(year: number, month: number, day: number): Day | undefined {
	if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
	if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1) return undefined;
	const ms = Date.UTC(year, month - 1, day);
	const check = new Date(ms);
	if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined; // 2015/2/30
	return Math.round(ms / MS_PER_DAY);
}

function parts(day: Day): { year: number; month: number; day: number } {
	const date = new Date(day * MS_PER_DAY);
	return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * Reads a DAM date: `yyyy/m/d` as the DAM writes it ("2015/12/7"), padded ("2015/12/07"), with
 * dashes, and with a time part after it (ignored: the DAM's dates are days).
 */
export function parseDamDate(text: unknown): Day | undefined {
	if (typeof text !== 'string') return undefined;
	const match = /^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T].*)?\s*$/.exec(text);
	if (!match) return undefined;
	return dayFromParts(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** `yyyy/m/d`, unpadded, the form the DAM documents for requests. */
export function formatDamDate(day: Day): string {
	const p = parts(day);
	return `${p.year}/${p.month}/${p.day}`;
}

/** `YYYY-MM-DD`, for output items and messages. */
export function isoDay(day: Day): string {
	const p = parts(day);
	return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * Start of a day on the engine's time scale (epoch ms of the label read as UTC midnight). Only
 * used to order and compare days; it is not an instant in any real time zone.
 */
export function dayMs(day: Day): number {
	return day * MS_PER_DAY;
}

export function addDays(day: Day, days: number): Day {
	return day + days;
}

/** The same day of the month `months` later, or the month's last day when it is shorter. */
export function addMonths(day: Day, months: number): Day {
	const p = parts(day);
	const index = p.year * 12 + (p.month - 1) + months;
	const year = Math.floor(index / 12);
	const month = (index % 12) + 1;
	const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return dayFromParts(year, month, Math.min(p.day, last))!;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `zone` is an IANA time zone this Node.js knows. */
export function isValidTimeZone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

/** The calendar day in `zone` at the instant `ms`. */
export function todayIn(zone: string, ms: number): Day {
	let formatter = formatters.get(zone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric' });
		formatters.set(zone, formatter);
	}
	const values: Record<string, number> = {};
	for (const part of formatter.formatToParts(new Date(ms))) {
		if (part.type === 'year' || part.type === 'month' || part.type === 'day') values[part.type] = Number(part.value);
	}
	return dayFromParts(values.year, values.month, values.day)!;
}

/**
 * Splits `[start, stop)` into consecutive ranges of at most `maxDays` days, oldest first.
 */
export function splitRange(start: Day, stop: Day, maxDays: number): Array<[Day, Day]> {
	const out: Array<[Day, Day]> = [];
	for (let from = start; from < stop; from += maxDays) out.push([from, Math.min(stop, from + maxDays)]);
	return out;
}

/** True when a field was left empty (so an optional date is simply not sent). */
export function isEmptyInput(value: unknown): boolean {
	return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

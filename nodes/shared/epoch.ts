/**
 * Reading a date value as epoch ms, in a module of its own with no runtime dependency: the
 * PantherMedia answer readers use it, and they also run in the answer worker
 * (nodes/shared/answerWorker), which must not load n8n-workflow. Re-exported by ./dates.
 */

const ISO_PATTERN =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 string (offset optional, UTC without one), a Date or a Luxon DateTime, as epoch ms. */
export function toEpochMs(value: unknown): number | undefined {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
	if (value && typeof value === 'object' && typeof (value as { toMillis?: unknown }).toMillis === 'function') {
		const ms = (value as { toMillis(): number }).toMillis();
		return Number.isFinite(ms) ? ms : undefined;
	}
	if (typeof value !== 'string') return undefined;
	const text = value.trim();
	const match = ISO_PATTERN.exec(text);
	if (!match) return undefined;
	const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = match;
	const year = Number(y);
	const month = Number(mo);
	const day = Number(d);
	if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
	if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
	const ms = Number(frac.padEnd(3, '0').slice(0, 3));
	let epoch = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms);
	if (zone && zone.toUpperCase() !== 'Z') {
		const sign = zone.startsWith('-') ? -1 : 1;
		const digits = zone.slice(1).replace(':', '');
		const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
		if (Number(digits.slice(0, 2)) > 14 || Number(digits.slice(2, 4)) > 59) return undefined;
		epoch -= sign * offsetMinutes * 60_000;
	}
	return epoch;
}

function daysInMonth(year: number, month: number): number {
	return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

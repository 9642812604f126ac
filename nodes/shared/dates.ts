import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * Reads a date given in a node field: an ISO 8601 string (with or without time and offset), a
 * Date, or a Luxon DateTime from an expression. A date-time without an offset is read as UTC,
 * so the same workflow means the same instant whatever the server's or user's time zone.
 */
export function parseDateInput(value: unknown, field: string, node: INode, itemIndex?: number): number {
	const ms = toEpochMs(value);
	if (ms === undefined) {
		throw new NodeOperationError(
			node,
			`${field} is not a valid date: ${JSON.stringify(typeof value === 'string' ? value : String(value)).slice(0, 80)}`,
			{
				description: 'Use an ISO 8601 date such as 2024-01-15 or 2024-01-15T08:30:00Z, or pick one in the date picker.',
				itemIndex,
			},
		);
	}
	return ms;
}

const ISO_PATTERN =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

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

/** `2024-01-15T08:30:00` in UTC, without offset: the form PromoStandards services document. */
export function toNaiveUtc(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/** `2024-01-15T08:30:00Z`. */
export function toIsoSeconds(ms: number): string {
	return `${toNaiveUtc(ms)}Z`;
}

import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toEpochMs } from './epoch';

export { toEpochMs };

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

/** `2024-01-15T08:30:00` in UTC, without offset: the form PromoStandards services document. */
export function toNaiveUtc(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/** `2024-01-15T08:30:00Z`. */
export function toIsoSeconds(ms: number): string {
	return `${toNaiveUtc(ms)}Z`;
}

import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type Day, MS_PER_DAY, parseDamDate } from './days';

/*
 * Days typed into node fields. Apart from ./days because it needs n8n-workflow (its errors),
 * and ./days must not: the DAM's answer readers use ./days, and they also run in the answer
 * worker (nodes/shared/answerWorker), which does not load n8n-workflow.
 */

/**
 * Reads a day from a node field. The calendar date is taken as written, whatever the time and
 * offset after it, so "2024-01-15", "2024/1/15", "2024-01-15T23:30:00+10:00" and an n8n date
 * picker value all mean the DAM day 2024/1/15, for every user in every time zone. A Luxon
 * DateTime from an expression ({{ $today }}) gives its own calendar date; a JavaScript Date its
 * UTC date.
 */
export function parseDayInput(value: unknown, field: string, node: INode, itemIndex?: number): Day {
	let day: Day | undefined;
	if (value instanceof Date) {
		day = Number.isNaN(value.getTime()) ? undefined : Math.floor(value.getTime() / MS_PER_DAY);
	} else if (value && typeof value === 'object' && typeof (value as { toISODate?: unknown }).toISODate === 'function') {
		day = parseDamDate((value as { toISODate(): string | null }).toISODate() ?? undefined);
	} else if (typeof value === 'string') {
		day = parseDamDate(value);
	}
	if (day === undefined) {
		const shown = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
		throw new NodeOperationError(node, `${field} is not a valid date: ${JSON.stringify(shown).slice(0, 80)}`, {
			description:
				'Enter a day such as 2024-01-15 or 2024/1/15 (the DAM works in whole days), or pick one in the date picker.',
			itemIndex,
		});
	}
	return day;
}

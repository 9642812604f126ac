import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { LANGUAGES } from '../model';

/**
 * Checks of the action node's fields, done before any request, each error naming the field and
 * saying what a valid value looks like.
 */

/** PantherMedia media ids: digits, or letters and digits for some collections (e.g. A20276259). */
const MEDIA_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/** Accepts an array, or a string separated by commas, spaces or new lines; drops blanks and repeats. */
export function parseIdList(value: unknown): string[] {
	const parts = Array.isArray(value)
		? value.flatMap((v) => (v === null || v === undefined ? [] : String(v).split(/[\s,;]+/)))
		: value === null || value === undefined
			? []
			: String(value).split(/[\s,;]+/);
	return [...new Set(parts.map((p) => p.trim()).filter(Boolean))];
}

export function requireMediaIds(
	this: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
	field: string,
	max: number,
): string[] {
	const ids = parseIdList(value);
	if (ids.length === 0) {
		throw new NodeOperationError(this.getNode(), `${field} is empty`, {
			itemIndex,
			description:
				'Enter at least one PantherMedia media ID (e.g. 2345), separated by commas, or map them from the input.',
		});
	}
	const invalid = ids.find((id) => !MEDIA_ID.test(id));
	if (invalid !== undefined) {
		throw new NodeOperationError(this.getNode(), `${field} contains an invalid media ID: "${invalid.slice(0, 60)}"`, {
			itemIndex,
			description: 'A media ID is a number such as 2345 (some collections use a letter prefix, such as A20276259).',
		});
	}
	if (ids.length > max) {
		throw new NodeOperationError(
			this.getNode(),
			`${field} has ${ids.length} IDs; at most ${max} are accepted per item`,
			{
				itemIndex,
				description: 'Split the list over several input items.',
			},
		);
	}
	return ids;
}

export function requireMediaId(this: IExecuteFunctions, value: unknown, itemIndex: number, field: string): string {
	const ids = requireMediaIds.call(this, value, itemIndex, field, 1);
	return ids[0];
}

/** A whole number within [min, max], or an error naming the field. */
export function requireInt(
	this: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
	field: string,
	min: number,
	max: number,
): number {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
		throw new NodeOperationError(
			this.getNode(),
			`${field} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
			{
				itemIndex,
			},
		);
	}
	return n;
}

export function requireLanguage(this: IExecuteFunctions, value: unknown, itemIndex: number): string {
	const lang = String(value ?? 'en').trim() || 'en';
	if (!(LANGUAGES as readonly string[]).includes(lang)) {
		throw new NodeOperationError(
			this.getNode(),
			`Language must be one of ${LANGUAGES.join(', ')}, not "${lang.slice(0, 20)}"`,
			{ itemIndex },
		);
	}
	return lang;
}

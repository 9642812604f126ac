import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { parseDayInput } from '../dayInput';
import { type Day, isEmptyInput } from '../days';

/** File types ModifiedFileRequest accepts. The DAM supports only PDF today; kept a list. */
export const FILE_TYPES = [{ name: 'PDF', value: 'pdf' }] as const;

export const REQUEST_TYPES = [
	{ name: 'All', value: 'all', description: 'Assets and packages (requestType X)' },
	{ name: 'Assets', value: 'assets', description: 'Individual assets only (requestType A)' },
	{ name: 'Packages', value: 'packages', description: 'Packages, e.g. digital folios, only (requestType P)' },
];

export function requestTypeCode(
	value: unknown,
	node: ReturnType<IExecuteFunctions['getNode']>,
	itemIndex?: number,
): 'A' | 'P' | 'X' {
	switch (value) {
		case 'assets':
			return 'A';
		case 'packages':
			return 'P';
		case 'all':
		case undefined:
		case '':
			return 'X';
		default:
			throw new NodeOperationError(node, `Request Type must be All, Assets or Packages, not ${JSON.stringify(value)}`, {
				itemIndex,
			});
	}
}

export function fileTypeValue(
	value: unknown,
	node: ReturnType<IExecuteFunctions['getNode']>,
	itemIndex?: number,
): string {
	const type = String(value ?? '')
		.trim()
		.toLowerCase();
	if (!FILE_TYPES.some((t) => t.value === type)) {
		throw new NodeOperationError(
			node,
			`File Type must be one of ${FILE_TYPES.map((t) => t.value).join(', ')}, not ${JSON.stringify(value)}`,
			{
				itemIndex,
				description: 'The DAM lists modified files of type PDF only.',
			},
		);
	}
	return type;
}

export function dateField(name: string, displayName: string, required: boolean, description: string): INodeProperties {
	return {
		displayName,
		name,
		type: 'dateTime',
		default: '',
		required,
		description,
	};
}

/** Start (required) and optional stop day of a range; the stop must be after the start (it is exclusive). */
export function readRange(this: IExecuteFunctions, itemIndex: number): { start: Day; stop?: Day } {
	const node = this.getNode();
	const start = parseDayInput(this.getNodeParameter('startDate', itemIndex, ''), 'Start Date', node, itemIndex);
	const rawStop = this.getNodeParameter('stopDate', itemIndex, '');
	if (isEmptyInput(rawStop)) return { start };
	const stop = parseDayInput(rawStop, 'Stop Date', node, itemIndex);
	if (stop <= start) {
		throw new NodeOperationError(node, 'Stop Date must be after Start Date', {
			itemIndex,
			description:
				'The Stop Date is exclusive: to get one day, set Stop Date to the next day (or leave it empty for “up to now”).',
		});
	}
	return { start, stop };
}

/** One DAM asset id: letters, digits, "-" or "_" (the DAM's ids are numbers such as 1234). */
export function readAssetId(this: IExecuteFunctions, value: unknown, field: string, itemIndex: number): string {
	const id = value === null || value === undefined ? '' : String(value).trim();
	if (!id) {
		throw new NodeOperationError(this.getNode(), `${field} is empty`, {
			itemIndex,
			description: 'Enter the DAM asset ID, e.g. 1234, or map it from the input with an expression.',
		});
	}
	if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
		throw new NodeOperationError(this.getNode(), `${field} is not a DAM asset ID: ${JSON.stringify(id).slice(0, 80)}`, {
			itemIndex,
			description: 'DAM asset IDs are numbers such as 1234 (letters, digits, "-" and "_" are accepted).',
		});
	}
	return id;
}

import type { INodeProperties } from 'n8n-workflow';

/**
 * n8n's Return All / Limit pair, worded as n8n's own nodes word it: Limit shows only while Return
 * All is off. Scope it to an operation with `updateDisplayOptions`, like every other field.
 */
export function returnAllOrLimit(options: { maxLimit?: number } = {}): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1, ...(options.maxLimit === undefined ? {} : { maxValue: options.maxLimit }) },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { returnAll: [false] } },
		},
	];
}

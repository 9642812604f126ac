import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { dotSegmentProblem } from '../../shared/paths';

import { MEDIA_TYPES } from '../model';

/** The supplier dropdown every operation of resource Media starts with. */
export function supplierField(): INodeProperties {
	return {
		displayName: 'Supplier Name or ID',
		name: 'supplierCode',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getSuppliers' },
		required: true,
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
	};
}

/** Filters shared by Get Content and Get Content for Many. */
export function contentOptions(): INodeProperties {
	return {
		displayName: 'Options',
		name: 'contentOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Class Types',
				name: 'classTypes',
				type: 'string',
				default: '',
				placeholder: '1006,1001',
				description:
					'Only media of these PromoStandards class type IDs, comma-separated (e.g. 1006 Primary, 1001 Blank, 1007 Front)',
			},
			{
				displayName: 'Media Type',
				name: 'mediaType',
				type: 'options',
				default: '',
				options: [{ name: 'All', value: '' }, ...MEDIA_TYPES.map((t) => ({ name: t, value: t }))],
				description: 'Only media of this type',
			},
			{
				displayName: 'Part ID',
				name: 'partId',
				type: 'string',
				default: '',
				description: 'Only media of this part (e.g. a colour variant)',
			},
		],
	};
}

export function outputField(): INodeProperties {
	return {
		displayName: 'Output',
		name: 'output',
		type: 'options',
		default: 'media',
		options: [
			{ name: 'One Item per Media', value: 'media', description: 'Each image, video or document becomes its own item' },
			{
				name: 'One Item per Product',
				value: 'product',
				description: 'Each product becomes one item with a media list',
			},
		],
	};
}

export interface ContentOptions {
	partId?: string;
	mediaType?: string;
	classTypes?: number[];
}

export function readContentOptions(this: IExecuteFunctions, itemIndex: number): ContentOptions {
	const raw = this.getNodeParameter('contentOptions', itemIndex, {}) as Record<string, unknown>;
	const out: ContentOptions = {};
	if (typeof raw.partId === 'string' && raw.partId.trim()) out.partId = raw.partId.trim();
	if (typeof raw.mediaType === 'string' && raw.mediaType) {
		if (!(MEDIA_TYPES as readonly string[]).includes(raw.mediaType)) {
			throw new NodeOperationError(this.getNode(), `Media Type must be one of ${MEDIA_TYPES.join(', ')}`, {
				itemIndex,
			});
		}
		out.mediaType = raw.mediaType;
	}
	if (raw.classTypes !== undefined && String(raw.classTypes).trim() !== '') {
		const parts = String(raw.classTypes)
			.split(/[\s,]+/)
			.filter(Boolean);
		const ids = parts.map(Number);
		if (ids.some((id) => !Number.isInteger(id) || id < 0)) {
			throw new NodeOperationError(
				this.getNode(),
				`Class Types must be whole numbers separated by commas, not "${String(raw.classTypes)}"`,
				{
					itemIndex,
					description: 'For example 1006,1001 (Primary and Blank).',
				},
			);
		}
		out.classTypes = ids;
	}
	return out;
}

/** A product id must be a non-empty string; numbers from expressions are accepted as text. */
export function requireProductId(
	this: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
	field = 'Product ID',
): string {
	const id = value === null || value === undefined ? '' : String(value).trim();
	if (!id) {
		throw new NodeOperationError(this.getNode(), `${field} is empty`, {
			itemIndex,
			description: 'Enter the supplier’s product ID, e.g. 5989, or map it from the input with an expression.',
		});
	}
	refuseDotSegment.call(this, id, field, itemIndex);
	return id;
}

/** Refuses "." and ".." where they would become a URL path segment (see nodes/shared/paths.ts). */
export function refuseDotSegment(this: IExecuteFunctions, value: string, field: string, itemIndex: number): void {
	const problem = dotSegmentProblem(value, field);
	if (problem) {
		throw new NodeOperationError(this.getNode(), problem, {
			itemIndex,
			description: 'Check the value (an expression may have produced it).',
		});
	}
}

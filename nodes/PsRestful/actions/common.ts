import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { dotSegmentProblem } from '../../shared/paths';

import { MEDIA_TYPES } from '../model';

/** The supplier every operation of resource Media starts with: from the loaded list, or by code. */
export function supplierField(): INodeProperties {
	return {
		displayName: 'Supplier',
		name: 'supplierCode',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The PromoStandards supplier whose media to read',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a supplier…',
				typeOptions: { searchListMethod: 'searchSuppliers', searchable: true },
			},
			{
				displayName: 'By Code',
				name: 'code',
				type: 'string',
				placeholder: 'e.g. HIT',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
							errorMessage: 'A supplier code is letters and digits, such as HIT or PCNA',
						},
					},
				],
			},
		],
	};
}

/**
 * The supplier code of the Supplier field, whichever mode it was set in (older workflows saved a
 * plain code, which reads the same).
 */
export function readSupplierCode(value: unknown): string {
	const code =
		value !== null && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value;
	return String(code ?? '').trim();
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

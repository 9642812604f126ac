import type { IDataObject } from 'n8n-workflow';

/** PromoStandards Media Content 1.1.0 as PSRESTful serves it (JSON). */

export interface ModifiedProduct {
	productId: string;
	partId?: string;
}

export interface MediaContent extends IDataObject {
	productId: string;
	partId: string | null;
	url: string | null;
	mediaType: string;
	fileSize: number | null;
	width: number | null;
	height: number | null;
	dpi: number | null;
	color: string | null;
	description: string | null;
	singlePart: boolean;
	changeTimeStamp: string | null;
	classTypes: Array<{ classTypeId: number; classTypeName: string | null }>;
	decorations: Array<{ decorationId: number | null; decorationName: string | null }>;
	locations: Array<{ locationId: number; locationName: string | null }>;
}

export interface Supplier extends IDataObject {
	id: number;
	code: string;
	name: string;
}

export interface SupplierPage {
	suppliers: Supplier[];
	page: number;
	totalPages: number;
}

/** PromoStandards wraps lists as `{ "XArray": { "X": [...] } }`; any level may be null or a single object. */
export function unwrapArray(container: unknown, arrayKey: string, itemKey: string): unknown[] {
	if (!container || typeof container !== 'object') return [];
	const array = (container as Record<string, unknown>)[arrayKey];
	if (array === null || array === undefined) return [];
	if (Array.isArray(array)) return array;
	const items = (array as Record<string, unknown>)[itemKey];
	if (items === null || items === undefined) return [];
	return Array.isArray(items) ? items : [items];
}

function str(value: unknown): string | null {
	if (value === null || value === undefined || value === '') return null;
	return String(value);
}

function num(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const n = Number(value);
	return Number.isFinite(n) ? n : null;
}

export function toModifiedProduct(raw: unknown): ModifiedProduct | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const record = raw as Record<string, unknown>;
	const productId = str(record.productId);
	if (!productId) return undefined;
	const partId = str(record.partId);
	return partId ? { productId, partId } : { productId };
}

export function toMediaContent(raw: unknown): MediaContent | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const r = raw as Record<string, unknown>;
	const productId = str(r.productId);
	if (!productId) return undefined;
	return {
		productId,
		partId: str(r.partId),
		url: str(r.url),
		mediaType: str(r.mediaType) ?? 'Image',
		fileSize: num(r.fileSize),
		width: num(r.width),
		height: num(r.height),
		dpi: num(r.dpi),
		color: str(r.color),
		description: str(r.description),
		singlePart: r.singlePart === true || r.singlePart === 'true',
		changeTimeStamp: str(r.changeTimeStamp),
		classTypes: unwrapArray(r, 'ClassTypeArray', 'ClassType').map((c) => {
			const entry = (c ?? {}) as Record<string, unknown>;
			return {
				classTypeId: num(entry.classTypeId ?? entry.classType) ?? 0,
				classTypeName: str(entry.classTypeName ?? entry.className),
			};
		}),
		decorations: unwrapArray(r, 'DecorationArray', 'Decoration').map((d) => {
			const entry = (d ?? {}) as Record<string, unknown>;
			return { decorationId: num(entry.decorationId), decorationName: str(entry.decorationName) };
		}),
		locations: unwrapArray(r, 'LocationArray', 'Location').map((l) => {
			const entry = (l ?? {}) as Record<string, unknown>;
			return { locationId: num(entry.locationId) ?? 0, locationName: str(entry.locationName) };
		}),
	};
}

/** Newest changeTimeStamp among the media, when the supplier fills it in. */
export function newestChange(media: readonly MediaContent[]): string | undefined {
	let newest: { ms: number; text: string } | undefined;
	for (const entry of media) {
		if (!entry.changeTimeStamp) continue;
		const ms = Date.parse(
			/[zZ]|[+-]\d\d:?\d\d$/.test(entry.changeTimeStamp) ? entry.changeTimeStamp : `${entry.changeTimeStamp}Z`,
		);
		if (Number.isNaN(ms)) continue;
		if (!newest || ms > newest.ms) newest = { ms, text: entry.changeTimeStamp };
	}
	return newest?.text;
}

/** Media type filter values the API accepts. */
export const MEDIA_TYPES = ['Image', 'Video', 'Audio', 'Document'] as const;

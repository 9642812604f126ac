import type { IDataObject, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { parseDateInput, toIsoSeconds } from '../shared/dates';
import type { SkippedRecord } from '../shared/skipped';

/**
 * CommerceConnect media items as the API v2 documents them, and the checks every field passes
 * before a request is sent. Every check throws a NodeOperationError that names the node field.
 */

export const MEDIA_ITEM_TYPES = ['ImageMediaItem', 'VideoMediaItem', 'FileMediaItem'] as const;
export type MediaItemType = (typeof MEDIA_ITEM_TYPES)[number];

export const ASSOCIATED_FIELDS = ['attribute_values', 'association_attribute_values'] as const;

/**
 * Largest `per_page` this package asks for. CommerceConnect documents the default (50) but no
 * maximum; 100 is a common server-side cap. The code never trusts it: paging follows the
 * `per_page` and `total_pages` the server answers with, so a lower real cap costs requests, not data.
 */
export const MAX_PER_PAGE = 100;

/** A media item as the API returns it (list entries, create/update answers). */
export interface MediaItem extends IDataObject {
	id: number;
	media_item_type?: string;
	url?: string;
	description?: string | null;
	sort_order?: number;
	position?: number | null;
	is_primary?: boolean | null;
	is_uploaded?: boolean | null;
	product_id?: number | null;
	etag?: string | null;
	tag_list?: string[];
}

/** One page of a list answer. */
export interface ListPage<T> {
	page: number;
	perPage: number;
	totalPages: number;
	totalEntries: number;
	/** The entries that could be read. */
	entries: T[];
	/** Entries in the answer, unreadable ones included: whether a page was full is judged by this. */
	rows: number;
	/** Entries that could not be used and were skipped, with why. */
	skipped: SkippedRecord[];
}

export type MediaItemPage = ListPage<MediaItem>;

export interface Product extends IDataObject {
	id: number;
	code?: string;
}

export interface ListQuery {
	page?: number;
	perPage?: number;
	createdFrom?: number;
	createdTo?: number;
	updatedFrom?: number;
	updatedTo?: number;
	associatedFields?: string[];
}

/** The query string of a list request. Times go as `2016-05-30T05:13:26Z`, as documented. */
export function listQueryString(query: ListQuery): IDataObject {
	const qs: IDataObject = {};
	if (query.page !== undefined) qs.page = query.page;
	if (query.perPage !== undefined) qs.per_page = query.perPage;
	if (query.createdFrom !== undefined) qs.created_time_from = toIsoSeconds(query.createdFrom);
	if (query.createdTo !== undefined) qs.created_time_to = toIsoSeconds(query.createdTo);
	if (query.updatedFrom !== undefined) qs.updated_time_from = toIsoSeconds(query.updatedFrom);
	if (query.updatedTo !== undefined) qs.updated_time_to = toIsoSeconds(query.updatedTo);
	if (query.associatedFields && query.associatedFields.length > 0)
		qs.response_associated_fields = query.associatedFields.join(',');
	return qs;
}

// ---------------------------------------------------------------------------------------------
// Field checks. `field` is the name the user sees in the node.

export class FieldChecker {
	constructor(
		readonly node: INode,
		readonly itemIndex: number,
	) {}

	fail(message: string, description?: string): never {
		throw new NodeOperationError(this.node, message, {
			itemIndex: this.itemIndex,
			...(description ? { description } : {}),
		});
	}

	isBlank(value: unknown): boolean {
		return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
	}

	/** A CommerceConnect record ID: a positive whole number (numbers from expressions or text). */
	id(value: unknown, field: string): number {
		if (this.isBlank(value)) this.fail(`${field} is empty`, `Enter the ${field}, a whole number such as 9.`);
		const text = String(value).trim();
		if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
			this.fail(
				`${field} must be a whole number, not ${describe(value)}`,
				'CommerceConnect IDs are integers (e.g. 9). To use a code instead, choose “Code” where the node offers it.',
			);
		}
		return Number(text);
	}

	optionalId(value: unknown, field: string): number | undefined {
		return this.isBlank(value) ? undefined : this.id(value, field);
	}

	/** A whole number ≥ 0 (positions). */
	integer(value: unknown, field: string): number {
		const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
		if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
			this.fail(`${field} must be a whole number, not ${describe(value)}`);
		}
		return Number(text);
	}

	optionalInteger(value: unknown, field: string): number | undefined {
		return this.isBlank(value) ? undefined : this.integer(value, field);
	}

	code(value: unknown, field: string): string {
		if (this.isBlank(value)) this.fail(`${field} is empty`, `Enter the ${field}.`);
		if (typeof value !== 'string' && typeof value !== 'number')
			this.fail(`${field} must be text, not ${describe(value)}`);
		return String(value).trim();
	}

	text(value: unknown, field: string): string {
		if (typeof value !== 'string' && typeof value !== 'number')
			this.fail(`${field} must be text, not ${describe(value)}`);
		return String(value);
	}

	boolean(value: unknown, field: string): boolean {
		if (typeof value === 'boolean') return value;
		if (value === 1 || value === '1' || value === 'true') return true;
		if (value === 0 || value === '0' || value === 'false') return false;
		return this.fail(`${field} must be true or false, not ${describe(value)}`);
	}

	/** An http(s) URL. */
	url(value: unknown, field: string): string {
		if (this.isBlank(value)) this.fail(`${field} is empty`, `Enter the ${field}, an http:// or https:// address.`);
		const text = this.text(value, field).trim();
		let parsed: URL | undefined;
		try {
			parsed = new URL(text);
		} catch {
			parsed = undefined;
		}
		if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
			this.fail(`${field} must be an http:// or https:// address, not ${describe(value)}`);
		}
		// The URL parser silently drops tabs and line breaks, so the check above would pass an
		// address that is not the one sent (CommerceConnect fetches the text as given).
		// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
		if (/[\u0000-\u001f\u007f]/.test(text)) {
			this.fail(
				`${field} must be an http:// or https:// address, not ${describe(value)}: it contains a line break, tab or other control character`,
			);
		}
		return text;
	}

	/** Tags as a list: an array, or text separated by commas. Tags cannot contain commas. */
	tags(value: unknown, field: string): string[] {
		if (this.isBlank(value)) return [];
		const raw = Array.isArray(value) ? value : String(value).split(',');
		const tags: string[] = [];
		for (const entry of raw) {
			if (typeof entry !== 'string' && typeof entry !== 'number')
				this.fail(`${field} must be text or a list of texts, not ${describe(value)}`);
			const tag = String(entry).trim();
			if (tag === '') continue;
			if (tag.includes(',')) {
				this.fail(
					`${field}: the tag ${describe(tag)} contains a comma`,
					'CommerceConnect splits tags at commas; use tags without commas.',
				);
			}
			if (!tags.includes(tag)) tags.push(tag);
		}
		return tags;
	}

	mediaItemType(value: unknown, field = 'Media Item Type'): MediaItemType {
		const text = String(value ?? '').trim();
		const normalised = normaliseMediaItemType(text);
		if (!normalised) {
			this.fail(
				`${field} must be one of ImageMediaItem, VideoMediaItem, FileMediaItem, not ${describe(value)}`,
				'Image, Video and File (any case) are accepted too.',
			);
		}
		return normalised;
	}

	/** An ISO 8601 date-time from a date field or an expression, in epoch ms. */
	time(value: unknown, field: string): number {
		return parseDateInput(value, field, this.node, this.itemIndex);
	}

	optionalTime(value: unknown, field: string): number | undefined {
		return this.isBlank(value) ? undefined : this.time(value, field);
	}

	/** A colour name (white, lightgrey) or hex code (#fff, #ffffff, ffffff). */
	colour(value: unknown, field: string): string {
		const text = this.text(value, field).trim();
		if (!/^(#?[0-9a-f]{3}|#?[0-9a-f]{6}|[a-z]{3,30})$/i.test(text)) {
			this.fail(`${field} must be a colour name such as white or a hex code such as #ffffff, not ${describe(value)}`);
		}
		return text;
	}
}

export function normaliseMediaItemType(text: string): MediaItemType | undefined {
	const lower = text.toLowerCase();
	for (const type of MEDIA_ITEM_TYPES) {
		if (lower === type.toLowerCase() || lower === type.replace('MediaItem', '').toLowerCase()) return type;
	}
	return undefined;
}

/** A value as it should appear in an error message: short, quoted when text. */
export function describe(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
	if (typeof value === 'object') {
		const json = JSON.stringify(value) ?? String(value);
		return json.length > 60 ? `${json.slice(0, 60)}…` : json;
	}
	return String(value);
}

/** Reads a media item out of an answer; throws when it is not one. */
export function asMediaItem(value: unknown): MediaItem | undefined {
	if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const record = value as IDataObject;
	const id = Number(record.id);
	if (!Number.isSafeInteger(id)) return undefined;
	return { ...record, id } as MediaItem;
}

/** Node field names for the API's field names, for 422 messages. */
export const FIELD_LABELS: Record<string, string> = {
	media_item_type: 'Media Item Type',
	product_id: 'Product ID',
	product_code: 'Product Code',
	product: 'Product',
	associated_type: 'Attach To',
	associated_id: 'Entity / Category ID',
	associated_code: 'Entity Code',
	url: 'URL',
	description: 'Description',
	position: 'Position',
	sort_order_position: 'Position',
	is_primary: 'Primary',
	tag_list: 'Tags',
	etag: 'ETag',
	processing_options: 'Image Processing Options',
	apply_background: 'Apply Background',
	background_colour: 'Background Colour',
	processed_tags: 'Processed Tags',
	derived_media_items: 'Derived Media Items',
	attribute_values: 'Attribute Values',
	attribute_definition_id: 'Attribute Definition ID',
	attribute_definition_code: 'Attribute Definition Code',
	asset: 'Binary File',
	per_page: 'Limit',
	page: 'Page',
	created_time_from: 'Created After',
	created_time_to: 'Created Before',
	updated_time_from: 'Updated After',
	updated_time_to: 'Updated Before',
	response_associated_fields: 'Include',
};

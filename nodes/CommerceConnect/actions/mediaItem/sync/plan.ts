import type { IDataObject } from 'n8n-workflow';

import { type FieldChecker, type MediaItem, type MediaItemType, describe } from '../../../model';
import { tagKey } from './mediaIndex';

/**
 * What Sync Product Media wants a product's synced media to be, and the smallest set of writes
 * that gets there. Pure: no requests, so it is easy to reason about and to test.
 *
 * Rules:
 * - "Synced media" of a product are its media items that carry the sync tag; nothing else is
 *   ever changed.
 * - A wanted entry matches the synced item with the same URL (exact text).
 * - Only the fields a wanted entry gives (description, position, primary, tags, type) are
 *   compared and written; a field it leaves out keeps whatever CommerceConnect has.
 * - Synced items whose URL is not wanted are deleted; of two synced items with one URL (a
 *   leftover of an interrupted run) the older is kept and the other deleted.
 */

export interface WantedMedia {
	url: string;
	description?: string;
	position?: number;
	primary?: boolean;
	/** Tags besides the sync tag (which every synced item carries). */
	tags?: string[];
	type?: MediaItemType;
}

export interface PlannedUpdate {
	item: MediaItem;
	wanted: WantedMedia;
	/** Only the fields that differ. */
	fields: IDataObject;
}

export interface SyncPlan {
	create: WantedMedia[];
	update: PlannedUpdate[];
	remove: MediaItem[];
	unchanged: MediaItem[];
}

const KEYS: Record<string, keyof WantedMedia> = {
	url: 'url',
	description: 'description',
	position: 'position',
	primary: 'primary',
	is_primary: 'primary',
	isprimary: 'primary',
	tags: 'tags',
	tag_list: 'tags',
	media_item_type: 'type',
	mediaitemtype: 'type',
};

/**
 * Reads the wanted list: an array of objects (from an expression, e.g. a supplier node's media
 * list) or its JSON text. Keys are read case-insensitively: url (required), description,
 * position, primary / is_primary, tags / tag_list, media_item_type. Other keys are ignored, so a
 * supplier's media objects can be passed as they are; a null value counts as not given.
 */
export function readWantedList(check: FieldChecker, raw: unknown, field: string): WantedMedia[] {
	// An empty list deletes every synced media item of the product, so only a list that is really
	// there and really empty may mean that. An expression that came out empty — `{{ $json.media ?? "" }}`
	// on an item without media, a missing field — is a mistake, never an order to delete.
	const explicitEmpty =
		'To remove every synced media item of the product, give an explicitly empty list: [] (or map one).';
	if (raw === undefined || raw === null) {
		check.fail(`${field} has no value (an expression gave ${raw === null ? 'null' : 'nothing'})`, explicitEmpty);
	}
	let value: unknown = raw;
	if (typeof value === 'string') {
		const text = value.trim();
		if (text === '') check.fail(`${field} is empty`, explicitEmpty);
		try {
			value = JSON.parse(text) as unknown;
		} catch {
			check.fail(
				`${field} is not valid JSON`,
				'Give a list such as [{"url": "https://…/front.jpg", "description": "Front"}], or map a list with an expression.',
			);
		}
		if (value === null) check.fail(`${field} is null`, explicitEmpty);
	}
	if (value && typeof value === 'object' && !Array.isArray(value)) value = [value];
	if (!Array.isArray(value)) check.fail(`${field} must be a list of media, not ${describe(raw)}`);

	const wanted: WantedMedia[] = [];
	const urls = new Map<string, number>();
	(value as unknown[]).forEach((entry, index) => {
		const label = `${field} → entry ${index + 1}`;
		if (!entry || typeof entry !== 'object' || Array.isArray(entry))
			check.fail(`${label} must be an object with a url, not ${describe(entry)}`);
		const fields: Partial<Record<keyof WantedMedia, unknown>> = {};
		for (const [key, v] of Object.entries(entry as IDataObject)) {
			const known = KEYS[key.toLowerCase()];
			if (known && v !== null && v !== undefined) fields[known] = v;
		}
		const media: WantedMedia = { url: check.url(fields.url, `${label}: url`) };
		if (fields.description !== undefined) media.description = check.text(fields.description, `${label}: description`);
		if (fields.position !== undefined && fields.position !== '')
			media.position = check.integer(fields.position, `${label}: position`);
		if (fields.primary !== undefined) media.primary = check.boolean(fields.primary, `${label}: primary`);
		if (fields.tags !== undefined) media.tags = check.tags(fields.tags, `${label}: tags`);
		if (fields.type !== undefined) media.type = check.mediaItemType(fields.type, `${label}: media_item_type`);
		const earlier = urls.get(media.url);
		if (earlier !== undefined) {
			check.fail(
				`${label} has the same URL as entry ${earlier + 1}: ${media.url}`,
				'Each URL can be wanted once per product.',
			);
		}
		urls.set(media.url, index);
		wanted.push(media);
	});
	const primaries = wanted.filter((m) => m.primary === true).length;
	if (primaries > 1)
		check.fail(
			`${field} marks ${primaries} media as primary`,
			'A product has one primary media item: mark at most one.',
		);
	return wanted;
}

export function wantedTags(media: WantedMedia, syncTag: string): string[] | undefined {
	if (media.tags === undefined) return undefined;
	return [syncTag, ...media.tags.filter((tag) => tagKey(tag) !== tagKey(syncTag))];
}

function sameTags(a: readonly string[] | undefined, b: readonly string[]): boolean {
	const left = new Set((a ?? []).map(tagKey));
	const right = new Set(b.map(tagKey));
	return left.size === right.size && [...left].every((tag) => right.has(tag));
}

/** The fields of `item` that differ from what `wanted` asks for. */
export function differences(item: MediaItem, wanted: WantedMedia, syncTag: string): IDataObject {
	const fields: IDataObject = {};
	if (wanted.type !== undefined && item.media_item_type !== wanted.type) fields.media_item_type = wanted.type;
	if (wanted.description !== undefined && (item.description ?? '') !== wanted.description)
		fields.description = wanted.description;
	if (wanted.position !== undefined && item.position !== wanted.position) fields.position = wanted.position;
	if (wanted.primary !== undefined && (item.is_primary === true) !== wanted.primary) fields.is_primary = wanted.primary;
	const tags = wantedTags(wanted, syncTag);
	if (tags !== undefined && !sameTags(item.tag_list, tags)) fields.tag_list = tags;
	return fields;
}

export function planSync(existing: readonly MediaItem[], wanted: readonly WantedMedia[], syncTag: string): SyncPlan {
	const plan: SyncPlan = { create: [], update: [], remove: [], unchanged: [] };
	const byUrl = new Map<string, MediaItem>();
	for (const item of [...existing].sort((a, b) => a.id - b.id)) {
		const url = String(item.url ?? '').trim();
		if (byUrl.has(url))
			plan.remove.push(item); // a duplicate: keep the older one
		else byUrl.set(url, item);
	}
	const wantedUrls = new Set(wanted.map((m) => m.url));
	for (const [url, item] of byUrl) if (!wantedUrls.has(url)) plan.remove.push(item);
	for (const media of wanted) {
		const item = byUrl.get(media.url);
		if (!item) {
			plan.create.push(media);
			continue;
		}
		const fields = differences(item, media, syncTag);
		if (Object.keys(fields).length > 0) plan.update.push({ item, wanted: media, fields });
		else plan.unchanged.push(item);
	}
	plan.remove.sort((a, b) => a.id - b.id);
	return plan;
}

/** The `media_item` of a create for a wanted entry. */
export function createFields(
	media: WantedMedia,
	productId: number,
	syncTag: string,
	defaultType: MediaItemType,
): IDataObject {
	const item: IDataObject = { media_item_type: media.type ?? defaultType, product_id: productId, url: media.url };
	if (media.description !== undefined) item.description = media.description;
	if (media.position !== undefined) item.position = media.position;
	if (media.primary !== undefined) item.is_primary = media.primary;
	item.tag_list = wantedTags(media, syncTag) ?? [syncTag];
	return item;
}

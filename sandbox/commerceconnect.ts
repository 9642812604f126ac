import { createHash, randomBytes } from 'node:crypto';

import { Misbehaviour } from './misbehaviour';
import { type MockReply, type MockRequest, MockServer } from './server';

/**
 * CommerceConnect (Comestri) PIM API v2 media items on loopback, stateful.
 *
 * What the docs show is reproduced as documented (paths, `media_item` wrapper, page envelope,
 * list entry fields, upload field names, `Authorization: Token token=…,email=…`). What they do
 * not show is designed here the way a Rails + Apipie application behaves, and said so:
 * - error bodies: model validation `{"errors": {field: [messages]}}` (422), parameter
 *   validation `{"error": "Invalid parameter '…' value …"}` (422), missing records
 *   `{"message": "Couldn't find MediaItem with 'id'=…"}` (404), Devise's 401 `{"error": …}`;
 * - `per_page` is capped at {@link maxPerPage} (100) silently, like Kaminari's max_per_page,
 *   and the answer's `per_page` says what was used;
 * - list order is by id; `total_pages` is 0 for an empty result (will_paginate);
 * - `updated_at` / `created_at` are kept server-side and are not part of list entries (the
 *   documented entries have neither); time filters are inclusive by default, exclusive on demand;
 * - a product has one primary media item: making one primary makes the others not (and touches them).
 *
 * Test hooks: `onList` runs on every list request, before the query or between its SELECT and
 * its COUNT (they are two queries in Rails, in either order: {@link listQueryOrder}), so a test
 * can edit items while a client pages;
 * `createStallMs` creates and then holds the answer (a timeout after the server did the work).
 */

export interface StoredItem {
	id: number;
	media_item_type: string;
	url: string;
	description: string | null;
	sort_order: number;
	position: number | null;
	is_primary: boolean;
	is_uploaded: boolean | null;
	product_id: number | null;
	associated_type: string | null;
	associated_id: number | null;
	etag: string | null;
	tag_list: string[];
	derived_media_items: Array<{ name: string; url: string }>;
	attribute_values: unknown[];
	/** The uploaded file; with {@link CommerceConnectMock.streamUploads} `bytes` is empty and `size` / `sha256` describe it. */
	asset?: { fileName: string; contentType: string; bytes: Buffer; size?: number; sha256?: string };
	created_at: number;
	updated_at: number;
	/** Server time from which list requests see this version (a commit still in flight before). */
	visibleAt: number;
	version: number;
}

export interface MockChange {
	id: number;
	version: number;
	at: number;
	kind: 'created' | 'updated' | 'deleted';
}

export interface MultipartPart {
	name: string;
	fileName?: string;
	contentType?: string;
	/** The part's bytes (empty for a file part read by {@link readMultipartStream}). */
	data: Buffer;
	/** File parts read by {@link readMultipartStream}: their length and SHA-256 (hex). */
	size?: number;
	sha256?: string;
}

/** What a later run needs to go on from where this one stopped (see Sandbox.state()); uploads as base64. */
export interface CommerceConnectState {
	products: Array<{ id: number; code: string; name: string }>;
	items: Array<
		Omit<StoredItem, 'asset'> & { asset?: Omit<NonNullable<StoredItem['asset']>, 'bytes'> & { base64: string } }
	>;
	changes: MockChange[];
	nextId: number;
	sortCounter: number;
}

type ListPhase = 'before' | 'between';

const MEDIA_TYPES = ['ImageMediaItem', 'VideoMediaItem', 'FileMediaItem'];
const ASSOCIATED = ['attribute_values', 'association_attribute_values'];

export class CommerceConnectMock {
	readonly server: MockServer;

	email = 'sync-bot@example.com';

	/** A fresh random token per mock, so no secret lives in the source. */
	token = `cc${randomBytes(16).toString('hex')}`;

	maxPerPage = 100;

	boundMode: 'inclusive' | 'exclusive' = 'inclusive';

	/** Stored time precision: milliseconds, or whole seconds (MySQL DATETIME). */
	precision: 'ms' | 's' = 'ms';

	/**
	 * The order of a list answer's two queries: the page's SELECT first, then the COUNT (the
	 * default), or the COUNT first. CommerceConnect does not say which; `onList`'s "between" runs
	 * between them either way.
	 */
	listQueryOrder: 'select-first' | 'count-first' = 'select-first';

	/** Writes answer 403 (a read-only user). */
	readOnly = false;

	/** How `GET /api/v2/products?code=` matches. */
	codeMatch: 'exact' | 'contains' = 'exact';

	/** Store tags in lower case (acts-as-taggable-on's force_lowercase). */
	lowercaseTags = false;

	/** Delay before a write becomes visible to list requests. */
	visibilityLagMs = 0;

	createStallMs = 0;

	/**
	 * Read upload bodies as they arrive instead of keeping them: form fields are kept, the file
	 * is only counted and hashed (SHA-256), so a 50 MB upload costs the mock a few KiB of memory
	 * (the upload benchmark measures the client's memory, not the mock's).
	 */
	streamUploads = false;

	onList?: (request: MockRequest, phase: ListPhase) => void;

	readonly products = [
		{ id: 9, code: 'SKU-9', name: 'Lady’s top' },
		{ id: 257, code: 'SKU-257', name: 'Test product' },
		{ id: 300, code: 'SKU-300', name: 'Bag' },
		{ id: 301, code: 'SKU-3010', name: 'Bag, large' },
	];

	readonly categories = [{ id: 1, name: 'Tops' }];

	readonly npcEntities = [
		{ id: 3, code: 'cotton', name: 'Cotton' },
		{ id: 4, code: 'linen', name: 'Linen' },
	];

	readonly items = new Map<number, StoredItem>();

	readonly changes: MockChange[] = [];

	private nextId = 1000;

	/** See {@link catalogue}. */
	private ballast?: { count: number; at: number };

	private sortCounter = 0;

	constructor() {
		this.server = new MockServer(async (request) => await this.handle(request));
		this.server.consumeBody = (req, path) =>
			this.streamUploads && req.method === 'POST' && path === '/api/v2/media_items/upload'
				? readMultipartStream(req, String(req.headers['content-type'] ?? ''))
				: undefined;
	}

	async start(): Promise<string> {
		return await this.server.start();
	}

	async stop(): Promise<void> {
		await this.server.stop();
	}

	exportState(): CommerceConnectState {
		return {
			products: this.products.map((product) => ({ ...product })),
			items: [...this.items.values()].map(({ asset, ...item }) =>
				asset ? { ...item, asset: { ...withoutBytes(asset), base64: asset.bytes.toString('base64') } } : item,
			),
			changes: [...this.changes],
			nextId: this.nextId,
			sortCounter: this.sortCounter,
		};
	}

	/** Replaces the products, media items and their history with saved ones; new ids go on after the last. */
	importState(state: CommerceConnectState): void {
		this.products.splice(0, this.products.length, ...state.products);
		this.items.clear();
		for (const { asset, ...item } of state.items) {
			const stored: StoredItem = asset
				? { ...item, asset: { ...withoutBase64(asset), bytes: Buffer.from(asset.base64, 'base64') } }
				: item;
			this.items.set(stored.id, stored);
		}
		this.changes.splice(0, this.changes.length, ...state.changes);
		this.nextId = state.nextId;
		this.sortCounter = state.sortCounter;
	}

	get authorization(): string {
		return `Token token=${this.token},email=${this.email}`;
	}

	now(): number {
		const now = this.server.now();
		return this.precision === 's' ? Math.floor(now / 1000) * 1000 : now;
	}

	/** Requests that change data (anything but GET). */
	writes(): MockRequest[] {
		return this.server.requests.filter((r) => r.method !== 'GET');
	}

	listRequests(): MockRequest[] {
		return this.server.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/media_items');
	}

	// -------------------------------------------------------------------------------------------
	// Direct data access for tests (what other users of CommerceConnect do meanwhile).

	/**
	 * A large catalogue without a million objects: `count` media items with ids 1 … count, all
	 * created and last changed at `at`, of product 9, without tags, that never change and cannot
	 * be deleted. The list answers them before the stored items (ids below theirs), built page by
	 * page, so a benchmark can page through a million media items. Call it before any seed.
	 */
	catalogue(count: number, at: number): void {
		if (this.items.size > 0 || this.nextId !== 1000) throw new Error('catalogue() comes before any seed');
		this.ballast = { count, at };
		this.nextId = Math.max(this.nextId, count + 1);
	}

	private ballastEntry(id: number): Record<string, unknown> {
		return {
			id,
			media_item_type: 'ImageMediaItem',
			url: `https://cdn.example.com/catalogue/${id}.jpg`,
			description: null,
			sort_order: id * 1048576,
			is_primary: false,
			is_uploaded: null,
			product_id: 9,
			position: null,
			tag_list: [],
		};
	}

	seed(fields: Partial<StoredItem> & { url: string }, at = this.now()): StoredItem {
		const id = fields.id ?? this.nextId++;
		const outOfOrder = fields.id !== undefined && [...this.items.keys()].some((existing) => existing > id);
		this.nextId = Math.max(this.nextId, id + 1);
		this.sortCounter++;
		const item: StoredItem = {
			id,
			media_item_type: 'ImageMediaItem',
			description: null,
			sort_order: this.sortCounter * 1048576,
			position: null,
			is_primary: false,
			is_uploaded: null,
			product_id: null,
			associated_type: null,
			associated_id: null,
			etag: null,
			tag_list: [],
			derived_media_items: [],
			attribute_values: [],
			...fields,
			created_at: at,
			updated_at: at,
			visibleAt: at + this.visibilityLagMs,
			version: 1,
		};
		this.items.set(id, item);
		if (outOfOrder) {
			const sorted = [...this.items.values()].sort((a, b) => a.id - b.id);
			this.items.clear();
			for (const entry of sorted) this.items.set(entry.id, entry);
		}
		this.changes.push({ id, version: 1, at, kind: 'created' });
		return item;
	}

	edit(id: number, patch: Partial<StoredItem>, at = this.now()): StoredItem {
		const item = this.items.get(id);
		if (!item) throw new Error(`no item ${id}`);
		Object.assign(item, patch, { updated_at: at, visibleAt: at + this.visibilityLagMs, version: item.version + 1 });
		this.changes.push({ id, version: item.version, at, kind: 'updated' });
		return item;
	}

	remove(id: number, at = this.now()): void {
		const item = this.items.get(id);
		if (!item) return;
		this.items.delete(id);
		this.changes.push({ id, version: item.version, at, kind: 'deleted' });
	}

	/** The list entry of an item, with the fields the docs show (no etag, no timestamps). */
	listEntry(item: StoredItem, associated: string[] = []): Record<string, unknown> {
		const entry: Record<string, unknown> = {
			id: item.id,
			media_item_type: item.media_item_type,
			url: item.url,
			description: item.description,
			sort_order: item.sort_order,
			is_primary: item.is_primary,
			is_uploaded: item.is_uploaded,
			product_id: item.product_id,
			position: item.position,
			tag_list: [...item.tag_list],
		};
		if (item.asset) entry.asset_file_name = item.asset.fileName;
		if (associated.includes('attribute_values')) entry.attribute_values = item.attribute_values;
		if (associated.includes('association_attribute_values')) entry.association_attribute_values = [];
		return entry;
	}

	/** The single-item answer of create / upload / update (the documented resource has etag too). */
	resource(item: StoredItem): Record<string, unknown> {
		return { ...this.listEntry(item), ...(item.etag ? { etag: item.etag } : {}) };
	}

	// -------------------------------------------------------------------------------------------

	private async handle(request: MockRequest): Promise<MockReply> {
		if (request.headers.authorization !== this.authorization) {
			return json(
				401,
				{ error: 'You need to sign in or sign up before continuing.' },
				{ 'www-authenticate': 'Token realm="Application"' },
			);
		}
		if (request.method !== 'GET' && this.readOnly) {
			return json(403, { error: 'You are not authorized to perform this action.' });
		}
		const { method, path } = request;
		if (method === 'GET' && path === '/api/v2/media_items') return this.list(request);
		if (method === 'POST' && path === '/api/v2/media_items') return await this.create(request);
		if (method === 'POST' && path === '/api/v2/media_items/upload') return await this.upload(request);
		if (method === 'POST' && path === '/api/v2/media_items/delete_by_filter') return this.deleteByFilter(request);
		const byId = /^\/api\/v2\/media_items\/(\d+)$/.exec(path);
		if (byId && method === 'PUT') return this.update(Number(byId[1]), request);
		if (byId && method === 'DELETE') return this.destroy(Number(byId[1]));
		if (method === 'GET' && path === '/api/v2/products') return this.productList(request);
		return json(404, { error: 'Not Found' });
	}

	private paging(request: MockRequest): { page: number; perPage: number; reply?: undefined } | { reply: MockReply } {
		const values: Record<string, number> = { page: 1, per_page: 50 };
		for (const name of ['page', 'per_page']) {
			const raw = request.query.get(name);
			if (raw === null) continue;
			if (!/^\d+$/.test(raw))
				return {
					reply: json(422, { error: `Invalid parameter '${name}' value ${JSON.stringify(raw)}: Must be a number.` }),
				};
			values[name] = Number(raw);
		}
		return { page: Math.max(1, values.page), perPage: Math.min(this.maxPerPage, Math.max(1, values.per_page)) };
	}

	private timeParam(request: MockRequest, name: string): number | undefined | MockReply {
		const raw = request.query.get(name);
		if (raw === null) return undefined;
		if (
			!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ||
			Number.isNaN(Date.parse(raw))
		) {
			return json(422, {
				error: `Invalid parameter '${name}' value ${JSON.stringify(raw)}: Must be an ISO 8601 time.`,
			});
		}
		return Date.parse(raw);
	}

	private inRange(value: number, from: number | undefined, to: number | undefined): boolean {
		if (this.boundMode === 'inclusive')
			return (from === undefined || value >= from) && (to === undefined || value <= to);
		return (from === undefined || value > from) && (to === undefined || value < to);
	}

	/**
	 * Misbehaviour at random, for soaks: list answers that ignore the page number, pages with an
	 * entry that has no id, and a `total_pages` one short of what `total_entries` makes.
	 */
	readonly hostile = new Misbehaviour<'ignorePage' | 'entryWithoutId' | 'fewerPages'>();

	private list(request: MockRequest): MockReply {
		this.onList?.(request, 'before');
		const paging = this.paging(request);
		if (paging.reply) return paging.reply;
		const bounds: Record<string, number | undefined> = {};
		for (const name of ['created_time_from', 'created_time_to', 'updated_time_from', 'updated_time_to']) {
			const value = this.timeParam(request, name);
			if (value !== undefined && typeof value === 'object') return value;
			bounds[name] = value;
		}
		const associated = (request.query.get('response_associated_fields') ?? '')
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean);
		const unknown = associated.find((field) => !ASSOCIATED.includes(field));
		if (unknown) {
			return json(422, {
				error: `Invalid parameter 'response_associated_fields' value ${JSON.stringify(unknown)}: Must be one of attribute_values, association_attribute_values.`,
			});
		}
		const matching = () => {
			const now = this.server.now();
			const out: StoredItem[] = [];
			// The map is kept in id order (see seed), the order the list answers in.
			for (const item of this.items.values()) {
				if (
					item.visibleAt <= now &&
					this.inRange(item.created_at, bounds.created_time_from, bounds.created_time_to) &&
					this.inRange(item.updated_at, bounds.updated_time_from, bounds.updated_time_to)
				) {
					out.push(item);
				}
			}
			return out;
		};
		const { perPage } = paging;
		// A server that ignores the page number answers page 1 whatever was asked.
		const page = paging.page > 1 && this.hostile.happens('ignorePage') ? 1 : paging.page;
		// Rails runs the page's SELECT and the COUNT as two queries; things may change in between.
		const countFirst = this.listQueryOrder === 'count-first';
		const counted = countFirst ? matching().length : undefined;
		if (countFirst) this.onList?.(request, 'between');
		const selected = matching();
		const changesAtSelect = this.changes.length;
		const ballast = this.ballastMatching(bounds);
		const offset = (page - 1) * perPage;
		const entries: Array<Record<string, unknown>> = [];
		for (let id = offset + 1; id <= Math.min(ballast, offset + perPage); id++) entries.push(this.ballastEntry(id));
		entries.push(
			...selected
				.slice(Math.max(0, offset - ballast), Math.max(0, offset + perPage - ballast))
				.map((item) => this.listEntry(item, associated)),
		);
		// An entry no client can use, among the real ones (it is not counted: a broken record).
		if (entries.length > 0 && this.hostile.happens('entryWithoutId')) {
			entries.splice(Math.floor(entries.length / 2), 0, { url: 'https://cdn.example.com/broken.jpg' });
		}
		if (!countFirst) this.onList?.(request, 'between');
		// The COUNT: taken before the SELECT, or after it (counted again only if something changed).
		const total =
			ballast + (counted ?? (this.changes.length === changesAtSelect ? selected.length : matching().length));
		return json(200, {
			page,
			per_page: perPage,
			total_pages: Math.max(
				0,
				Math.ceil(total / perPage) - (total > perPage && this.hostile.happens('fewerPages') ? 1 : 0),
			),
			total_entries: total,
			entries,
		});
	}

	/** How many of the {@link catalogue}'s items a list query's time bounds take in. */
	private ballastMatching(bounds: Record<string, number | undefined>): number {
		const ballast = this.ballast;
		if (!ballast) return 0;
		const inside =
			this.inRange(ballast.at, bounds.created_time_from, bounds.created_time_to) &&
			this.inRange(ballast.at, bounds.updated_time_from, bounds.updated_time_to);
		return inside ? ballast.count : 0;
	}

	private body(request: MockRequest): { ok: true; value: Record<string, unknown> } | { ok: false; reply: MockReply } {
		if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
			return { ok: false, reply: json(415, { error: 'Unsupported media type: send application/json' }) };
		}
		try {
			const parsed = JSON.parse(request.text) as unknown;
			if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
				return { ok: true, value: parsed as Record<string, unknown> };
		} catch {
			// answered below
		}
		return { ok: false, reply: json(400, { error: 'There was a problem in the JSON you submitted' }) };
	}

	/** Apipie-style type checks of `media_item[...]`. */
	private checkTypes(fields: Record<string, unknown>, prefix: string): MockReply | undefined {
		const invalid = (name: string, rule: string) =>
			json(422, { error: `Invalid parameter '${prefix}[${name}]' value ${JSON.stringify(fields[name])}: ${rule}` });
		const isInt = (v: unknown) => Number.isInteger(v);
		for (const name of ['product_id', 'associated_id', 'position', 'sort_order_position']) {
			if (fields[name] !== undefined && fields[name] !== null && !isInt(fields[name]))
				return invalid(name, 'Must be a Integer');
		}
		for (const name of ['product_code', 'associated_code', 'url', 'description', 'etag']) {
			if (fields[name] !== undefined && fields[name] !== null && typeof fields[name] !== 'string')
				return invalid(name, 'Must be a String');
		}
		if (fields.media_item_type !== undefined && !MEDIA_TYPES.includes(String(fields.media_item_type))) {
			return invalid('media_item_type', 'Must be one of: ImageMediaItem, VideoMediaItem, FileMediaItem.');
		}
		if (fields.associated_type !== undefined && !['NpcEntity', 'Category'].includes(String(fields.associated_type))) {
			return invalid('associated_type', 'Must be one of: NpcEntity, Category.');
		}
		if (fields.is_primary !== undefined && ![true, false, 1, 0].includes(fields.is_primary as never))
			return invalid('is_primary', 'Must be one of: true, false, 1, 0.');
		if (
			fields.tag_list !== undefined &&
			!(Array.isArray(fields.tag_list) && fields.tag_list.every((t) => typeof t === 'string'))
		) {
			return invalid('tag_list', 'Must be an array of String');
		}
		if (fields.derived_media_items !== undefined && !Array.isArray(fields.derived_media_items))
			return invalid('derived_media_items', 'Must be an Array of nested elements');
		if (fields.attribute_values !== undefined && !Array.isArray(fields.attribute_values))
			return invalid('attribute_values', 'Must be an array of any type');
		if (
			fields.processing_options !== undefined &&
			(typeof fields.processing_options !== 'object' || Array.isArray(fields.processing_options))
		) {
			return invalid('processing_options', 'Must be a Hash');
		}
		return undefined;
	}

	/** Resolves product / associated entity fields into the item. Returns a 422 when they do not resolve. */
	private resolveOwner(
		fields: Record<string, unknown>,
		target: Partial<StoredItem>,
		creating: boolean,
	): MockReply | undefined {
		if (fields.associated_type !== undefined && fields.associated_type !== null) {
			const type = String(fields.associated_type);
			if (type === 'Category' && fields.associated_code !== undefined) {
				return json(422, { errors: { associated_code: ['is not supported for Category'] } });
			}
			const list = type === 'Category' ? this.categories : this.npcEntities;
			const found =
				fields.associated_id !== undefined
					? list.find((e) => e.id === fields.associated_id)
					: (list as Array<{ id: number; code?: string }>).find(
							(e) => e.code !== undefined && e.code === fields.associated_code,
						);
			if (!found) return json(422, { errors: { associated: ['must exist'] } });
			Object.assign(target, { associated_type: type, associated_id: found.id, product_id: null });
			return undefined;
		}
		if (fields.product_id !== undefined && fields.product_id !== null) {
			if (!this.products.some((p) => p.id === fields.product_id))
				return json(422, { errors: { product: ['must exist'] } });
			Object.assign(target, { product_id: fields.product_id, associated_type: null, associated_id: null });
			return undefined;
		}
		if (fields.product_code !== undefined && fields.product_code !== null) {
			const product = this.products.find((p) => p.code === fields.product_code);
			if (!product) return json(422, { errors: { product_code: ['does not match any product'] } });
			Object.assign(target, { product_id: product.id, associated_type: null, associated_id: null });
			return undefined;
		}
		return creating ? json(422, { errors: { product: ['must exist'] } }) : undefined;
	}

	private applyFields(fields: Record<string, unknown>, target: Partial<StoredItem>): void {
		if (fields.media_item_type !== undefined) target.media_item_type = String(fields.media_item_type);
		if (fields.url !== undefined) target.url = String(fields.url);
		if (fields.description !== undefined) target.description = fields.description as string | null;
		if (fields.position !== undefined) target.position = fields.position as number | null;
		if (fields.is_primary !== undefined) target.is_primary = fields.is_primary === true || fields.is_primary === 1;
		if (fields.tag_list !== undefined) {
			target.tag_list = [
				...new Set((fields.tag_list as string[]).map((t) => (this.lowercaseTags ? t.toLowerCase() : t))),
			];
		}
		if (fields.etag !== undefined) target.etag = fields.etag as string | null;
		if (fields.derived_media_items !== undefined)
			target.derived_media_items = fields.derived_media_items as StoredItem['derived_media_items'];
		if (fields.attribute_values !== undefined) target.attribute_values = fields.attribute_values as unknown[];
	}

	/** A product keeps one primary media item. */
	private onlyPrimary(item: StoredItem, at: number): void {
		if (!item.is_primary || item.product_id === null) return;
		for (const other of this.items.values()) {
			if (other.id !== item.id && other.product_id === item.product_id && other.is_primary)
				this.edit(other.id, { is_primary: false }, at);
		}
	}

	private async create(request: MockRequest): Promise<MockReply> {
		const body = this.body(request);
		if (!body.ok) return body.reply;
		const fields = body.value.media_item;
		if (!fields || typeof fields !== 'object' || Array.isArray(fields))
			return json(422, { error: 'Missing parameter media_item' });
		const input = fields as Record<string, unknown>;
		const typeError = this.checkTypes(input, 'media_item');
		if (typeError) return typeError;
		if (typeof input.url !== 'string' || input.url.trim() === '')
			return json(422, { errors: { url: ["can't be blank"] } });
		const type = String(input.media_item_type ?? 'ImageMediaItem');
		if (input.processing_options !== undefined && type !== 'ImageMediaItem') {
			return json(422, { errors: { processing_options: ['are only applicable to ImageMediaItem'] } });
		}
		const draft: Partial<StoredItem> = {};
		const ownerError = this.resolveOwner(input, draft, true);
		if (ownerError) return ownerError;
		this.applyFields(input, draft);
		const at = this.now();
		const item = this.seed({ ...draft, url: String(input.url), media_item_type: type }, at);
		this.onlyPrimary(item, at);
		const processing = input.processing_options as Record<string, unknown> | undefined;
		if (processing?.apply_background === true || processing?.apply_background === 1) {
			this.seed(
				{
					url: `${item.url.replace(/(\.[a-z0-9]+)?$/i, '-bg$1')}`,
					product_id: item.product_id,
					associated_type: item.associated_type,
					associated_id: item.associated_id,
					tag_list: Array.isArray(processing.processed_tags) ? (processing.processed_tags as string[]) : [],
					description: `Background ${String(processing.background_colour ?? 'white')}`,
				},
				at,
			);
		}
		if (this.createStallMs > 0) await delay(this.createStallMs);
		return json(201, this.resource(item));
	}

	private async upload(request: MockRequest): Promise<MockReply> {
		const contentType = String(request.headers['content-type'] ?? '');
		const declared = Number(request.headers['content-length']);
		const streamed = request.consumed as StreamedMultipart | undefined;
		const received = streamed ? streamed.bytes : request.body.length;
		if (!Number.isFinite(declared) || declared !== received) {
			return json(400, {
				error: `Content-Length ${String(request.headers['content-length'])} does not match the ${received} bytes received`,
			});
		}
		let parts: MultipartPart[];
		try {
			parts = streamed ? streamed.parts : parseMultipart(request.body, contentType);
		} catch (error) {
			return json(400, { error: `Bad multipart body: ${(error as Error).message}` });
		}
		const field = (name: string) =>
			parts.find((p) => p.name === name && p.fileName === undefined)?.data.toString('utf8');
		const asset = parts.find((p) => p.name === 'image_media_item[asset]' && p.fileName !== undefined);
		const productId = field('product_id');
		if (!productId || !/^\d+$/.test(productId) || !this.products.some((p) => p.id === Number(productId))) {
			return json(422, { errors: { product: ['must exist'] } });
		}
		if (!asset || (asset.size ?? asset.data.length) === 0) return json(422, { errors: { asset: ["can't be blank"] } });
		const position = field('image_media_item[position]');
		if (position !== undefined && !/^-?\d+$/.test(position)) {
			return json(422, {
				error: `Invalid parameter 'image_media_item[position]' value ${JSON.stringify(position)}: Must be a Integer`,
			});
		}
		const primary = field('image_media_item[is_primary]');
		const tags = field('image_media_item[tag_list]');
		const at = this.now();
		const id = this.nextId;
		const item = this.seed(
			{
				url: `http://s3-ap-southeast-2.amazonaws.com/mock-bucket/pim_media/${String(id)
					.padStart(9, '0')
					.replace(/(\d{3})(?=\d)/g, '$1/')}/${encodeURIComponent(asset.fileName!)}?${Math.floor(at / 1000)}`,
				product_id: Number(productId),
				description: field('image_media_item[description]') ?? null,
				position: position === undefined ? null : Number(position),
				is_primary: primary === 'true' || primary === '1',
				is_uploaded: true,
				tag_list: tags
					? tags
							.split(',')
							.map((t) => t.trim())
							.filter(Boolean)
					: [],
				asset: {
					fileName: asset.fileName!,
					contentType: asset.contentType ?? 'application/octet-stream',
					bytes: asset.data,
					...(asset.sha256 !== undefined ? { size: asset.size, sha256: asset.sha256 } : {}),
				},
			},
			at,
		);
		this.onlyPrimary(item, at);
		return json(201, this.resource(item));
	}

	private update(id: number, request: MockRequest): MockReply {
		const item = this.items.get(id);
		if (!item) return json(404, { message: `Couldn't find MediaItem with 'id'=${id}` });
		const body = this.body(request);
		if (!body.ok) return body.reply;
		const fields = body.value.media_item;
		if (!fields || typeof fields !== 'object' || Array.isArray(fields))
			return json(422, { error: 'Missing parameter media_item' });
		const input = fields as Record<string, unknown>;
		const typeError = this.checkTypes(input, 'media_item');
		if (typeError) return typeError;
		if (input.url !== undefined && String(input.url).trim() === '')
			return json(422, { errors: { url: ["can't be blank"] } });
		const type = String(input.media_item_type ?? item.media_item_type);
		if (input.processing_options !== undefined && type !== 'ImageMediaItem') {
			return json(422, { errors: { processing_options: ['are only applicable to ImageMediaItem'] } });
		}
		const draft: Partial<StoredItem> = {};
		const ownerError = this.resolveOwner(input, draft, false);
		if (ownerError) return ownerError;
		this.applyFields(input, draft);
		const at = this.now();
		this.edit(id, draft, at);
		this.onlyPrimary(item, at);
		return json(200, this.resource(item));
	}

	private destroy(id: number): MockReply {
		if (!this.items.has(id)) return json(404, { message: `Couldn't find MediaItem with 'id'=${id}` });
		this.remove(id);
		return json(200, { id });
	}

	private deleteByFilter(request: MockRequest): MockReply {
		const body = this.body(request);
		if (!body.ok) return body.reply;
		const input = body.value;
		if (!Number.isInteger(input.product_id))
			return json(422, {
				error: `Invalid parameter 'product_id' value ${JSON.stringify(input.product_id)}: Must be a Integer`,
			});
		if (!Array.isArray(input.tag_list) || input.tag_list.length === 0)
			return json(422, { errors: { tag_list: ["can't be blank"] } });
		const tags = input.tag_list as string[];
		const doomed = [...this.items.values()]
			.filter((item) => item.product_id === input.product_id && item.tag_list.some((t) => tags.includes(t)))
			.sort((a, b) => a.id - b.id);
		for (const item of doomed) this.remove(item.id);
		// The documented answer is `{"id": 14}`; with several deleted, the mock names the first.
		return json(200, { id: doomed[0]?.id ?? null });
	}

	private productList(request: MockRequest): MockReply {
		const paging = this.paging(request);
		if (paging.reply) return paging.reply;
		const code = request.query.get('code');
		const matches = this.products.filter(
			(p) => code === null || (this.codeMatch === 'exact' ? p.code === code : p.code.includes(code)),
		);
		const { page, perPage } = paging;
		return json(200, {
			page,
			per_page: perPage,
			total_pages: Math.ceil(matches.length / perPage),
			total_entries: matches.length,
			entries: matches
				.slice((page - 1) * perPage, page * perPage)
				.map((p) => ({ id: p.id, code: p.code, name: p.name, status: 'active', product_type: 'Product' })),
		});
	}
}

function boundaryOf(contentType: string): string {
	const match = /^multipart\/form-data;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	if (!match) throw new Error('no boundary in Content-Type');
	return match[1] ?? match[2];
}

/** A strict `multipart/form-data` parser (RFC 7578): boundary from the header, CRLF framing, closing delimiter required. */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
	const boundary = boundaryOf(contentType);
	const delimiter = Buffer.from(`--${boundary}`);
	const parts: MultipartPart[] = [];
	let position = body.indexOf(delimiter);
	if (position !== 0) throw new Error('the body does not start with the boundary');
	for (;;) {
		position += delimiter.length;
		if (body.subarray(position, position + 2).toString() === '--') {
			if (body.subarray(position + 2).toString() !== '\r\n')
				throw new Error('unexpected bytes after the closing boundary');
			return parts;
		}
		if (body.subarray(position, position + 2).toString() !== '\r\n') throw new Error('no CRLF after a boundary');
		position += 2;
		const headerEnd = body.indexOf('\r\n\r\n', position);
		if (headerEnd < 0) throw new Error('a part has no header end');
		const headers = body.subarray(position, headerEnd).toString('utf8').split('\r\n');
		const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
		if (next < 0) throw new Error('a part is not closed by a boundary');
		const data = body.subarray(headerEnd + 4, next);
		const disposition = headers.find((h) => /^content-disposition:/i.test(h));
		if (!disposition) throw new Error('a part has no Content-Disposition');
		const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
		if (name === undefined) throw new Error('a part has no name');
		const fileName = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
		const type = headers
			.find((h) => /^content-type:/i.test(h))
			?.split(':')[1]
			?.trim();
		parts.push({ name, ...(fileName !== undefined ? { fileName } : {}), ...(type ? { contentType: type } : {}), data });
		position = next + 2;
	}
}

export interface StreamedMultipart {
	/** Bytes received in all. */
	bytes: number;
	parts: MultipartPart[];
}

/** Field values kept by {@link readMultipartStream}, at most (a field is text, never a file). */
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * The same strict reading as {@link parseMultipart}, done as the body arrives: field values are
 * kept, file contents only counted and hashed, and at most one chunk plus a boundary's length is
 * held at a time.
 */
export async function readMultipartStream(
	body: AsyncIterable<Buffer>,
	contentType: string,
): Promise<StreamedMultipart> {
	const boundary = boundaryOf(contentType);
	const opening = Buffer.from(`--${boundary}`);
	const delimiter = Buffer.from(`\r\n--${boundary}`);
	const parts: MultipartPart[] = [];
	let bytes = 0;
	let pending: Buffer = Buffer.alloc(0);
	let phase: 'opening' | 'boundary' | 'headers' | 'data' | 'closing' | 'done' = 'opening';
	let part:
		| {
				name: string;
				fileName?: string;
				contentType?: string;
				kept: Buffer[];
				keptBytes: number;
				size: number;
				hash?: ReturnType<typeof createHash>;
		  }
		| undefined;

	const feed = (data: Buffer) => {
		if (!part || data.length === 0) return;
		part.size += data.length;
		if (part.hash) {
			part.hash.update(data);
			return;
		}
		part.keptBytes += data.length;
		if (part.keptBytes > MAX_FIELD_BYTES) throw new Error(`field ${part.name} is larger than ${MAX_FIELD_BYTES} bytes`);
		part.kept.push(Buffer.from(data));
	};
	const finish = () => {
		if (!part) return;
		const { name, fileName, contentType: type, kept, size, hash } = part;
		parts.push({
			name,
			...(fileName !== undefined ? { fileName } : {}),
			...(type ? { contentType: type } : {}),
			data: hash ? Buffer.alloc(0) : Buffer.concat(kept),
			...(hash ? { size, sha256: hash.digest('hex') } : {}),
		});
		part = undefined;
	};

	for await (const chunk of body) {
		bytes += chunk.length;
		pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
		for (;;) {
			if (phase === 'opening') {
				if (pending.length < opening.length) break;
				if (!pending.subarray(0, opening.length).equals(opening))
					throw new Error('the body does not start with the boundary');
				pending = pending.subarray(opening.length);
				phase = 'boundary';
			} else if (phase === 'boundary') {
				if (pending.length < 2) break;
				const next = pending.subarray(0, 2).toString('latin1');
				if (next !== '--' && next !== '\r\n') throw new Error('no CRLF after a boundary');
				pending = pending.subarray(2);
				phase = next === '--' ? 'closing' : 'headers';
			} else if (phase === 'headers') {
				const end = pending.indexOf('\r\n\r\n');
				if (end < 0) {
					if (pending.length > 16 * 1024) throw new Error('a part has no header end');
					break;
				}
				const headers = pending.subarray(0, end).toString('utf8').split('\r\n');
				const disposition = headers.find((h) => /^content-disposition:/i.test(h));
				if (!disposition) throw new Error('a part has no Content-Disposition');
				const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
				if (name === undefined) throw new Error('a part has no name');
				const fileName = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
				const type = headers
					.find((h) => /^content-type:/i.test(h))
					?.split(':')[1]
					?.trim();
				part = {
					name,
					fileName,
					contentType: type,
					kept: [],
					keptBytes: 0,
					size: 0,
					...(fileName !== undefined ? { hash: createHash('sha256') } : {}),
				};
				pending = pending.subarray(end + 4);
				phase = 'data';
			} else if (phase === 'data') {
				const at = pending.indexOf(delimiter);
				if (at < 0) {
					// Hand on all but what could be the start of a delimiter split across chunks.
					const hold = Math.min(pending.length, delimiter.length - 1);
					feed(pending.subarray(0, pending.length - hold));
					pending = Buffer.from(pending.subarray(pending.length - hold));
					break;
				}
				feed(pending.subarray(0, at));
				finish();
				pending = pending.subarray(at + delimiter.length);
				phase = 'boundary';
			} else if (phase === 'closing') {
				if (pending.length < 2) break;
				if (pending.length > 2 || pending.toString('latin1') !== '\r\n')
					throw new Error('unexpected bytes after the closing boundary');
				pending = Buffer.alloc(0);
				phase = 'done';
			} else {
				if (pending.length > 0) throw new Error('unexpected bytes after the closing boundary');
				break;
			}
		}
	}
	if (phase !== 'done') throw new Error('the body ended before the closing boundary');
	return { bytes, parts };
}

export function sha256(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): MockReply {
	return {
		status,
		headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
		body: JSON.stringify(body),
	};
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function withoutBytes<T extends { bytes: Buffer }>(asset: T): Omit<T, 'bytes'> {
	const copy: Partial<T> = { ...asset };
	delete copy.bytes;
	return copy as Omit<T, 'bytes'>;
}

function withoutBase64<T extends { base64: string }>(asset: T): Omit<T, 'base64'> {
	const copy: Partial<T> = { ...asset };
	delete copy.base64;
	return copy as Omit<T, 'base64'>;
}

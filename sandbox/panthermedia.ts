import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Misbehaviour } from './misbehaviour';
import { type MockReply, type MockRequest, MockServer } from './server';

/**
 * PantherMedia's REST API on loopback, in its XML wire format.
 *
 * - Authentication is checked the way the server must: api_key known, algo sha1, timestamp
 *   close to the wall clock, nonce never seen before, and access_key equal to an HMAC-SHA1 the
 *   mock computes itself with node:crypto (not with the package's code).
 * - `poll` serves rows (id, date, next_page_id) per type, oldest first, continued by a keyset
 *   cursor next_page_id = base64("dateMs|id") as in PantherMedia's samples. A row becomes
 *   visible only `horizonLagMs` after its date (PantherMedia's "few days in the past"), plus
 *   an optional per-row extra delay (a straggler that surfaces after newer rows).
 * - get-media-info, download-image-preview, search (v1.2) and host-info serve a small catalogue.
 * - Failures are `<rsp stat="fail"><err code msg/></rsp>` with the HTTP status (or 200), with
 *   `err` as attributes or child elements; download-image-preview answers failures in JSON, as
 *   PantherMedia's own client asks for. Faults come from MockServer.
 *
 * Two clocks: `server.now()` is PantherMedia's (the simulation moves it by days); timestamps
 * are checked against the wall clock plus `authClockOffsetMs`, since the package signs with
 * the real clock of the machine it runs on.
 */

export type RowType = 'new' | 'changed' | 'deleted';
export const ROW_TYPES: RowType[] = ['new', 'changed', 'deleted'];

export interface Row {
	id: string;
	/** Epoch ms, whole seconds. */
	date: number;
	/** Server time from which poll shows the row. */
	visibleAt: number;
}

export interface MockMedia {
	id: string;
	title: string;
	keywords: string[];
	description: string;
	width: number;
	height: number;
	deleted: boolean;
}

export interface GeneratedEvent {
	type: RowType;
	id: string;
	date: number;
}

export interface SignedRequestRecord {
	method: string;
	nonce: string;
	timestamp: string;
	accessKey: string;
	valid: boolean;
}

/** What a later run needs to go on from where this one stopped (see Sandbox.state()). */
export interface PantherMediaState {
	rows: Record<RowType, Row[]>;
	media: MockMedia[];
	events: GeneratedEvent[];
	versions: Array<[string, number]>;
	nextId: number;
}

const FIXTURES = join(__dirname, 'fixtures', 'panthermedia');
const VERSIONS: Record<string, string> = { poll: '1.1', search: '1.2' };
const LANGS = ['da', 'de', 'en', 'es', 'it', 'pl', 'pt'];
/** A 1×1 JPEG, served as every preview. */
export const PREVIEW_JPEG = Buffer.from(
	'/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
	'base64',
);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The mock's own date writer (independent of the package's). */
export function rfcDate(ms: number): string {
	const d = new Date(ms);
	const p = (n: number) => String(n).padStart(2, '0');
	return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

function parseRfcDate(text: string): number | undefined {
	const m = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) UTC$/.exec(text);
	if (!m || !MONTHS.includes(m[2])) return undefined;
	return Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export function pageId(row: Pick<Row, 'id' | 'date'>): string {
	return Buffer.from(`${row.date}|${row.id}`, 'utf8').toString('base64');
}

const esc = (text: string) =>
	text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cdata = (text: string) => `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
const compare = (a: Pick<Row, 'date' | 'id'>, b: Pick<Row, 'date' | 'id'>) =>
	a.date - b.date || Number(a.id) - Number(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class PantherMediaMock {
	readonly server: MockServer;

	/** Fresh random credentials per mock, so no secret lives in the source. */
	apiKey = `pmk${randomBytes(20).toString('hex')}`;

	apiSecret = `pms${randomBytes(20).toString('hex')}`;

	/** How far behind its own clock PantherMedia's newest visible date is. */
	horizonLagMs = 3 * 24 * 3600_000;

	/** Largest difference between a request's timestamp and the (wall) clock that is accepted. */
	maxSkewMs = 5 * 60_000;

	/** Shifts the clock timestamps are checked against (a PantherMedia server whose clock is off). */
	authClockOffsetMs = 0;

	/** `last_polling` by date: rows at that date included (>=) or not (>). */
	sinceInclusive = true;

	/** Failures with their HTTP status, or all as HTTP 200 with stat="fail". */
	failStatus: 'http' | '200' = 'http';

	/** `<err code msg/>` or `<err><code/><msg/></err>`. */
	errForm: 'attributes' | 'children' = 'attributes';

	/** API keys of partner accounts: poll answers 403, as PantherMedia's docs say poll is not for partner media. */
	readonly partnerKeys = new Set<string>();

	/** Serve previews this way instead of a JPEG with Content-Type and Content-Disposition. */
	previewAs?: { contentType: string; body: Buffer; disposition?: string };

	/** Echo the access_key in authentication failures (a careless server), to test redaction. */
	echoAccessKey = false;

	readonly nonces = new Set<string>();

	readonly signed: SignedRequestRecord[] = [];

	readonly events: GeneratedEvent[] = [];

	readonly media = new Map<string, MockMedia>();

	private rows: Record<RowType, Row[]> = { new: [], changed: [], deleted: [] };

	private rowById: Record<RowType, Map<string, Row>> = {
		new: new Map(),
		changed: new Map(),
		deleted: new Map(),
	};

	private nextId = 40_000_000;

	private readonly versions = new Map<string, number>();

	constructor(options: { seed?: boolean } = {}) {
		this.server = new MockServer((request) => this.handle(request));
		if (options.seed !== false) this.loadSeed();
	}

	async start(): Promise<string> {
		return await this.server.start();
	}

	async stop(): Promise<void> {
		await this.server.stop();
	}

	now(): number {
		return Math.floor(this.server.now() / 1000) * 1000;
	}

	exportState(): PantherMediaState {
		return {
			rows: { new: [...this.rows.new], changed: [...this.rows.changed], deleted: [...this.rows.deleted] },
			media: [...this.media.values()],
			events: [...this.events],
			versions: [...this.versions],
			nextId: this.nextId,
		};
	}

	/** Replaces the catalogue, its rows and its history with a saved one; new media ids go on after its last. */
	importState(state: PantherMediaState): void {
		for (const type of ROW_TYPES) {
			const rows = [...state.rows[type]].sort(compare);
			this.rows[type] = rows;
			this.rowById[type] = new Map(rows.map((row) => [row.id, row]));
		}
		this.media.clear();
		for (const media of state.media) this.media.set(media.id, media);
		this.events.splice(0, this.events.length, ...state.events);
		this.versions.clear();
		for (const [id, version] of state.versions) this.versions.set(id, version);
		this.nextId = state.nextId;
	}

	/** The seed's 16 changed rows of 11 Jan 2021, and media 2345 of the get-media-info sample. */
	private loadSeed(): void {
		for (const file of ['poll-changed.xml', 'poll-changed-next-page.xml']) {
			const xml = readFileSync(join(FIXTURES, file), 'utf8');
			for (const m of xml.matchAll(/<media id="(\d+)" date="([^"]+)"/g)) {
				if (!this.rowById.changed.has(m[1])) this.putRow('changed', m[1], parseRfcDate(m[2])!, 0);
			}
		}
		this.media.set('2345', {
			id: '2345',
			title: 'toscana',
			keywords: ['tree', 'toscana'],
			description: 'tree in toscana italy',
			width: 3508,
			height: 2339,
			deleted: false,
		});
	}

	// -------------------------------------------------------------------------------------------
	// Data changes (the catalogue moves on).

	private putRow(type: RowType, id: string, date: number, extraLagMs: number): Row {
		const list = this.rows[type];
		const previous = this.rowById[type].get(id);
		if (previous) list.splice(this.indexOf(list, previous), 1);
		const row: Row = { id, date, visibleAt: date + this.horizonLagMs + extraLagMs };
		list.splice(this.lowerBound(list, row), 0, row);
		this.rowById[type].set(id, row);
		return row;
	}

	private indexOf(list: Row[], row: Row): number {
		const at = this.lowerBound(list, row);
		if (list[at] !== row) throw new Error('mock row index out of sync');
		return at;
	}

	/** First index whose row sorts at or after `key`. */
	private lowerBound(list: Row[], key: Pick<Row, 'date' | 'id'>): number {
		let lo = 0;
		let hi = list.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (compare(list[mid], key) < 0) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	private record(type: RowType, id: string, date: number, extraLagMs: number): GeneratedEvent {
		this.putRow(type, id, date, extraLagMs);
		const event = { type, id, date };
		this.events.push(event);
		return event;
	}

	/** A new media, dated now (server clock) unless `at` is given. */
	addMedia(options: { id?: string; at?: number; extraLagMs?: number; title?: string } = {}): GeneratedEvent {
		const id = options.id ?? String(++this.nextId);
		this.media.set(id, {
			id,
			title: options.title ?? `Media ${id}`,
			keywords: ['panther', `k${id}`],
			description: `Description of ${id}`,
			width: 4000,
			height: 3000,
			deleted: false,
		});
		return this.record('new', id, options.at ?? this.now(), options.extraLagMs ?? 0);
	}

	/** A change of an existing media: its changed row moves to the new date. */
	change(id: string, options: { at?: number; extraLagMs?: number } = {}): GeneratedEvent {
		const media = this.media.get(id);
		const version = (this.versions.get(id) ?? 1) + 1;
		this.versions.set(id, version);
		if (media) media.title = `${media.title.replace(/ \(v\d+\)$/, '')} (v${version})`;
		return this.record('changed', id, options.at ?? this.now(), options.extraLagMs ?? 0);
	}

	remove(id: string, options: { at?: number; extraLagMs?: number } = {}): GeneratedEvent {
		const media = this.media.get(id);
		if (media) media.deleted = true;
		return this.record('deleted', id, options.at ?? this.now(), options.extraLagMs ?? 0);
	}

	/** Many new media at once, `stepMs` apart from `from` (fast: appended in order). */
	bulkNew(count: number, from: number, stepMs: number): void {
		for (let i = 0; i < count; i++) {
			const id = String(++this.nextId);
			const date = Math.floor((from + i * stepMs) / 1000) * 1000;
			this.media.set(id, {
				id,
				title: `Bulk ${id}`,
				keywords: ['bulk'],
				description: '',
				width: 100,
				height: 100,
				deleted: false,
			});
			const row: Row = { id, date, visibleAt: date + this.horizonLagMs };
			const list = this.rows.new;
			if (list.length === 0 || compare(list[list.length - 1], row) <= 0) list.push(row);
			else list.splice(this.lowerBound(list, row), 0, row);
			this.rowById.new.set(id, row);
			this.events.push({ type: 'new', id, date });
		}
	}

	/** The newest date poll shows now for a type. */
	newestVisible(type: RowType): number | undefined {
		const now = this.server.now();
		let newest: number | undefined;
		for (const row of this.rows[type]) if (row.visibleAt <= now) newest = Math.max(newest ?? -Infinity, row.date);
		return newest;
	}

	// -------------------------------------------------------------------------------------------
	// HTTP.

	private async handle(request: MockRequest): Promise<MockReply> {
		const method = request.path.replace(/^\/+/, '');
		const fields = Object.fromEntries(new URLSearchParams(request.text));
		const jsonErrors = method === 'download-image-preview' && /json/.test(fields.content_type ?? '');
		const fail = (status: number, code: string, msg: string) => this.fail(status, code, msg, jsonErrors);

		if (request.method !== 'POST') return fail(405, '405', 'Use POST');
		if (!/application\/x-www-form-urlencoded/.test(String(request.headers['content-type'] ?? ''))) {
			return fail(400, '400', 'The body must be application/x-www-form-urlencoded');
		}
		const auth = this.authenticate(method, fields);
		if (auth) return fail(401, '401', auth);

		const expected = VERSIONS[method] ?? '1.0';
		const version = String(request.headers['accept-version'] ?? '');
		if (version !== expected) return fail(400, '400', `${method} needs Accept-Version ${expected}, not "${version}"`);

		switch (method) {
			case 'poll':
				return this.poll(fields, fail);
			case 'get-media-info':
				return this.mediaInfo(fields, fail);
			case 'download-image-preview':
				return this.preview(fields, fail);
			case 'search':
				return this.search(fields, fail);
			case 'host-info':
				return xml(
					`<host>rest.panthermedia.net (mock)</host><version>1.2</version><server_time>${rfcDate(this.now())}</server_time>`,
				);
			default:
				return fail(404, '404', `Unknown method ${method}`);
		}
	}

	/** Returns why a request is not authenticated, or undefined when it is. */
	private authenticate(method: string, fields: Record<string, string>): string | undefined {
		const { api_key: apiKey, access_key: accessKey, timestamp, nonce, algo } = fields;
		const record: SignedRequestRecord = {
			method,
			nonce: nonce ?? '',
			timestamp: timestamp ?? '',
			accessKey: accessKey ?? '',
			valid: false,
		};
		this.signed.push(record);
		if (!apiKey || !accessKey || !timestamp || !nonce || !algo)
			return 'Missing authentication parameter (api_key, access_key, timestamp, nonce, algo)';
		if (apiKey !== this.apiKey && !this.partnerKeys.has(apiKey)) return 'Unknown api_key';
		if (algo !== 'sha1') return `Unsupported algo ${algo}`;
		const time = parseRfcDate(timestamp);
		if (time === undefined) return 'Invalid timestamp';
		if (Math.abs(time - (Date.now() + this.authClockOffsetMs)) > this.maxSkewMs)
			return 'Timestamp expired or in the future';
		const expected = createHmac('sha1', this.apiSecret).update(`${timestamp}${apiKey}${nonce}`, 'utf8').digest();
		const given = Buffer.from(accessKey, 'hex');
		if (
			given.length !== expected.length ||
			!timingSafeEqual(given, expected) ||
			accessKey !== accessKey.toLowerCase()
		) {
			return this.echoAccessKey ? `Invalid access_key ${accessKey} for api_key ${apiKey}` : 'Invalid access_key';
		}
		if (this.nonces.has(nonce)) return 'Nonce already used';
		this.nonces.add(nonce);
		record.valid = true;
		return undefined;
	}

	private fail(status: number, code: string, msg: string, json: boolean): MockReply {
		const httpStatus = this.failStatus === '200' ? 200 : status;
		if (json) {
			return {
				status: httpStatus,
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ stat: 'fail', err: { code, msg } }),
			};
		}
		const err =
			this.errForm === 'children'
				? `<err><code>${esc(code)}</code><msg>${esc(msg)}</msg></err>`
				: `<err code="${esc(code)}" msg="${esc(msg)}"/>`;
		return {
			status: httpStatus,
			headers: { 'content-type': 'text/xml; charset=UTF-8' },
			body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rsp stat="fail">${err}</rsp>`,
		};
	}

	/** Misbehaviour at random, for soaks: answers that ignore the cursor, and pages with a row that cannot be read. */
	readonly hostile = new Misbehaviour<'ignoreCursor' | 'badRow'>();

	private poll(fields: Record<string, string>, fail: (s: number, c: string, m: string) => MockReply): MockReply {
		if (this.partnerKeys.has(fields.api_key)) return fail(403, '403', 'poll is not available for partner media data');
		const type = fields.type as RowType;
		if (!ROW_TYPES.includes(type)) return fail(400, '400', 'type must be new, changed or deleted');
		const lastPolling = fields.last_polling;
		if (!lastPolling) return fail(400, '400', 'last_polling is required');
		const limit = fields.limit === undefined ? 1000 : Number(fields.limit);
		if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
			return fail(400, '400', 'limit: allowed values are between 1 and 10000');

		let after: Pick<Row, 'date' | 'id'> | undefined;
		// A server that ignores the cursor: the first page again, as if no next_page_id was sent.
		const ignoreCursor = fields.next_page_id !== undefined && this.hostile.happens('ignoreCursor');
		if (fields.next_page_id !== undefined && !ignoreCursor) {
			const decoded = /^(\d+)\|(\w+)$/.exec(Buffer.from(fields.next_page_id, 'base64').toString('utf8'));
			if (!decoded) return fail(400, '400', 'invalid next_page_id');
			after = { date: Number(decoded[1]), id: decoded[2] };
		}
		const list = this.rows[type];
		const now = this.server.now();
		let matches: (row: Row) => boolean;
		let start = 0;
		if (/^\d+$/.test(lastPolling)) {
			const fromId = Number(lastPolling);
			matches = (row) => Number(row.id) >= fromId;
		} else {
			const since = parseRfcDate(lastPolling);
			if (since === undefined)
				return fail(400, '400', `last_polling is neither a date in UTC format nor a media id: ${lastPolling}`);
			matches = this.sinceInclusive ? (row) => row.date >= since : (row) => row.date > since;
			start = this.lowerBound(list, { date: since, id: '' });
		}
		let total = 0;
		const page: Row[] = [];
		for (let i = start; i < list.length; i++) {
			const row = list[i];
			if (row.visibleAt > now || !matches(row)) continue;
			total++;
			if (page.length < limit && (!after || compare(row, after) > 0)) page.push(row);
		}
		const rows = page.map((row) => `<media id="${row.id}" date="${rfcDate(row.date)}" next_page_id="${pageId(row)}"/>`);
		// A row no client can read, among the real ones: not a change, and it must not stop the others.
		if (rows.length > 0 && this.hostile.happens('badRow')) {
			rows.splice(
				Math.floor(rows.length / 2),
				0,
				`<media id="9${rows.length}" date="soon" next_page_id="${pageId(page[0])}"/>`,
			);
		}
		const body = rows.join('\n    ');
		return xml(`<items type="${type}" total="${total}" items="${page.length}">\n    ${body}\n  </items>`);
	}

	private mediaInfo(fields: Record<string, string>, fail: (s: number, c: string, m: string) => MockReply): MockReply {
		const ids = (fields.id_media ?? '')
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean);
		if (ids.length === 0) return fail(400, '400', 'id_media is required');
		const lang = fields.lang ?? 'en';
		if (!LANGS.includes(lang)) return fail(400, '400', `unknown lang ${lang}`);
		if (
			ids.length === 1 &&
			ids[0] === '2345' &&
			lang === 'en' &&
			fields.show_top10_keywords === 'yes' &&
			fields.show_articles !== 'yes'
		) {
			return {
				status: 200,
				headers: { 'content-type': 'text/xml; charset=UTF-8' },
				body: readFileSync(join(FIXTURES, 'get-media-info-2345.xml')),
			};
		}
		const found = ids.map((id) => this.media.get(id)).filter((m): m is MockMedia => m !== undefined && !m.deleted);
		if (found.length === 0) return fail(404, '404', `No media found for id_media ${ids.join(',')}`);
		const parts = found.map((m) => {
			const base = `http://agency.panthermedia.net/media/previews/${m.id}`;
			const media = [
				`<id>${m.id}</id>`,
				`<thumb_150_url>${cdata(`${base}_thumb.jpg`)}</thumb_150_url>`,
				`<thumb_170_url>${cdata(`${base}_thumb_170.jpg`)}</thumb_170_url>`,
				`<preview_url>${cdata(`${base}_preview.jpg`)}</preview_url>`,
				`<preview_url_high>${cdata(`${base}_high.jpg`)}</preview_url_high>`,
				`<width>${m.width}px</width>`,
				`<height>${m.height}px</height>`,
				'<mime_type>image/jpeg</mime_type>',
			].join('');
			const metadata = [
				`<keywords>${cdata(m.keywords.join(', '))}</keywords>`,
				fields.show_top10_keywords === 'yes'
					? `<keywords_top10>${cdata(m.keywords.slice(0, 10).join(', '))}</keywords_top10>`
					: '',
				`<title>${cdata(lang === 'en' ? m.title : `[${lang}] ${m.title}`)}</title>`,
				`<description>${cdata(m.description)}</description>`,
				'<author_realname><![CDATA[Mock Author]]></author_realname>',
			].join('');
			// The articles shape is not documented; this one is the mock's invention.
			const articles =
				fields.show_articles === 'yes'
					? `<articles><singlebuy_list><singlebuy><sizes><article id="eur-56" name="S" price="9.00" currency="EUR"/><article id="eur-57" name="L" price="29.00" currency="EUR"/></sizes></singlebuy></singlebuy_list></articles>`
					: '';
			return `<media>${media}</media><metadata>${metadata}</metadata>${articles}`;
		});
		return xml(parts.join('\n'));
	}

	private preview(fields: Record<string, string>, fail: (s: number, c: string, m: string) => MockReply): MockReply {
		const id = fields.id_media;
		if (!id) return fail(400, '400', 'id_media is required');
		const media = this.media.get(id);
		if (!media) return fail(404, '404', `Media ${id} not found`);
		if (media.deleted) return fail(410, '410', `Media ${id} is no longer available`);
		if (this.previewAs) {
			const { contentType, body, disposition } = this.previewAs;
			return {
				status: 200,
				headers: { 'content-type': contentType, ...(disposition ? { 'content-disposition': disposition } : {}) },
				body,
			};
		}
		return {
			status: 200,
			headers: { 'content-type': 'image/jpeg', 'content-disposition': `attachment; filename="${id}_preview.jpg"` },
			body: PREVIEW_JPEG,
		};
	}

	private search(fields: Record<string, string>, fail: (s: number, c: string, m: string) => MockReply): MockReply {
		const page = Number(fields.page ?? '1');
		const limit = Number(fields.limit ?? '40');
		if (!Number.isInteger(page) || page < 1) return fail(400, '400', 'page: allowed value greater than equal 1');
		if (!Number.isInteger(limit) || limit < 1 || limit > 100)
			return fail(400, '400', 'limit: allowed values are between 1 and 100');
		const extra = (fields.extra_info ?? '').split(',').filter(Boolean);
		const words = (fields.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
		const minus = words.findIndex((w) => w.startsWith('-'));
		const include = minus < 0 ? words : words.slice(0, minus);
		const exclude = minus < 0 ? [] : words.slice(minus).map((w) => w.replace(/^-/, ''));
		const text = (m: MockMedia) => `${m.id} ${m.title} ${m.keywords.join(' ')}`.toLowerCase();
		const hits = [...this.media.values()]
			.filter(
				(m) => !m.deleted && include.every((w) => text(m).includes(w)) && !exclude.some((w) => text(m).includes(w)),
			)
			.sort((a, b) => Number(a.id) - Number(b.id));
		const slice = hits.slice((page - 1) * limit, page * limit);
		const rows = slice.map((m) => {
			const attrs: Record<string, string> = {
				id: m.id,
				thumb: `https://mh-1-stockagency.panthermedia.net/media/previews/${m.id}_thumb_170.jpg`,
			};
			for (const e of extra) {
				if (e === 'width') attrs.width = `${m.width}px`;
				else if (e === 'height') attrs.height = `${m.height}px`;
				else if (e === 'title') attrs.title = m.title;
				else if (e === 'keywords') attrs.keywords = m.keywords.join(', ');
				else if (e === 'preview')
					attrs.preview = `https://mh-1-stockagency.panthermedia.net/media/previews/${m.id}_preview.jpg`;
				else if (e === 'mimetype') attrs.mimetype = 'image/jpeg';
			}
			return `<media ${Object.entries(attrs)
				.map(([k, v]) => `${k}="${esc(v)}"`)
				.join(' ')}/>`;
		});
		return xml(`<items total="${hits.length}" items="${slice.length}">${rows.join('')}</items>`);
	}
}

function xml(inner: string): MockReply {
	return {
		status: 200,
		headers: { 'content-type': 'text/xml; charset=UTF-8' },
		body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rsp stat="ok">\n  ${inner}\n</rsp>`,
	};
}

/** An entity-expansion ("billion laughs") document shaped like a poll answer. */
export function billionLaughs(): string {
	const entities = [' <!ENTITY lol "lol">'];
	for (let i = 1; i <= 9; i++) entities.push(` <!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
	return [
		'<?xml version="1.0" encoding="UTF-8"?>',
		'<!DOCTYPE rsp [',
		...entities,
		']>',
		'<rsp stat="ok"><items type="new" total="1" items="1"><media id="&lol9;" date="Mon, 11 Jan 2021 02:12:52 UTC" next_page_id="&lol9;"/></items></rsp>',
	].join('\n');
}

import type { IDataObject } from 'n8n-workflow';

import { toEpochMs } from '../shared/epoch';
import type { SkippedRecord } from '../shared/skipped';
import { asList } from '../shared/xml';

/**
 * PantherMedia's data as this package hands it to workflows, and the readers that turn the
 * parsed XML of an answer into it. Values stay strings as PantherMedia sends them (ids like
 * "0123" or "A20276259" are never numbers); only dates become ISO 8601 and keyword lists arrays.
 */

export const EVENT_TYPES = ['new', 'changed', 'deleted'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Largest `limit` poll accepts (v1.1). */
export const MAX_POLL_LIMIT = 10_000;

export const LANGUAGES = ['da', 'de', 'en', 'es', 'it', 'pl', 'pt'] as const;

/** Extra fields search can add to each result (v1.2 documentation). */
export const SEARCH_EXTRA_INFO = [
	'preview',
	'preview_high',
	'width',
	'height',
	'copyright',
	'date',
	'keywords',
	'title',
	'description',
	'editorial',
	'extended',
	'packet',
	'subscription',
	'premium',
	'spx',
	'mimetype',
	'model_release',
	'property_release',
	'author_username',
	'author_realname',
	'adult_content',
	'datasets_ai_content',
	'type',
	'license',
	'contributor',
	'price',
	'people_number',
	'isolated',
	'collection',
	'orientation',
] as const;

/** One row of a poll answer. */
export interface PollItem {
	id: string;
	/** Epoch ms (PantherMedia dates have whole seconds). */
	date: number;
	/** PantherMedia's cursor: the next request with it returns what comes after this row. */
	nextPageId: string;
}

export interface PollPage {
	type: string;
	/** Rows PantherMedia counts for this `last_polling` (all pages), when it says. */
	total?: number;
	/** The rows that could be read. */
	items: PollItem[];
	/** Rows in the answer, unreadable ones included: whether a page was full is judged by this. */
	rows: number;
	/** Rows that could not be read and were skipped, with why. */
	skipped: SkippedRecord[];
}

/** One media of get-media-info: the `<media>` fields, its `<metadata>` and (on request) articles. */
export type MediaInfo = IDataObject & { id: string };

export interface SearchPage {
	total?: number;
	items: IDataObject[];
}

/** Reads `Thu, 02 Aug 2012 05:54:55 UTC` (also GMT / +0000, or an ISO date), as epoch ms. */
export function parsePantherDate(text: string | undefined): number | undefined {
	if (!text) return undefined;
	const fast = canonicalDate(text);
	if (fast !== undefined) return fast;
	const value = text.trim();
	const rfc = RFC_DATE.exec(value);
	if (rfc) {
		// A poll page has 10,000 of these: no arrays or Date objects per date.
		const month = MONTHS[rfc[2].toLowerCase()];
		if (month === undefined) return undefined;
		const day = Number(rfc[1]);
		const year = Number(rfc[3]);
		const hour = Number(rfc[4]);
		const minute = Number(rfc[5]);
		const second = rfc[6] === undefined ? 0 : Number(rfc[6]);
		if (day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
		return Date.UTC(year, month, day, hour, minute, second);
	}
	return toEpochMs(value);
}

/**
 * The layout PantherMedia writes, `Thu, 02 Aug 2012 05:54:55 UTC` (29 characters), read by
 * position: a poll page has 10,000 dates and this is several times faster than the pattern
 * below. Anything else, or a date this layout cannot hold, is left to the pattern (undefined).
 */
function canonicalDate(text: string): number | undefined {
	if (text.length !== 29 || text.charCodeAt(3) !== 0x2c || !text.endsWith(' UTC')) return undefined;
	const digits = (at: number, count: number): number => {
		let value = 0;
		for (let i = at; i < at + count; i++) {
			const d = text.charCodeAt(i) - 0x30;
			if (d < 0 || d > 9) return NaN;
			value = value * 10 + d;
		}
		return value;
	};
	const letter = (at: number) => /[A-Za-z]/.test(text[at]);
	const separators = text[4] === ' ' && text[7] === ' ' && text[11] === ' ' && text[16] === ' ';
	if (!separators || text[19] !== ':' || text[22] !== ':' || !(letter(0) && letter(1) && letter(2))) return undefined;
	const month = MONTHS[text.slice(8, 11).toLowerCase()];
	const day = digits(5, 2);
	const year = digits(12, 4);
	const hour = digits(17, 2);
	const minute = digits(20, 2);
	const second = digits(23, 2);
	// NaN (a non-digit) fails every comparison.
	const valid = year >= 0 && day >= 1 && day <= daysIn(year, month ?? 0) && hour <= 23 && minute <= 59 && second <= 59;
	if (month === undefined || !valid) return undefined;
	return Date.UTC(year, month, day, hour, minute, second);
}

const RFC_DATE =
	/^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*(UTC|GMT|Z|[+-]0000)?$/;

/** Month index by lower-case English abbreviation. */
const MONTHS: Readonly<Record<string, number>> = Object.assign(
	Object.create(null) as Record<string, number>,
	Object.fromEntries(
		['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i]),
	),
);

function daysIn(year: number, month: number): number {
	if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
	return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** Problems found while reading an answer; the transport turns them into "malformed answer". */
export class AnswerShapeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AnswerShapeError';
	}
}

/** An attribute's text; `key` is the parser's name for it (`@_` + the attribute's name). */
function attr(element: unknown, key: `@_${string}`): string | undefined {
	if (!element || typeof element !== 'object') return undefined;
	const value = (element as Record<string, unknown>)[key];
	return value === undefined || value === null ? undefined : String(value);
}

function count(text: string | undefined): number | undefined {
	if (text === undefined || !/^\d+$/.test(text)) return undefined;
	return Number(text);
}

/** `<items type total items><media id date next_page_id/>…</items>` of a poll answer. */
export function readPollPage(rsp: Record<string, unknown>): PollPage {
	const items = rsp.items;
	if (items === undefined) throw new AnswerShapeError('the poll answer has no <items> list');
	const list = asList<Record<string, unknown>>(
		typeof items === 'object' && items !== null ? (items as Record<string, unknown>).media : undefined,
	);
	// One unreadable row is reported and skipped: it must not stop the rows around it from being read.
	const out: PollItem[] = [];
	const skipped: PollPage['skipped'] = [];
	list.forEach((media, index) => {
		const id = attr(media, '@_id')?.trim();
		const dateText = attr(media, '@_date');
		const nextPageId = attr(media, '@_next_page_id')?.trim();
		const date = parsePantherDate(dateText);
		if (!id) skipped.push({ record: index + 1, problem: 'it has no media id' });
		else if (date === undefined)
			skipped.push({ record: index + 1, id, problem: `its date is unreadable: ${JSON.stringify(dateText ?? null)}` });
		else if (!nextPageId) skipped.push({ record: index + 1, id, problem: 'it has no next_page_id' });
		else out.push({ id, date, nextPageId });
	});
	return {
		type: attr(items, '@_type') ?? '',
		total: count(attr(items, '@_total')),
		items: out,
		rows: list.length,
		skipped,
	};
}

/** Fields whose text is a comma-separated list of keywords. */
const KEYWORD_FIELDS = new Set(['keywords', 'keywords_top10']);

/** Splits PantherMedia's keyword text ("tree, trees,\nfield") into a clean list. */
export function splitKeywords(text: string): string[] {
	return text
		.split(/\s*,\s*/)
		.map((k) => k.replace(/\s+/g, ' ').trim())
		.filter(Boolean);
}

/**
 * Turns a parsed XML element into plain JSON: attributes become fields (without the parser's
 * prefix), elements with only text become strings, the rest recurses.
 */
export function toPlain(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(toPlain);
	if (value === null || value === undefined) return '';
	if (typeof value !== 'object') return String(value);
	const record = value as Record<string, unknown>;
	const keys = Object.keys(record);
	if (keys.length === 1 && keys[0] === '#text') return String(record['#text']);
	const out: IDataObject = {};
	for (const [key, child] of Object.entries(record)) {
		const name = key.startsWith('@_') ? key.slice(2) : key === '#text' ? 'value' : key;
		out[name] = toPlain(child) as IDataObject[string];
	}
	return out;
}

function plainRecord(value: unknown): IDataObject {
	const plain = toPlain(value);
	return plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as IDataObject) : {};
}

/**
 * get-media-info: `<media>` (id, thumb and preview URLs, size, MIME type) followed by its
 * `<metadata>` (keywords, title, description, author…) and, with show_articles, `<articles>`.
 * PantherMedia documents the answer for one id; for several ids this reads repeated
 * media/metadata(/articles) groups in order (a guess, see docs/panthermedia.md), and matches
 * them to the requested ids by the id inside each `<media>`.
 */
export function readMediaInfo(rsp: Record<string, unknown>): MediaInfo[] {
	const medias = asList<unknown>(rsp.media);
	const metadatas = asList<unknown>(rsp.metadata);
	const articles = asList<unknown>(rsp.articles);
	const paired = metadatas.length === medias.length;
	return medias.map((raw, index) => {
		const media = plainRecord(raw);
		const id = typeof media.id === 'string' ? media.id.trim() : '';
		if (!id) throw new AnswerShapeError(`media ${index + 1} of the answer has no id`);
		const info: MediaInfo = { ...media, id };
		if (paired) {
			const metadata = plainRecord(metadatas[index]);
			for (const field of KEYWORD_FIELDS) {
				if (typeof metadata[field] === 'string') metadata[field] = splitKeywords(metadata[field] as string);
			}
			info.metadata = metadata;
		}
		if (articles.length === medias.length) info.articles = plainRecord(articles[index]);
		return info;
	});
}

/** search: `<items total items><media id thumb …extra info/>…</items>`. */
export function readSearchPage(rsp: Record<string, unknown>): SearchPage {
	const items = rsp.items;
	if (items === undefined) throw new AnswerShapeError('the search answer has no <items> list');
	const list = asList<unknown>(
		typeof items === 'object' && items !== null ? (items as Record<string, unknown>).media : undefined,
	);
	return {
		total: count(attr(items, '@_total')),
		items: list.map((raw, index) => {
			const media = plainRecord(raw);
			if (typeof media.id !== 'string' || !media.id)
				throw new AnswerShapeError(`search result ${index + 1} has no media id`);
			if (typeof media.keywords === 'string') media.keywords = splitKeywords(media.keywords);
			return media;
		}),
	};
}

import type { IDataObject } from 'n8n-workflow';

import { MAX_NESTING, nestsDeeperThan } from '../../shared/json';
import { PageLoop } from '../../shared/paging';
import type { SkippedRecord } from '../../shared/skipped';
import { MalformedResponseError } from '../../shared/transport/answerErrors';
import type { RawResponse } from '../../shared/transport/http';
import { parseJson } from '../../shared/transport/jsonAnswer';
import { type ListPage, type MediaItem, asMediaItem } from '../model';

/**
 * Reading CommerceConnect's answers: JSON, one media item, and the page envelope every list
 * answer has. Entries that cannot be used are returned in `skipped`, for the client to report.
 */

/** The media item a create, upload or update answers with. */
export function parseMediaItem(response: RawResponse): MediaItem {
	const body = parseJson(response);
	// Everything after this recurses into the item (n8n saving it, hashing it): refuse what nests too deep.
	if (nestsDeeperThan(body))
		throw new MalformedResponseError(`the media item is nested deeper than ${MAX_NESTING} levels`);
	const item = asMediaItem(body);
	if (!item) throw new MalformedResponseError('the answer is not a media item (no numeric id)');
	return item;
}

function num(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * Reads the page envelope every list answer has: page, per_page, total_pages, total_entries,
 * entries. An entry that cannot be used (no numeric id, nested too deep) is skipped and listed in
 * `skipped`, never a reason to lose the others; `loop` checks the page against the ones before.
 */
export function parsePage<T>(
	response: RawResponse,
	requested: { page: number; perPage: number },
	entry: (raw: unknown) => T | undefined,
	loop?: PageLoop,
): ListPage<T> {
	const body = parseJson(response);
	if (!body || typeof body !== 'object' || !Array.isArray((body as IDataObject).entries)) {
		throw new MalformedResponseError('the answer has no entries list');
	}
	const record = body as IDataObject;
	const totalEntries = num(record.total_entries);
	const totalPages = num(record.total_pages);
	if (totalEntries === undefined || totalPages === undefined)
		throw new MalformedResponseError('the answer has no total_entries / total_pages');
	const entries: T[] = [];
	const skipped: SkippedRecord[] = [];
	const raws = record.entries as unknown[];
	raws.forEach((raw, index) => {
		const rawId = raw && typeof raw === 'object' ? (raw as IDataObject).id : undefined;
		const id = typeof rawId === 'number' || typeof rawId === 'string' ? String(rawId).slice(0, 40) : undefined;
		if (nestsDeeperThan(raw)) {
			skipped.push({ record: index + 1, id, problem: `it is nested deeper than ${MAX_NESTING} levels` });
			return;
		}
		const parsed = entry(raw);
		if (parsed === undefined) skipped.push({ record: index + 1, id, problem: 'it has no numeric id' });
		else entries.push(parsed);
	});
	const page = num(record.page) ?? requested.page;
	const ids = entries.map((e) => String((e as { id?: unknown }).id ?? ''));
	// Without a loop, the page is still checked on its own (an empty page that claims more).
	(loop ?? new PageLoop('the list', Infinity)).check({
		entries: raws.length,
		claimsMore: page < totalPages,
		totalPages,
		cursor: ids.length > 0 ? `${ids[0]}…${ids[ids.length - 1]}` : undefined,
	});
	return {
		page,
		// The server's own page size wins: it may cap what was asked for.
		perPage: Math.min(requested.perPage, num(record.per_page) ?? requested.perPage),
		totalPages,
		totalEntries,
		entries,
		rows: raws.length,
		skipped,
	};
}

import type { IDataObject } from 'n8n-workflow';

import { settle } from '../../shared/attempt';
import { type AnswerReader, readAnswer } from '../../shared/answerWorker';
import type { PageLoop } from '../../shared/paging';
import { ProviderClient, baseUrlOf } from '../../shared/transport/client';
import type { ClientOptions, HttpContext, ProviderProfile, RawResponse } from '../../shared/transport/http';
import type { MediaInfo, PollPage, SearchPage } from '../model';
import { MAX_XML_BYTES, PANTHERMEDIA_ANSWERS, type PreviewFile, readPreview } from './answers';
import { describePantherMediaFailure, isGoneAnswer, masked } from './errors';
import { formEncode } from './signature';

export const CREDENTIAL_TYPE = 'pantherMediaApi';
export const DEFAULT_BASE_URL = 'https://rest.panthermedia.net';

/**
 * API version per method, sent as `Accept-Version`. poll is documented as v1.1 (dates,
 * `next_page_id`, limit up to 10,000; v1.0 had neither), search as v1.2; every other method
 * this package calls exists only in the v1.0 documentation. (PantherMedia's v1.1 poll sample
 * still shows `Accept-Version: 1.0`; we send the version whose documentation we follow.)
 */
export const API_VERSION: Record<string, string> = {
	poll: '1.1',
	search: '1.2',
	'get-media-info': '1.0',
	'download-image-preview': '1.0',
	'host-info': '1.0',
};

/** Largest preview image read. */
const MAX_PREVIEW_BYTES = 25 * 1024 * 1024;

export const PANTHERMEDIA_PROFILE: ProviderProfile = {
	name: 'PantherMedia',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiKey', 'apiSecret'],
	maxBodyBytes: MAX_XML_BYTES,
	describeFailure: describePantherMediaFailure,
};

export interface MediaInfoOptions {
	lang?: string;
	articles?: boolean;
	top10Keywords?: boolean;
}

export interface SearchParams {
	q: string;
	lang?: string;
	page: number;
	limit: number;
	extraInfo?: string[];
	filters?: string;
}

/** PantherMedia API calls, each one signed POST, all through the shared transport. */
export class PantherMediaClient extends ProviderClient<{ baseUrl: string }> {
	constructor(ctx: HttpContext, options: ClientOptions = {}) {
		super(ctx, PANTHERMEDIA_PROFILE, options);
	}

	protected readSettings(credentials: IDataObject): { baseUrl: string } {
		return { baseUrl: baseUrlOf(credentials.baseUrl, DEFAULT_BASE_URL) };
	}

	/** The credential's base URL, without trailing slashes. */
	async baseUrl(): Promise<string> {
		return (await this.settings()).baseUrl;
	}

	/**
	 * A response parser that reads with `reader`: large answers off the event loop, abandoned at
	 * the client's deadline (see nodes/shared/answerWorker).
	 */
	private reader<T>(reader: AnswerReader<T>): (response: RawResponse) => Promise<T> {
		return async (response) =>
			await readAnswer(reader, response, { logger: this.ctx.logger, deadline: this.http.deadline });
	}

	private async call<T>(
		method: string,
		fields: Record<string, string>,
		operation: string,
		parse: (response: RawResponse) => T | Promise<T>,
		maxBodyBytes?: number,
	): Promise<T> {
		return await this.http.send(
			{
				method: 'POST',
				url: `${await this.baseUrl()}/${method}`,
				headers: {
					'Accept-Version': API_VERSION[method] ?? '1.0',
					'Content-Type': 'application/x-www-form-urlencoded',
				},
				// Unsigned here: the credential's authenticate signs every attempt afresh.
				body: formEncode(fields),
				// Every method this package calls only reads: safe to send again.
				idempotent: true,
				operation,
				maxBodyBytes,
			},
			masked(parse),
		);
	}

	/**
	 * One page of `poll`: media added, changed or deleted since `lastPolling` (a date or a media id).
	 * A loop over pages passes its {@link PageLoop}, which ends it when PantherMedia repeats a page.
	 */
	async poll(
		type: string,
		lastPolling: string,
		limit: number,
		nextPageId?: string,
		loop?: PageLoop,
	): Promise<PollPage> {
		const fields: Record<string, string> = { type, last_polling: lastPolling, limit: String(limit) };
		if (nextPageId) fields.next_page_id = nextPageId;
		const read = this.reader(PANTHERMEDIA_ANSWERS.pollPage);
		const page = await this.call('poll', fields, `poll ${type} media`, async (response) => {
			const result = await read(response);
			// A page is full when it holds `limit` rows, the unreadable ones included.
			loop?.check({ entries: result.rows, claimsMore: result.rows >= limit, cursor: result.items.at(-1)?.nextPageId });
			return result;
		});
		this.http.reportSkipped(
			page.skipped,
			({ record, id }) => `row ${record}${id ? ` (media ${id})` : ''} of a poll of ${type} media`,
		);
		return page;
	}

	/**
	 * get-media-info for a list of ids, in one request. Ids PantherMedia leaves out, or reports as
	 * not found (404) or gone (410) in its own words, are listed as missing. Should PantherMedia
	 * refuse a whole list that way, each id is asked alone, so one removed media cannot hide the
	 * others. (A 404 without PantherMedia's answer — a wrong base URL — stays an error.)
	 */
	async mediaInfo(
		ids: readonly string[],
		options: MediaInfoOptions = {},
	): Promise<{ found: MediaInfo[]; missing: string[] }> {
		const outcome = await settle(async () => await this.mediaInfoRequest(ids, options));
		if (!outcome.ok) {
			if (!isGoneAnswer(outcome.error)) throw outcome.error;
			if (ids.length === 1) return { found: [], missing: [...ids] };
			const found: MediaInfo[] = [];
			const missing: string[] = [];
			for (const id of ids) {
				const one = await this.mediaInfo([id], options);
				found.push(...one.found);
				missing.push(...one.missing);
			}
			return { found, missing };
		}
		const byId = new Map(outcome.value.map((info) => [info.id, info]));
		return {
			found: ids.filter((id) => byId.has(id)).map((id) => byId.get(id)!),
			missing: ids.filter((id) => !byId.has(id)),
		};
	}

	private async mediaInfoRequest(ids: readonly string[], options: MediaInfoOptions): Promise<MediaInfo[]> {
		const fields: Record<string, string> = { id_media: ids.join(','), lang: options.lang ?? 'en' };
		if (options.articles) fields.show_articles = 'yes';
		if (options.top10Keywords) fields.show_top10_keywords = 'yes';
		return await this.call(
			'get-media-info',
			fields,
			`get the info of media ${describeIds(ids)}`,
			this.reader(PANTHERMEDIA_ANSWERS.mediaInfo),
		);
	}

	/** download-image-preview: the watermarked preview file of one media. */
	async downloadPreview(id: string): Promise<PreviewFile> {
		return await this.call(
			'download-image-preview',
			// As PantherMedia's own client asks: the file itself, or a JSON error.
			{ id_media: id, content_type: 'application/octet-stream, application/json' },
			`download the preview of media ${id}`,
			(response) => readPreview(response, id),
			MAX_PREVIEW_BYTES,
		);
	}

	/** search (v1.2): one page of results. */
	async search(params: SearchParams): Promise<SearchPage> {
		const fields: Record<string, string> = {
			q: params.q,
			lang: params.lang ?? 'en',
			page: String(params.page),
			limit: String(params.limit),
		};
		if (params.extraInfo && params.extraInfo.length > 0) fields.extra_info = params.extraInfo.join(',');
		if (params.filters) fields.filters = params.filters;
		return await this.call(
			'search',
			fields,
			`search media for "${params.q}"`,
			this.reader(PANTHERMEDIA_ANSWERS.searchPage),
		);
	}

	/** host-info: PantherMedia's description of the API host; used to check a credential. */
	async hostInfo(): Promise<IDataObject> {
		return (await this.call(
			'host-info',
			{},
			'check the connection (host-info)',
			this.reader(PANTHERMEDIA_ANSWERS.hostInfo),
		)) as IDataObject;
	}
}

/** PantherMedia said, in its own answer, that the media is not found (404) or gone (410). */
function describeIds(ids: readonly string[]): string {
	return ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`;
}

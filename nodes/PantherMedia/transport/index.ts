import type { IDataObject } from 'n8n-workflow';

import { type AnswerReader, readAnswer } from '../../shared/answerWorker';
import type { PageLoop } from '../../shared/paging';
import { MediaSyncApiError } from '../../shared/transport/errors';
import {
	ApiClient,
	type ClientOptions,
	type HttpContext,
	MalformedResponseError,
	type ProviderProfile,
	ProviderFailure,
	type RawResponse,
} from '../../shared/transport/http';
import type { MediaInfo, PollPage, SearchPage } from '../model';
import {
	MAX_FAILURE_BYTES,
	MAX_XML_BYTES,
	PANTHERMEDIA_ANSWERS,
	type PantherError,
	hintFor,
	maskTokens,
	parseRsp,
	readErr,
	throwFailure,
	throwIfFailed,
} from './answers';
import { formEncode } from './signature';

export { MAX_FAILURE_BYTES, type PantherError, hintFor, maskTokens, parseRsp, readErr } from './answers';

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

// ---------------------------------------------------------------------------------------------
// Reading answers.

/** {@link maskTokens} over a text that may be absent. */
function maskOptional(text: string | undefined): string | undefined {
	return text === undefined ? undefined : maskTokens(text);
}

/**
 * Runs an answer parser and masks tokens in every text its failure carries (messages, PantherMedia's
 * error code, hints): whatever part of an answer a server puts its echo of the request in, the
 * signature does not reach an error.
 */
function masked<T>(parse: (response: RawResponse) => T | Promise<T>): (response: RawResponse) => Promise<T> {
	return async (response) => {
		const outcome = await Promise.resolve()
			.then(() => parse(response))
			.then(
				(value) => ({ ok: true as const, value }),
				(error: unknown) => ({ ok: false as const, error }),
			);
		if (outcome.ok) return outcome.value;
		const { error } = outcome;
		if (error instanceof MalformedResponseError) throw new MalformedResponseError(maskTokens(error.message));
		if (error instanceof ProviderFailure) {
			const { details } = error;
			throw new ProviderFailure({
				...details,
				providerMessage: maskOptional(details.providerMessage),
				providerCode: maskOptional(details.providerCode),
				hint: maskOptional(details.hint),
			});
		}
		throw error;
	};
}

/** Runs `fn` and returns its value or what it threw, so callers decide outside a catch block. */
function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
	try {
		return { ok: true, value: fn() };
	} catch (error) {
		return { ok: false, error };
	}
}

function looksLikeJson(response: RawResponse): boolean {
	const type = response.headers['content-type'] ?? '';
	if (/json/i.test(type)) return true;
	const first = response.body.subarray(0, 64).toString('latin1').trimStart()[0];
	return first === '{';
}

function jsonBody(response: RawResponse): Record<string, unknown> {
	const parsed = attempt(() => JSON.parse(response.body.toString('utf8')) as unknown);
	if (!parsed.ok) throw new MalformedResponseError('the answer is not valid JSON');
	if (!parsed.value || typeof parsed.value !== 'object')
		throw new MalformedResponseError('the answer is not a JSON object');
	return parsed.value as Record<string, unknown>;
}

/** The failure PantherMedia reports in a body, if it reports one (`stat="fail"`). */
export function failureInBody(response: RawResponse): PantherError | undefined {
	if (looksLikeJson(response)) {
		const body = jsonBody(response);
		return body.stat === 'fail' ? readErr(body.err) : undefined;
	}
	const rsp = parseRsp(response);
	return rsp['@_stat'] === 'fail' ? readErr(rsp.err) : undefined;
}

export const PANTHERMEDIA_PROFILE: ProviderProfile = {
	name: 'PantherMedia',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiKey', 'apiSecret'],
	maxBodyBytes: MAX_XML_BYTES,
	describeFailure(response) {
		if (response.status >= 200 && response.status < 300) return undefined;
		// A body that is not PantherMedia's XML or JSON (a proxy page, a bomb), or is far larger than
		// any failure PantherMedia sends: the status says it all.
		const read =
			response.body.length <= MAX_FAILURE_BYTES ? attempt(() => failureInBody(response)) : { ok: false as const };
		const err = read.ok ? read.value : undefined;
		const { fallback, hint, cause } = hintFor(response.status);
		return {
			kind: 'http',
			providerCode: maskOptional(err?.code),
			providerMessage: maskTokens(err?.message ?? fallback ?? `PantherMedia answered HTTP ${response.status}`),
			hint,
			cause,
		};
	},
};

// ---------------------------------------------------------------------------------------------
// The client.

export interface PreviewFile {
	data: Buffer;
	mimeType: string;
	fileName: string;
}

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

const IMAGE_SIGNATURES: Array<{ mime: string; ext: string; test: (b: Buffer) => boolean }> = [
	{ mime: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
	{
		mime: 'image/png',
		ext: 'png',
		test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
	},
	{ mime: 'image/gif', ext: 'gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
	{
		mime: 'image/webp',
		ext: 'webp',
		test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
	},
];

const EXTENSIONS: Record<string, string> = {
	'image/jpeg': 'jpg',
	'image/png': 'png',
	'image/gif': 'gif',
	'image/webp': 'webp',
	'image/svg+xml': 'svg',
	'video/mp4': 'mp4',
};

/** File name from `Content-Disposition` (plain or RFC 5987), reduced to a safe base name. */
export function dispositionFileName(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header)?.[1];
	let name: string | undefined;
	if (extended) {
		try {
			name = decodeURIComponent(extended.trim());
		} catch {
			name = undefined;
		}
	}
	name ??= /filename\s*=\s*"([^"]*)"/.exec(header)?.[1] ?? /filename\s*=\s*([^;\s]+)/.exec(header)?.[1];
	if (!name) return undefined;
	const base = [...(name.split(/[\\/]/).pop() ?? '')]
		.filter((c) => c.charCodeAt(0) >= 0x20 && c !== '\u007f')
		.join('')
		.trim();
	return base && base !== '.' && base !== '..' ? base : undefined;
}

/** PantherMedia API calls, each one signed POST, all through the shared transport. */
export class PantherMediaClient {
	readonly http: ApiClient;

	private base?: string;

	constructor(
		private readonly ctx: HttpContext,
		options: ClientOptions = {},
	) {
		this.http = new ApiClient(ctx, PANTHERMEDIA_PROFILE, options);
	}

	async baseUrl(): Promise<string> {
		if (this.base === undefined) {
			const credentials = (await this.ctx.getCredentials(CREDENTIAL_TYPE)) as IDataObject;
			this.base = String(credentials.baseUrl || DEFAULT_BASE_URL)
				.trim()
				.replace(/\/+$/, '');
		}
		return this.base;
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
		for (const row of page.skipped) {
			this.http.reportSkipped(
				`row ${row.row}${row.id ? ` (media ${row.id})` : ''} of a poll of ${type} media`,
				row.problem,
			);
		}
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
		const outcome = await this.mediaInfoRequest(ids, options).then(
			(value) => ({ ok: true as const, value }),
			(error: unknown) => ({ ok: false as const, error }),
		);
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
function isGoneAnswer(error: unknown): boolean {
	if (!(error instanceof MediaSyncApiError)) return false;
	const { providerCode } = error.apiFailure;
	return providerCode === '404' || providerCode === '410';
}

function describeIds(ids: readonly string[]): string {
	return ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`;
}

/** The preview answer: the image itself, or PantherMedia's XML/JSON failure. */
export function readPreview(response: RawResponse, id: string): PreviewFile {
	const type = (response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	const head = response.body.subarray(0, 64).toString('latin1').trimStart();
	if (/xml|json|text\//.test(type) || head.startsWith('<') || head.startsWith('{')) {
		// An answer in words, not an image: PantherMedia's failure (or a malformed answer). Read
		// here, on the main thread, only as large as a failure can be.
		if (response.body.length > MAX_FAILURE_BYTES) {
			// not PantherMedia's failure: fall through to "expected an image"
		} else if (looksLikeJson(response)) {
			const body = jsonBody(response);
			if (body.stat === 'fail') throwFailure(readErr(body.err));
		} else {
			throwIfFailed(parseRsp(response));
		}
		throw new MalformedResponseError(`expected an image for media ${id}, got ${type || 'text'}`);
	}
	if (response.body.length === 0) throw new MalformedResponseError(`the preview of media ${id} is empty`);
	const sniffed = IMAGE_SIGNATURES.find((s) => s.test(response.body));
	const mimeType =
		type && type !== 'application/octet-stream' && type.includes('/')
			? type
			: (sniffed?.mime ?? 'application/octet-stream');
	const ext = EXTENSIONS[mimeType] ?? sniffed?.ext ?? 'bin';
	const fileName = dispositionFileName(response.headers['content-disposition']) ?? `panthermedia-${id}-preview.${ext}`;
	return { data: response.body, mimeType, fileName };
}

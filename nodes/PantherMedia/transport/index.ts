import type { IDataObject } from 'n8n-workflow';

import type { PageLoop } from '../../shared/paging';
import { type ApiFailure, MediaSyncApiError } from '../../shared/transport/errors';
import {
	ApiClient,
	type ClientOptions,
	type HttpContext,
	MalformedResponseError,
	type ProviderProfile,
	ProviderFailure,
	type RawResponse,
} from '../../shared/transport/http';
import { XmlError, parseXml } from '../../shared/xml';
import {
	AnswerShapeError,
	type MediaInfo,
	type PollPage,
	type SearchPage,
	readMediaInfo,
	readPollPage,
	readSearchPage,
	toPlain,
} from '../model';
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

/** Largest XML answer read (a 10,000-row poll page is about 1.3 MB). */
const MAX_XML_BYTES = 20 * 1024 * 1024;
/** Largest preview image read. */
const MAX_PREVIEW_BYTES = 25 * 1024 * 1024;

/** Elements that are lists even with one entry. */
const XML_LISTS = ['rsp.items.media', 'rsp.media', 'rsp.metadata', 'rsp.articles'];

// ---------------------------------------------------------------------------------------------
// Reading answers.

/** What PantherMedia says went wrong: `err` code and message, from XML or JSON. */
export interface PantherError {
	code?: string;
	message?: string;
}

/**
 * Signatures and tokens are 40+ hex characters; a server echoing one must not put it in an error.
 * (The access_key signature is made per request inside the credential's `authenticate`, so it is
 * not among the credential values the transport redacts.) Any run of 40+ hex digits between
 * non-alphanumerics counts, an underscore included ("access_key_4c41…").
 */
export function maskTokens(text: string): string {
	return text.replace(/(?<![0-9A-Za-z])[0-9a-fA-F]{40,}(?![0-9A-Za-z])/g, '[redacted]');
}

/** {@link maskTokens} over a text that may be absent. */
function maskOptional(text: string | undefined): string | undefined {
	return text === undefined ? undefined : maskTokens(text);
}

/**
 * Runs an answer parser and masks tokens in every text its failure carries (messages, PantherMedia's
 * error code, hints): whatever part of an answer a server puts its echo of the request in, the
 * signature does not reach an error.
 */
function masked<T>(parse: (response: RawResponse) => T): (response: RawResponse) => T {
	return (response) => {
		const outcome = attempt(() => parse(response));
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

function looksLikeJson(response: RawResponse): boolean {
	const type = response.headers['content-type'] ?? '';
	if (/json/i.test(type)) return true;
	const first = response.body.subarray(0, 64).toString('latin1').trimStart()[0];
	return first === '{';
}

/**
 * Parses an XML answer into its `<rsp>` element. A document that declares a DOCTYPE is refused
 * before parsing: PantherMedia never sends one, and that is where entity bombs live.
 */
export function parseRsp(response: RawResponse): Record<string, unknown> {
	const head = response.body.subarray(0, 4096).toString('latin1');
	const rootAt = head.search(/<[A-Za-z_]/);
	const prolog = rootAt < 0 ? head : head.slice(0, rootAt);
	if (/<!DOCTYPE/i.test(prolog)) {
		throw new MalformedResponseError('the answer declares a DOCTYPE, which PantherMedia never sends (refused unread)');
	}
	const charset = /charset=([^;]+)/i.exec(response.headers['content-type'] ?? '')?.[1]?.trim();
	const parsed = attempt(() =>
		parseXml(response.body, { arrays: XML_LISTS, maxBytes: MAX_XML_BYTES, headerCharset: charset }),
	);
	if (!parsed.ok) {
		if (parsed.error instanceof XmlError) throw new MalformedResponseError(parsed.error.message);
		throw parsed.error;
	}
	const rsp = parsed.value.rsp;
	if (!rsp || typeof rsp !== 'object') throw new MalformedResponseError('the answer has no <rsp> element');
	return rsp as Record<string, unknown>;
}

/** Runs `fn` and returns its value or what it threw, so callers decide outside a catch block. */
function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
	try {
		return { ok: true, value: fn() };
	} catch (error) {
		return { ok: false, error };
	}
}

function jsonBody(response: RawResponse): Record<string, unknown> {
	const parsed = attempt(() => JSON.parse(response.body.toString('utf8')) as unknown);
	if (!parsed.ok) throw new MalformedResponseError('the answer is not valid JSON');
	if (!parsed.value || typeof parsed.value !== 'object')
		throw new MalformedResponseError('the answer is not a JSON object');
	return parsed.value as Record<string, unknown>;
}

/** `<err code=".." msg=".."/>`, `<err><code/><msg/></err>`, `<err code="..">text</err>`, or JSON `err`. */
export function readErr(err: unknown): PantherError {
	if (err === undefined || err === null) return {};
	if (typeof err !== 'object') return { message: String(err) };
	const e = err as Record<string, unknown>;
	const pick = (...names: string[]) => {
		for (const name of names) {
			const value = e[name];
			if (value !== undefined && value !== null && typeof value !== 'object') return String(value);
			if (value && typeof value === 'object' && '#text' in (value as object))
				return String((value as Record<string, unknown>)['#text']);
		}
		return undefined;
	};
	return {
		code: pick('@_code', 'code'),
		message: pick('@_msg', 'msg', '@_message', 'message', '#text'),
	};
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

/** What to tell the user, per HTTP status (or PantherMedia error code shaped like one). */
export function hintFor(
	status: number | undefined,
): Pick<ApiFailure, 'hint' | 'cause'> & { fallback?: string; transient?: boolean } {
	switch (status) {
		case 400:
		case 412:
			return {
				fallback: 'PantherMedia rejected the request as invalid',
				hint: 'A parameter was rejected: check IDs, dates, limits and filters. The message names the problem.',
				cause: 'configuration-invalid',
			};
		case 401:
			return {
				fallback: 'PantherMedia did not accept the API key or the request signature',
				hint: 'Check the API key and API secret in the credential. Requests are signed with this server’s clock: if the clock is far off, PantherMedia refuses them too.',
				cause: 'credential-invalid',
			};
		case 402:
			return {
				fallback: 'Payment required: the PantherMedia account has no deposit left for this',
				hint: 'This node never buys or downloads licensed files; PantherMedia asked for payment anyway. Check the account’s deposit and contract with PantherMedia.',
				cause: 'configuration-invalid',
			};
		case 403:
			return {
				fallback: 'PantherMedia refused access to this method',
				hint: 'The key is valid but not allowed to use this method. Poll covers PantherMedia’s own media only (not partner media); some methods need a contract with PantherMedia.',
				cause: 'credential-invalid',
			};
		case 404:
			return {
				fallback: 'PantherMedia found nothing for this request',
				hint: 'Check the media ID(s): the media may not exist or may have been removed. Also check the base URL in the credential.',
				cause: 'configuration-invalid',
			};
		case 410:
			return {
				fallback: 'The media is no longer available at PantherMedia',
				hint: 'The media was removed or withdrawn (for example for licensing reasons). Treat it as deleted.',
				cause: 'configuration-invalid',
			};
		case 421:
		case 429:
			return {
				fallback: 'PantherMedia is receiving too many requests from this key',
				hint: 'PantherMedia limits the request rate. Poll less often, lower the number of parallel requests or the page size; a trigger continues where it stopped.',
				transient: true,
			};
		default:
			if (status !== undefined && status >= 500) {
				return {
					fallback: 'PantherMedia had an internal error',
					hint: 'PantherMedia is having trouble. It usually passes: the request was retried; try again later.',
					transient: true,
				};
			}
			return {};
	}
}

function codeAsStatus(code: string | undefined): number | undefined {
	return code !== undefined && /^\d{3}$/.test(code) ? Number(code) : undefined;
}

/** Throws a 2xx answer's own failure (`stat="fail"`) as a {@link ProviderFailure}. */
function throwIfFailed(rsp: Record<string, unknown>): void {
	if (rsp['@_stat'] === 'ok') return;
	if (rsp['@_stat'] !== 'fail') {
		throw new MalformedResponseError(`the answer has stat="${String(rsp['@_stat'] ?? '')}" instead of ok or fail`);
	}
	throwFailure(readErr(rsp.err));
}

/** Reads an XML answer that must be `stat="ok"`, with `read` for the part the caller needs. */
function okAnswer<T>(response: RawResponse, read: (rsp: Record<string, unknown>) => T): T {
	const rsp = parseRsp(response);
	throwIfFailed(rsp);
	const result = attempt(() => read(rsp));
	if (result.ok) return result.value;
	if (result.error instanceof AnswerShapeError) throw new MalformedResponseError(result.error.message);
	throw result.error;
}

export const PANTHERMEDIA_PROFILE: ProviderProfile = {
	name: 'PantherMedia',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiKey', 'apiSecret'],
	maxBodyBytes: MAX_XML_BYTES,
	describeFailure(response) {
		if (response.status >= 200 && response.status < 300) return undefined;
		// A body that is not PantherMedia's XML or JSON (a proxy page, a bomb): the status says it all.
		const read = attempt(() => failureInBody(response));
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

	private async call<T>(
		method: string,
		fields: Record<string, string>,
		operation: string,
		parse: (response: RawResponse) => T,
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
		const page = await this.call('poll', fields, `poll ${type} media`, (response) => {
			const read = okAnswer(response, readPollPage);
			// A page is full when it holds `limit` rows, the unreadable ones included.
			loop?.check({ entries: read.rows, claimsMore: read.rows >= limit, cursor: read.items.at(-1)?.nextPageId });
			return read;
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
		return await this.call('get-media-info', fields, `get the info of media ${describeIds(ids)}`, (response) =>
			okAnswer(response, readMediaInfo),
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
		return await this.call('search', fields, `search media for "${params.q}"`, (response) =>
			okAnswer(response, readSearchPage),
		);
	}

	/** host-info: PantherMedia's description of the API host; used to check a credential. */
	async hostInfo(): Promise<IDataObject> {
		return await this.call('host-info', {}, 'check the connection (host-info)', (response) =>
			okAnswer(response, (rsp) => {
				const rest = { ...rsp };
				delete rest['@_stat'];
				return toPlain(rest) as IDataObject;
			}),
		);
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
		// An answer in words, not an image: PantherMedia's failure (or a malformed answer).
		if (looksLikeJson(response)) {
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

function throwFailure(err: PantherError): never {
	const { fallback, transient, ...hint } = hintFor(codeAsStatus(err.code));
	throw new ProviderFailure({
		providerCode: err.code,
		providerMessage: maskTokens(err.message ?? fallback ?? 'PantherMedia reported a failure'),
		transient,
		...hint,
	});
}

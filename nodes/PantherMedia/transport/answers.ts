import type { ApiFailure } from '../../shared/transport/errors';
import { MalformedResponseError, ProviderFailure } from '../../shared/transport/answerErrors';
import type { RawResponse } from '../../shared/transport/http';
import { answerReaders } from '../../shared/answerWorker/readers';
import { attempt } from '../../shared/attempt';
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

/**
 * Reading PantherMedia's XML answers: the `<rsp>` envelope, its `stat="fail"` failures, and the
 * answer readers. Apart from the client (./index) because the readers also run in the answer
 * worker (nodes/shared/answerWorker), so this module and what it imports must not need
 * n8n-workflow at run time.
 */

/**
 * Largest XML (or JSON) answer read, 4 MiB. The largest answers this package asks for:
 * - a poll page of 10,000 rows (poll's maximum `limit`): 112 bytes a row as PantherMedia's
 *   sample writes them (id, date, next_page_id), 1.07 MiB;
 * - get-media-info for 100 ids (the trigger's largest batch; the action asks 50), with
 *   articles and top-10 keywords: ~1–5 KB a media in the documented shape, 0.5 MiB at most;
 * - a search page of 100 results (search's maximum `limit`) with every extra field: ~0.3 MiB.
 * 4 MiB is 3.7× the largest of them: room for longer ids, cursors and texts, not for an answer
 * no PantherMedia method sends. (It was 20 MiB: a 19.5 MiB page then stalled n8n for seconds.)
 */
export const MAX_XML_BYTES = 4 * 1024 * 1024;

/**
 * An answer that can only carry a failure — the body of an HTTP error, an XML answer where a
 * preview image was expected, host-info in the credential test — is read only up to this size,
 * on the main thread: PantherMedia's failures are a few hundred bytes. A larger one is reported
 * by its HTTP status, or as not PantherMedia's answer.
 */
export const MAX_FAILURE_BYTES = 64 * 1024;

/** Elements that are lists even with one entry. */
const XML_LISTS = ['rsp.items.media', 'rsp.media', 'rsp.metadata', 'rsp.articles'];

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
export function throwIfFailed(rsp: Record<string, unknown>): void {
	if (rsp['@_stat'] === 'ok') return;
	if (rsp['@_stat'] !== 'fail') {
		throw new MalformedResponseError(`the answer has stat="${String(rsp['@_stat'] ?? '')}" instead of ok or fail`);
	}
	throwFailure(readErr(rsp.err));
}

/** Reads an XML answer that must be `stat="ok"`, with `read` for the part the caller needs. */
export function okAnswer<T>(response: RawResponse, read: (rsp: Record<string, unknown>) => T): T {
	const rsp = parseRsp(response);
	throwIfFailed(rsp);
	const result = attempt(() => read(rsp));
	if (result.ok) return result.value;
	if (result.error instanceof AnswerShapeError) throw new MalformedResponseError(result.error.message);
	throw result.error;
}

export function throwFailure(err: PantherError): never {
	const { fallback, transient, ...hint } = hintFor(codeAsStatus(err.code));
	throw new ProviderFailure({
		providerCode: err.code,
		providerMessage: maskTokens(err.message ?? fallback ?? 'PantherMedia reported a failure'),
		transient,
		...hint,
	});
}

/**
 * The readers of PantherMedia's XML answers, by name (see nodes/shared/answerWorker): each
 * checks `stat`, then reads the part its caller needs.
 */
export const PANTHERMEDIA_ANSWERS = answerReaders(__filename, 'PANTHERMEDIA_ANSWERS', {
	pollPage: { read: (response): PollPage => okAnswer(response, readPollPage), rows: { field: 'items' } },
	mediaInfo: { read: (response): MediaInfo[] => okAnswer(response, readMediaInfo), rows: 'self' },
	searchPage: { read: (response): SearchPage => okAnswer(response, readSearchPage), rows: { field: 'items' } },
	hostInfo: {
		read: (response): Record<string, unknown> =>
			okAnswer(response, (rsp) => {
				const rest = { ...rsp };
				delete rest['@_stat'];
				return toPlain(rest) as Record<string, unknown>;
			}),
	},
});

// ---------------------------------------------------------------------------------------------
// Failures in a body, and the preview image.

export function looksLikeJson(response: RawResponse): boolean {
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

export interface PreviewFile {
	data: Buffer;
	mimeType: string;
	fileName: string;
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

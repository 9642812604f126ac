import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { PageLoop } from '../../shared/paging';
import { ProviderClient, baseUrlOf, endpointKey } from '../../shared/transport/client';
import { MediaSyncApiError, asNodeError } from '../../shared/transport/errors';
import {
	ApiClient,
	type ApiRequest,
	type ClientOptions,
	type HttpContext,
	type ProviderProfile,
	requestTimeouts,
} from '../../shared/transport/http';
import { type OpenedStream, openStream } from '../../shared/transport/openStream';
import {
	MAX_PER_PAGE,
	type ListQuery,
	type MediaItem,
	type MediaItemPage,
	asMediaItem,
	listQueryString,
} from '../model';
import { timing } from '../../shared/transport/timing';
import { parseJson } from '../../shared/transport/jsonAnswer';
import { parseMediaItem, parsePage } from './answers';
import { AUTH_METHODS } from './auth';
import { describeCommerceConnectFailure } from './errors';
import type { MultipartBody } from './multipart';

export const CREDENTIAL_TYPE = 'commerceConnectApi';
export const DEFAULT_BASE_URL = 'https://product.commerceconnect.co';

export const COMMERCECONNECT_PROFILE: ProviderProfile = {
	name: 'CommerceConnect',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiToken'],
	maxBodyBytes: 20 * 1024 * 1024,
	describeFailure: describeCommerceConnectFailure,
};

/**
 * Files an upload fetches from a URL: their host is not CommerceConnect, so their failures are
 * named after the URL's host, and their clock, limits and pauses are not CommerceConnect's.
 */
const FILE_URL_PROFILE: ProviderProfile = {
	name: 'File URL',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiToken'],
};

/** What a user should know when a create or upload failed in a way that may have created it anyway. */
const AMBIGUOUS_CREATE_HINT =
	'The request may have reached CommerceConnect before the answer was lost, so it was not sent again: sending a create twice can duplicate the media item. Check whether the media item exists before running again, or use “Sync Product Media”, which is safe to repeat.';

/** Attempts {@link CommerceConnectClient.createOnce} makes, each after a look that found nothing. */
export const CREATE_ROUNDS = 4;

/** Waited before looking a second time for a create whose connection dropped. */
export const LOOK_AGAIN_MS = 3_000;

/** A failure after which the request may have been carried out anyway. */
function isUnclearOutcome(failure: MediaSyncApiError['apiFailure']): boolean {
	return unclearKind(failure) !== undefined;
}

/** How unclear a failed request's outcome is: see {@link CommerceConnectClient.createOnce}. */
function unclearKind(failure: MediaSyncApiError['apiFailure']): 'answered' | 'dropped' | 'timeout' | undefined {
	if (failure.kind === 'timeout') return 'timeout';
	if (failure.kind === 'network') return 'dropped';
	if (failure.kind === 'parse' || (failure.httpCode ?? 0) >= 500) return 'answered';
	return undefined;
}

function unclearCreate(error: unknown): ReturnType<typeof unclearKind> {
	return error instanceof MediaSyncApiError ? unclearKind(error.apiFailure) : undefined;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

/**
 * Pages of products one product-code lookup reads at most: codes are meant to be unique, so one
 * page nearly always holds the answer (the filter may match partially, hence more than one).
 */
export const MAX_PRODUCT_PAGES = 100;

/**
 * Pages of media items one list loop reads at most (Get Many's Return All, Sync Product Media's
 * scan): two million media items at 100 a page.
 */
export const MAX_LIST_PAGES = 20_000;

/**
 * CommerceConnect API v2 calls, each one request through the shared transport (retries,
 * timeouts, size caps, sanitized errors). One client per node run, so lookups are cached per run.
 */
export class CommerceConnectClient extends ProviderClient<{ baseUrl: string; email: string }> {
	/** Product-code lookups of this run, as promises: items running side by side share one lookup. */
	private readonly productIds = new Map<string, Promise<number[]>>();

	/** Downloads of files to upload from a URL: a client of their own (see FILE_URL_PROFILE). */
	private readonly files: ApiClient;

	constructor(ctx: HttpContext, options: ClientOptions = {}) {
		super(ctx, COMMERCECONNECT_PROFILE, options);
		this.files = new ApiClient(ctx, FILE_URL_PROFILE, { ...options, maxInFlight: undefined });
	}

	protected readSettings(credentials: IDataObject): { baseUrl: string; email: string } {
		const method = String(credentials.authMethod || 'staticToken');
		if (!AUTH_METHODS.includes(method)) {
			// Say it before sending anything (the credential's authenticate would refuse it too).
			throw new NodeOperationError(
				this.ctx.getNode(),
				`The CommerceConnect credential uses the authentication method "${method}", which this version of the node does not support`,
				{ description: `Edit the credential and choose one of: ${AUTH_METHODS.join(', ')}.` },
			);
		}
		return { baseUrl: baseUrlOf(credentials.baseUrl, DEFAULT_BASE_URL), email: String(credentials.email ?? '') };
	}

	/** Whose data this client reads: base URL and account, as state kept between runs is keyed. */
	async accountKey(): Promise<string> {
		const { baseUrl, email } = await this.settings();
		return endpointKey(baseUrl, email);
	}

	/** The credential's base URL, without trailing slashes. */
	async baseUrl(): Promise<string> {
		return (await this.settings()).baseUrl;
	}

	private async url(path: string): Promise<string> {
		return `${await this.baseUrl()}${path}`;
	}

	/**
	 * One page of `GET /api/v2/media_items`. A loop over pages passes its {@link PageLoop}; media
	 * items that cannot be used are reported (a warning each) and left out.
	 */
	async list(query: ListQuery, operation = 'list media items', loop?: PageLoop): Promise<MediaItemPage> {
		const page = query.page ?? 1;
		const perPage = Math.min(MAX_PER_PAGE, query.perPage ?? MAX_PER_PAGE);
		const result = await this.http.send(
			{
				method: 'GET',
				url: await this.url('/api/v2/media_items'),
				qs: listQueryString({ ...query, page, perPage }),
				headers: { Accept: 'application/json' },
				idempotent: true,
				operation,
			},
			(response) => parsePage(response, { page, perPage }, asMediaItem, loop),
		);
		this.http.reportSkipped(result.skipped, ({ record, id }) =>
			id === undefined
				? `entry ${record} of page ${page} of the media items`
				: `media item ${id} of page ${page} of the media items`,
		);
		return result;
	}

	/** `POST /api/v2/media_items`. Not idempotent: sent again only when it provably did not arrive. */
	async create(mediaItem: IDataObject): Promise<MediaItem> {
		return await this.createLike({
			method: 'POST',
			url: await this.url('/api/v2/media_items'),
			headers: JSON_HEADERS,
			body: JSON.stringify({ media_item: mediaItem }),
			idempotent: false,
			operation: 'create a media item',
		});
	}

	/** `POST /api/v2/media_items/upload`, multipart, streamed. Not idempotent. */
	async upload(body: MultipartBody, fileName: string): Promise<MediaItem> {
		return await this.createLike({
			method: 'POST',
			url: await this.url('/api/v2/media_items/upload'),
			headers: {
				'Content-Type': body.contentType,
				'Content-Length': String(body.contentLength),
				Accept: 'application/json',
			},
			body: body.stream,
			idempotent: false,
			operation: `upload ${fileName} as a media item`,
			timeoutMs: requestTimeouts.transferMs,
			// A redirect would need the streamed body a second time, which is not kept in memory (a
			// 200 MB upload would cost 200 MB). A redirect fails with a hint.
			redirects: 'refuse',
		});
	}

	/**
	 * Starts downloading a file to upload, read as a stream (see openStream). No credential goes
	 * with it, and it may follow redirects anywhere; at most `maxBytes` pass. Asked for without
	 * compression, so the bytes that arrive are the size the server declares.
	 */
	async openFile(url: string, maxBytes: number): Promise<OpenedStream> {
		return await openStream(this.files, {
			method: 'GET',
			url,
			headers: { 'Accept-Encoding': 'identity' },
			idempotent: true,
			// Never the query: a signed URL carries its signature there.
			operation: `download the file at ${describeFileUrl(url)}`,
			maxBodyBytes: maxBytes,
			timeoutMs: requestTimeouts.transferMs,
			redirects: 'public',
		});
	}

	/**
	 * A create that is never applied twice, for callers that can recognise their item (Sync Product
	 * Media: same product, URL and sync tag). When an attempt's outcome is unclear, the media items
	 * created since just before it are read, and a matching one is the result. Whether "not listed"
	 * means "not created" depends on what went wrong:
	 *   - CommerceConnect answered (a 5xx, or an answer cut off or garbled after its status): it has
	 *     finished with the request, so a create not listed did not happen, and is sent again;
	 *   - the connection dropped: it may still be working on it, so it is looked for again after
	 *     {@link LOOK_AGAIN_MS}, and sent again only when still not listed;
	 *   - no answer in time: it may be working on it for any time yet; not sent again (the error says
	 *     so, and the next run of the sync finds the item if it was created).
	 * At most {@link CREATE_ROUNDS} attempts. Reading relies on CommerceConnect listing an item once
	 * its create has answered (one database behind both).
	 */
	async createOnce(mediaItem: IDataObject, matches: (item: MediaItem) => boolean): Promise<MediaItem> {
		for (let round = 1; ; round++) {
			// The API filters by whole seconds on its own clock: one second of margin for rounding.
			const since = Math.floor(this.http.serverNow() / 1000) * 1000 - 1000;
			try {
				return await this.create(mediaItem);
			} catch (error) {
				const unclear = unclearCreate(error);
				if (!unclear) throw asNodeError(this.ctx.getNode(), error);
				let found = await this.findCreatedSince(since, matches);
				if (!found && unclear === 'dropped') {
					await timing.sleep(LOOK_AGAIN_MS);
					found = await this.findCreatedSince(since, matches);
				}
				if (found) return found;
				if (unclear === 'timeout' || round >= CREATE_ROUNDS) throw asNodeError(this.ctx.getNode(), error);
				this.ctx.logger.info(
					`CommerceConnect: a media item's create had an unclear outcome and the item is not in the PIM; sending it again (attempt ${round + 1} of ${CREATE_ROUNDS})`,
				);
			}
		}
	}

	/** The first media item created since `since` (epoch ms, server clock) that `matches`. */
	private async findCreatedSince(since: number, matches: (item: MediaItem) => boolean): Promise<MediaItem | undefined> {
		const loop = new PageLoop('the media items created since the unclear create', MAX_LIST_PAGES);
		for (let page = 1; ; page++) {
			const result = await this.list(
				{ page, perPage: MAX_PER_PAGE, createdFrom: since },
				'check whether an unclear create reached CommerceConnect',
				loop,
			);
			const found = result.entries.find(matches);
			if (found) return found;
			if (page >= result.totalPages || result.rows === 0) return undefined;
		}
	}

	private async createLike(request: ApiRequest): Promise<MediaItem> {
		try {
			return await this.http.send(request, parseMediaItem);
		} catch (error) {
			throw this.explainCreateFailure(error);
		}
	}

	/** A failure after which the create may have happened anyway gets a hint saying so. */
	private explainCreateFailure(error: unknown) {
		if (error instanceof MediaSyncApiError) {
			const failure = error.apiFailure;
			if (isUnclearOutcome(failure))
				return new MediaSyncApiError(
					this.ctx.getNode(),
					{ ...failure, hint: AMBIGUOUS_CREATE_HINT },
					{ attempts: error.attempts },
				);
		}
		return asNodeError(this.ctx.getNode(), error);
	}

	/** `PUT /api/v2/media_items/:id` with only the given fields. Idempotent (same fields, same result). */
	async update(id: number, mediaItem: IDataObject): Promise<MediaItem> {
		return await this.http.send(
			{
				method: 'PUT',
				url: await this.url(`/api/v2/media_items/${id}`),
				headers: JSON_HEADERS,
				body: JSON.stringify({ media_item: mediaItem }),
				idempotent: true,
				operation: `update media item ${id}`,
			},
			parseMediaItem,
		);
	}

	/**
	 * `DELETE /api/v2/media_items/:id`. Retried like any idempotent request; a 404 after an
	 * earlier attempt of the same call means that attempt deleted it, and counts as done. With
	 * `missingIsDone`, any 404 counts as done: a caller that wants the item gone (Sync Product
	 * Media) has what it wants when another run deleted it first.
	 */
	async remove(
		id: number,
		options: { missingIsDone?: boolean } = {},
	): Promise<{ id: number; alreadyDeleted: boolean; response: IDataObject }> {
		try {
			const response = await this.http.send(
				{
					method: 'DELETE',
					url: await this.url(`/api/v2/media_items/${id}`),
					headers: { Accept: 'application/json' },
					idempotent: true,
					operation: `delete media item ${id}`,
				},
				(raw) => (raw.body.length === 0 ? {} : (parseJson(raw) as IDataObject)),
			);
			return { id, alreadyDeleted: false, response };
		} catch (error) {
			// The attempts of this request, not the client's request count: other requests of the run
			// may be on the wire at the same time.
			if (
				error instanceof MediaSyncApiError &&
				(error.attempts > 1 || options.missingIsDone === true) &&
				error.apiFailure.httpCode === 404
			) {
				return { id, alreadyDeleted: true, response: {} };
			}
			throw asNodeError(this.ctx.getNode(), error);
		}
	}

	/** `POST /api/v2/media_items/delete_by_filter`: deletes a product's media items that carry the tags. */
	async deleteByFilter(productId: number, tags: string[]): Promise<IDataObject> {
		return await this.http.send(
			{
				method: 'POST',
				url: await this.url('/api/v2/media_items/delete_by_filter'),
				headers: JSON_HEADERS,
				body: JSON.stringify({ product_id: productId, tag_list: tags }),
				// Deleting what matches a filter twice leaves the same result: safe to retry.
				idempotent: true,
				operation: `delete the media items of product ${productId} tagged ${tags.join(', ')}`,
			},
			(raw) => (raw.body.length === 0 ? {} : (parseJson(raw) as IDataObject)),
		);
	}

	/**
	 * The ID of the product with exactly this code, through `GET /api/v2/products?code=…`. The
	 * filter's matching rule is not documented (it could match partially), so the entries are
	 * compared exactly, page by page. Returns every exact match (normally one). Cached for the run.
	 */
	async productIdsByCode(code: string): Promise<number[]> {
		let lookup = this.productIds.get(code);
		if (lookup === undefined) {
			lookup = this.lookUpProductCode(code);
			this.productIds.set(code, lookup);
			// A failed lookup is not kept: a later item may try again.
			lookup.catch(() => this.productIds.delete(code));
		}
		return await lookup;
	}

	private async lookUpProductCode(code: string): Promise<number[]> {
		const matches: number[] = [];
		const loop = new PageLoop(`the products with code ${code}`, MAX_PRODUCT_PAGES);
		for (let page = 1; ; page++) {
			const result = await this.http.send(
				{
					method: 'GET',
					url: await this.url('/api/v2/products'),
					qs: { code, page, per_page: MAX_PER_PAGE },
					headers: { Accept: 'application/json' },
					idempotent: true,
					operation: `find the product with code ${code}`,
				},
				(response) =>
					parsePage(
						response,
						{ page, perPage: MAX_PER_PAGE },
						(raw) => {
							const record = raw as IDataObject | null;
							const id = Number(record?.id);
							return record && Number.isSafeInteger(id)
								? { id, code: record.code === undefined || record.code === null ? undefined : String(record.code) }
								: undefined;
						},
						loop,
					),
			);
			for (const product of result.entries)
				if (product.code === code && !matches.includes(product.id)) matches.push(product.id);
			if (page >= result.totalPages || result.rows === 0) break;
		}
		return matches;
	}
}

/** A file URL for messages: host and path, never the query (a signed URL's signature is there). */
export function describeFileUrl(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.host}${parsed.pathname}`;
	} catch {
		return 'the File URL';
	}
}

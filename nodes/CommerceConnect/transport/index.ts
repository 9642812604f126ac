import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { PageLoop } from '../../shared/paging';
import { ProviderClient, baseUrlOf, endpointKey } from '../../shared/transport/client';
import { MediaSyncApiError, asNodeError } from '../../shared/transport/errors';
import {
	type ApiRequest,
	type ClientOptions,
	type HttpContext,
	type ProviderProfile,
	requestTimeouts,
} from '../../shared/transport/http';
import {
	MAX_PER_PAGE,
	type ListQuery,
	type MediaItem,
	type MediaItemPage,
	asMediaItem,
	listQueryString,
} from '../model';
import { parseJson, parseMediaItem, parsePage } from './answers';
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

/** What a user should know when a create or upload failed in a way that may have created it anyway. */
const AMBIGUOUS_CREATE_HINT =
	'The request may have reached CommerceConnect before the answer was lost, so it was not sent again: sending a create twice can duplicate the media item. Check whether the media item exists before running again, or use “Sync Product Media”, which is safe to repeat.';

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

	constructor(ctx: HttpContext, options: ClientOptions = {}) {
		super(ctx, COMMERCECONNECT_PROFILE, options);
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
			const ambiguous =
				failure.kind === 'network' ||
				failure.kind === 'timeout' ||
				failure.kind === 'parse' ||
				(failure.httpCode ?? 0) >= 500;
			if (ambiguous)
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

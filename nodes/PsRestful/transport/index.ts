import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toNaiveUtc } from '../../shared/dates';
import { MAX_NESTING, nestsDeeperThan } from '../../shared/json';
import type { PageLoop } from '../../shared/paging';
import { dotSegmentProblem } from '../../shared/paths';
import type { ApiFailure } from '../../shared/transport/errors';
import { excerpt } from '../../shared/transport/errors';
import {
	ApiClient,
	type ClientOptions,
	type HttpContext,
	MalformedResponseError,
	type ProviderProfile,
	ProviderFailure,
	type RawResponse,
} from '../../shared/transport/http';
import {
	type MediaContent,
	type ModifiedProduct,
	type Supplier,
	type SupplierPage,
	toMediaContent,
	toModifiedProduct,
	unwrapArray,
} from '../model';

export const CREDENTIAL_TYPE = 'psRestfulApi';

/** PromoStandards service version of Media Content this client speaks. */
const MED_VERSION = 'v1.1.0';

/** PromoStandards codes (core and Media Content 1.1.0) and what they mean for a user. */
const NO_RESULTS = '160';

function parseJson(response: RawResponse): unknown {
	const text = response.body.toString('utf8');
	if (text.trim() === '') throw new MalformedResponseError('empty body where JSON was expected');
	const parsed = tryJson(text);
	if (!parsed.ok) throw new MalformedResponseError(`not valid JSON: ${excerpt(text, 80)}`);
	return parsed.value;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(text) as unknown };
	} catch {
		return { ok: false };
	}
}

interface ServiceMessage {
	code?: string;
	description?: string;
	severity?: string;
}

/**
 * PSRESTful reports failures in three shapes: a PromoStandards `ServiceMessageArray` (newer
 * services, and the media-modified-since guide), a single `errorMessage {code, description}`
 * (Media Content 1.1.0 models), and FastAPI's `detail` (422 validation, 404, 401…).
 */
export function serviceMessages(body: unknown): ServiceMessage[] {
	if (!body || typeof body !== 'object') return [];
	const record = body as Record<string, unknown>;
	const out: ServiceMessage[] = [];
	for (const raw of unwrapArray(record, 'ServiceMessageArray', 'ServiceMessage')) {
		if (raw && typeof raw === 'object') {
			const m = raw as Record<string, unknown>;
			out.push({
				code: m.code === undefined ? undefined : String(m.code),
				description: str(m.description),
				severity: str(m.severity),
			});
		}
	}
	const single = record.errorMessage ?? record.ErrorMessage;
	if (single && typeof single === 'object') {
		const m = single as Record<string, unknown>;
		if (m.code !== undefined || m.description !== undefined) {
			out.push({
				code: m.code === undefined ? undefined : String(m.code),
				description: str(m.description),
				severity: 'Error',
			});
		}
	}
	return out;
}

function str(value: unknown): string | undefined {
	return value === null || value === undefined ? undefined : String(value);
}

/** FastAPI `detail`: a string, or a list of `{loc, msg, type}`. */
export function fastApiDetail(body: unknown): string | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const detail = (body as Record<string, unknown>).detail;
	if (typeof detail === 'string') return detail;
	if (Array.isArray(detail)) {
		const parts = detail.map((entry) => {
			const e = (entry ?? {}) as Record<string, unknown>;
			const loc = Array.isArray(e.loc)
				? e.loc.filter((p) => p !== 'query' && p !== 'path' && p !== 'body').join('.')
				: '';
			return loc ? `${loc}: ${String(e.msg ?? '')}` : String(e.msg ?? '');
		});
		return parts.join('; ');
	}
	return undefined;
}

type Endpoint = 'modified-since' | 'media' | 'suppliers';

function hintFor(code: string, endpoint: Endpoint): Pick<ApiFailure, 'hint' | 'cause'> & { transient?: boolean } {
	switch (code) {
		case '125':
			return {
				hint:
					endpoint === 'modified-since'
						? 'This supplier does not implement getMediaDateModified. Use a full sync instead: fetch every product’s media with “Get Content for Many” on a schedule.'
						: 'This supplier does not support this request.',
				cause: 'configuration-invalid',
			};
		case '130':
			return endpoint === 'modified-since'
				? {
						hint: 'This supplier does not implement getMediaDateModified (function not supported). Use a full sync instead: fetch every product’s media with “Get Content for Many” on a schedule.',
						cause: 'configuration-invalid',
					}
				: { hint: 'Check the product ID: the supplier does not know it.', cause: 'configuration-invalid' };
		case '135':
		case '145':
		case '150':
			return { hint: 'Check the part, colour or size filter.', cause: 'configuration-invalid' };
		case '140':
			return {
				hint: 'Check the part ID: the supplier does not know it for this product.',
				cause: 'configuration-invalid',
			};
		case '155':
			return {
				hint: 'The date was rejected. Use an ISO 8601 date such as 2024-01-15T00:00:00.',
				cause: 'configuration-invalid',
			};
		case '100':
		case '104':
		case '105':
		case '110':
			return {
				hint: 'PSRESTful has no working credentials for this supplier’s service. Check the supplier’s credential status in PSRESTful.',
				cause: 'credential-invalid',
			};
		case '120':
			return { hint: 'A required field is missing: the message names it.', cause: 'configuration-invalid' };
		case '999':
			return { hint: 'The supplier’s service had a general error. It is usually temporary.', transient: true };
		default:
			return {};
	}
}

/** Media Content codes 130 / 140: the supplier does not know the product or part. */
function isMissingProduct(body: unknown): boolean {
	return serviceMessages(body).some((m) => m.code === '130' || m.code === '140');
}

/** Throws the first error-level PromoStandards message of a successful answer; "no results" is not one. */
function throwServiceError(body: unknown, endpoint: Endpoint): 'no-results' | undefined {
	const messages = serviceMessages(body).filter((m) => !m.severity || /error/i.test(m.severity));
	if (messages.length === 0) return undefined;
	if (messages.every((m) => m.code === NO_RESULTS)) return 'no-results';
	const first = messages.find((m) => m.code !== NO_RESULTS)!;
	const { transient, ...hint } = hintFor(first.code ?? '', endpoint);
	throw new ProviderFailure({
		providerCode: first.code,
		providerMessage: first.description ?? 'The supplier service reported an error',
		transient,
		...hint,
	});
}

export const PSRESTFUL_PROFILE: ProviderProfile = {
	name: 'PSRESTful',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiKey'],
	maxBodyBytes: 20 * 1024 * 1024,
	describeFailure(response) {
		if (response.status >= 200 && response.status < 300) return undefined;
		const parsed = tryJson(response.body.toString('utf8'));
		// Reading an error body recurses into it: one nested deeper than any real error is not read.
		const body = parsed.ok && !nestsDeeperThan(parsed.value) ? parsed.value : undefined;
		const detail = fastApiDetail(body);
		const message = serviceMessages(body)[0];
		const failure: Partial<ApiFailure> = {
			kind: 'http',
			providerMessage:
				detail ??
				message?.description ??
				(body === undefined ? excerpt(response.body.toString('utf8')) || undefined : undefined),
			providerCode: message?.code,
		};
		if (response.status === 429 && response.headers['x-ratelimit-remaining'] === '0') {
			// The daily quota is used up: retrying before it resets only burns time.
			return {
				...failure,
				kind: 'provider',
				cause: 'quota-exhausted',
				hint: `The PSRESTful daily quota (${response.headers['x-ratelimit-limit'] ?? '?'} calls) is used up; it resets daily. Poll less often, turn off media content, or lower Max Products per Poll.`,
			};
		}
		if (response.status === 404 && detail && /supplier|service/i.test(detail)) {
			failure.hint =
				'Check the supplier code, and that PSRESTful offers this supplier’s Media Content service in the chosen environment.';
		}
		if (response.status === 422) failure.hint = 'PSRESTful rejected a parameter: the message names it.';
		if (response.status === 401)
			failure.hint = 'PSRESTful did not accept the API key: check it under Account → API Keys in PSRESTful.';
		return failure;
	},
};

export interface MediaFilters {
	partId?: string;
	mediaType?: string;
	/** Class type ids, e.g. [1006, 1001]. */
	classTypes?: number[];
}

/** PSRESTful API calls, each one request, all through the shared transport. */
export class PsRestfulClient {
	readonly http: ApiClient;

	private settings?: { baseUrl: string; environment: string; cultureName: string };

	constructor(
		private readonly ctx: HttpContext,
		options: ClientOptions = {},
	) {
		this.http = new ApiClient(ctx, PSRESTFUL_PROFILE, options);
	}

	private async config() {
		if (!this.settings) {
			const credentials = (await this.ctx.getCredentials(CREDENTIAL_TYPE)) as IDataObject;
			this.settings = {
				baseUrl: String(credentials.baseUrl || 'https://api.psrestful.com').replace(/\/+$/, ''),
				environment: String(credentials.environment || 'PROD'),
				cultureName: String(credentials.cultureName ?? ''),
			};
		}
		return this.settings;
	}

	/** A value as one URL path segment; "." and ".." are refused (callers check first, with the item's index). */
	private segment(value: string, field: string): string {
		const problem = dotSegmentProblem(value, field);
		if (problem) throw new NodeOperationError(this.ctx.getNode(), problem);
		return encodeURIComponent(value);
	}

	private async commonQuery(): Promise<IDataObject> {
		const { environment, cultureName } = await this.config();
		return cultureName ? { environment, culture_name: cultureName } : { environment };
	}

	/** Products whose media changed since `sinceMs` (getMediaDateModified). */
	async modifiedSince(supplier: string, sinceMs: number): Promise<ModifiedProduct[]> {
		const { baseUrl } = await this.config();
		return await this.http.send(
			{
				method: 'GET',
				url: `${baseUrl}/${MED_VERSION}/suppliers/${this.segment(supplier, 'Supplier')}/media-modified-since/`,
				qs: { since: toNaiveUtc(sinceMs), ...(await this.commonQuery()) },
				idempotent: true,
				operation: `list ${supplier} products whose media changed`,
			},
			(response) => {
				const body = parseJson(response);
				if (throwServiceError(body, 'modified-since') === 'no-results') return [];
				if (!body || typeof body !== 'object' || !('MediaDateModifiedArray' in body)) {
					throw new MalformedResponseError('the answer has no MediaDateModifiedArray');
				}
				const products: ModifiedProduct[] = [];
				unwrapArray(body, 'MediaDateModifiedArray', 'MediaDateModified').forEach((raw, index) => {
					const product = toModifiedProduct(raw);
					const problem = !product ? 'it has no productId' : dotSegmentProblem(product.productId, 'the product ID');
					if (problem) this.http.reportSkipped(`entry ${index + 1} of the ${supplier} changes list`, problem);
					else products.push(product!);
				});
				return products;
			},
		);
	}

	/**
	 * All media of one product (getMediaContent). Product ids containing "/" go in
	 * `real_product_id`, as PSRESTful documents, with an encoded placeholder in the path.
	 */
	async mediaContent(supplier: string, productId: string, filters: MediaFilters = {}): Promise<MediaContent[]> {
		const media = await this.mediaContentOrMissing(supplier, productId, filters, false);
		return media ?? [];
	}

	/**
	 * Like {@link mediaContent}, but a product or part the supplier does not know (codes 130 /
	 * 140) gives null instead of an error, when `missingAsNull` is set.
	 */
	async mediaContentOrMissing(
		supplier: string,
		productId: string,
		filters: MediaFilters,
		missingAsNull: boolean,
	): Promise<MediaContent[] | null> {
		const { baseUrl } = await this.config();
		const qs: IDataObject = { ...(await this.commonQuery()) };
		if (filters.partId) qs.part_id = filters.partId;
		if (filters.mediaType) qs.media_type = filters.mediaType;
		if (filters.classTypes && filters.classTypes.length > 0) qs.class_type = filters.classTypes.join(',');
		let pathId = productId;
		if (productId.includes('/')) {
			qs.real_product_id = productId;
			pathId = productId.replace(/\//g, '_');
		}
		return await this.http.send(
			{
				method: 'GET',
				url: `${baseUrl}/${MED_VERSION}/suppliers/${this.segment(supplier, 'Supplier')}/medias/${this.segment(pathId, 'Product ID')}/`,
				qs,
				idempotent: true,
				operation: `get the media of ${supplier} product ${productId}`,
			},
			(response) => {
				const body = parseJson(response);
				if (missingAsNull && isMissingProduct(body)) return null;
				if (throwServiceError(body, 'media') === 'no-results') return [];
				if (!body || typeof body !== 'object' || !('MediaContentArray' in body)) {
					throw new MalformedResponseError('the answer has no MediaContentArray');
				}
				const media: MediaContent[] = [];
				unwrapArray(body, 'MediaContentArray', 'MediaContent').forEach((raw, index) => {
					const entry = toMediaContent(raw);
					if (entry) media.push(entry);
					else this.http.reportSkipped(`media ${index + 1} of ${supplier} product ${productId}`, 'it has no productId');
				});
				return media;
			},
		);
	}

	/** One page of the supplier list (`/extra/v2/suppliers`). */
	async suppliers(page: number, pageSize: number, loop?: PageLoop): Promise<SupplierPage> {
		const { baseUrl } = await this.config();
		const skipped: Array<{ row: number; problem: string }> = [];
		const result = await this.http.send(
			{
				method: 'GET',
				url: `${baseUrl}/extra/v2/suppliers`,
				qs: { page, page_size: pageSize },
				idempotent: true,
				operation: 'list suppliers',
			},
			(response) => {
				const body = parseJson(response) as Record<string, unknown>;
				if (!body || !Array.isArray(body.suppliers))
					throw new MalformedResponseError('the answer has no suppliers list');
				skipped.length = 0;
				const suppliers: Supplier[] = [];
				body.suppliers.forEach((raw: unknown, index: number) => {
					const s = raw && typeof raw === 'object' ? (raw as IDataObject) : undefined;
					if (!s || typeof s.code !== 'string') skipped.push({ row: index + 1, problem: 'it has no code' });
					else if (nestsDeeperThan(s))
						skipped.push({ row: index + 1, problem: `it is nested deeper than ${MAX_NESTING} levels` });
					else suppliers.push({ ...s, id: Number(s.id), code: s.code, name: String(s.name ?? s.code) } as Supplier);
				});
				const totalPages = Number(body.total_pages ?? 1);
				if (!Number.isSafeInteger(totalPages) || totalPages < 0) {
					throw new MalformedResponseError('the answer has no readable total_pages');
				}
				const current = Number(body.page ?? page);
				loop?.check({
					entries: body.suppliers.length,
					claimsMore: current < totalPages,
					totalPages,
					cursor: suppliers.length > 0 ? `${suppliers[0].code}…${suppliers[suppliers.length - 1].code}` : undefined,
				});
				return { suppliers, page: current, totalPages };
			},
		);
		for (const entry of skipped)
			this.http.reportSkipped(`supplier ${entry.row} of page ${page} of the supplier list`, entry.problem);
		return result;
	}

	/** Calls left today, when PSRESTful said so in the last answer. */
	quota(): { limit?: number; remaining?: number } | undefined {
		return this.http.stats.rateLimit;
	}
}

import type { IDataObject } from 'n8n-workflow';

import { MAX_NESTING, nestsDeeperThan } from '../../shared/json';
import type { PageLoop } from '../../shared/paging';
import { dotSegmentProblem } from '../../shared/paths';
import type { SkippedRecord } from '../../shared/skipped';
import { MalformedResponseError, ProviderFailure } from '../../shared/transport/answerErrors';
import type { ApiFailure } from '../../shared/transport/errors';
import type { RawResponse } from '../../shared/transport/http';
import { parseJson } from '../../shared/transport/jsonAnswer';
import {
	type MediaContent,
	type ModifiedProduct,
	type Supplier,
	type SupplierPage,
	toMediaContent,
	toModifiedProduct,
	unwrapArray,
} from '../model';

/**
 * Reading PSRESTful's answers: JSON, the PromoStandards messages a successful answer can carry
 * (and what they mean for a user), and the three lists the nodes read. Records that cannot be
 * used are returned in `skipped`, for the client to report.
 */

/** PromoStandards code for "no results": an empty list, not a failure. */
const NO_RESULTS = '160';

export interface ServiceMessage {
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

export type Endpoint = 'modified-since' | 'media' | 'suppliers';

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
export function isMissingProduct(body: unknown): boolean {
	return serviceMessages(body).some((m) => m.code === '130' || m.code === '140');
}

/** Throws the first error-level PromoStandards message of a successful answer; "no results" is not one. */
export function throwServiceError(body: unknown, endpoint: Endpoint): 'no-results' | undefined {
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

/** The products of a media-modified-since answer; one without a usable productId is skipped. */
export function readModifiedProducts(response: RawResponse): { products: ModifiedProduct[]; skipped: SkippedRecord[] } {
	const body = parseJson(response);
	if (throwServiceError(body, 'modified-since') === 'no-results') return { products: [], skipped: [] };
	if (!body || typeof body !== 'object' || !('MediaDateModifiedArray' in body)) {
		throw new MalformedResponseError('the answer has no MediaDateModifiedArray');
	}
	const products: ModifiedProduct[] = [];
	const skipped: SkippedRecord[] = [];
	unwrapArray(body, 'MediaDateModifiedArray', 'MediaDateModified').forEach((raw, index) => {
		const product = toModifiedProduct(raw);
		const problem = !product ? 'it has no productId' : dotSegmentProblem(product.productId, 'the product ID');
		if (problem) skipped.push({ record: index + 1, problem });
		else products.push(product!);
	});
	return { products, skipped };
}

/**
 * The media of a media-content answer; null when `missingAsNull` and the supplier does not know
 * the product or part (codes 130 / 140). A media entry without productId is skipped.
 */
export function readMediaContent(
	response: RawResponse,
	missingAsNull: boolean,
): { media: MediaContent[] | null; skipped: SkippedRecord[] } {
	const body = parseJson(response);
	if (missingAsNull && isMissingProduct(body)) return { media: null, skipped: [] };
	if (throwServiceError(body, 'media') === 'no-results') return { media: [], skipped: [] };
	if (!body || typeof body !== 'object' || !('MediaContentArray' in body)) {
		throw new MalformedResponseError('the answer has no MediaContentArray');
	}
	const media: MediaContent[] = [];
	const skipped: SkippedRecord[] = [];
	unwrapArray(body, 'MediaContentArray', 'MediaContent').forEach((raw, index) => {
		const entry = toMediaContent(raw);
		if (entry) media.push(entry);
		else skipped.push({ record: index + 1, problem: 'it has no productId' });
	});
	return { media, skipped };
}

/** One page of the supplier list; `loop` checks it against the pages before. */
export function readSupplierPage(
	response: RawResponse,
	requestedPage: number,
	loop?: PageLoop,
): SupplierPage & { skipped: SkippedRecord[] } {
	const body = parseJson(response) as Record<string, unknown>;
	if (!body || !Array.isArray(body.suppliers)) throw new MalformedResponseError('the answer has no suppliers list');
	const skipped: SkippedRecord[] = [];
	const suppliers: Supplier[] = [];
	body.suppliers.forEach((raw: unknown, index: number) => {
		const s = raw && typeof raw === 'object' ? (raw as IDataObject) : undefined;
		if (!s || typeof s.code !== 'string') skipped.push({ record: index + 1, problem: 'it has no code' });
		else if (nestsDeeperThan(s))
			skipped.push({ record: index + 1, problem: `it is nested deeper than ${MAX_NESTING} levels` });
		else suppliers.push({ ...s, id: Number(s.id), code: s.code, name: String(s.name ?? s.code) } as Supplier);
	});
	const totalPages = Number(body.total_pages ?? 1);
	if (!Number.isSafeInteger(totalPages) || totalPages < 0) {
		throw new MalformedResponseError('the answer has no readable total_pages');
	}
	const page = Number(body.page ?? requestedPage);
	loop?.check({
		entries: body.suppliers.length,
		claimsMore: page < totalPages,
		totalPages,
		cursor: suppliers.length > 0 ? `${suppliers[0].code}…${suppliers[suppliers.length - 1].code}` : undefined,
	});
	return { suppliers, page, totalPages, skipped };
}

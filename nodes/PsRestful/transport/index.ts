import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toNaiveUtc } from '../../shared/dates';
import type { PageLoop } from '../../shared/paging';
import { dotSegmentProblem } from '../../shared/paths';
import { ProviderClient, baseUrlOf } from '../../shared/transport/client';
import type { ClientOptions, HttpContext, ProviderProfile } from '../../shared/transport/http';
import type { MediaContent, ModifiedProduct, SupplierPage } from '../model';
import { readMediaContent, readModifiedProducts, readSupplierPage } from './answers';
import { describePsRestfulFailure } from './errors';

export const CREDENTIAL_TYPE = 'psRestfulApi';
export const DEFAULT_BASE_URL = 'https://api.psrestful.com';

/** PromoStandards service version of Media Content this client speaks. */
const MED_VERSION = 'v1.1.0';

export const PSRESTFUL_PROFILE: ProviderProfile = {
	name: 'PSRESTful',
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['apiKey'],
	maxBodyBytes: 20 * 1024 * 1024,
	describeFailure: describePsRestfulFailure,
};

export interface MediaFilters {
	partId?: string;
	mediaType?: string;
	/** Class type ids, e.g. [1006, 1001]. */
	classTypes?: number[];
}

interface PsRestfulSettings {
	baseUrl: string;
	environment: string;
	cultureName: string;
}

/** PSRESTful API calls, each one request, all through the shared transport. */
export class PsRestfulClient extends ProviderClient<PsRestfulSettings> {
	constructor(ctx: HttpContext, options: ClientOptions = {}) {
		super(ctx, PSRESTFUL_PROFILE, options);
	}

	protected readSettings(credentials: IDataObject): PsRestfulSettings {
		return {
			baseUrl: baseUrlOf(credentials.baseUrl, DEFAULT_BASE_URL),
			environment: String(credentials.environment || 'PROD'),
			cultureName: String(credentials.cultureName ?? ''),
		};
	}

	/** A value as one URL path segment; "." and ".." are refused (callers check first, with the item's index). */
	private segment(value: string, field: string): string {
		const problem = dotSegmentProblem(value, field);
		if (problem) throw new NodeOperationError(this.ctx.getNode(), problem);
		return encodeURIComponent(value);
	}

	private async commonQuery(): Promise<IDataObject> {
		const { environment, cultureName } = await this.settings();
		return cultureName ? { environment, culture_name: cultureName } : { environment };
	}

	/** Products whose media changed since `sinceMs` (getMediaDateModified). */
	async modifiedSince(supplier: string, sinceMs: number): Promise<ModifiedProduct[]> {
		const { baseUrl } = await this.settings();
		const { products, skipped } = await this.http.send(
			{
				method: 'GET',
				url: `${baseUrl}/${MED_VERSION}/suppliers/${this.segment(supplier, 'Supplier')}/media-modified-since/`,
				qs: { since: toNaiveUtc(sinceMs), ...(await this.commonQuery()) },
				idempotent: true,
				operation: `list ${supplier} products whose media changed`,
			},
			readModifiedProducts,
		);
		this.http.reportSkipped(skipped, ({ record }) => `entry ${record} of the ${supplier} changes list`);
		return products;
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
		const { baseUrl } = await this.settings();
		const qs: IDataObject = { ...(await this.commonQuery()) };
		if (filters.partId) qs.part_id = filters.partId;
		if (filters.mediaType) qs.media_type = filters.mediaType;
		if (filters.classTypes && filters.classTypes.length > 0) qs.class_type = filters.classTypes.join(',');
		let pathId = productId;
		if (productId.includes('/')) {
			qs.real_product_id = productId;
			pathId = productId.replace(/\//g, '_');
		}
		const { media, skipped } = await this.http.send(
			{
				method: 'GET',
				url: `${baseUrl}/${MED_VERSION}/suppliers/${this.segment(supplier, 'Supplier')}/medias/${this.segment(pathId, 'Product ID')}/`,
				qs,
				idempotent: true,
				operation: `get the media of ${supplier} product ${productId}`,
			},
			(response) => readMediaContent(response, missingAsNull),
		);
		this.http.reportSkipped(skipped, ({ record }) => `media ${record} of ${supplier} product ${productId}`);
		return media;
	}

	/** One page of the supplier list (`/extra/v2/suppliers`); a loop over pages passes its {@link PageLoop}. */
	async suppliers(page: number, pageSize: number, loop?: PageLoop): Promise<SupplierPage> {
		const { baseUrl } = await this.settings();
		const { skipped, ...result } = await this.http.send(
			{
				method: 'GET',
				url: `${baseUrl}/extra/v2/suppliers`,
				qs: { page, page_size: pageSize },
				idempotent: true,
				operation: 'list suppliers',
			},
			(response) => readSupplierPage(response, page, loop),
		);
		this.http.reportSkipped(skipped, ({ record }) => `supplier ${record} of page ${page} of the supplier list`);
		return result;
	}

	/** Calls left today, when PSRESTful said so in the last answer. */
	quota(): { limit?: number; remaining?: number } | undefined {
		return this.http.stats.rateLimit;
	}
}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type MockReply, type MockRequest, MockServer } from './server';

/**
 * PSRESTful (PromoStandards Media Content 1.1.0 over REST/JSON) on loopback.
 *
 * Holds a changing catalogue per supplier; answers media-modified-since with the products whose
 * media changed since `since` *and are already indexed* (each change becomes visible after
 * `indexLagMs`, or a per-change lag); serves medias/{productId} and the supplier list; checks
 * the X-API-Key header; counts calls against a daily quota with X-RateLimit-* headers; and
 * reports errors in the three shapes PSRESTful uses.
 */

export interface MockMedia {
	productId: string;
	partId: string | null;
	url: string;
	mediaType: string;
	fileSize: number | null;
	width: number | null;
	height: number | null;
	dpi: number | null;
	color: string | null;
	description: string | null;
	singlePart: boolean;
	changeTimeStamp: string | null;
	ClassTypeArray: { ClassType: Array<{ classTypeId: number; classTypeName: string }> };
	DecorationArray: null | { Decoration: Array<{ decorationId: number | null; decorationName: string | null }> };
	LocationArray: null | { Location: Array<{ locationId: number; locationName: string | null }> };
}

export interface MockProduct {
	productId: string;
	media: MockMedia[];
	/** Server time of the last media change. */
	modifiedAt: number;
	/** Server time from which media-modified-since reports that change. */
	visibleAt: number;
	/** Content version counter (increments with every change). */
	version: number;
}

export interface Change {
	supplier: string;
	productId: string;
	version: number;
	at: number;
}

/** What a later run needs to go on from where this one stopped (see Sandbox.state()). */
export interface PsRestfulState {
	catalogue: Record<string, MockProduct[]>;
	changes: Change[];
}

const FIXTURES = join(__dirname, 'fixtures', 'psrestful');

export class PsRestfulMock {
	readonly server: MockServer;

	/** A fresh random key per mock, so no key lives in the source. */
	apiKey = `ps-${randomBytes(12).toString('hex')}`;

	/** Delay (ms) before a change shows up in media-modified-since. */
	indexLagMs = 0;

	/** Answer "no changes" with PromoStandards code 160 instead of an empty array. */
	emptyAs160 = false;

	/** Suppliers that do not implement getMediaDateModified, and how they say so. */
	readonly unsupported = new Map<string, 'ServiceMessageArray' | 'errorMessage'>();

	/** Daily quota; undefined means unlimited (Premium). */
	quota?: { limit: number; used: number };

	readonly suppliers = [
		{ id: 1, code: 'HIT', name: 'Hit Promotional Products' },
		{ id: 2, code: 'PCNA', name: 'PCNA' },
		{ id: 3, code: 'NOMOD', name: 'No Modified-Since Supplier' },
	];

	readonly catalogue = new Map<string, Map<string, MockProduct>>();

	readonly changes: Change[] = [];

	constructor() {
		this.server = new MockServer((request) => this.handle(request));
		this.unsupported.set('NOMOD', 'ServiceMessageArray');
		this.loadSeedCatalogue();
	}

	async start(): Promise<string> {
		return await this.server.start();
	}

	async stop(): Promise<void> {
		await this.server.stop();
	}

	exportState(): PsRestfulState {
		const catalogue: Record<string, MockProduct[]> = {};
		for (const [supplier, products] of this.catalogue) catalogue[supplier] = [...products.values()];
		return { catalogue, changes: [...this.changes] };
	}

	/** Replaces the catalogue and its history with a saved one. */
	importState(state: PsRestfulState): void {
		this.catalogue.clear();
		for (const [supplier, products] of Object.entries(state.catalogue))
			this.catalogue.set(supplier, new Map(products.map((product) => [product.productId, product])));
		this.changes.splice(0, this.changes.length, ...state.changes);
	}

	/** HIT's products from the seed example (5989, 6234, 7891), modified at server time `at`. */
	private loadSeedCatalogue(): void {
		const seed = JSON.parse(readFileSync(join(FIXTURES, 'media-content-5989.json'), 'utf8')) as {
			MediaContentArray: { MediaContent: MockMedia[] };
		};
		const listed = JSON.parse(readFileSync(join(FIXTURES, 'media-modified-since.json'), 'utf8')) as {
			MediaDateModifiedArray: { MediaDateModified: Array<{ productId: string }> };
		};
		for (const { productId } of listed.MediaDateModifiedArray.MediaDateModified) {
			const media = seed.MediaContentArray.MediaContent.map((m) => ({
				...m,
				productId,
				partId: m.partId ? m.partId.replace('5989', productId) : null,
				url: m.url.replace(/5989/g, productId),
			}));
			this.put('HIT', productId, media, Date.UTC(2024, 11, 1, 12, 0, 0));
		}
	}

	private put(
		supplier: string,
		productId: string,
		media: MockMedia[],
		at: number,
		lagMs = this.indexLagMs,
	): MockProduct {
		let products = this.catalogue.get(supplier);
		if (!products) this.catalogue.set(supplier, (products = new Map()));
		const previous = products.get(productId);
		const product: MockProduct = {
			productId,
			media,
			modifiedAt: at,
			visibleAt: at + lagMs,
			version: (previous?.version ?? 0) + 1,
		};
		products.set(productId, product);
		this.changes.push({ supplier, productId, version: product.version, at });
		return product;
	}

	/** Changes a product's media now (server time): a new image URL and changeTimeStamp. */
	modify(supplier: string, productId: string, options: { lagMs?: number; withTimestamps?: boolean } = {}): MockProduct {
		const at = this.server.now();
		const previous = this.catalogue.get(supplier)?.get(productId);
		const version = (previous?.version ?? 0) + 1;
		const stamp = options.withTimestamps === false ? null : new Date(at).toISOString().slice(0, 19);
		const media: MockMedia[] = [
			{
				productId,
				partId: null,
				url: `https://media.example.com/${supplier}/${encodeURIComponent(productId)}/v${version}.jpg`,
				mediaType: 'Image',
				fileSize: 1000 + version,
				width: 800,
				height: 800,
				dpi: 72,
				color: null,
				description: `Version ${version}`,
				singlePart: false,
				changeTimeStamp: stamp,
				ClassTypeArray: { ClassType: [{ classTypeId: 1006, classTypeName: 'Primary' }] },
				DecorationArray: null,
				LocationArray: null,
			},
		];
		return this.put(supplier, productId, media, at, options.lagMs ?? this.indexLagMs);
	}

	private handle(request: MockRequest): MockReply {
		const key = request.headers['x-api-key'];
		if (key !== this.apiKey) {
			return json(401, { detail: key ? 'Invalid API key' : 'Not authenticated' });
		}
		if (this.quota) {
			if (this.quota.used >= this.quota.limit) {
				return json(429, { detail: 'Daily rate limit exceeded' }, this.rateHeaders());
			}
			this.quota.used++;
		}
		const headers = this.rateHeaders();

		let match = /^\/v1\.1\.0\/suppliers\/([^/]+)\/media-modified-since\/?$/.exec(request.path);
		if (match && request.method === 'GET') return this.modifiedSince(decodeURIComponent(match[1]), request, headers);
		match = /^\/v1\.1\.0\/suppliers\/([^/]+)\/medias\/(.+?)\/?$/.exec(request.rawPath);
		if (match && request.method === 'GET') {
			const productId = request.query.get('real_product_id') ?? decodeURIComponent(match[2]);
			return this.mediaContent(decodeURIComponent(match[1]), productId, request, headers);
		}
		if (request.path === '/extra/v2/suppliers' && request.method === 'GET') return this.supplierList(request, headers);
		return json(404, { detail: 'Not Found' }, headers);
	}

	private rateHeaders(): Record<string, string> {
		if (!this.quota) return {};
		return {
			'x-ratelimit-limit': String(this.quota.limit),
			'x-ratelimit-remaining': String(Math.max(0, this.quota.limit - this.quota.used)),
		};
	}

	private knownSupplier(code: string): boolean {
		return this.suppliers.some((s) => s.code === code);
	}

	private modifiedSince(supplier: string, request: MockRequest, headers: Record<string, string>): MockReply {
		const sinceText = request.query.get('since');
		if (!sinceText) {
			return json(
				422,
				{ detail: [{ loc: ['query', 'since'], msg: 'field required', type: 'value_error.missing' }] },
				headers,
			);
		}
		const since = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(sinceText) ? sinceText : `${sinceText}Z`);
		if (Number.isNaN(since)) {
			return json(
				422,
				{ detail: [{ loc: ['query', 'since'], msg: 'invalid datetime format', type: 'value_error.datetime' }] },
				headers,
			);
		}
		const environment = request.query.get('environment') ?? 'PROD';
		if (!['PROD', 'STAGING'].includes(environment)) {
			return json(
				422,
				{
					detail: [
						{
							loc: ['query', 'environment'],
							msg: "value is not a valid enumeration member; permitted: 'PROD', 'STAGING'",
							type: 'type_error.enum',
						},
					],
				},
				headers,
			);
		}
		if (!this.knownSupplier(supplier))
			return json(404, { detail: `Supplier with code ${supplier} is not available.` }, headers);
		const unsupported = this.unsupported.get(supplier);
		if (unsupported === 'ServiceMessageArray') {
			return json(
				200,
				{
					MediaDateModifiedArray: null,
					ServiceMessageArray: { ServiceMessage: [{ code: 125, description: 'Not Supported', severity: 'Error' }] },
				},
				headers,
			);
		}
		if (unsupported === 'errorMessage') {
			return json(
				200,
				{ MediaDateModifiedArray: null, errorMessage: { code: 130, description: 'Function not supported' } },
				headers,
			);
		}
		const now = this.server.now();
		const products = [...(this.catalogue.get(supplier)?.values() ?? [])]
			.filter((p) => p.modifiedAt >= since && p.visibleAt <= now)
			// The API makes no promise about order: shuffle-ish by version and id.
			.sort((a, b) => a.version - b.version || a.productId.localeCompare(b.productId))
			.map((p) => ({ productId: p.productId }));
		if (products.length === 0 && this.emptyAs160) {
			return json(
				200,
				{
					MediaDateModifiedArray: null,
					ServiceMessageArray: {
						ServiceMessage: [{ code: 160, description: 'No Results Found', severity: 'Information' }],
					},
				},
				headers,
			);
		}
		return json(200, { MediaDateModifiedArray: { MediaDateModified: products }, ServiceMessageArray: null }, headers);
	}

	private mediaContent(
		supplier: string,
		productId: string,
		request: MockRequest,
		headers: Record<string, string>,
	): MockReply {
		if (!this.knownSupplier(supplier))
			return json(404, { detail: `Supplier with code ${supplier} is not available.` }, headers);
		const product = this.catalogue.get(supplier)?.get(productId);
		if (!product) {
			return json(
				200,
				{ MediaContentArray: null, errorMessage: { code: 130, description: 'Product Id not found' } },
				headers,
			);
		}
		const mediaType = request.query.get('media_type');
		const partId = request.query.get('part_id');
		const classTypes = (request.query.get('class_type') ?? '').split(',').filter(Boolean).map(Number);
		if (partId && !product.media.some((m) => m.partId === partId)) {
			return json(
				200,
				{ MediaContentArray: null, errorMessage: { code: 140, description: 'Part Id not found' } },
				headers,
			);
		}
		const media = product.media.filter(
			(m) =>
				(!mediaType || m.mediaType === mediaType) &&
				(!partId || m.partId === partId) &&
				(classTypes.length === 0 || m.ClassTypeArray.ClassType.some((c) => classTypes.includes(c.classTypeId))),
		);
		if (media.length === 0) {
			return json(
				200,
				{ MediaContentArray: null, errorMessage: { code: 160, description: 'No Results Found' } },
				headers,
			);
		}
		return json(200, { MediaContentArray: { MediaContent: media }, errorMessage: null }, headers);
	}

	private supplierList(request: MockRequest, headers: Record<string, string>): MockReply {
		const page = Number(request.query.get('page') ?? '1');
		const pageSize = Number(request.query.get('page_size') ?? '600');
		const total = this.suppliers.length;
		const totalPages = Math.max(1, Math.ceil(total / pageSize));
		const slice = this.suppliers.slice((page - 1) * pageSize, page * pageSize);
		return json(
			200,
			{
				count: total,
				page,
				page_size: pageSize,
				total_pages: totalPages,
				next: page < totalPages ? `/extra/v2/suppliers?page=${page + 1}` : null,
				previous: page > 1 ? `/extra/v2/suppliers?page=${page - 1}` : null,
				suppliers: slice,
			},
			headers,
		);
	}
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): MockReply {
	return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

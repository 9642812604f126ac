import { addDays } from '../nodes/HalLeonardDam/days';
import { CommerceConnectMock } from './commerceconnect';
import { HalLeonardMock } from './halleonard';
import { PantherMediaMock } from './panthermedia';
import { PROVIDER_IDS, type ProviderId } from './providers';
import { PsRestfulMock } from './psrestful';

/**
 * The four providers' mock servers as one sandbox with a small, realistic catalogue that keeps
 * changing: what `npm start` runs next to a real n8n, and what the end-to-end tests drive. The
 * servers are the same mocks the unit tests use (wire formats from the providers' docs), so the
 * demo exercises exactly the code paths the tests check.
 *
 * Demo-friendly departures from the real services, each documented in the README:
 *   - PantherMedia's newest visible date lags `panthermediaLagMs` (default 20 s), not days;
 *   - every server answers on 127.0.0.1 with fresh random keys (printed by `npm start`).
 */

/** CommerceConnect products the example workflows attach media to. */
export const SANDBOX_PRODUCTS = {
	/** PSRESTful's example supplier HIT lists products 5989, 6234 and 7891; the PIM uses the same codes. */
	supplierProducts: [
		{ id: 5989, code: '5989', name: 'HIT 5989 Tote bag' },
		{ id: 6234, code: '6234', name: 'HIT 6234 Water bottle' },
		{ id: 7891, code: '7891', name: 'HIT 7891 Notebook' },
	],
	stockPhotos: { id: 7001, code: 'STOCK-PHOTOS', name: 'PantherMedia stock photos' },
	sheetMusic: { id: 7002, code: 'SHEET-MUSIC', name: 'Hal Leonard sheet music' },
} as const;

/** Ports and keys of a sandbox, so a later run can serve the same addresses with the same keys. */
export interface SandboxIdentity {
	ports: Partial<Record<ProviderId, number>>;
	keys: { psrestful: string; panthermedia: [string, string]; halleonard: string; commerceconnect: string };
}

export interface SandboxOptions {
	/** How far PantherMedia's newest visible date trails its clock (real service: days). */
	panthermediaLagMs?: number;
	/** Reuse a previous run's ports (when free) and keys: n8n's saved credentials stay valid. */
	identity?: SandboxIdentity;
}

export interface SandboxCredentials {
	psRestfulApi: { apiKey: string; environment: string; cultureName: string; baseUrl: string };
	pantherMediaApi: { apiKey: string; apiSecret: string; baseUrl: string };
	halLeonardDamApi: { vendorId: string; vendorKey: string; endpoint: string; damVersion: string };
	commerceConnectApi: { authMethod: string; email: string; apiToken: string; baseUrl: string };
}

/** One round of catalogue changes, as a person would describe it. */
export interface SandboxTick {
	round: number;
	changes: string[];
}

/** One mock per provider of the registry (sandbox/providers.ts), each in the field named by its id. */
export class Sandbox {
	readonly psrestful = new PsRestfulMock();

	readonly panthermedia = new PantherMediaMock();

	readonly halleonard = new HalLeonardMock();

	readonly commerceconnect = new CommerceConnectMock();

	private round = 0;

	private readonly livePantherMedia: string[] = [];

	constructor(private readonly options: SandboxOptions = {}) {}

	async start(): Promise<this> {
		const identity = this.options.identity;
		if (identity) {
			this.psrestful.apiKey = identity.keys.psrestful;
			[this.panthermedia.apiKey, this.panthermedia.apiSecret] = identity.keys.panthermedia;
			this.halleonard.vendorKey = identity.keys.halleonard;
			this.commerceconnect.token = identity.keys.commerceconnect;
		}
		await Promise.all(
			PROVIDER_IDS.map(async (id) => {
				const server = this[id].server;
				const port = identity?.ports[id];
				// A port taken since the last run: any free one (the caller then updates the credentials).
				await server.start(port).catch(async () => await server.start());
			}),
		);
		this.seed();
		return this;
	}

	identity(): SandboxIdentity {
		const port = (url: string) => Number(new URL(url).port);
		return {
			ports: Object.fromEntries(PROVIDER_IDS.map((id) => [id, port(this[id].server.baseUrl)])),
			keys: {
				psrestful: this.psrestful.apiKey,
				panthermedia: [this.panthermedia.apiKey, this.panthermedia.apiSecret],
				halleonard: this.halleonard.vendorKey,
				commerceconnect: this.commerceconnect.token,
			},
		};
	}

	async stop(): Promise<void> {
		await Promise.all(PROVIDER_IDS.map((id) => this[id].stop()));
	}

	/** Credential data for n8n, pointing at these servers (field names of the credential types). */
	credentials(): SandboxCredentials {
		return {
			psRestfulApi: {
				apiKey: this.psrestful.apiKey,
				environment: 'PROD',
				cultureName: 'us_en',
				baseUrl: this.psrestful.server.baseUrl,
			},
			pantherMediaApi: {
				apiKey: this.panthermedia.apiKey,
				apiSecret: this.panthermedia.apiSecret,
				baseUrl: this.panthermedia.server.baseUrl,
			},
			halLeonardDamApi: {
				vendorId: this.halleonard.vendorId,
				vendorKey: this.halleonard.vendorKey,
				endpoint: this.halleonard.endpoint,
				damVersion: '5.0',
			},
			commerceConnectApi: {
				authMethod: 'staticToken',
				email: this.commerceconnect.email,
				apiToken: this.commerceconnect.token,
				baseUrl: this.commerceconnect.server.baseUrl,
			},
		};
	}

	urls(): Record<ProviderId, string> {
		return {
			psrestful: this.psrestful.server.baseUrl,
			panthermedia: this.panthermedia.server.baseUrl,
			halleonard: this.halleonard.endpoint,
			commerceconnect: this.commerceconnect.server.baseUrl,
		};
	}

	/**
	 * The catalogue on start: PSRESTful's seed products (modified 1 Dec 2024), three PantherMedia
	 * media published in the last hour (already visible), two Hal Leonard assets whose files and
	 * metadata changed today, and CommerceConnect products for the examples to write to, one of
	 * them with a hand-made media item that the sync must leave alone.
	 */
	private seed(): void {
		const cc = this.commerceconnect;
		cc.products.push(...SANDBOX_PRODUCTS.supplierProducts, SANDBOX_PRODUCTS.stockPhotos, SANDBOX_PRODUCTS.sheetMusic);
		cc.seed({
			url: 'https://pim.example.com/manual/5989-lifestyle.jpg',
			product_id: 5989,
			description: 'Added by hand in the PIM',
			tag_list: [],
		});

		const pm = this.panthermedia;
		pm.horizonLagMs = this.options.panthermediaLagMs ?? 20_000;
		const hourAgo = pm.now() - 3_600_000;
		for (const [index, title] of ['Harbour at dawn', 'Alpine meadow', 'City lights'].entries()) {
			this.livePantherMedia.push(pm.addMedia({ at: hourAgo + index * 60_000, title }).id);
		}

		const hl = this.halleonard;
		const yesterday = addDays(hl.today(), -1);
		for (const [assetId, title] of [
			['00123456', 'Moonlight Sonata'],
			['00234567', 'Clair de Lune'],
		] as const) {
			hl.putFile(assetId, `HL_DDS_${assetId.padStart(16, '0')}.pdf`, yesterday);
			hl.putAsset({ assetId, kind: 'asset', title, day: yesterday });
		}
	}

	/**
	 * One round of changes at every supplier: a PSRESTful product gets new media, PantherMedia
	 * publishes a media (every second round also changes one, every third deletes the oldest),
	 * and a Hal Leonard asset's file and metadata change.
	 */
	tick(): SandboxTick {
		const round = ++this.round;
		const changes: string[] = [];
		const products = SANDBOX_PRODUCTS.supplierProducts;
		const product = products[(round - 1) % products.length].code;
		const modified = this.psrestful.modify('HIT', product);
		changes.push(
			`PSRESTful: HIT product ${product} has new media (${modified.media.length} item, version ${modified.version})`,
		);

		const pm = this.panthermedia;
		const added = pm.addMedia({ title: `Sandbox photo ${round}` });
		this.livePantherMedia.push(added.id);
		changes.push(`PantherMedia: media ${added.id} published`);
		if (round % 2 === 0 && this.livePantherMedia.length > 1) {
			const id = this.livePantherMedia[this.livePantherMedia.length - 2];
			pm.change(id);
			changes.push(`PantherMedia: media ${id} changed`);
		}
		if (round % 3 === 0 && this.livePantherMedia.length > 2) {
			const id = this.livePantherMedia.shift()!;
			pm.remove(id);
			changes.push(`PantherMedia: media ${id} deleted`);
		}

		const hl = this.halleonard;
		const assetId = String(345678 + round).padStart(8, '0');
		hl.changeAsset(assetId, { title: `Sandbox song ${round}` });
		hl.modifyFile(assetId);
		changes.push(`Hal Leonard DAM: asset ${assetId} and its PDF changed`);
		return { round, changes };
	}
}

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { CommerceConnectMock } from './commerceconnect';
import { HalLeonardMock } from './halleonard';
import { PantherMediaMock } from './panthermedia';
import { PsRestfulMock } from './psrestful';
import type { MockServer } from './server';

/**
 * The providers, once: every list outside the package that names them (the sandbox, the soak,
 * the benchmarks, the security tests that run each provider, the end-to-end expectations)
 * derives from this one, and test/package/providers.test.ts checks it against package.json and
 * the repository. A fifth provider starts here; the compiler then names each table that still
 * lacks it (they are typed `Record<ProviderId, …>`).
 */

/** Each provider's mock class, by the provider's id. */
export interface ProviderMocks {
	psrestful: PsRestfulMock;
	panthermedia: PantherMediaMock;
	halleonard: HalLeonardMock;
	commerceconnect: CommerceConnectMock;
}

/** A provider's short name: its docs page (docs/<id>.md), its sandbox server, its soak adapter. */
export type ProviderId = keyof ProviderMocks;

/** What plays a provider's API: an HTTP server on 127.0.0.1 with the provider's wire format. */
export interface ProviderMock {
	readonly server: MockServer;
	/** Listens on a free port; answers with the base URL. */
	start(): Promise<string>;
	stop(): Promise<void>;
}

export interface Provider<M extends ProviderMock = ProviderMock> {
	readonly id: ProviderId;
	/** As users read it. */
	readonly name: string;
	/** The n8n credential type (package.json, `n8n.credentials`). */
	readonly credentialType: string;
	/** The n8n node types (package.json, `n8n.nodes`): the action node and the polling trigger. */
	readonly nodeTypes: { readonly action: string; readonly trigger: string };
	/** A new mock of the API, with fresh random keys; not started. */
	createMock(): M;
	/** Credential data for the nodes against a started mock (defaults fill the other fields). */
	credentials(mock: M): ICredentialDataDecryptedObject;
	/** The user documentation, from the repository root. */
	readonly docs: string;
	/** The example workflow built on this provider's trigger, from the repository root. */
	readonly example: string;
}

export const PROVIDERS: { readonly [P in ProviderId]: Provider<ProviderMocks[P]> } = {
	psrestful: {
		id: 'psrestful',
		name: 'PSRESTful',
		credentialType: 'psRestfulApi',
		nodeTypes: { action: 'psRestful', trigger: 'psRestfulTrigger' },
		createMock: () => new PsRestfulMock(),
		credentials: (mock) => ({ apiKey: mock.apiKey, baseUrl: mock.server.baseUrl }),
		docs: 'docs/psrestful.md',
		example: 'examples/1-psrestful-to-commerceconnect.json',
	},
	panthermedia: {
		id: 'panthermedia',
		name: 'PantherMedia',
		credentialType: 'pantherMediaApi',
		nodeTypes: { action: 'pantherMedia', trigger: 'pantherMediaTrigger' },
		createMock: () => new PantherMediaMock(),
		credentials: (mock) => ({ apiKey: mock.apiKey, apiSecret: mock.apiSecret, baseUrl: mock.server.baseUrl }),
		docs: 'docs/panthermedia.md',
		example: 'examples/2-panthermedia-to-commerceconnect.json',
	},
	halleonard: {
		id: 'halleonard',
		name: 'Hal Leonard DAM',
		credentialType: 'halLeonardDamApi',
		nodeTypes: { action: 'halLeonardDam', trigger: 'halLeonardDamTrigger' },
		createMock: () => new HalLeonardMock(),
		credentials: (mock) => ({ vendorId: mock.vendorId, vendorKey: mock.vendorKey, endpoint: mock.endpoint }),
		docs: 'docs/halleonard.md',
		example: 'examples/3-halleonard-to-commerceconnect.json',
	},
	commerceconnect: {
		id: 'commerceconnect',
		name: 'CommerceConnect',
		credentialType: 'commerceConnectApi',
		nodeTypes: { action: 'commerceConnect', trigger: 'commerceConnectTrigger' },
		createMock: () => new CommerceConnectMock(),
		credentials: (mock) => ({ email: mock.email, apiToken: mock.token, baseUrl: mock.server.baseUrl }),
		docs: 'docs/commerceconnect.md',
		example: 'examples/4-commerceconnect-changes.json',
	},
};

/** The providers' ids, in the order every list shows them. */
export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];

/** The providers, in the order every list shows them. */
export const PROVIDER_LIST: readonly Provider[] = PROVIDER_IDS.map((id) => PROVIDERS[id]);

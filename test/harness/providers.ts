import { PROVIDERS, type ProviderId, type ProviderMocks } from '../../sandbox/providers';
import type { CredentialStore } from './n8n';

/** The credentials a provider's nodes use against `mock` (started), as the node's credential store. */
export function credentialsFor<P extends ProviderId>(id: P, mock: ProviderMocks[P]): CredentialStore {
	const provider = PROVIDERS[id];
	return { [provider.credentialType]: provider.credentials(mock) };
}

import type { ProviderId } from '../../../sandbox/providers';
import type { SoakCase } from '../runner';
import { COMMERCECONNECT_SOAK } from './commerceconnect';
import { HALLEONARD_SOAK } from './halleonard';
import { PANTHERMEDIA_SOAK } from './panthermedia';
import { PSRESTFUL_SOAK } from './psrestful';

/** Each provider's runs in `npm run soak` (a provider without one does not compile). */
export const SOAK_CASES: { readonly [P in ProviderId]: readonly SoakCase[] } = {
	psrestful: PSRESTFUL_SOAK,
	panthermedia: PANTHERMEDIA_SOAK,
	halleonard: HALLEONARD_SOAK,
	commerceconnect: COMMERCECONNECT_SOAK,
};

import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { CREDENTIAL_TEST_BUDGET_MS, runCredentialTest } from '../../shared/transport/credentialTest';
import { PantherMediaClient } from '../transport';
import { authenticatePantherMediaRequest } from '../transport/auth';

/**
 * Tests a PantherMedia credential with a signed `host-info` call, through the nodes' own
 * transport: PantherMedia's own words when it refuses (unknown key, wrong signature, stale
 * timestamp…), and the signed body never re-posted to another host on a redirect.
 */
export async function pantherMediaApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(this, credential, {
		nodeType: 'pantherMedia',
		authenticate: authenticatePantherMediaRequest,
		validate: (data) =>
			String(data.apiKey ?? '').trim() && String(data.apiSecret ?? '')
				? undefined
				: 'Enter both the API key and the API secret.',
		probe: async (context) => {
			await new PantherMediaClient(context, { deadline: Date.now() + CREDENTIAL_TEST_BUDGET_MS }).hostInfo();
		},
		okMessage: 'Connection successful: PantherMedia accepted the API key and secret',
	});
}

import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { CREDENTIAL_TEST_BUDGET_MS, runCredentialTest } from '../../shared/transport/credentialTest';
import { PsRestfulClient } from '../transport';
import { authenticatePsRestfulRequest } from '../transport/auth';

/**
 * Tests a PSRESTful credential by reading one supplier of the supplier list, through the nodes'
 * own transport: PSRESTful's own message when it refuses the key, and the key never follows a
 * redirect to another host (a declarative test would let n8n's HTTP stack do both worse).
 */
export async function psRestfulApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(this, credential, {
		nodeType: 'psRestful',
		authenticate: authenticatePsRestfulRequest,
		validate: (data) => (String(data.apiKey ?? '').trim() ? undefined : 'Enter the API key.'),
		probe: async (context) => {
			await new PsRestfulClient(context, { deadline: Date.now() + CREDENTIAL_TEST_BUDGET_MS }).suppliers(1, 1);
		},
		okMessage: 'Connection successful: PSRESTful accepted the API key',
	});
}

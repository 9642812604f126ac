import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { CREDENTIAL_TEST_BUDGET_MS, runCredentialTest } from '../../shared/transport/credentialTest';
import { CommerceConnectClient } from '../transport';
import { authenticateCommerceConnectRequest } from '../transport/auth';

/**
 * Tests a CommerceConnect credential by listing one media item, through the nodes' own transport:
 * CommerceConnect's own message when it refuses the token, and the token never follows a redirect
 * to another host (n8n's HTTP stack re-sends `Authorization` there by default).
 */
export async function commerceConnectApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(this, credential, {
		nodeType: 'commerceConnect',
		authenticate: authenticateCommerceConnectRequest,
		validate: (data) =>
			String(data.email ?? '').trim() && String(data.apiToken ?? '').trim()
				? undefined
				: 'Enter both the email and the API token.',
		probe: async (context) => {
			const client = new CommerceConnectClient(context, { deadline: Date.now() + CREDENTIAL_TEST_BUDGET_MS });
			await client.list({ page: 1, perPage: 1 }, 'check access to media items');
		},
		okMessage: 'Connection successful: CommerceConnect accepted the email and token',
	});
}

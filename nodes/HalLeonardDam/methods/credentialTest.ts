import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { CREDENTIAL_TEST_BUDGET_MS, runCredentialTest } from '../../shared/transport/credentialTest';
import { DEFAULT_DAM_TIME_ZONE, todayIn } from '../days';
import { DamClient } from '../transport';
import { authenticateDamRequest } from '../transport/document';

/**
 * The credential test. A declarative `test` cannot read the DAM's answer (its errors are XML
 * documents inside HTTP 200), so the nodes test the credential themselves: one read-only
 * ModifiedFileRequest for today's PDFs, sent through the same transport, authenticate function
 * and error mapping as every node request. A wrong vendor key fails with the DAM's own
 * ErrorResponse text (ErrorDescr), never with the key.
 */
export async function halLeonardDamApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await runCredentialTest(this, credential, {
		nodeType: 'halLeonardDam',
		authenticate: authenticateDamRequest,
		validate: (data) => {
			if (!String(data.vendorId ?? '').trim()) return 'Vendor ID is empty';
			if (!String(data.vendorKey ?? '')) return 'Vendor Key is empty';
			return undefined;
		},
		probe: async (context) => {
			const client = new DamClient(context, { deadline: Date.now() + CREDENTIAL_TEST_BUDGET_MS });
			const today = todayIn(DEFAULT_DAM_TIME_ZONE, Date.now());
			await client.modifiedFiles('pdf', today, today + 1);
		},
		okMessage: 'Connection successful: the DAM accepted the vendor ID and key',
	});
}

import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import {
	DEFAULT_DAM_VERSION,
	DEFAULT_ENDPOINT,
	authenticateDamRequest,
} from '../nodes/HalLeonardDam/transport/document';

/**
 * Hal Leonard DAM (Digital Asset Management) vendor credentials.
 *
 * The DAM has no HTTP authentication: the vendor ID and key travel inside every XML request
 * document (`RequestHdr`). `authenticate` is therefore a function that writes them into the
 * document the node hands over and serializes it with the XML builder (see
 * `transport/document.ts`); nothing else of a request carries the key.
 *
 * A declarative `test` cannot read the DAM's answer (an XML ErrorResponse inside an HTTP 200),
 * so the credential is tested by the nodes' `halLeonardDamApiTest` method, which sends a real
 * read-only request and reports the DAM's own error text.
 */
export class HalLeonardDamApi implements ICredentialType {
	name = 'halLeonardDamApi';

	displayName = 'Hal Leonard DAM API';

	icon = {
		light: 'file:../nodes/HalLeonardDam/halleonard.svg',
		dark: 'file:../nodes/HalLeonardDam/halleonard.dark.svg',
	} as const;

	documentationUrl = 'https://haldms.halleonard.com/apidoc/';

	properties: INodeProperties[] = [
		{
			displayName: 'Vendor ID',
			name: 'vendorId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '123',
			description: 'Your DAM vendor ID, supplied by Hal Leonard (sent as VendorId)',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- the vendor key is the DAM's secret (its name has no word the rule knows)
		{
			displayName: 'Vendor Key',
			name: 'vendorKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Your DAM vendor key, supplied by Hal Leonard. It is only ever sent inside the request document.',
		},
		{
			displayName: 'Endpoint URL',
			name: 'endpoint',
			type: 'string',
			default: DEFAULT_ENDPOINT,
			description:
				'The DAM System URL every request is posted to. Change it only for a test account or proxy Hal Leonard gave you.',
		},
		{
			displayName: 'DAM Version',
			name: 'damVersion',
			type: 'string',
			default: DEFAULT_DAM_VERSION,
			description: 'Sent as DAMVersion in every request. The nodes speak version 5.0 (Modified File is new in 5.0).',
		},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticateDamRequest(credentials, requestOptions);
	}
}

import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { buildXml } from '../../shared/xml';

/**
 * DAMRequest documents, and how the vendor key gets into them.
 *
 * The nodes never see the vendor key. They describe a request as a document object whose
 * RequestHdr is an empty placeholder and hand it to n8n's `httpRequestWithAuthentication`. n8n
 * then calls the credential type's `authenticate` — {@link authenticateDamRequest} — which is the
 * one place the key is read: it fills RequestHdr (DAMVersion, VendorId, VendorKey) and serializes
 * the whole document with the XML builder, so every value, the key included, is escaped and no
 * user input is ever concatenated into markup. The key therefore exists only in the body of the
 * request on the wire: never in a URL, a header, a log line or an error (the transport's
 * redactor masks `<VendorKey>` and the key's value in anything a server sends back).
 */

/** Fixed prolog of every request: XML declaration and the DOCTYPE of DAM version 5. */
export const DAM_REQUEST_PROLOG =
	'<?xml version="1.0"?>\n<!DOCTYPE DAMRequest SYSTEM "https://haldms.halleonard.com/dam_dtd/DAMRequestVersion5.dtd">';

export const DEFAULT_ENDPOINT = 'https://haldms.halleonard.com/dam';

export const DEFAULT_DAM_VERSION = '5.0';

/** What a node sends: the request element and its content, without the header. */
export interface DamDocument extends IDataObject {
	DAMRequest: { RequestHdr: IDataObject } & IDataObject;
}

/** Builds the document object for one request type (`ModifiedFileRequest`, …). */
export function damDocument(requestType: string, content: IDataObject): DamDocument {
	return { DAMRequest: { RequestHdr: {}, [requestType]: content } };
}

export function isDamDocument(body: unknown): body is DamDocument {
	if (!body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return false;
	const keys = Object.keys(body);
	const inner = (body as IDataObject).DAMRequest;
	return keys.length === 1 && keys[0] === 'DAMRequest' && !!inner && typeof inner === 'object' && 'RequestHdr' in inner;
}

/** The request document as XML, with the header filled in from the credential. */
export function serializeDamDocument(document: DamDocument, credentials: ICredentialDataDecryptedObject): string {
	const requests: IDataObject = { ...document.DAMRequest };
	delete requests.RequestHdr;
	const header = {
		DAMVersion: String(credentials.damVersion ?? '').trim() || DEFAULT_DAM_VERSION,
		VendorId: String(credentials.vendorId ?? '').trim(),
		VendorKey: String(credentials.vendorKey ?? ''),
	};
	// RequestHdr first: the DTD wants it before the request element.
	return buildXml({ DAMRequest: { RequestHdr: header, ...requests } }, DAM_REQUEST_PROLOG);
}

/**
 * The credential type's `authenticate`: turns a DAM document body into the XML request with the
 * header filled in. Any other request (a file download from a FileURL, a redirect hop) passes
 * through untouched, so the key never travels with it.
 */
export async function authenticateDamRequest(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	if (!isDamDocument(requestOptions.body)) return requestOptions;
	return {
		...requestOptions,
		body: serializeDamDocument(requestOptions.body, credentials),
		headers: { ...requestOptions.headers, 'Content-Type': 'text/xml; charset=utf-8' },
	};
}

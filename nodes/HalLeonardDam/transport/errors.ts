import type { IDataObject } from 'n8n-workflow';

import type { ApiFailure } from '../../shared/transport/errors';
import { excerpt } from '../../shared/transport/errors';
import type { RawResponse } from '../../shared/transport/http';
import { errorResponseFailure } from '../model';
import { MAX_FAILURE_BYTES, parseDamXml } from './answers';

/**
 * What a failed DAM request means for a user: the DAM's own ErrorResponse when a gateway answered
 * an HTTP error with one, a web page for what it is, else an excerpt of the body.
 */
export function describeDamFailure(response: RawResponse): Partial<ApiFailure> | undefined {
	if (response.status >= 200 && response.status < 300) return undefined;
	const failure: Partial<ApiFailure> = { kind: 'http' };
	// Some gateways answer an HTTP error with the DAM's own ErrorResponse. It is small: a larger
	// body is not one, and is not parsed (here, on the main thread).
	const small = response.body.length <= MAX_FAILURE_BYTES;
	try {
		const document = small ? parseDamXml(response.body, response.headers['content-type']) : {};
		const error = (document.ErrorResponse ?? (document.DAMResponse as IDataObject | undefined)?.ErrorResponse) as
			Record<string, unknown> | undefined;
		if (error && typeof error === 'object') {
			const details: Partial<ApiFailure> & { transient?: boolean } = { ...errorResponseFailure(error).details };
			delete details.transient;
			return { ...failure, ...details };
		}
	} catch {
		// not XML: fall through to an excerpt of the body
	}
	const text = response.body.subarray(0, MAX_FAILURE_BYTES).toString('latin1');
	if (/<html/i.test(text)) {
		failure.providerMessage = `HTTP ${response.status}: the server answered with a web page, not the DAM API`;
		failure.hint =
			response.status === 404
				? 'Check the Endpoint URL in the credential (default https://haldms.halleonard.com/dam).'
				: undefined;
	} else if (text.trim()) {
		failure.providerMessage = excerpt(text);
	}
	if (response.status === 404 && !failure.hint)
		failure.hint = 'Check the Endpoint URL in the credential (default https://haldms.halleonard.com/dam).';
	return failure;
}

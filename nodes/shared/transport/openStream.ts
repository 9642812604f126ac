import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { ApiClient, ApiRequest, StreamedResponse } from './http';

export interface OpenedStream {
	/** The answer's body, read at the caller's pace (backpressure reaches the socket). */
	body: Readable;
	response: StreamedResponse;
	/**
	 * Resolves when the request is over, read to its end or failed (a failure shows on `body`;
	 * destroying `body` stops the download). Await it before returning, so nothing of the request
	 * outlives the caller.
	 */
	done: Promise<void>;
}

/**
 * Starts a GET whose body the caller reads as a Readable (e.g. as part of another request's
 * body), where {@link ApiClient.sendStreamed} hands the body to a callback. Failures before the
 * answer's headers (refused, a 503, a timeout) are retried by the client as for any request.
 * Once bytes have been passed on they cannot be taken back, so a body that breaks off mid-way is
 * not fetched again behind the reader's back: the body fails, and the caller may open a new one.
 */
export async function openStream(client: ApiClient, request: ApiRequest): Promise<OpenedStream> {
	const body = new PassThrough();
	// The download may fail before its reader starts reading: the failure stays on the stream
	// (`errored`) for the reader to meet, instead of being an 'error' event nobody listens to.
	body.on('error', () => undefined);
	let opened = false;
	return await new Promise<OpenedStream>((resolve, reject) => {
		const done = client.sendStreamed(request, async (source, response) => {
			if (opened) {
				// The client sends a GET again when its body broke off: that body has no reader any more.
				source.destroy();
				throw new Error('the download broke off after part of it was passed on');
			}
			opened = true;
			resolve({ body, response, done: finished });
			await pipeline(source, body);
		});
		const finished = done.then(
			() => undefined,
			(error: unknown) => {
				if (opened) body.destroy(error instanceof Error ? error : new Error(String(error)));
				else reject(error);
			},
		);
	});
}

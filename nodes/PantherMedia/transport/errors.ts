import { MalformedResponseError, ProviderFailure } from '../../shared/transport/answerErrors';
import { attempt, settle } from '../../shared/attempt';
import { type ApiFailure, MediaSyncApiError } from '../../shared/transport/errors';
import type { RawResponse } from '../../shared/transport/http';
import { MAX_FAILURE_BYTES, failureInBody, hintFor, maskTokens } from './answers';

/**
 * What a failed PantherMedia request means for a user, and the masking that keeps a request's
 * signature out of every error text (it is made per request, so it is not among the credential
 * values the transport redacts).
 */

/** {@link maskTokens} over a text that may be absent. */
function maskOptional(text: string | undefined): string | undefined {
	return text === undefined ? undefined : maskTokens(text);
}

/**
 * Runs an answer parser and masks tokens in every text its failure carries (messages, PantherMedia's
 * error code, hints): whatever part of an answer a server puts its echo of the request in, the
 * signature does not reach an error.
 */
export function masked<T>(parse: (response: RawResponse) => T | Promise<T>): (response: RawResponse) => Promise<T> {
	return async (response) => {
		const outcome = await settle(() => parse(response));
		if (outcome.ok) return outcome.value;
		const { error } = outcome;
		if (error instanceof MalformedResponseError) throw new MalformedResponseError(maskTokens(error.message));
		if (error instanceof ProviderFailure) {
			const { details } = error;
			throw new ProviderFailure({
				...details,
				providerMessage: maskOptional(details.providerMessage),
				providerCode: maskOptional(details.providerCode),
				hint: maskOptional(details.hint),
			});
		}
		throw error;
	};
}

/** A failed HTTP answer: PantherMedia's own error when it sent one, else what the status means. */
export function describePantherMediaFailure(response: RawResponse): Partial<ApiFailure> | undefined {
	if (response.status >= 200 && response.status < 300) return undefined;
	// A body that is not PantherMedia's XML or JSON (a proxy page, a bomb), or is far larger than
	// any failure PantherMedia sends: the status says it all.
	const read =
		response.body.length <= MAX_FAILURE_BYTES ? attempt(() => failureInBody(response)) : { ok: false as const };
	const err = read.ok ? read.value : undefined;
	const { fallback, hint, cause } = hintFor(response.status);
	return {
		kind: 'http',
		providerCode: maskOptional(err?.code),
		providerMessage: maskTokens(err?.message ?? fallback ?? `PantherMedia answered HTTP ${response.status}`),
		hint,
		cause,
	};
}

/** Whether a failure is PantherMedia saying a media was not found (404) or is gone (410). */
export function isGoneAnswer(error: unknown): boolean {
	if (!(error instanceof MediaSyncApiError)) return false;
	const { providerCode } = error.apiFailure;
	return providerCode === '404' || providerCode === '410';
}

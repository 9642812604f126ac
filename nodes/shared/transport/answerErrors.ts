import type { ApiFailure } from './errors';

/**
 * The two ways an answer's reader says an answer is not usable. They live apart from the HTTP
 * client (which re-exports them) so that code reading answers has no runtime dependency on
 * n8n-workflow: the answer worker (nodes/shared/answerWorker) loads the readers in a thread of
 * its own, where loading n8n-workflow would cost seconds and tens of MiB for nothing.
 */

/** Thrown by a response parser to say the body is malformed (retried like a network fault). */
export class MalformedResponseError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'MalformedResponseError';
	}
}

/**
 * Thrown by a response parser when a successful HTTP answer carries the provider's own failure
 * (PromoStandards ServiceMessage, PantherMedia stat="fail", DAM ErrorResponse). Final unless
 * the provider marks it transient.
 */
export class ProviderFailure extends Error {
	constructor(readonly details: Partial<ApiFailure> & { transient?: boolean }) {
		super(details.providerMessage ?? 'provider reported a failure');
		this.name = 'ProviderFailure';
	}
}

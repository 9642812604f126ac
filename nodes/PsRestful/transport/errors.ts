import { parseJsonText } from '../../shared/attempt';
import { nestsDeeperThan } from '../../shared/json';
import type { ApiFailure } from '../../shared/transport/errors';
import { excerpt } from '../../shared/transport/errors';
import type { RawResponse } from '../../shared/transport/http';
import { fastApiDetail, serviceMessages } from './answers';

/**
 * What a failed PSRESTful request means for a user: its message (FastAPI's `detail`, or a
 * PromoStandards message) and what to do about it, per HTTP status; a used-up daily quota is told
 * apart from a passing rate limit.
 */
export function describePsRestfulFailure(response: RawResponse): Partial<ApiFailure> | undefined {
	if (response.status >= 200 && response.status < 300) return undefined;
	const parsed = parseJsonText(response.body.toString('utf8'));
	// Reading an error body recurses into it: one nested deeper than any real error is not read.
	const body = parsed.ok && !nestsDeeperThan(parsed.value) ? parsed.value : undefined;
	const detail = fastApiDetail(body);
	const message = serviceMessages(body)[0];
	const failure: Partial<ApiFailure> = {
		kind: 'http',
		providerMessage:
			detail ??
			message?.description ??
			(body === undefined ? excerpt(response.body.toString('utf8')) || undefined : undefined),
		providerCode: message?.code,
	};
	if (response.status === 429 && response.headers['x-ratelimit-remaining'] === '0') {
		// The daily quota is used up: retrying before it resets only burns time.
		return {
			...failure,
			kind: 'provider',
			cause: 'quota-exhausted',
			hint: `The PSRESTful daily quota (${response.headers['x-ratelimit-limit'] ?? '?'} calls) is used up; it resets daily. Poll less often, turn off media content, or lower Max Products per Poll.`,
		};
	}
	if (response.status === 404 && detail && /supplier|service/i.test(detail)) {
		failure.hint =
			'Check the supplier code, and that PSRESTful offers this supplier’s Media Content service in the chosen environment.';
	}
	if (response.status === 422) failure.hint = 'PSRESTful rejected a parameter: the message names it.';
	if (response.status === 401)
		failure.hint = 'PSRESTful did not accept the API key: check it under Account → API Keys in PSRESTful.';
	return failure;
}

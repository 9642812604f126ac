import { randomBytes } from 'node:crypto';

import encHex from 'crypto-js/enc-hex';
import hmacSha1 from 'crypto-js/hmac-sha1';

/**
 * PantherMedia's request signature, as PantherMedia's own clients compute it:
 *
 *   access_key = lowercase hex HMAC-SHA1(key = API secret, message = timestamp + api_key + nonce)
 *
 * `timestamp` is the RFC 822 date in UTC with "UTC" as the zone (`Thu, 02 Aug 2012 05:54:55 UTC`),
 * `nonce` a value never used before, `algo` the HMAC's hash ("sha1", the only one evidenced).
 * A request carries all five fields; every request (each retry included) gets its own timestamp
 * and nonce, so a captured request cannot be replayed and a retry is never refused as a replay.
 */

export const SIGNATURE_ALGO = 'sha1';

export interface SignedFields {
	api_key: string;
	access_key: string;
	timestamp: string;
	nonce: string;
	algo: string;
	[key: string]: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number) => String(n).padStart(2, '0');

/** `Thu, 02 Aug 2012 05:54:55 UTC`: the form PantherMedia uses for timestamps and poll dates. */
export function formatPantherDate(ms: number): string {
	const d = new Date(ms);
	return (
		`${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
		`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
	);
}

/** The signature itself: lowercase hex HMAC-SHA1 of timestamp + api_key + nonce, keyed with the secret. */
export function computeAccessKey(apiSecret: string, timestamp: string, apiKey: string, nonce: string): string {
	return hmacSha1(`${timestamp}${apiKey}${nonce}`, apiSecret).toString(encHex);
}

/**
 * A fresh nonce: 128 bits from the operating system's cryptographic random source, as hex.
 * (PantherMedia's PHP clients use a six-digit `rand()`, which repeats within a few hundred
 * requests; PantherMedia's docs show that any string is accepted.)
 */
export function newNonce(): string {
	return randomBytes(16).toString('hex');
}

/** The five authentication fields for one request, signed now with a fresh nonce. */
export function signRequest(
	apiKey: string,
	apiSecret: string,
	now: number = Date.now(),
	nonce: string = newNonce(),
): SignedFields {
	const timestamp = formatPantherDate(now);
	return {
		api_key: apiKey,
		access_key: computeAccessKey(apiSecret, timestamp, apiKey, nonce),
		timestamp,
		nonce,
		algo: SIGNATURE_ALGO,
	};
}

/** `application/x-www-form-urlencoded` the way PantherMedia's samples encode it (`%20`, `%2C`). */
export function formEncode(fields: Record<string, string>): string {
	return Object.entries(fields)
		.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
		.join('&');
}

/** Reads a form body back into fields (later duplicates win, as PHP does). */
export function formDecode(body: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of new URLSearchParams(body)) out[key] = value;
	return out;
}

import { createHmac } from 'node:crypto';

import type { IHttpRequestOptions } from 'n8n-workflow';

import { PantherMediaApi } from '../../credentials/PantherMediaApi.credentials';
import {
	computeAccessKey,
	formDecode,
	formEncode,
	formatPantherDate,
	newNonce,
	signRequest,
} from '../../nodes/PantherMedia/transport/signature';
import { useRealClock } from '../harness/clock';

/** The signature as PantherMedia documents it, computed independently with node:crypto. */
function reference(secret: string, timestamp: string, apiKey: string, nonce: string): string {
	return createHmac('sha1', secret)
		.update(timestamp + apiKey + nonce, 'utf8')
		.digest('hex');
}

describe('PantherMedia request signature', () => {
	it('matches the vector from the issue', () => {
		expect(computeAccessKey('my_api_secret', 'Thu, 02 Aug 2012 05:54:55 UTC', 'my_api_key', '123')).toBe(
			'83e09812da55d36b133fa30938eac572e0bb1fa2',
		);
	});

	it('matches node:crypto on a vector of its own (non-ASCII secret, long nonce, leap-day timestamp)', () => {
		const timestamp = formatPantherDate(Date.UTC(2024, 1, 29, 23, 59, 7));
		expect(timestamp).toBe('Thu, 29 Feb 2024 23:59:07 UTC');
		const secret = 'sécret-ß-😀-0123';
		// Not a real key: 32 hex characters derived from a label, like PantherMedia's keys look.
		const apiKey = createHmac('sha1', 'label').update('test key').digest('hex').slice(0, 32);
		const nonce = '9f86d081884c7d659a2feaa0c55ad015';
		const ours = computeAccessKey(secret, timestamp, apiKey, nonce);
		expect(ours).toMatch(/^[0-9a-f]{40}$/);
		expect(ours).toBe(reference(secret, timestamp, apiKey, nonce));
		// And the vector, computed the independent way, agrees with the constant.
		expect(reference('my_api_secret', 'Thu, 02 Aug 2012 05:54:55 UTC', 'my_api_key', '123')).toBe(
			'83e09812da55d36b133fa30938eac572e0bb1fa2',
		);
	});

	it('formats timestamps the way PantherMedia’s clients do (RFC 822, "UTC", two-digit day)', () => {
		expect(formatPantherDate(Date.UTC(2012, 7, 2, 5, 54, 55))).toBe('Thu, 02 Aug 2012 05:54:55 UTC');
		expect(formatPantherDate(Date.UTC(2021, 0, 11, 2, 0, 0))).toBe('Mon, 11 Jan 2021 02:00:00 UTC');
		expect(formatPantherDate(Date.UTC(1999, 11, 31, 0, 0, 0, 999))).toBe('Fri, 31 Dec 1999 00:00:00 UTC');
	});

	it('makes a fresh 128-bit nonce every time', () => {
		const nonces = new Set(Array.from({ length: 2000 }, () => newNonce()));
		expect(nonces.size).toBe(2000);
		for (const nonce of [...nonces].slice(0, 20)) expect(nonce).toMatch(/^[0-9a-f]{32}$/);
	});

	it('signs all five fields, and each call gets its own nonce and a valid signature', () => {
		const first = signRequest('key-1', 'secret-1', Date.UTC(2012, 7, 2, 5, 54, 55), '123');
		expect(first).toEqual({
			api_key: 'key-1',
			access_key: reference('secret-1', 'Thu, 02 Aug 2012 05:54:55 UTC', 'key-1', '123'),
			timestamp: 'Thu, 02 Aug 2012 05:54:55 UTC',
			nonce: '123',
			algo: 'sha1',
		});
		const a = signRequest('key-1', 'secret-1');
		const b = signRequest('key-1', 'secret-1');
		expect(a.nonce).not.toBe(b.nonce);
		for (const s of [a, b]) expect(s.access_key).toBe(reference('secret-1', s.timestamp, 'key-1', s.nonce));
	});

	it('encodes the form like PantherMedia’s samples and reads it back', () => {
		const body = formEncode({ timestamp: 'Thu, 02 Aug 2012 05:54:55 UTC', nonce: '123', q: 'a&b=c' });
		expect(body).toBe('timestamp=Thu%2C%2002%20Aug%202012%2005%3A54%3A55%20UTC&nonce=123&q=a%26b%3Dc');
		expect(formDecode(body)).toEqual({ timestamp: 'Thu, 02 Aug 2012 05:54:55 UTC', nonce: '123', q: 'a&b=c' });
	});

	describe('credential authenticate()', () => {
		const credential = new PantherMediaApi();
		const realClock = useRealClock();
		const credentials = { apiKey: 'the-key', apiSecret: 'the-secret', baseUrl: 'https://rest.panthermedia.net' };

		it('adds the signed fields to the form body and keeps the method’s own fields', async () => {
			realClock.stop(); // the timestamp signed is compared with the clock below
			const options: IHttpRequestOptions = {
				method: 'POST',
				url: 'https://rest.panthermedia.net/poll',
				headers: { 'Accept-Version': '1.1' },
				body: formEncode({ type: 'new', last_polling: '1', limit: '10' }),
			};
			const signed = await credential.authenticate(credentials, options);
			const fields = formDecode(String(signed.body));
			expect(fields).toMatchObject({ type: 'new', last_polling: '1', limit: '10', api_key: 'the-key', algo: 'sha1' });
			expect(fields.access_key).toBe(reference('the-secret', fields.timestamp, 'the-key', fields.nonce));
			expect(Math.abs(Date.parse(fields.timestamp.replace(' UTC', ' GMT')) - Date.now())).toBeLessThan(5_000);
			expect(signed.headers).toMatchObject({
				'Accept-Version': '1.1',
				'Content-Type': 'application/x-www-form-urlencoded',
			});
			expect(String(signed.body)).not.toContain('the-secret');
			// The input is not changed: a retry signs the unsigned body again.
			expect(formDecode(String(options.body))).toEqual({ type: 'new', last_polling: '1', limit: '10' });
		});

		it('re-signs on every call (a retry never repeats a nonce)', async () => {
			const options: IHttpRequestOptions = { method: 'POST', url: 'https://x/host-info', body: '' };
			const bodies = await Promise.all(
				Array.from({ length: 5 }, async () =>
					formDecode(String((await credential.authenticate(credentials, { ...options })).body)),
				),
			);
			expect(new Set(bodies.map((b) => b.nonce)).size).toBe(5);
			for (const b of bodies) expect(b.access_key).toBe(reference('the-secret', b.timestamp, 'the-key', b.nonce));
		});

		it('accepts an object body too', async () => {
			const signed = await credential.authenticate(credentials, {
				method: 'POST',
				url: 'https://x/poll',
				body: { type: 'deleted', limit: 5 },
			});
			expect(formDecode(String(signed.body))).toMatchObject({ type: 'deleted', limit: '5', api_key: 'the-key' });
		});
	});
});

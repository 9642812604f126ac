import { randomBytes } from 'node:crypto';

import { toEpochMs, toNaiveUtc } from '../../nodes/shared/dates';
import { mapPrefix } from '../../nodes/shared/concurrency';
import { MAX_CLOCK_SKEW_MS, plausibleOffset } from '../../nodes/shared/clock';
import { excerpt } from '../../nodes/shared/transport/errors';
import { decideRedirect } from '../../nodes/shared/transport/redirects';
import { redactBody, redactSecrets } from '../../nodes/shared/transport/redact';
import {
	DEFAULT_RETRY_POLICY,
	backoffDelay,
	classifyNetworkCode,
	parseRetryAfter,
} from '../../nodes/shared/transport/retry';

describe('retry policy', () => {
	it('reads Retry-After as seconds or as an HTTP date', () => {
		expect(parseRetryAfter('120')).toBe(120_000);
		expect(parseRetryAfter('1.5')).toBe(1500);
		const now = Date.UTC(2026, 10, 23, 8, 0, 0);
		expect(parseRetryAfter('Mon, 23 Nov 2026 08:00:30 GMT', now)).toBe(30_000);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
	});

	it('caps a Retry-After of years to an hour, the most n8n’s poll backoff uses', () => {
		expect(parseRetryAfter('99999999')).toBe(3600_000);
		expect(parseRetryAfter('9'.repeat(400))).toBe(3600_000);
		expect(parseRetryAfter('Fri, 01 Jan 3000 00:00:00 GMT', Date.UTC(2026, 10, 30))).toBe(3600_000);
	});

	it('uses full jitter under an exponential ceiling, with Retry-After as a floor', () => {
		expect(backoffDelay(1, DEFAULT_RETRY_POLICY, undefined, () => 1)).toBe(500);
		expect(backoffDelay(3, DEFAULT_RETRY_POLICY, undefined, () => 1)).toBe(2000);
		expect(backoffDelay(10, DEFAULT_RETRY_POLICY, undefined, () => 1)).toBe(15_000);
		expect(backoffDelay(2, DEFAULT_RETRY_POLICY, undefined, () => 0)).toBe(0);
		expect(backoffDelay(1, DEFAULT_RETRY_POLICY, 7000, () => 0.5)).toBe(7000);
	});

	it('knows which network failures prove a request was not sent', () => {
		expect(classifyNetworkCode('ECONNREFUSED')).toBe('not-sent');
		expect(classifyNetworkCode('ENOTFOUND')).toBe('not-sent');
		expect(classifyNetworkCode('ECONNRESET')).toBe('ambiguous');
		expect(classifyNetworkCode('ETIMEDOUT')).toBe('ambiguous');
		expect(classifyNetworkCode(undefined)).toBe('other');
	});
});

describe('redaction', () => {
	it('masks known secret values and secret-looking fields', () => {
		const text =
			'key=abc123secret&access_key=deadbeef0011&other=1 <VendorKey>vk-999</VendorKey> Token token=tok123,email=a@b.c';
		const out = redactSecrets(text, ['abc123secret']);
		expect(out).not.toContain('abc123secret');
		expect(out).not.toContain('deadbeef0011');
		expect(out).not.toContain('vk-999');
		expect(out).not.toContain('tok123');
		expect(out).toContain('other=1');
	});
});

describe('redaction of echoed secrets', () => {
	const secret = randomBytes(16).toString('hex');

	it('masks a secret in any letter case', () => {
		expect(redactSecrets(`key=${secret.toUpperCase()} and ${secret}`, [secret])).not.toContain(secret.slice(0, 8));
		expect(redactSecrets(secret.toUpperCase(), [secret])).toBe('[redacted]');
	});

	it('masks what remains of a secret where an excerpt cut it', () => {
		const body = `${'x'.repeat(290)}${secret} trailing`;
		const cut = excerpt(body); // 300 characters: the first 10 of the secret, then "…"
		expect(cut).toContain(secret.slice(0, 10));
		expect(redactSecrets(cut, [secret])).toBe(`${'x'.repeat(290)}[redacted]…`);
		// A short start is too common to be taken for the secret.
		expect(redactSecrets(`abc ${secret.slice(0, 5)}`, [secret])).toBe(`abc ${secret.slice(0, 5)}`);
	});

	it('masks URL-, JSON- and XML-escaped forms of a secret', () => {
		const odd = 'k+y/=&"<é-secret';
		for (const form of [
			encodeURIComponent(odd),
			JSON.stringify(odd).slice(1, -1),
			odd.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'),
		]) {
			expect(redactSecrets(`echo ${form} end`, [odd])).toBe('echo [redacted] end');
		}
	});

	it('masks a body byte for byte, leaving every other byte as it was', () => {
		const latin1 = Buffer.concat([
			Buffer.from('Für ', 'latin1'),
			Buffer.from(secret.toUpperCase()),
			Buffer.from(' Élise', 'latin1'),
		]);
		expect(redactBody(latin1, [secret]).toString('latin1')).toBe('Für [redacted] Élise');
		const utf8 = Buffer.from(`Grüße ${'Schlüssel-é'} Ende`, 'utf8');
		expect(redactBody(utf8, ['Schlüssel-é']).toString('utf8')).toBe('Grüße [redacted] Ende');
	});
});

describe('redirect decisions', () => {
	const base = { provider: 'P', origin: 'https://api.example.com', hops: 0 };
	const get = { url: 'https://api.example.com/v1/x', method: 'GET' as const };
	const post = { url: 'https://api.example.com/v1/x', method: 'POST' as const };

	it('follows a hop on the same origin, keeping the method and body on 307/308 only', () => {
		expect(decideRedirect(307, '/v2/x', { ...base, policy: 'same-origin', current: post })).toEqual({
			hop: { url: 'https://api.example.com/v2/x', method: 'POST', keepBody: true },
		});
		expect(decideRedirect(302, '/v2/x', { ...base, policy: 'same-origin', current: get })).toEqual({
			hop: { url: 'https://api.example.com/v2/x', method: 'GET', keepBody: false },
		});
	});

	it('refuses another host, another port and a downgrade to http', () => {
		for (const location of [
			'https://evil.example.net/x',
			'https://api.example.com:8443/x',
			'http://api.example.com/x',
		]) {
			expect(decideRedirect(301, location, { ...base, policy: 'same-origin', current: get })).toHaveProperty('refused');
		}
		const downgrade = decideRedirect(308, 'http://api.example.com/x', { ...base, policy: 'same-origin', current: get });
		expect(downgrade).toEqual({
			refused: expect.objectContaining({ providerMessage: expect.stringMatching(/from https to http/) }),
		});
	});

	it('never quotes another host’s address (a server can build it from the secret)', () => {
		const decision = decideRedirect(302, 'https://secret-key-123.evil.example.net/?k=secret', {
			...base,
			policy: 'same-origin',
			current: get,
		}) as { refused: { providerMessage: string } };
		expect(decision.refused.providerMessage).not.toMatch(/evil|secret/);
	});

	it('refuses a POST that a 301/302/303 would turn into a GET, unless the provider’s clients do that', () => {
		expect(decideRedirect(302, '/y', { ...base, policy: 'same-origin', current: post })).toHaveProperty('refused');
		expect(decideRedirect(303, '/y', { ...base, policy: 'same-origin', current: post, postAsGet: true })).toEqual({
			hop: { url: 'https://api.example.com/y', method: 'GET', keepBody: false },
		});
	});

	it('follows any http(s) host for a request that carries no credential, and stops after five hops', () => {
		expect(
			decideRedirect(302, 'https://cdn.example.org/f', { ...base, policy: 'public', current: get }),
		).toHaveProperty('hop');
		expect(decideRedirect(302, 'ftp://cdn.example.org/f', { ...base, policy: 'public', current: get })).toHaveProperty(
			'refused',
		);
		expect(decideRedirect(302, '/again', { ...base, policy: 'public', current: get, hops: 5 })).toHaveProperty(
			'refused',
		);
	});
});

describe('clock sanity', () => {
	it('takes a provider clock more than a day off for a broken header', () => {
		expect(plausibleOffset(3 * 3600_000)).toBe(true);
		expect(plausibleOffset(-MAX_CLOCK_SKEW_MS)).toBe(true);
		expect(plausibleOffset(Date.UTC(2100, 0, 1) - Date.now())).toBe(false);
		expect(plausibleOffset(NaN)).toBe(false);
	});
});

describe('dates', () => {
	it('reads ISO 8601 with and without time or offset, as UTC when no offset is given', () => {
		expect(toEpochMs('2024-01-15')).toBe(Date.UTC(2024, 0, 15));
		expect(toEpochMs('2024-01-15T08:30:00')).toBe(Date.UTC(2024, 0, 15, 8, 30));
		expect(toEpochMs('2024-01-15T08:30:00.250Z')).toBe(Date.UTC(2024, 0, 15, 8, 30, 0, 250));
		expect(toEpochMs('2024-01-15T08:30:00-08:00')).toBe(Date.UTC(2024, 0, 15, 16, 30));
		expect(toEpochMs('2024-01-15T08:30:00+1000')).toBe(Date.UTC(2024, 0, 14, 22, 30));
		expect(toNaiveUtc(Date.UTC(2024, 0, 15, 8, 30, 12, 999))).toBe('2024-01-15T08:30:12');
	});

	it('refuses impossible dates', () => {
		for (const bad of ['2024-02-30', '2024-13-01', '2024-01-15T25:00:00', 'yesterday', '', '2024-1-5']) {
			expect(toEpochMs(bad)).toBeUndefined();
		}
		expect(toEpochMs(42)).toBeUndefined();
	});
});

describe('bounded fan-out', () => {
	it('keeps at most N in flight and reports the prefix that succeeded', async () => {
		let inFlight = 0;
		let max = 0;
		const result = await mapPrefix([1, 2, 3, 4, 5, 6, 7, 8], 3, async (n) => {
			inFlight++;
			max = Math.max(max, inFlight);
			await new Promise((r) => setTimeout(r, 5));
			inFlight--;
			if (n === 6) throw new Error('six');
			return n * 10;
		});
		expect(max).toBe(3);
		expect(result.results).toEqual([10, 20, 30, 40, 50]);
		expect((result.error as Error).message).toBe('six');
	});

	it('stops starting new work when told to', async () => {
		let started = 0;
		const result = await mapPrefix(
			[1, 2, 3, 4],
			1,
			async (n) => (started++, n),
			() => (started >= 2 ? 'enough' : undefined),
		);
		expect(result).toEqual({ results: [1, 2], stopReason: 'enough' });
	});
});

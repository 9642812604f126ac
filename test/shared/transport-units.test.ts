import { toEpochMs, toNaiveUtc } from '../../nodes/shared/dates';
import { mapPrefix } from '../../nodes/shared/concurrency';
import { redactSecrets } from '../../nodes/shared/transport/redact';
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

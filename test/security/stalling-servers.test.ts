import type { INodeParameters } from 'n8n-workflow';

import { requestTimeouts } from '../../nodes/shared/transport/http';
import { caught, expectNoSecrets, recordSleeps } from '../harness/assertions';
import { type CredentialStore, PollHarness, executeNode } from '../harness/n8n';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import { HalLeonardMock } from '../../sandbox/halleonard';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import { PsRestfulMock } from '../../sandbox/psrestful';
import type { MockServer } from '../../sandbox/server';

/**
 * Every request has a deadline for the whole exchange, not only an idle timeout: a server that
 * sends its headers at once and then its body one byte at a time is never idle, and must still
 * not hold a poll past its budget or an action past its documented timeout. Each case points a
 * trigger and an action of each provider at its mock answering that way, and proves: the run
 * ends with a clear timeout error that names no secret, the client hung up on every such answer
 * (the server saw each connection closed before its answer was done), and the next poll runs
 * normally — it is not skipped as "still running".
 */

interface Provider {
	name: string;
	server: () => MockServer;
	start: () => Promise<void>;
	stop: () => Promise<void>;
	secret: () => string;
	credentials: () => CredentialStore;
	trigger: { type: string; parameters: INodeParameters };
	action: { type: string; parameters: INodeParameters };
}

const ps = new PsRestfulMock();
const pm = new PantherMediaMock();
const dam = new HalLeonardMock();
const cc = new CommerceConnectMock();
let psUrl = '';
let pmUrl = '';
let ccUrl = '';

const providers: Provider[] = [
	{
		name: 'PSRESTful',
		server: () => ps.server,
		start: async () => void (psUrl = await ps.start()),
		stop: async () => await ps.stop(),
		secret: () => ps.apiKey,
		credentials: () => ({ psRestfulApi: { apiKey: ps.apiKey, baseUrl: psUrl } }),
		trigger: {
			type: 'psRestfulTrigger',
			parameters: {
				supplierCode: 'HIT',
				firstRun: 'date',
				startDate: '2024-01-01',
				syncOptions: { minIntervalMinutes: 0 },
			},
		},
		action: {
			type: 'psRestful',
			parameters: { resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '5989' },
		},
	},
	{
		name: 'PantherMedia',
		server: () => pm.server,
		start: async () => void (pmUrl = await pm.start()),
		stop: async () => await pm.stop(),
		secret: () => pm.apiSecret,
		credentials: () => ({ pantherMediaApi: { apiKey: pm.apiKey, apiSecret: pm.apiSecret, baseUrl: pmUrl } }),
		trigger: {
			type: 'pantherMediaTrigger',
			parameters: { events: ['new'], firstRun: 'date', startDate: '2024-01-01' },
		},
		action: { type: 'pantherMedia', parameters: { resource: 'media', operation: 'getInfo', mediaIds: '40000001' } },
	},
	{
		name: 'Hal Leonard DAM',
		server: () => dam.server,
		start: async () => void (await dam.start()),
		stop: async () => await dam.stop(),
		secret: () => dam.vendorKey,
		credentials: () => ({
			halLeonardDamApi: { vendorId: dam.vendorId, vendorKey: dam.vendorKey, endpoint: dam.endpoint },
		}),
		trigger: {
			type: 'halLeonardDamTrigger',
			parameters: {
				events: ['modifiedFile'],
				firstRun: 'date',
				startDate: '2024-01-01',
				syncOptions: { minIntervalMinutes: 0 },
			},
		},
		action: {
			type: 'halLeonardDam',
			parameters: { resource: 'file', operation: 'getModified', startDate: '2024-01-01', stopDate: '2024-01-05' },
		},
	},
	{
		name: 'CommerceConnect',
		server: () => cc.server,
		start: async () => void (ccUrl = await cc.start()),
		stop: async () => await cc.stop(),
		secret: () => cc.token,
		credentials: () => ({ commerceConnectApi: { email: cc.email, apiToken: cc.token, baseUrl: ccUrl } }),
		trigger: {
			type: 'commerceConnectTrigger',
			parameters: { event: 'updated', firstRun: 'date', startDate: '2024-01-01' },
		},
		action: { type: 'commerceConnect', parameters: { resource: 'mediaItem', operation: 'getMany', returnAll: true } },
	},
];

/** Waits until `condition` holds (the server sees a hang-up a moment after the client makes it). */
async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.each(providers)('$name: a server that never finishes its answer', (provider) => {
	const timeouts = { ...requestTimeouts };
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(async () => await provider.start());
	afterAll(async () => await provider.stop());
	beforeEach(() => {
		provider.server().resetLog();
		provider.server().clearFaults();
		provider.server().abandoned = 0;
		sleeps = recordSleeps();
	});
	afterEach(() => {
		sleeps.restore();
		Object.assign(requestTimeouts, timeouts);
	});

	const drip = () => provider.server().injectFault({ kind: 'drip', intervalMs: 100 }, { times: 1000 });

	it('ends a poll at its budget with a timeout error, and the next poll runs', async () => {
		const harness = new PollHarness({ ...provider.trigger, credentials: provider.credentials() });
		drip();
		const error = await caught(() => harness.poll({ pollBudgetMs: 2_000 }));
		expect(error.name).toBe('NodeApiError');
		expect(`${error.message} ${String(error.description)}`).toMatch(/timed out|did not answer in time/i);
		expectNoSecrets(error, [provider.secret()]);
		const dripped = provider.server().requests.length;
		expect(dripped).toBeGreaterThan(0);
		await until(() => provider.server().abandoned === dripped);

		// The server behaves again: the next poll is not skipped as "still running".
		provider.server().clearFaults();
		await expect(harness.poll({ pollBudgetMs: 10_000 })).resolves.not.toThrow();
		expect(provider.server().requests.length).toBeGreaterThan(dripped);
	});

	it('ends an action at its timeout, retries included, with a timeout error', async () => {
		requestTimeouts.defaultMs = 600;
		drip();
		const error = await caught(() => executeNode({ ...provider.action, credentials: provider.credentials() }));
		expect(error.name).toBe('NodeApiError');
		expect(`${error.message} ${String(error.description)}`).toMatch(/timed out|did not answer in time/i);
		expectNoSecrets(error, [provider.secret()]);
		const dripped = provider.server().requests.length;
		// Idempotent reads are retried, but only within three attempt timeouts in all.
		expect(dripped).toBeGreaterThan(0);
		expect(dripped).toBeLessThanOrEqual(4);
		await until(() => provider.server().abandoned === dripped);
	});
});

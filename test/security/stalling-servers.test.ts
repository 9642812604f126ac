import type { INodeParameters } from 'n8n-workflow';

import { requestTimeouts } from '../../nodes/shared/transport/http';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { type CredentialStore, PollHarness, executeNode } from '../harness/n8n';
import { credentialsFor } from '../harness/providers';
import { useMock } from '../harness/servers';
import { PROVIDERS, PROVIDER_IDS, type ProviderId, type ProviderMocks } from '../../sandbox/providers';

/**
 * Every request has a deadline for the whole exchange, not only an idle timeout: a server that
 * sends its headers at once and then its body one byte at a time is never idle, and must still
 * not hold a poll past its budget or an action past its documented timeout. Each case points a
 * trigger and an action of each provider at its mock answering that way, and proves: the run
 * ends with a clear timeout error that names no secret, the client hung up on every such answer
 * (the server saw each connection closed before its answer was done), and the next poll runs
 * normally — it is not skipped as "still running".
 */

/** What each provider's case runs: the secret that must stay out of errors, and a read for each node. */
interface Reads<M> {
	secret: (mock: M) => string;
	trigger: INodeParameters;
	action: INodeParameters;
}

const READS: { [P in ProviderId]: Reads<ProviderMocks[P]> } = {
	psrestful: {
		secret: (mock) => mock.apiKey,
		trigger: { supplierCode: 'HIT', firstRun: 'date', startDate: '2024-01-01', syncOptions: { minIntervalMinutes: 0 } },
		action: { resource: 'media', operation: 'getContent', supplierCode: 'HIT', productId: '5989' },
	},
	panthermedia: {
		secret: (mock) => mock.apiSecret,
		trigger: { events: ['new'], firstRun: 'date', startDate: '2024-01-01' },
		action: { resource: 'media', operation: 'getInfo', mediaIds: '40000001' },
	},
	halleonard: {
		secret: (mock) => mock.vendorKey,
		trigger: {
			events: ['modifiedFile'],
			firstRun: 'date',
			startDate: '2024-01-01',
			syncOptions: { minIntervalMinutes: 0 },
		},
		action: { resource: 'file', operation: 'getModified', startDate: '2024-01-01', stopDate: '2024-01-05' },
	},
	commerceconnect: {
		secret: (mock) => mock.token,
		trigger: { event: 'updated', firstRun: 'date', startDate: '2024-01-01' },
		action: { resource: 'mediaItem', operation: 'getMany', returnAll: true },
	},
};

/** One provider's case: its mock (the registry's), nodes and credentials. */
function stallingCase<P extends ProviderId>(id: P) {
	const provider = PROVIDERS[id];
	const mock = provider.createMock();
	const reads = READS[id];
	return {
		name: provider.name,
		mock,
		server: () => mock.server,
		secret: () => reads.secret(mock),
		credentials: (): CredentialStore => credentialsFor(id, mock),
		trigger: { type: provider.nodeTypes.trigger, parameters: reads.trigger },
		action: { type: provider.nodeTypes.action, parameters: reads.action },
	};
}

/** Waits until `condition` holds (the server sees a hang-up a moment after the client makes it). */
async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe.each(PROVIDER_IDS.map(stallingCase))('$name: a server that never finishes its answer', (provider) => {
	const timeouts = { ...requestTimeouts };
	useMock(provider.mock, { reset: (mock) => (mock.server.abandoned = 0) });
	useRecordedSleeps();
	afterEach(() => {
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

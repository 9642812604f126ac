import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { READ_AFTER_MS } from '../../nodes/CommerceConnect/trigger/source';
import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { useRecordedSleeps } from '../harness/assertions';
import { type CredentialStore, PollHarness, logLines } from '../harness/n8n';
import { credentialsFor } from '../harness/providers';
import { useMock } from '../harness/servers';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import { HalLeonardMock, TestClock } from '../../sandbox/halleonard';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import { PROVIDERS, PROVIDER_IDS, type ProviderId, type ProviderMocks } from '../../sandbox/providers';
import { PsRestfulMock } from '../../sandbox/psrestful';

/**
 * A trigger's saved state is data anyone can edit (n8n's workflow export, a database fix) or an
 * older version may have written. Whatever is saved under the key, a poll never fails because of
 * it: what can be repaired is (numbers saved as text), what cannot be used is replaced by a fresh
 * start, and both are said in a warning; a huge blob under the key is not carried into the next
 * save.
 */

const MINUTE = 60_000;
const DAY = 24 * 3600_000;

interface Case {
	name: string;
	/** Changes the saved `mediaSync` object (or replaces it). */
	corrupt: (state: IDataObject) => unknown;
	/** Whether the saved position survives (so a change made meanwhile is still emitted). */
	keepsPosition: boolean;
}

const streamsOf = (state: IDataObject) => state.streams as Record<string, IDataObject>;
const mapCheckpoints = (state: IDataObject, fn: (cp: unknown) => unknown) => {
	for (const stream of Object.values(streamsOf(state))) stream.cp = fn(stream.cp) as IDataObject;
	return state;
};
const numbersAsText = (value: unknown): unknown => {
	if (typeof value === 'number') return String(value);
	if (Array.isArray(value)) return value.map(numbersAsText);
	if (value && typeof value === 'object')
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbersAsText(v)]));
	return value;
};

const CASES: Case[] = [
	{ name: 'a stream saved as null', corrupt: (s) => mapStreams(s, () => null), keepsPosition: false },
	{
		name: 'a checkpoint saved as a string',
		corrupt: (s) => mapCheckpoints(s, () => 'not a checkpoint'),
		keepsPosition: false,
	},
	{ name: 'an empty checkpoint {}', corrupt: (s) => mapCheckpoints(s, () => ({})), keepsPosition: false },
	{ name: 'every number saved as text', corrupt: (s) => mapCheckpoints(s, numbersAsText), keepsPosition: true },
	{ name: 'the whole state saved as a string', corrupt: () => 'mediaSync was here', keepsPosition: false },
	{ name: 'the state as a list', corrupt: () => [1, 2, 3], keepsPosition: false },
	{
		name: 'a 50 MB blob beside the state',
		corrupt: (s) => ({ ...s, blob: 'x'.repeat(50 * 1024 * 1024) }),
		keepsPosition: true,
	},
];

function mapStreams(state: IDataObject, fn: (stream: unknown) => unknown): IDataObject {
	const streams = streamsOf(state);
	for (const name of Object.keys(streams)) streams[name] = fn(streams[name]) as IDataObject;
	return state;
}

/** What each provider's case does: a trigger that emits one key per change, and changes made on its mock. */
interface Changes<M> {
	mock: M;
	parameters: INodeParameters;
	/** Makes one change the trigger must emit; returns its key in the output. */
	change: (mock: M) => string;
	/** Time for the change to be visible to the trigger. */
	settle: (mock: M) => void;
	key: string;
}

const clock = new TestClock();
let counter = 0;

const CHANGES: { [P in ProviderId]: Changes<ProviderMocks[P]> } = {
	psrestful: {
		mock: new PsRestfulMock(),
		parameters: { supplierCode: 'HIT', syncOptions: { minIntervalMinutes: 0 } },
		change: (ps) => ps.modify('HIT', `C${++counter}`).productId,
		settle: (ps) => ps.server.advance(MINUTE),
		key: 'productId',
	},
	panthermedia: {
		mock: new PantherMediaMock({ seed: false }),
		parameters: { events: ['new'] },
		change: (pm) => pm.addMedia().id,
		settle: (pm) => pm.server.advance(3 * DAY + MINUTE),
		key: 'id',
	},
	halleonard: {
		mock: new HalLeonardMock(),
		parameters: { events: ['modifiedFile'], syncOptions: { minIntervalMinutes: 0 } },
		change: (dam) => dam.modifyFile(String(345600 + ++counter)).assetId,
		settle: () => clock.advance(MINUTE),
		key: 'assetId',
	},
	commerceconnect: {
		mock: new CommerceConnectMock(),
		parameters: { event: 'updated' },
		change: (cc) => String(cc.seed({ url: `https://cdn.example.com/state-${++counter}.jpg`, product_id: 9 }).id),
		settle: (cc) => cc.server.advance(READ_AFTER_MS),
		key: 'id',
	},
};

/** One provider's case: its trigger (type and credentials from the registry) and its changes. */
function stateCase<P extends ProviderId>(id: P) {
	const provider = PROVIDERS[id];
	const { mock, parameters, change, settle, key } = CHANGES[id];
	return {
		name: provider.name,
		mock,
		type: provider.nodeTypes.trigger,
		parameters,
		credentials: (): CredentialStore => credentialsFor(id, mock),
		change: () => change(mock),
		settle: () => settle(mock),
		key,
	};
}

describe.each(PROVIDER_IDS.map(stateCase))('$name Trigger with corrupt saved state', (provider) => {
	beforeAll(() => clock.install(Date.UTC(2024, 11, 30, 15)));
	afterAll(() => clock.uninstall());
	useMock(provider.mock);
	useRecordedSleeps();
	beforeEach(() => {
		logLines.length = 0;
	});

	it.each(CASES)('polls on with $name, and says what it did', async ({ corrupt, keepsPosition }) => {
		const harness = new PollHarness({
			type: provider.type,
			parameters: provider.parameters,
			credentials: provider.credentials(),
		});
		await harness.poll(); // activation: a position "now"
		provider.settle();
		const first = provider.change();
		provider.settle();
		const out = await harness.poll();
		expect(out?.[0].map((i) => String(i.json[provider.key]))).toContain(first);

		// The saved state is corrupted, then n8n restarts and reads it.
		const nodeKey = Object.keys(harness.saved).find((k) => k.startsWith('node:'))!;
		const saved = harness.saved[nodeKey] as IDataObject;
		saved[STATE_KEY] = corrupt(JSON.parse(JSON.stringify(saved[STATE_KEY])) as IDataObject) as IDataObject;
		harness.restart();
		logLines.length = 0;

		const meanwhile = provider.change();
		provider.settle();
		const after = await harness.poll(); // never throws
		const emitted = after?.[0].map((i) => String(i.json[provider.key])) ?? [];
		if (keepsPosition) {
			// The position survived: the change made meanwhile is emitted, the earlier one is not repeated.
			expect(emitted).toContain(meanwhile);
			expect(emitted).not.toContain(first);
		}
		const warned = logLines.filter((l) => l.level === 'warn').map((l) => l.message);
		if (!keepsPosition) expect(warned.join('\n')).toMatch(/the saved sync state .*(starts over|starting over)/);
		// Whatever was saved, the next save is the trigger's own, small state.
		await harness.poll();
		const next = (harness.saved[nodeKey] as IDataObject | undefined)?.[STATE_KEY] ?? harness.memoryState[STATE_KEY];
		expect(stateSize(next as IDataObject)).toBeLessThan(64 * 1024);
		expect(JSON.stringify(next)).not.toMatch(/blob/);
	});
});

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { STATE_KEY, stateSize } from '../../nodes/shared/sync/state';
import { recordSleeps } from '../harness/assertions';
import { type CredentialStore, PollHarness, logLines } from '../harness/n8n';
import { CommerceConnectMock } from '../../sandbox/commerceconnect';
import { HalLeonardMock, TestClock } from '../../sandbox/halleonard';
import { PantherMediaMock } from '../../sandbox/panthermedia';
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

interface Provider {
	name: string;
	start: () => Promise<void>;
	stop: () => Promise<void>;
	type: string;
	parameters: INodeParameters;
	credentials: () => CredentialStore;
	/** Makes one change the trigger must emit; returns its key in the output. */
	change: () => string;
	/** Time for the change to be visible to the trigger. */
	settle: () => void;
	key: string;
}

const ps = new PsRestfulMock();
const pm = new PantherMediaMock({ seed: false });
const dam = new HalLeonardMock();
const cc = new CommerceConnectMock();
const clock = new TestClock();
let psUrl = '';
let pmUrl = '';
let ccUrl = '';
let counter = 0;

const PROVIDERS: Provider[] = [
	{
		name: 'PSRESTful',
		start: async () => void (psUrl = await ps.start()),
		stop: async () => await ps.stop(),
		type: 'psRestfulTrigger',
		parameters: { supplierCode: 'HIT', syncOptions: { minIntervalMinutes: 0 } },
		credentials: () => ({ psRestfulApi: { apiKey: ps.apiKey, baseUrl: psUrl } }),
		change: () => ps.modify('HIT', `C${++counter}`).productId,
		settle: () => ps.server.advance(MINUTE),
		key: 'productId',
	},
	{
		name: 'PantherMedia',
		start: async () => void (pmUrl = await pm.start()),
		stop: async () => await pm.stop(),
		type: 'pantherMediaTrigger',
		parameters: { events: ['new'] },
		credentials: () => ({ pantherMediaApi: { apiKey: pm.apiKey, apiSecret: pm.apiSecret, baseUrl: pmUrl } }),
		change: () => pm.addMedia().id,
		settle: () => pm.server.advance(3 * DAY + MINUTE),
		key: 'id',
	},
	{
		name: 'Hal Leonard DAM',
		start: async () => void (await dam.start()),
		stop: async () => await dam.stop(),
		type: 'halLeonardDamTrigger',
		parameters: { events: ['modifiedFile'], syncOptions: { minIntervalMinutes: 0 } },
		credentials: () => ({
			halLeonardDamApi: { vendorId: dam.vendorId, vendorKey: dam.vendorKey, endpoint: dam.endpoint },
		}),
		change: () => dam.modifyFile(String(345600 + ++counter)).assetId,
		settle: () => clock.advance(MINUTE),
		key: 'assetId',
	},
	{
		name: 'CommerceConnect',
		start: async () => void (ccUrl = await cc.start()),
		stop: async () => await cc.stop(),
		type: 'commerceConnectTrigger',
		parameters: { event: 'updated' },
		credentials: () => ({ commerceConnectApi: { email: cc.email, apiToken: cc.token, baseUrl: ccUrl } }),
		change: () => String(cc.seed({ url: `https://cdn.example.com/state-${++counter}.jpg`, product_id: 9 }).id),
		settle: () => cc.server.advance(3_000),
		key: 'id',
	},
];

describe.each(PROVIDERS)('$name Trigger with corrupt saved state', (provider) => {
	let sleeps: ReturnType<typeof recordSleeps>;
	beforeAll(async () => {
		clock.install(Date.UTC(2024, 11, 30, 15));
		await provider.start();
	});
	afterAll(async () => {
		await provider.stop();
		clock.uninstall();
	});
	beforeEach(() => {
		sleeps = recordSleeps();
		logLines.length = 0;
	});
	afterEach(() => sleeps.restore());

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

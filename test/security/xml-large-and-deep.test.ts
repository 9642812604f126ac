import {
	type AnswerWorkerSettings,
	answerWorkerStats,
	configureAnswerWorker,
	resetAnswerWorker,
} from '../../nodes/shared/answerWorker';
import { caught, expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { PollHarness, executeNode } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { HalLeonardMock } from '../../sandbox/halleonard';
import { deeplyNested } from '../../sandbox/large-xml';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import { type MockReply, type MockRequest, MockServer } from '../../sandbox/server';

/**
 * Large and deeply nested XML answers through every XML-reading path of the PantherMedia and
 * Hal Leonard DAM nodes and triggers, against the loopback mocks (issue 12):
 * - the same genuine answers give the same items whether they are read in the answer worker or
 *   on the main thread (and the worker is really used);
 * - an answer over the provider's size cap is a clear, sanitized "size" error;
 * - a 100,000-deep answer is a clear "malformed answer" error naming the depth limit — never a
 *   stack overflow — on both paths, with no secret in it, and a trigger polls on afterwards.
 * (Hostile XML on both paths: xml-hostile.test.ts.)
 */

const pm = new PantherMediaMock();
const dam = new HalLeonardMock();

/** Forwards to a mock, or answers every request with `override` while it is set. */
class SwitchingProxy {
	override?: MockReply;

	readonly server = new MockServer(async (request) => this.override ?? (await this.forward(request)));

	constructor(private readonly target: () => string) {}

	private async forward(request: MockRequest): Promise<MockReply> {
		const headers: Record<string, string> = {};
		for (const name of ['content-type', 'accept', 'accept-version']) {
			const value = request.headers[name];
			if (typeof value === 'string') headers[name] = value;
		}
		const response = await fetch(`${this.target()}${request.rawPath}`, {
			method: request.method,
			headers,
			body: request.method === 'GET' ? undefined : request.body,
		});
		return {
			status: response.status,
			headers: { 'content-type': response.headers.get('content-type') ?? '' },
			body: Buffer.from(await response.arrayBuffer()),
		};
	}
}

const pmProxy = new SwitchingProxy(() => pm.server.baseUrl);
const damProxy = new SwitchingProxy(() => dam.server.baseUrl);

const pmCredentials = () => ({
	pantherMediaApi: { apiKey: pm.apiKey, apiSecret: pm.apiSecret, baseUrl: pmProxy.server.baseUrl },
});
const damCredentials = () => ({
	halLeonardDamApi: { vendorId: dam.vendorId, vendorKey: dam.vendorKey, endpoint: `${damProxy.server.baseUrl}/dam` },
});
const pmSecrets = () => [pm.apiKey, pm.apiSecret];
const damSecrets = () => [dam.vendorKey];

const pmAction = (parameters: Record<string, unknown>) => async () =>
	(
		await executeNode({
			type: 'pantherMedia',
			parameters: { resource: 'media', ...parameters } as never,
			credentials: pmCredentials(),
		})
	).output;
const damAction = (parameters: Record<string, unknown>) => async () =>
	(await executeNode({ type: 'halLeonardDam', parameters: parameters as never, credentials: damCredentials() })).output;
/** A fresh trigger (no saved state) polled once. */
const pmTrigger = (parameters: Record<string, unknown>) => () =>
	new PollHarness({
		type: 'pantherMediaTrigger',
		parameters: parameters as never,
		credentials: pmCredentials(),
	}).poll();
const damTrigger = (parameters: Record<string, unknown>) => () =>
	new PollHarness({
		type: 'halLeonardDamTrigger',
		parameters: parameters as never,
		credentials: damCredentials(),
	}).poll();

const PM_POLL = { operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 3_000 };
const PM_TRIGGER = {
	events: ['new', 'changed', 'deleted'],
	includeMediaInfo: true,
	firstRun: 'date',
	startDate: '2024-01-01',
};
const DAM_TRIGGER = { events: ['modifiedFile', 'assetMetadata'], firstRun: 'date', startDate: '2015-11-01' };
const DAM_METADATA = {
	resource: 'asset',
	operation: 'getMetadata',
	requestType: 'all',
	selectBy: 'dateRange',
	startDate: '2015-11-01',
	stopDate: '2016-01-31',
};

const PATHS: Array<[string, Partial<AnswerWorkerSettings>]> = [
	['read on the main thread', { enabled: false }],
	['read in the answer worker', { enabled: true, minBytes: 0 }],
];

let defaults: AnswerWorkerSettings;

for (const server of [pm, dam, pmProxy.server, damProxy.server]) useMock(server);
useRecordedSleeps();
beforeAll(() => {
	defaults = configureAnswerWorker({});
	// 3,000 new media (a 330 KB poll page, over the worker's default threshold), 60 with info.
	pm.bulkNew(3_000, Date.UTC(2024, 0, 2), 1000);
	for (let i = 0; i < 60; i++) pm.addMedia({ id: String(7001 + i), at: Date.UTC(2024, 0, 3), title: `Panther ${i}` });
	pm.server.advance(5 * 24 * 3600 * 1000); // past PantherMedia's publication lag
	// 2,000 files and 600 assets and packages over two months, with Latin-1 titles.
	for (let i = 0; i < 2_000; i++)
		dam.putFile(String(200_000 + i), `HL_DDS_${String(200_000 + i).padStart(16, '0')}.pdf`, 16_750 + (i % 60));
	for (let i = 0; i < 600; i++) {
		dam.putAsset({
			assetId: String(1_000 + i),
			kind: i % 5 === 0 ? 'package' : 'asset',
			title: `Für Elise ${i}`,
			day: 16_750 + (i % 60),
		});
	}
});
afterAll(async () => {
	configureAnswerWorker(defaults);
	await resetAnswerWorker();
});
beforeEach(() => {
	pmProxy.override = undefined;
	damProxy.override = undefined;
});
afterEach(() => {
	configureAnswerWorker(defaults);
});

describe('genuine answers read in the answer worker give the items of the main thread', () => {
	const entries: Array<[string, () => Promise<unknown>]> = [
		['PantherMedia Poll (3,000 rows)', pmAction(PM_POLL)],
		[
			'PantherMedia Get Info (60 media, articles, top-10 keywords)',
			pmAction({
				operation: 'getInfo',
				mediaIds: Array.from({ length: 60 }, (_, i) => String(7001 + i)).join(','),
				infoOptions: { articles: true, top10Keywords: true },
			}),
		],
		[
			'PantherMedia Search (100 results, extra info)',
			pmAction({
				operation: 'search',
				query: 'panther',
				page: 1,
				limit: 100,
				searchOptions: { extraInfo: ['width', 'height', 'title', 'keywords', 'preview', 'mimetype'] },
			}),
		],
		['PantherMedia Trigger (poll pages and media info)', pmTrigger(PM_TRIGGER)],
		[
			'DAM Get Modified Files (2,000 files)',
			damAction({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: '2015-11-01' }),
		],
		['DAM Get Metadata by date range (600 records)', damAction(DAM_METADATA)],
		[
			'DAM Get Metadata by asset IDs',
			damAction({ ...DAM_METADATA, selectBy: 'assetIds', assetIds: '1000, 1001, 1005, 1599' }),
		],
		['DAM Get Access', damAction({ resource: 'asset', operation: 'getAccess', assetId: '1000', countryCode: 'US' })],
		['DAM Trigger (files and metadata)', damTrigger(DAM_TRIGGER)],
	];

	it.each(entries)('%s', async (_name, run) => {
		configureAnswerWorker({ enabled: false });
		const before = answerWorkerStats();
		const here = await run();
		expect(answerWorkerStats().offThread).toBe(before.offThread);

		configureAnswerWorker({ enabled: true, minBytes: 0 });
		const viaWorker = await run();
		expect(answerWorkerStats().offThread).toBeGreaterThan(before.offThread);
		expect(answerWorkerStats().fallbacks).toBe(before.fallbacks);

		expect(JSON.stringify(viaWorker)).toBe(JSON.stringify(here));
		// …and there was something to compare.
		expect(JSON.stringify(here).length).toBeGreaterThan(200);
	});
});

describe('an answer over the size cap is a clear "size" error', () => {
	/** A well-formed answer of exactly `bytes` bytes (padding in a comment). */
	const padded = (bytes: number, open: string, close: string): MockReply => {
		const frame = `${open}<!---->${close}`;
		const body = `${open}<!--${' '.repeat(bytes - frame.length)}-->${close}`;
		return { status: 200, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body: Buffer.from(body) };
	};
	const PM_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n<rsp stat="ok"><items type="new" total="0" items="0">';
	const PM_CLOSE = '</items></rsp>';
	const DAM_OPEN = '<?xml version="1.0"?>\n<DAMResponse><ModifiedFileResponse>';
	const DAM_CLOSE = '<StatusCode>1</StatusCode></ModifiedFileResponse></DAMResponse>';

	const cases: Array<[string, SwitchingProxy, number, string, () => Promise<unknown>, () => string[]]> = [
		['PantherMedia Poll, 4 MiB + 1 byte', pmProxy, 4 * 1024 * 1024 + 1, 'PantherMedia', pmAction(PM_POLL), pmSecrets],
		[
			'PantherMedia Trigger, 4 MiB + 1 byte',
			pmProxy,
			4 * 1024 * 1024 + 1,
			'PantherMedia',
			pmTrigger({ ...PM_TRIGGER, includeMediaInfo: false }),
			pmSecrets,
		],
		[
			'DAM Get Modified Files, 64 MiB + 1 byte',
			damProxy,
			64 * 1024 * 1024 + 1,
			'Hal Leonard DAM',
			damAction({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: '2015-11-01' }),
			damSecrets,
		],
		[
			'DAM Get Access, 1 MiB + 1 byte',
			damProxy,
			1024 * 1024 + 1,
			'Hal Leonard DAM',
			damAction({ resource: 'asset', operation: 'getAccess', assetId: '1000' }),
			damSecrets,
		],
	];

	it.each(cases)('%s', async (_name, proxy, bytes, provider, run, secrets) => {
		proxy.override = proxy === pmProxy ? padded(bytes, PM_OPEN, PM_CLOSE) : padded(bytes, DAM_OPEN, DAM_CLOSE);
		expect((proxy.override.body as Buffer).length).toBe(bytes);
		const error = await caught(run);
		expect(error.name).toBe('NodeApiError');
		expect(error.message).toBe(`${provider}: The answer is larger than this node accepts`);
		expect(String(error.description)).toContain('Narrow the request');
		expect((error as { apiFailure?: { kind?: string } }).apiFailure?.kind).toBe('size');
		expectNoSecrets(error, secrets());
	});
});

describe.each(PATHS)('a 100,000-deep answer, %s, is a clear malformed-answer error', (_path, settings) => {
	const DEPTH = 100_000;
	const LIMIT_MESSAGE = 'Malformed answer: the XML nests elements more than 64 levels deep, deeper than any answer';
	const pmDeep = (): MockReply => ({
		status: 200,
		headers: { 'content-type': 'text/xml; charset=UTF-8' },
		body: deeplyNested(DEPTH, (nest) => `<?xml version="1.0" encoding="UTF-8"?>\n<rsp stat="ok">${nest}</rsp>`),
	});
	const damDeep = (): MockReply => ({
		status: 200,
		headers: { 'content-type': 'text/xml' },
		body: deeplyNested(
			DEPTH,
			(nest) =>
				`<?xml version="1.0" encoding="ISO-8859-1"?>\n<DAMResponse><ModifiedFileResponse>${nest}</ModifiedFileResponse></DAMResponse>`,
		),
	});

	beforeEach(() => configureAnswerWorker(settings));

	const actions: Array<[string, SwitchingProxy, () => MockReply, string, () => Promise<unknown>, () => string[]]> = [
		['PantherMedia Poll', pmProxy, pmDeep, 'PantherMedia', pmAction(PM_POLL), pmSecrets],
		[
			'DAM Get Modified Files',
			damProxy,
			damDeep,
			'Hal Leonard DAM',
			damAction({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: '2015-11-01' }),
			damSecrets,
		],
		['DAM Get Metadata', damProxy, damDeep, 'Hal Leonard DAM', damAction(DAM_METADATA), damSecrets],
	];

	it.each(actions)('%s', async (_name, proxy, deep, provider, run, secrets) => {
		proxy.override = deep();
		const error = await caught(run);
		expect(error.name).toBe('NodeApiError');
		expect(error.message).toBe(`${provider}: ${LIMIT_MESSAGE}`);
		expect(JSON.stringify(error)).not.toMatch(/call stack/i);
		expectNoSecrets(error, secrets());
	});

	const triggers: Array<[string, SwitchingProxy, () => MockReply, string, () => PollHarness, () => string[]]> = [
		[
			'PantherMedia Trigger',
			pmProxy,
			pmDeep,
			'PantherMedia',
			() =>
				new PollHarness({
					type: 'pantherMediaTrigger',
					parameters: { ...PM_TRIGGER, includeMediaInfo: false } as never,
					credentials: pmCredentials(),
				}),
			pmSecrets,
		],
		[
			'DAM Trigger',
			damProxy,
			damDeep,
			'Hal Leonard DAM',
			() =>
				new PollHarness({
					type: 'halLeonardDamTrigger',
					parameters: DAM_TRIGGER as never,
					credentials: damCredentials(),
				}),
			damSecrets,
		],
	];

	it.each(triggers)(
		'%s fails the poll cleanly, then polls on',
		async (_name, proxy, deep, provider, trigger, secrets) => {
			const harness = trigger();
			proxy.override = deep();
			const error = await caught(() => harness.poll());
			expect(error.name).toBe('NodeApiError');
			expect(error.message).toBe(`${provider}: ${LIMIT_MESSAGE}`);
			expectNoSecrets(error, secrets());

			proxy.override = undefined;
			const items = await harness.poll();
			expect(items?.[0]?.length).toBeGreaterThan(0);
		},
	);
});

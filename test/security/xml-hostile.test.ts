import { existsSync, readFileSync } from 'node:fs';

import {
	type AnswerWorkerSettings,
	answerWorkerStats,
	configureAnswerWorker,
	resetAnswerWorker,
} from '../../nodes/shared/answerWorker';
import { useRecordedSleeps } from '../harness/assertions';
import { cpuStopwatch } from '../harness/clock';
import { PollHarness, executeNode, logLines, testCredential } from '../harness/n8n';
import { useMock } from '../harness/servers';
import { HalLeonardMock } from '../../sandbox/halleonard';
import { PantherMediaMock } from '../../sandbox/panthermedia';
import { type MockReply, type MockRequest, MockServer } from '../../sandbox/server';

/**
 * Hostile XML through the nodes of both XML providers (PantherMedia and the Hal Leonard DAM):
 * each genuine answer of the provider's mock is rewritten on its way to the node to carry an
 * entity bomb, an external entity (a local file, or an address on loopback that counts every
 * visit), an external parameter entity, an external DTD, a DOCTYPE hidden behind a long
 * comment, or an XInclude. For every action operation that reads XML (PantherMedia's Download
 * Preview reads an image, and its XML failures go through the same parser as Get Info), the
 * trigger and the credential test it
 * proves: no entity is expanded, no file is read and no address is fetched (zero visits), the
 * answer is either refused with a clear "Malformed answer" error or read exactly as the same
 * answer without the hostile part, and it is over within generous bounds of time and memory.
 * Every case runs twice: with the answer read on n8n's main thread, and in the answer worker
 * (nodes/shared/answerWorker, where large answers are read) — the same refusals either way.
 */

/** What a file entity would bring in, if anything read it. */
const PASSWD = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0] : 'root:x:0:0:';
const TRAP_TEXT = 'TRAP-ENTITY-EXPANDED';

/** Loopback address that counts every request a parser might make for an entity or DTD. */
const trap = new MockServer(() => ({
	status: 200,
	headers: { 'content-type': 'application/xml-dtd' },
	body: `<!ENTITY leak "${TRAP_TEXT}">`,
}));

/**
 * A proxy between node and mock: forwards each request and hands the XML answer to `rewrite`
 * (as latin1 text, so the bytes of UTF-8 and ISO-8859-1 answers alike come back unchanged).
 */
class RewritingProxy {
	rewrite?: (xml: string) => string;

	readonly server = new MockServer(async (request) => await this.forward(request));

	constructor(private readonly target: () => string) {}

	private async forward(request: MockRequest): Promise<MockReply> {
		const query = request.query.toString();
		const headers: Record<string, string> = {};
		for (const name of ['content-type', 'accept', 'accept-version']) {
			const value = request.headers[name];
			if (typeof value === 'string') headers[name] = value;
		}
		const response = await fetch(`${this.target()}${request.rawPath}${query ? `?${query}` : ''}`, {
			method: request.method,
			headers,
			body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
			redirect: 'manual',
		});
		const type = response.headers.get('content-type') ?? '';
		let body = Buffer.from(await response.arrayBuffer());
		if (this.rewrite && /xml/i.test(type)) body = Buffer.from(this.rewrite(body.toString('latin1')), 'latin1');
		const location = response.headers.get('location');
		return { status: response.status, headers: { 'content-type': type, ...(location ? { location } : {}) }, body };
	}
}

// ---------------------------------------------------------------------------------------------
// Rewrites of a genuine answer.

const ROOT_TAG = /<[A-Za-z_][^>]*>/;

function rootName(xml: string): string {
	return /^<([A-Za-z_][\w.-]*)/.exec(ROOT_TAG.exec(xml)?.[0] ?? '<root')![1];
}

/** Replaces the DOCTYPE (the DAM sends one naming its DTD) and adds `inside` as the root's first child. */
function withDoctype(xml: string, doctype: (root: string) => string, inside = '', before = ''): string {
	const root = rootName(xml);
	const bare = xml.replace(/<!DOCTYPE[^>[]*>\s*/i, '');
	const at = ROOT_TAG.exec(bare)!;
	const end = at.index + at[0].length;
	return `${bare.slice(0, at.index)}${before}${doctype(root)}\n${bare.slice(at.index, end)}${inside}${bare.slice(end)}`;
}

const laughs = (root: string) =>
	[
		`<!DOCTYPE ${root} [`,
		' <!ENTITY lol "lol">',
		...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
		']>',
	].join('\n');

type Body =
	| 'billion laughs'
	| 'file entity'
	| 'http entity'
	| 'parameter entity'
	| 'external DTD'
	| 'DOCTYPE behind a 5 KB comment'
	| 'XInclude';

function hostileBody(body: Body, xml: string, trapUrl: string): string {
	switch (body) {
		case 'billion laughs':
			return withDoctype(xml, laughs, '<note>&lol9;</note>');
		case 'file entity':
			return withDoctype(
				xml,
				(root) => `<!DOCTYPE ${root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`,
				'<note>&xxe;</note>',
			);
		case 'http entity':
			return withDoctype(
				xml,
				(root) => `<!DOCTYPE ${root} [<!ENTITY xxe SYSTEM "${trapUrl}/entity">]>`,
				'<note>&xxe;</note>',
			);
		case 'parameter entity':
			return withDoctype(
				xml,
				(root) => `<!DOCTYPE ${root} [<!ENTITY % remote SYSTEM "${trapUrl}/parameter.dtd"> %remote;]>`,
				'<note>&leak;</note>',
			);
		case 'external DTD':
			// The DAM's own answers name an external DTD too; here it is one on loopback.
			return withDoctype(xml, (root) => `<!DOCTYPE ${root} SYSTEM "${trapUrl}/external.dtd">`);
		case 'DOCTYPE behind a 5 KB comment':
			return withDoctype(
				xml,
				(root) => `<!DOCTYPE ${root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`,
				'<note>&xxe;</note>',
				`<!-- ${'padding '.repeat(640)}-->\n`,
			);
		case 'XInclude': {
			const at = ROOT_TAG.exec(xml)!;
			const end = at.index + at[0].length;
			const include = (href: string) =>
				`<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${href}" parse="text"/>`;
			return `${xml.slice(0, end)}${include('file:///etc/passwd')}${include(`${trapUrl}/xinclude`)}${xml.slice(end)}`;
		}
	}
}

const BODIES: Body[] = [
	'billion laughs',
	'file entity',
	'http entity',
	'parameter entity',
	'external DTD',
	'DOCTYPE behind a 5 KB comment',
	'XInclude',
];

// ---------------------------------------------------------------------------------------------

interface Entry {
	name: string;
	kind: 'action' | 'trigger' | 'credential test';
	run: () => Promise<unknown>;
}

/** What a provider does with each hostile body: refuses it for this reason, or reads it as if it were not there. */
type Expected = { refused: string } | 'inert';

const pm = new PantherMediaMock();
const dam = new HalLeonardMock();
const pmProxy = new RewritingProxy(() => pm.server.baseUrl);
const damProxy = new RewritingProxy(() => dam.server.baseUrl);

const PM_REFUSED = 'the answer declares a DOCTYPE, which PantherMedia never sends (refused unread)';
const DAM_REFUSED = 'the answer declares XML entities in its DOCTYPE, which the DAM never does';

const providers: Array<{ name: string; proxy: RewritingProxy; entries: Entry[]; expected: Record<Body, Expected> }> = [
	{
		name: 'PantherMedia',
		proxy: pmProxy,
		entries: (() => {
			const credentials = () => ({
				pantherMediaApi: { apiKey: pm.apiKey, apiSecret: pm.apiSecret, baseUrl: pmProxy.server.baseUrl },
			});
			const action = (parameters: Record<string, unknown>) => () =>
				executeNode({
					type: 'pantherMedia',
					parameters: { resource: 'media', ...parameters } as never,
					credentials: credentials(),
				});
			return [
				{ name: 'Get Info', kind: 'action', run: action({ operation: 'getInfo', mediaIds: '6001, 6002' }) },
				{
					name: 'Poll',
					kind: 'action',
					run: action({ operation: 'poll', type: 'new', sinceMode: 'date', sinceDate: '2024-01-01', limit: 10 }),
				},
				{ name: 'Search', kind: 'action', run: action({ operation: 'search', query: 'panther', page: 1, limit: 10 }) },
				{
					name: 'the trigger',
					kind: 'trigger',
					run: () =>
						new PollHarness({
							type: 'pantherMediaTrigger',
							parameters: {
								events: ['new', 'changed', 'deleted'],
								includeMediaInfo: true,
								firstRun: 'date',
								startDate: '2024-01-01',
							} as never,
							credentials: credentials(),
						}).poll(),
				},
				{
					name: 'the credential test',
					kind: 'credential test',
					run: () => testCredential('pantherMediaApi', credentials().pantherMediaApi),
				},
			] satisfies Entry[];
		})(),
		expected: {
			'billion laughs': { refused: PM_REFUSED },
			'file entity': { refused: PM_REFUSED },
			'http entity': { refused: PM_REFUSED },
			'parameter entity': { refused: PM_REFUSED },
			'external DTD': { refused: PM_REFUSED },
			// Past the 4 KB the DOCTYPE check looks at, the parser itself refuses external entities.
			'DOCTYPE behind a 5 KB comment': { refused: 'could not read the XML: External entities are not supported' },
			XInclude: 'inert',
		},
	},
	{
		name: 'Hal Leonard DAM',
		proxy: damProxy,
		entries: (() => {
			const credentials = () => ({
				halLeonardDamApi: {
					vendorId: dam.vendorId,
					vendorKey: dam.vendorKey,
					endpoint: `${damProxy.server.baseUrl}/dam`,
				},
			});
			const action = (parameters: Record<string, unknown>) => () =>
				executeNode({ type: 'halLeonardDam', parameters: parameters as never, credentials: credentials() });
			return [
				{
					name: 'Get Modified Files',
					kind: 'action',
					run: action({ resource: 'file', operation: 'getModified', fileType: 'pdf', startDate: '2015-12-01' }),
				},
				{
					name: 'Get Metadata by date range',
					kind: 'action',
					run: action({
						resource: 'asset',
						operation: 'getMetadata',
						requestType: 'all',
						selectBy: 'dateRange',
						startDate: '2015-12-01',
						stopDate: '2016-01-31',
					}),
				},
				{
					name: 'Get Metadata by asset IDs',
					kind: 'action',
					run: action({
						resource: 'asset',
						operation: 'getMetadata',
						requestType: 'all',
						selectBy: 'assetIds',
						assetIds: '1000, 2000',
					}),
				},
				{
					name: 'Get Access',
					kind: 'action',
					run: action({ resource: 'asset', operation: 'getAccess', assetId: '1000', countryCode: 'US' }),
				},
				{
					name: 'the trigger',
					kind: 'trigger',
					run: () =>
						new PollHarness({
							type: 'halLeonardDamTrigger',
							parameters: {
								events: ['modifiedFile', 'assetMetadata'],
								firstRun: 'date',
								startDate: '2015-12-01',
							} as never,
							credentials: credentials(),
						}).poll(),
				},
				{
					name: 'the credential test',
					kind: 'credential test',
					run: () => testCredential('halLeonardDamApi', credentials().halLeonardDamApi),
				},
			] satisfies Entry[];
		})(),
		expected: {
			'billion laughs': { refused: DAM_REFUSED },
			'file entity': { refused: DAM_REFUSED },
			'http entity': { refused: DAM_REFUSED },
			'parameter entity': { refused: DAM_REFUSED },
			'external DTD': 'inert',
			'DOCTYPE behind a 5 KB comment': { refused: DAM_REFUSED },
			XInclude: 'inert',
		},
	},
];

/** Everything a run produced, as text: output items or credential-test result, or the error's every field. */
function outcomeText(outcome: { threw: boolean; value?: unknown; error?: Error }): string {
	if (!outcome.threw) return JSON.stringify(outcome.value);
	const error = outcome.error as Error & Record<string, unknown>;
	return [
		error.message,
		String(error.description ?? ''),
		JSON.stringify(error.errorResponse ?? null),
		JSON.stringify(error.context ?? null),
	].join('\n');
}

async function settle(run: () => Promise<unknown>): Promise<{ threw: boolean; value?: unknown; error?: Error }> {
	return await run().then(
		(value) => ({ threw: false, value }),
		(error: unknown) => ({ threw: true, error: error as Error }),
	);
}

function comparable(value: unknown): string {
	return JSON.stringify(value);
}

describe('Hostile XML answers through the PantherMedia and Hal Leonard DAM nodes', () => {
	for (const server of [trap, pm, dam, pmProxy.server, damProxy.server]) useMock(server);
	useRecordedSleeps();
	beforeAll(() => {
		for (const id of ['6001', '6002']) pm.addMedia({ id, at: Date.UTC(2024, 0, 2), title: `Panther ${id}` });
		pm.server.advance(5 * 24 * 3600 * 1000); // past PantherMedia's publication lag
		dam.putFile('1234', 'HL_DDS_0000000000074222.pdf', 16776); // 2015/12/7
		dam.putAsset({ assetId: '1000', kind: 'asset', title: 'Für Elise', day: 16776 });
		dam.putAsset({ assetId: '2000', kind: 'package', title: 'Klavierstücke', day: 16777 });
	});
	beforeEach(() => {
		pmProxy.rewrite = undefined;
		damProxy.rewrite = undefined;
	});

	const cases = providers.flatMap((provider) =>
		provider.entries.flatMap((entry) =>
			BODIES.map((body) => [`${provider.name} ${entry.name}: ${body}`, provider, entry, body] as const),
		),
	);

	const paths: Array<[string, Partial<AnswerWorkerSettings>]> = [
		['read on the main thread', { enabled: false }],
		['read in the answer worker', { enabled: true, minBytes: 0 }],
	];
	let defaults: AnswerWorkerSettings;
	beforeAll(() => {
		defaults = configureAnswerWorker({});
	});
	afterAll(async () => {
		configureAnswerWorker(defaults);
		await resetAnswerWorker();
	});

	describe.each(paths)('%s', (_path, settings) => {
		beforeEach(() => configureAnswerWorker(settings));
		afterEach(() => configureAnswerWorker(defaults));

		it.each(cases)(
			'%s — no expansion, no file read, no fetch; refused clearly or read as if absent',
			async (_title, provider, entry, body) => {
				// The same run on the genuine answer, to compare an inert read with.
				const baseline = await settle(entry.run);
				expect(baseline.threw).toBe(false);
				// …which has something to read: items, a poll with changes, an accepted credential.
				if (entry.kind === 'credential test') expect(baseline.value).toMatchObject({ status: 'OK' });
				else if (entry.kind === 'trigger')
					expect((baseline.value as unknown[][] | null)?.[0]?.length).toBeGreaterThan(0);
				else expect((baseline.value as { output: unknown[][] }).output[0].length).toBeGreaterThan(0);

				const logsBefore = logLines.length;
				provider.proxy.rewrite = (xml) => hostileBody(body, xml, trap.baseUrl);
				const heapBefore = process.memoryUsage().heapUsed;
				const cpuMs = cpuStopwatch();
				const before = answerWorkerStats();
				const outcome = await settle(entry.run);
				const elapsed = cpuMs();

				// The answer was read where this block says (every entry point, the credential tests
				// included, reads through the same client).
				const after = answerWorkerStats();
				expect(after.fallbacks).toBe(before.fallbacks);
				expect(after.offThread > before.offThread).toBe(settings.enabled === true);

				// Nothing was fetched, read or expanded, anywhere the node reports or logs.
				expect(trap.requests).toHaveLength(0);
				const text = `${outcomeText(outcome)}\n${logLines
					.slice(logsBefore)
					.map((l) => l.message)
					.join('\n')}`;
				expect(text).not.toContain(PASSWD);
				expect(text).not.toContain(TRAP_TEXT);
				expect(text).not.toContain('lollollol');
				// Generous safety bounds against a runaway expansion (it would take minutes, gigabytes); the
				// time in CPU time (every thread, the answer worker's too), which a busy machine does not stretch.
				expect(elapsed).toBeLessThan(20_000);
				expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);

				const expected = provider.expected[body];
				if (expected === 'inert') {
					expect(outcome.threw).toBe(false);
					expect(comparable(outcome.value)).toBe(comparable(baseline.value));
				} else if (entry.kind === 'credential test') {
					expect(outcome.threw).toBe(false);
					expect(outcome.value).toMatchObject({ status: 'Error' });
					expect((outcome.value as { message: string }).message).toContain(expected.refused);
				} else {
					expect(outcome.threw).toBe(true);
					expect(outcome.error!.name).toBe('NodeApiError');
					expect(outcome.error!.message).toBe(`${provider.name}: Malformed answer: ${expected.refused}`);
				}
			},
		);
	});
});

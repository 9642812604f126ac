import { type MockReply, type MockRequest, MockServer } from '../../sandbox/server';
import { expectNoSecrets, useRecordedSleeps } from '../harness/assertions';
import { freePort, useMock } from '../harness/servers';

/**
 * A hostile or careless server for the security tests: it answers every request with whatever
 * the test sets in `answer`, and can put the whole request it received — method, URL, every
 * header (X-API-Key, Authorization), the body (form fields with api_key and access_key, the DAM
 * document with VendorKey) — into that answer. Nodes must never carry any of it into an error,
 * an output item or a log line.
 */
export class HostileServer {
	readonly server: MockServer;

	answer: (request: MockRequest, echo: string) => MockReply = () => ({ status: 200, body: '' });

	constructor() {
		this.server = new MockServer((request) => this.answer(request, echoOf(request)));
	}

	async start(): Promise<string> {
		return await this.server.start();
	}

	async stop(): Promise<void> {
		await this.server.stop();
	}

	reset(): void {
		this.server.resetLog();
		this.server.clearFaults();
		this.answer = () => ({ status: 200, body: '' });
	}
}

/** Everything a request carried, the way a debugging server would print it back. */
export function echoOf(request: MockRequest): string {
	const query = request.query.toString();
	const headers = Object.entries(request.headers)
		.map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
		.join('\n');
	// The body as sent and, for a form, decoded too (a server that logs parsed parameters).
	let decoded = '';
	if (/x-www-form-urlencoded/.test(String(request.headers['content-type'] ?? ''))) {
		decoded = `\nparams: ${JSON.stringify(Object.fromEntries(new URLSearchParams(request.text)))}`;
	}
	return `${request.method} ${request.rawPath}${query ? `?${query}` : ''}\n${headers}\n\n${request.text}${decoded}`;
}

export const xmlEscape = (text: string) =>
	text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');

/** A secret as it may appear in an echo: raw, URL-encoded, XML-escaped, JSON-escaped. */
export function secretForms(secrets: readonly string[]): string[] {
	const forms = new Set<string>();
	for (const secret of secrets) {
		if (!secret) continue;
		forms.add(secret);
		forms.add(encodeURIComponent(secret));
		forms.add(xmlEscape(secret));
		forms.add(JSON.stringify(secret).slice(1, -1));
	}
	return [...forms].filter((form) => form.length >= 4);
}

/**
 * The answers every provider gets, each carrying the echo of the request: error statuses with
 * JSON, text and HTML bodies, a rate limit whose Retry-After is too long to wait for, server
 * errors (retried, then final), and 2xx answers that are not what the API promised. Provider
 * tables add their own "failure inside a 2xx" answers.
 */
export function commonAnswers(): Array<[string, (request: MockRequest, echo: string) => MockReply]> {
	const json = (status: number, body: unknown, headers: Record<string, string> = {}): MockReply => ({
		status,
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body),
	});
	return [
		[
			'HTTP 400 with the request in a JSON error',
			(_r, echo) => json(400, { error: `Bad request: ${echo}`, message: echo }),
		],
		[
			'HTTP 401 with the request in a JSON error',
			(_r, echo) => json(401, { error: `Invalid credentials in ${echo}`, detail: echo, message: echo }),
		],
		[
			'HTTP 403 with the request as plain text',
			(_r, echo) => ({ status: 403, headers: { 'content-type': 'text/plain' }, body: `Forbidden\n${echo}` }),
		],
		[
			'HTTP 404 with the request in an HTML page',
			(_r, echo) => ({
				status: 404,
				headers: { 'content-type': 'text/html' },
				body: `<html><body><h1>Not Found</h1><pre>${echo}</pre></body></html>`,
			}),
		],
		[
			'HTTP 422 with the request in every validation message',
			(_r, echo) =>
				json(422, {
					detail: [{ loc: ['query', 'since'], msg: echo, type: 'value_error' }],
					errors: { url: [echo], base: echo },
					error: `Invalid parameter 'x' value ${JSON.stringify(echo)}`,
				}),
		],
		[
			'HTTP 429 with a Retry-After too long to wait, and the request',
			(_r, echo) => json(429, { error: echo }, { 'retry-after': '86400' }),
		],
		[
			'HTTP 500 with the request as plain text (retried, then final)',
			(_r, echo) => ({ status: 500, headers: { 'content-type': 'text/plain' }, body: `Traceback: ${echo}` }),
		],
		[
			'HTTP 503 with Retry-After and the request in an HTML page',
			(_r, echo) => ({
				status: 503,
				headers: { 'content-type': 'text/html', 'retry-after': '1' },
				body: `<html>${echo}</html>`,
			}),
		],
		[
			'HTTP 200 whose body is the request itself (neither JSON nor XML)',
			(_r, echo) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: echo }),
		],
		['HTTP 200 JSON of an unexpected shape holding the request', (_r, echo) => json(200, { debug: echo, stat: echo })],
		[
			'HTTP 200 XML of an unexpected shape holding the request',
			(_r, echo) => ({
				status: 200,
				headers: { 'content-type': 'text/xml' },
				body: `<?xml version="1.0"?><debug stat="${xmlEscape(echo)}">${xmlEscape(echo)}</debug>`,
			}),
		],
	];
}

/** Faults at the network level: the error must say what happened, nothing more. */
export const NETWORK_FAULTS = ['connection reset', 'truncated answer', 'nothing listening'] as const;
export type NetworkFault = (typeof NETWORK_FAULTS)[number];

/** Asserts that no form of any secret is in `value` (an error, an output item, a credential-test result) or in a log line. */
export function expectClean(value: unknown, secrets: readonly string[]): void {
	const forms = secretForms(secrets);
	if (value instanceof Error) {
		expectNoSecrets(value, forms);
	} else {
		// Plain data (output items, credential-test results): its JSON form, plus the log lines.
		expectNoSecrets(Object.assign(new Error(JSON.stringify(value)), { stack: '' }), forms);
	}
}

// ---------------------------------------------------------------------------------------------
// The table every provider runs: each node entry point × each hostile answer or network fault.

export interface EntryPoint {
	name: string;
	/** What it returns on failure: a thrown node error, or a result (credential test). */
	kind: 'throws' | 'credential test';
	run: (baseUrl: string, options: { continueOnFail?: boolean; pollBudgetMs?: number }) => Promise<unknown>;
	/** Action nodes: run again with Continue On Fail and check the error item too. */
	continueOnFail?: boolean;
	/** Triggers: also run into the poll budget with a slow answer. */
	trigger?: boolean;
	/**
	 * Answers this entry point rightly takes as a success: a 2xx whose body the API leaves open
	 * (a delete's confirmation). The run must succeed and log nothing secret; its output is the
	 * server's own answer, passed on as data.
	 */
	accepts?: readonly string[];
}

export interface SecretTable {
	hostile: HostileServer;
	/** The credential's secrets plus anything secret the requests carried (signatures). */
	secrets: () => string[];
	/** A secret that must have reached the server, to prove the echo really held one. */
	sentSecret: () => string;
	entryPoints: EntryPoint[];
	/** Provider answers added to {@link commonAnswers} (failures inside a 2xx, in its own format). */
	answers: Array<[string, (request: MockRequest, echo: string) => MockReply]>;
}

const isNodeError = (error: Error) => /^Node(Api|Operation)Error$/.test(error.name);

/**
 * Redirects a hostile provider may answer with: to another origin (another port of the same host
 * is enough), built from the request so the address itself carries the secret, and a loop on the
 * provider's own host. `trap` is the other origin: whatever reaches it has left the provider.
 */
export function redirectAnswers(
	trap: () => string,
): Array<[string, (request: MockRequest, echo: string) => MockReply]> {
	const to =
		(status: number) =>
		(_r: MockRequest, echo: string): MockReply => ({
			status,
			headers: { location: `${trap()}/moved?request=${encodeURIComponent(echo)}`, 'content-type': 'text/plain' },
			body: `Moved: ${echo}`,
		});
	return [
		...[301, 302, 303, 307, 308].map((status): [string, (request: MockRequest, echo: string) => MockReply] => [
			`HTTP ${status} to another origin, the address built from the request`,
			to(status),
		]),
		[
			'a redirect loop on the provider’s own host',
			(request) => ({
				status: 302,
				headers: {
					location: request.rawPath.endsWith('/loop') ? request.rawPath.slice(0, -5) : `${request.rawPath}/loop`,
				},
			}),
		],
	];
}

/**
 * Echoes that defeat a redactor which cuts before it masks, or matches letter case: the request
 * padded so that the secret straddles the 300-character excerpt of an error body (and the
 * 80-character excerpt of a malformed 2xx), and the request upper-cased.
 */
export function cutAnswers(secret: () => string): Array<[string, (request: MockRequest, echo: string) => MockReply]> {
	const straddling = (echo: string, cut: number) => {
		const oneLine = echo.replace(/\s+/g, ' ');
		const at = oneLine.indexOf(secret());
		// Ten characters of the secret before the cut, the rest after it.
		return at < 0 ? oneLine : `${'x'.repeat(Math.max(0, cut - 10 - at))}${oneLine}`;
	};
	return [
		[
			'HTTP 400 as text with the secret across the error excerpt’s cut',
			(_r, echo) => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: straddling(echo, 300) }),
		],
		[
			'HTTP 200 malformed, with the secret across the parser excerpt’s cut',
			(_r, echo) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: straddling(echo, 80) }),
		],
		[
			'HTTP 400 echoing the request upper-cased',
			(_r, echo) => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: echo.toUpperCase() }),
		],
	];
}

/**
 * Registers, inside the caller's describe, one test per entry point and hostile answer, with the
 * hostile server serving them (reset before each) and the transport's waits skipped.
 */
export function secretTable(table: SecretTable): void {
	const cases: Array<[string, EntryPoint, string]> = [];
	const baseUrl = useMock(table.hostile, { reset: (hostile) => hostile.reset() });
	useRecordedSleeps();
	// Another origin a redirect may point to: nothing may ever reach it.
	const trap = new MockServer(() => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'trap' }));
	useMock(trap);
	const answers = [
		...commonAnswers(),
		...redirectAnswers(() => trap.baseUrl),
		...cutAnswers(table.sentSecret),
		...table.answers,
	];
	for (const entry of table.entryPoints) {
		for (const [answer] of answers) cases.push([`${entry.name}: ${answer}`, entry, answer]);
		for (const fault of NETWORK_FAULTS) cases.push([`${entry.name}: ${fault}`, entry, fault]);
		if (entry.trigger) cases.push([`${entry.name}: a slow answer that runs into the poll budget`, entry, 'slow']);
	}

	it.each(cases)('keeps every secret out of the outcome — %s', async (_title, entry, answerName) => {
		const { hostile } = table;
		let url = baseUrl();
		const answer = answers.find(([name]) => name === answerName)?.[1];
		let pollBudgetMs: number | undefined;
		if (answer) {
			hostile.answer = answer;
		} else if (answerName === 'connection reset') {
			hostile.server.injectFault({ kind: 'reset' }, { times: 1000 });
		} else if (answerName === 'truncated answer') {
			hostile.answer = (_r, echo) => ({
				status: 200,
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ echo, more: echo }),
			});
			hostile.server.injectFault({ kind: 'truncate' }, { times: 1000 });
		} else if (answerName === 'nothing listening') {
			url = `http://127.0.0.1:${await freePort()}`;
		} else if (answerName === 'slow') {
			hostile.answer = (_r, echo) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: echo });
			hostile.server.injectFault({ kind: 'slow', delayMs: 2_500 }, { times: 1000 });
			pollBudgetMs = 1_500;
		}

		const outcome = await entry.run(url, { pollBudgetMs }).then(
			(value) => ({ threw: false as const, value }),
			(error: unknown) => ({ threw: true as const, error: error as Error }),
		);
		if (answerName !== 'nothing listening') {
			// The secret really was in what the server could echo back.
			expect(hostile.server.requests.length).toBeGreaterThan(0);
			expect(hostile.server.requests.some((r) => echoOf(r).includes(table.sentSecret()))).toBe(true);
		}
		// No request of any entry point ever follows a redirect off the provider's host.
		expect(trap.requests).toHaveLength(0);
		if (answerName.startsWith('a redirect loop')) expect(hostile.server.requests.length).toBeLessThanOrEqual(4 * 6);
		if (entry.accepts?.includes(answerName)) {
			expect(outcome.threw).toBe(false);
			expectClean(Object.assign(new Error(''), { stack: '' }), table.secrets());
			return;
		}
		if (entry.kind === 'throws') {
			// Every hostile answer is a failure: a clear node error, never a crash or a silent success.
			expect(outcome.threw).toBe(true);
			const error = (outcome as { error: Error }).error;
			expect(isNodeError(error)).toBe(true);
			expect(error.message).toMatch(/\S/);
			expectClean(error, table.secrets());
		} else {
			expect(outcome.threw).toBe(false);
			const result = (outcome as { value: { status: string; message: string } }).value;
			expect(result.status).toBe('Error');
			expectClean(result, table.secrets());
		}

		if (entry.continueOnFail) {
			const result = (await entry.run(url, { continueOnFail: true })) as {
				output: Array<Array<{ json: Record<string, unknown> }>>;
			};
			expect(typeof result.output[0][0].json.error).toBe('string');
			expectClean(result.output, table.secrets());
		}
	});
}

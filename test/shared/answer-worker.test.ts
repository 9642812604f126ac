import { spawn } from 'node:child_process';
import { join } from 'node:path';

import type { Logger } from 'n8n-workflow';

import { DAM_ANSWERS } from '../../nodes/HalLeonardDam/transport/answers';
import { PANTHERMEDIA_ANSWERS } from '../../nodes/PantherMedia/transport/answers';
import {
	type AnswerWorkerSettings,
	answerWorkerStats,
	configureAnswerWorker,
	readAnswer,
	resetAnswerWorker,
} from '../../nodes/shared/answerWorker';
import { MalformedResponseError, ProviderFailure } from '../../nodes/shared/transport/answerErrors';
import type { RawResponse } from '../../nodes/shared/transport/http';
import { damMetadata, damModifiedFiles, pollPage } from '../../sandbox/large-xml';
import { PROBE_READERS } from './fixtures/probe-readers';

/**
 * The answer worker on its own (the nodes' paths through it are in
 * test/security/xml-large-and-deep.test.ts): when it is used, that its results and failures are
 * those of the same reader on the main thread, and how it behaves when it cannot start, runs out
 * of time or memory, or is left idle.
 */

const answer = (body: Buffer, headers: Record<string, string> = {}): RawResponse => ({ status: 200, headers, body });

function warnings(): { logger: Logger; messages: string[] } {
	const messages: string[] = [];
	const ignore = () => undefined;
	const logger = { warn: (message: string) => messages.push(message), info: ignore, debug: ignore, error: ignore };
	return { logger: logger as unknown as Logger, messages };
}

let defaults: AnswerWorkerSettings;
beforeAll(() => {
	defaults = configureAnswerWorker({});
});
afterEach(async () => {
	configureAnswerWorker({ ...defaults, workerScript: undefined });
	await resetAnswerWorker();
});

describe('the answer worker', () => {
	it('reads answers below the threshold on the main thread and larger ones in the worker', async () => {
		configureAnswerWorker({ minBytes: 64 * 1024 });
		const small = pollPage({ rows: 100 });
		const large = pollPage({ rows: 2_000 });
		expect(small.body.length).toBeLessThan(64 * 1024);
		expect(large.body.length).toBeGreaterThan(64 * 1024);

		expect((await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, answer(small.body))).items).toHaveLength(100);
		expect(answerWorkerStats()).toMatchObject({ onThread: 1, offThread: 0, workersStarted: 0, running: false });
		expect((await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, answer(large.body))).items).toHaveLength(2_000);
		expect(answerWorkerStats()).toMatchObject({ onThread: 1, offThread: 1, workersStarted: 1, running: true });
	});

	it('hands a large result back in slices, equal to the same reader on the main thread', async () => {
		configureAnswerWorker({ minBytes: 0, sliceBytes: 64 * 1024 });
		const cases: Array<[string, () => Promise<unknown>, () => unknown]> = [];
		const page = answer(pollPage({ rows: 20_000 }).body, { 'content-type': 'text/xml; charset=UTF-8' });
		cases.push([
			'poll page',
			() => readAnswer(PANTHERMEDIA_ANSWERS.pollPage, page),
			() => PANTHERMEDIA_ANSWERS.pollPage.read(page),
		]);
		const files = answer(damModifiedFiles({ maxBytes: 2 * 1024 * 1024 }).body, { 'content-type': 'text/xml' });
		cases.push([
			'modified files',
			() => readAnswer(DAM_ANSWERS.modifiedFiles, files),
			() => DAM_ANSWERS.modifiedFiles.read(files),
		]);
		const metadata = answer(damMetadata({ maxBytes: 2 * 1024 * 1024 }).body, { 'content-type': 'text/xml' });
		cases.push([
			'metadata records',
			() => readAnswer(DAM_ANSWERS.metadata, metadata),
			() => DAM_ANSWERS.metadata.read(metadata),
		]);
		for (const [name, inWorker, here] of cases) {
			const slicesBefore = answerWorkerStats().slices;
			const viaWorker = await inWorker();
			expect([name, answerWorkerStats().slices - slicesBefore > 10]).toEqual([name, true]);
			expect([name, viaWorker]).toEqual([name, here()]);
		}
		// Latin-1 letters and the delete marker survived the trip.
		const { records } = await readAnswer(DAM_ANSWERS.metadata, metadata);
		expect(records[0].metadata.Title).toBe('Für Elise 100000');
		expect(records.filter((r) => r.deleted).length).toBeGreaterThan(0);
	});

	it('moves the answer’s body to the worker and back: the caller’s response is whole afterwards', async () => {
		configureAnswerWorker({ minBytes: 0 });
		const { body } = pollPage({ rows: 1_000 });
		const original = Buffer.from(body);
		const response = answer(body);
		await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, response);
		// Transferred, not copied: the Buffer handed in is now empty, its memory back in a new one.
		expect(body.length).toBe(0);
		expect(response.body.equals(original)).toBe(true);
		// A Buffer sharing Node's pool is copied instead: its neighbours keep their bytes.
		const pooled = Buffer.from('<rsp stat="ok"><items type="new"/></rsp>');
		expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
		const small = answer(pooled);
		await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, small);
		expect(pooled.toString()).toBe('<rsp stat="ok"><items type="new"/></rsp>');
		expect(answerWorkerStats()).toMatchObject({ offThread: 2 });
	});

	it('rebuilds a reader’s failure as the same class on the main thread', async () => {
		configureAnswerWorker({ minBytes: 0 });
		const failed = answer(Buffer.from('<rsp stat="fail"><err code="403" msg="poll is not available"/></rsp>'));
		const error = await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, failed).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderFailure);
		expect((error as ProviderFailure).details).toMatchObject({
			providerCode: '403',
			providerMessage: 'poll is not available',
			cause: 'credential-invalid',
		});

		const truncated = answer(Buffer.from('<rsp stat="ok"><items><media id="1"/>'));
		const malformed = await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, truncated).catch((e: unknown) => e);
		expect(malformed).toBeInstanceOf(MalformedResponseError);
		expect((malformed as Error).message).toMatch(/^not well-formed XML/);

		const bug = await readAnswer(PROBE_READERS.broken, answer(Buffer.from('<x/>'))).catch((e: unknown) => e);
		expect(bug).toBeInstanceOf(Error);
		expect(bug).toMatchObject({ name: 'TypeError', message: 'a bug in a reader' });
		expect(answerWorkerStats()).toMatchObject({ offThread: 3, fallbacks: 0 });
	});

	it('never loads n8n-workflow: the readers run without it', async () => {
		configureAnswerWorker({ minBytes: 0 });
		await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, answer(pollPage({ rows: 10 }).body));
		await readAnswer(DAM_ANSWERS.metadata, answer(damMetadata({ maxBytes: 8 * 1024 }).body));
		const modules = await readAnswer(PROBE_READERS.loadedModules, answer(Buffer.from('<x/>')));
		expect(modules.some((path) => path.includes('fast-xml-parser'))).toBe(true);
		expect(modules.some((path) => path.endsWith(join('HalLeonardDam', 'model.ts')))).toBe(true);
		expect(modules.filter((path) => path.includes(join('node_modules', 'n8n-workflow')))).toEqual([]);
	});

	it('falls back to the main thread, with a warning, when the worker cannot start', async () => {
		configureAnswerWorker({ minBytes: 0, workerScript: join(__dirname, 'fixtures', 'no-such-worker.js') });
		const { logger, messages } = warnings();
		const page = pollPage({ rows: 500 });
		const first = await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, answer(page.body), { logger });
		const second = await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, answer(page.body), { logger });
		expect(first.items).toHaveLength(500);
		expect(second).toEqual(first);
		expect(answerWorkerStats()).toMatchObject({ fallbacks: 2, offThread: 0, running: false });
		// One warning per failed start, not one per read.
		expect(messages).toHaveLength(1);
		expect(messages[0]).toMatch(/the XML answer worker could not be started .*read on n8n's main thread/);
	});

	it('abandons a read that outlives its time, and the next read gets a fresh worker', async () => {
		configureAnswerWorker({ minBytes: 0 });
		// A first read starts the worker, so the next one is in flight when its time is up.
		await readAnswer(DAM_ANSWERS.modifiedFiles, answer(damModifiedFiles({ maxBytes: 8 * 1024 }).body));
		configureAnswerWorker({ timeLimitMs: 100 });
		const big = damModifiedFiles({ maxBytes: 16 * 1024 * 1024 });
		const error = await readAnswer(DAM_ANSWERS.modifiedFiles, answer(big.body)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderFailure);
		expect((error as ProviderFailure).details).toMatchObject({ kind: 'size' });
		expect((error as Error).message).toBe('Reading the 16.0 MiB answer took longer than 0.1 s; it was abandoned');
		expect(answerWorkerStats()).toMatchObject({ workersLost: 1, running: false, pending: 0 });

		configureAnswerWorker({ timeLimitMs: defaults.timeLimitMs });
		const { files } = await readAnswer(
			DAM_ANSWERS.modifiedFiles,
			answer(damModifiedFiles({ maxBytes: 64 * 1024 }).body),
		);
		expect(files.length).toBeGreaterThan(100);
		expect(answerWorkerStats()).toMatchObject({ workersStarted: 2, pending: 0 });
	});

	it('abandons a read at the deadline it was given (the poll budget)', async () => {
		configureAnswerWorker({ minBytes: 0, minReadMs: 1 });
		await readAnswer(DAM_ANSWERS.modifiedFiles, answer(damModifiedFiles({ maxBytes: 8 * 1024 }).body));
		const big = damModifiedFiles({ maxBytes: 16 * 1024 * 1024 });
		const error = await readAnswer(DAM_ANSWERS.modifiedFiles, answer(big.body), { deadline: Date.now() }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(ProviderFailure);
		expect((error as ProviderFailure).details).toMatchObject({ kind: 'timeout' });
		expect((error as Error).message).toBe(
			'Reading the 16.0 MiB answer did not finish within the time left for this run',
		);
		expect(answerWorkerStats()).toMatchObject({ workersLost: 1, pending: 0 });
	});

	it('ends the worker, not n8n, when an answer needs more memory than the worker may use', async () => {
		configureAnswerWorker({ minBytes: 0, maxHeapMb: 32 });
		const big = damMetadata({ maxBytes: 24 * 1024 * 1024 });
		const heapBefore = process.memoryUsage().heapUsed;
		const error = await readAnswer(DAM_ANSWERS.metadata, answer(big.body)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderFailure);
		expect((error as ProviderFailure).details).toMatchObject({ kind: 'size' });
		expect((error as Error).message).toBe(
			'The 24.0 MiB answer needs more memory to read than this node allows (32 MiB)',
		);
		expect(answerWorkerStats()).toMatchObject({ workersLost: 1, running: false, pending: 0 });
		// The parse happened elsewhere: this heap did not take the records (hundreds of MiB).
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
	});

	it('does not keep a process alive once it has nothing to do', async () => {
		const script = join(__dirname, 'fixtures', 'read-in-worker-then-return.ts');
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test, not part of the package: runs one of its fixtures in a fresh Node.js process
		const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bench', 'child', 'run-ts.js'), script], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		// The worker's idle timeout is 10 minutes there: exiting sooner proves the worker is unref'd.
		const exit = await new Promise<number | string>((resolve) => {
			const guard = setTimeout(() => {
				child.kill('SIGKILL');
				resolve('still running after 120 s');
			}, 120_000);
			child.on('exit', (code) => {
				clearTimeout(guard);
				resolve(code ?? 'killed');
			});
		});
		expect(exit).toBe(0);
		expect(JSON.parse(output)).toMatchObject({ rows: 5_000, read: 5_000, offThread: 1, running: true, pending: 0 });
	}, 150_000);
});

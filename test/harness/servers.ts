import { type Server, createConnection, createServer } from 'node:net';

import { MockServer } from '../../sandbox/server';

/**
 * The servers a test runs against, started and stopped the same way in every file: a provider's
 * mock, a bare {@link MockServer} (a trap for redirects, a CDN), a hostile server. The hooks
 * register in the describe block (or file) that calls them, so each test file says once what it
 * serves and keeps only its own set-up.
 */

/** Anything a test starts and stops: `start()` answers with the base URL it listens on. */
export interface Startable {
	start(): Promise<string>;
	stop(): Promise<void>;
}

/** A provider mock, or anything else that serves through a {@link MockServer} of its own. */
export interface Served extends Startable {
	readonly server: MockServer;
}

/** The HTTP server behind a target: its request log and fault queue are what the hooks clear. */
function serverOf(target: Startable): MockServer | undefined {
	if (target instanceof MockServer) return target;
	const server = (target as Partial<Served>).server;
	return server instanceof MockServer ? server : undefined;
}

export interface UseMockOptions<T> {
	/**
	 * Puts back what the tests change on the target, before each test (after its request log and
	 * queued faults are cleared): a quota, an error style, a setting a test flipped.
	 */
	reset?: (target: T) => void;
}

/**
 * Serves `target` to the tests of the enclosing block: started before the first, stopped after
 * the last; before each test its request log and queued faults are cleared, then `reset` runs.
 * Returns the base URL it listens on (read it inside a test or hook: it is known once started).
 */
export function useMock<T extends Startable>(target: T, options: UseMockOptions<T> = {}): () => string {
	let baseUrl = '';
	beforeAll(async () => {
		baseUrl = await target.start();
	});
	afterAll(async () => await target.stop());
	beforeEach(() => {
		const server = serverOf(target);
		server?.resetLog();
		server?.clearFaults();
		options.reset?.(target);
	});
	return () => baseUrl;
}

/**
 * A fresh target for every test, for tests that build up the provider's whole state: `create`
 * runs and the result starts before each test, and stops after it. `create` usually also assigns
 * the file's `mock` variable, so test bodies read `mock.…` as with {@link useMock}.
 * Returns the base URL of the current test's target.
 */
export function useFreshMock<T extends Startable>(create: () => T): () => string {
	let target: T | undefined;
	let baseUrl = '';
	beforeEach(async () => {
		target = create();
		baseUrl = await target.start();
	});
	afterEach(async () => {
		await target?.stop();
		target = undefined;
	});
	return () => baseUrl;
}

/** Runs `body` against `target`, started for it and stopped afterwards, whatever `body` does. */
export async function withMock<T extends Startable, R>(
	target: T,
	body: (target: T, baseUrl: string) => Promise<R>,
): Promise<R> {
	const baseUrl = await target.start();
	try {
		return await body(target, baseUrl);
	} finally {
		await target.stop();
	}
}

/** A port on 127.0.0.1 nothing listens on (yet). */
export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** A TCP forwarder from `port` to `targetPort`, started on demand (to turn a refused port into a working one). */
export async function forward(port: number, targetPort: number): Promise<Server> {
	const server = createServer((socket) => {
		const upstream = createConnection(targetPort, '127.0.0.1');
		socket.pipe(upstream).pipe(socket);
		socket.on('error', () => upstream.destroy());
		upstream.on('error', () => socket.destroy());
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return server;
}

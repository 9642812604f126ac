import { isAbsolute, join, relative } from 'node:path';
import { parentPort } from 'node:worker_threads';

import type { FromWorker, ToWorker } from './protocol';
import { type AnswerReader, splitRows, toWireError } from './readers';

/**
 * The answer worker: runs answer readers (XML parse + the provider's reader) off n8n's event
 * loop and hands back their compact results, the long lists in slices on request (see pool.ts).
 * One job at a time: the main thread sends the next one only when this one is delivered.
 */

/**
 * Readers are loaded only from this package's own files: under the folder that holds nodes/
 * (dist/ in the package; the repository when run from the sources).
 */
const PACKAGE_ROOT = join(__dirname, '..', '..', '..');

interface Delivery {
	id: number;
	rows: unknown[];
	next: number;
	perSlice: number;
}

let delivery: Delivery | undefined;

/** Posts `message`, handing back the answer's body it carries (transferred, not copied). */
function send(message: FromWorker): void {
	parentPort!.postMessage(message, 'body' in message ? [message.body.buffer as ArrayBuffer] : []);
}

function loadReader(module: string, table: string, name: string): AnswerReader<unknown> {
	const inside = relative(PACKAGE_ROOT, module);
	if (!isAbsolute(module) || inside.startsWith('..') || isAbsolute(inside)) {
		throw new Error(`refusing to load a reader from outside the package: ${module}`);
	}
	// A computed require: the module is one of this package's reader modules, named by the main thread.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exports = require(module) as Record<string, Record<string, AnswerReader<unknown>> | undefined>;
	const reader = exports[table]?.[name];
	if (!reader || typeof reader.read !== 'function') throw new Error(`no reader ${table}.${name} in ${module}`);
	return reader;
}

function slice(current: Delivery): { rows: unknown[]; more: boolean } {
	const rows = current.rows.slice(current.next, current.next + current.perSlice);
	current.next += rows.length;
	return { rows, more: current.next < current.rows.length };
}

function read(job: Extract<ToWorker, { type: 'read' }>): void {
	delivery = undefined;
	const { body } = job.response;
	let reader: AnswerReader<unknown>;
	try {
		reader = loadReader(job.module, job.table, job.name);
	} catch (error) {
		send({ type: 'unavailable', id: job.id, reason: error instanceof Error ? error.message : String(error), body });
		return;
	}
	const response = {
		status: job.response.status,
		headers: job.response.headers,
		body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
	};
	let value: unknown;
	try {
		value = reader.read(response);
	} catch (error) {
		send({ type: 'failed', id: job.id, error: toWireError(error), body });
		return;
	}
	const { head, rows } = splitRows(value, reader.rows);
	if (rows === undefined) {
		send({ type: 'result', id: job.id, head, more: false, body });
		return;
	}
	// Slices of about `sliceBytes` of the answer each, by the rows' share of the body.
	const perSlice = Math.max(1, Math.floor((rows.length * job.sliceBytes) / Math.max(1, body.byteLength)));
	delivery = { id: job.id, rows, next: 0, perSlice };
	const first = slice(delivery);
	send({ type: 'result', id: job.id, head, rows: first.rows, more: first.more, body });
	if (!first.more) delivery = undefined;
}

parentPort!.on('message', (message: ToWorker) => {
	if (message.type === 'read') {
		read(message);
	} else if (message.type === 'more') {
		if (!delivery || delivery.id !== message.id) {
			send({ type: 'rows', id: message.id, rows: [], more: false });
			return;
		}
		const next = slice(delivery);
		send({ type: 'rows', id: message.id, rows: next.rows, more: next.more });
		if (!next.more) delivery = undefined;
	}
});

send({ type: 'ready' });

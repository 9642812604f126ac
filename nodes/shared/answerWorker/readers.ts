import { MalformedResponseError, ProviderFailure } from '../transport/answerErrors';
import type { RawResponse } from '../transport/http';

/**
 * Answer readers that can run on either thread. A reader turns a raw answer into exactly what
 * its caller needs (a poll page, a list of records); for a large answer the answer worker runs
 * it, so only that compact result — not the parsed XML tree — crosses to the main thread.
 *
 * A reader is found in the worker by where it is defined: the module's file, the name of the
 * exported table and its key there. {@link answerReaders} records that, so a call site only
 * names the reader. Modules that define readers, and everything they import at run time, must
 * not need n8n-workflow (see answerErrors.ts).
 */

/** Where the long list of a result is: the result itself, or one of its fields. */
export type RowsAt = 'self' | { field: string };

export interface AnswerReaderSpec<T> {
	/** Reads the answer. Throws MalformedResponseError / ProviderFailure like any response parser. */
	read(response: RawResponse): T;
	/**
	 * The result's list, handed from the worker to the main thread in slices (one message each,
	 * the main thread yielding between them), so that no single message takes long to
	 * deserialize. Without it the result crosses in one message: only for small results.
	 */
	rows?: RowsAt;
}

export interface AnswerReader<T> extends AnswerReaderSpec<T> {
	/** Absolute path of the module that exports the table. */
	readonly module: string;
	/** Name of the exported table. */
	readonly table: string;
	/** Key of this reader in the table. */
	readonly name: string;
}

export type AnswerReaderTable<S extends Record<string, AnswerReaderSpec<unknown>>> = {
	readonly [K in keyof S]: S[K] extends AnswerReaderSpec<infer T> ? AnswerReader<T> : never;
};

/**
 * Defines a table of readers exported as `table` by the module at `module` (pass the module's
 * own `__filename`, and export the result under `table`: the worker looks it up there).
 */
export function answerReaders<S extends Record<string, AnswerReaderSpec<unknown>>>(
	module: string,
	table: string,
	specs: S,
): AnswerReaderTable<S> {
	const out: Record<string, AnswerReader<unknown>> = {};
	for (const [name, spec] of Object.entries(specs)) out[name] = { ...spec, module, table, name };
	return out as AnswerReaderTable<S>;
}

// ---------------------------------------------------------------------------------------------
// Errors across the thread boundary. Structured cloning keeps an Error's message but not its
// class, so a reader's failure travels as data and is rebuilt as the same class on arrival:
// the transport then treats it exactly as if the reader had run on the main thread.

export type WireError =
	| { kind: 'malformed'; message: string }
	| { kind: 'provider'; details: ProviderFailure['details'] }
	| { kind: 'other'; name: string; message: string };

export function toWireError(error: unknown): WireError {
	if (error instanceof MalformedResponseError) return { kind: 'malformed', message: error.message };
	if (error instanceof ProviderFailure) return { kind: 'provider', details: { ...error.details } };
	if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message };
	return { kind: 'other', name: 'Error', message: String(error) };
}

export function fromWireError(wire: WireError): Error {
	switch (wire.kind) {
		case 'malformed':
			return new MalformedResponseError(wire.message);
		case 'provider':
			return new ProviderFailure(wire.details);
		default: {
			const error = new Error(wire.message);
			error.name = wire.name;
			return error;
		}
	}
}

/** The rows of a result, and the rest of it (`head`), per {@link RowsAt}. */
export function splitRows(value: unknown, at: RowsAt | undefined): { head: unknown; rows?: unknown[] } {
	if (at === 'self' && Array.isArray(value)) return { head: undefined, rows: value };
	if (at && at !== 'self' && value && typeof value === 'object') {
		const rows = (value as Record<string, unknown>)[at.field];
		if (Array.isArray(rows)) {
			const head = { ...(value as Record<string, unknown>) };
			delete head[at.field];
			return { head, rows };
		}
	}
	return { head: value };
}

/** The inverse of {@link splitRows}. */
export function joinRows(head: unknown, rows: unknown[] | undefined, at: RowsAt | undefined): unknown {
	if (rows === undefined) return head;
	if (at === 'self') return rows;
	if (at) return { ...(head as Record<string, unknown>), [at.field]: rows };
	return head;
}

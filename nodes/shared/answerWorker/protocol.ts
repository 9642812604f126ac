import type { WireError } from './readers';

/** Messages between the main thread and the answer worker. */

/**
 * The answer, as far as a reader needs it. Its body is transferred, not copied (copying 64 MiB
 * into a message took the main thread ~270 ms), and comes back the same way with the worker's
 * first answer about it (`body` below), so the caller's response is whole again afterwards.
 */
export interface WireResponse {
	status: number;
	headers: Record<string, string>;
	body: Uint8Array;
}

export type ToWorker =
	| {
			type: 'read';
			id: number;
			module: string;
			table: string;
			name: string;
			response: WireResponse;
			/** Roughly how many bytes of the answer each slice of rows should stand for. */
			sliceBytes: number;
	  }
	/** Send the next slice of rows of the job being delivered. */
	| { type: 'more'; id: number };

export type FromWorker =
	/** The worker runs and listens. */
	| { type: 'ready' }
	/** The result without its rows, the first slice of them, and whether more follow. */
	| { type: 'result'; id: number; head: unknown; rows?: unknown[]; more: boolean; body: Uint8Array }
	| { type: 'rows'; id: number; rows: unknown[]; more: boolean }
	| { type: 'failed'; id: number; error: WireError; body: Uint8Array }
	/** The reader's module could not be loaded in the worker: read on the main thread instead. */
	| { type: 'unavailable'; id: number; reason: string; body: Uint8Array };

import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import type { SeenRecord } from './seen';
import type { Checkpoint } from './types';

/**
 * The trigger's saved state, under one key of the node's workflow static data.
 *
 * Size bound: per stream one checkpoint (< 1 KiB) and at most `seenCap` remembered changes
 * (~40 bytes each; default 1,000 → ~40 KiB), whatever the size of the backlog.
 */
export const STATE_KEY = 'mediaSync';
export const STATE_VERSION = 1;

export interface StreamState {
	/** Where the next read starts. */
	cp: Checkpoint;
	/** Emitted changes still inside the reach of a later read. */
	seen: SeenRecord;
	/** When the stream was last read (epoch ms, n8n's clock) and whether it was then caught up. */
	at?: number;
	done?: boolean;
}

export interface LastPoll {
	/** ISO time of the poll. */
	at: string;
	read: number;
	emitted: number;
	/** Why the poll ended: caught-up, item-cap, time-budget, quota, error. */
	stop: string;
}

export interface SyncState {
	v: typeof STATE_VERSION;
	/** Hash of the source's configKey: what this state belongs to. */
	cfg: string;
	streams: Record<string, StreamState>;
	/** Round-robin offset, so one stream's backlog cannot starve the others. */
	rr: number;
	last?: LastPoll;
}

export type ResetReason = 'first-run' | 'version' | 'config';

export function configHash(configKey: string): string {
	return createHash('sha1').update(configKey).digest('base64url').slice(0, 16);
}

export function emptyState(configKey: string): SyncState {
	return { v: STATE_VERSION, cfg: configHash(configKey), streams: {}, rr: 0 };
}

/**
 * Reads the saved state as a private deep copy (the saved object is never mutated: n8n keeps a
 * failed poll's in-memory static data). Returns a fresh state and the reason when the saved one
 * is missing, from another version, or belongs to another configuration.
 */
export function loadState(raw: unknown, configKey: string): { state: SyncState; reset?: ResetReason } {
	if (raw === undefined || raw === null || typeof raw !== 'object') {
		return { state: emptyState(configKey), reset: 'first-run' };
	}
	const saved = raw as Partial<SyncState>;
	if (saved.v !== STATE_VERSION || typeof saved.streams !== 'object' || saved.streams === null) {
		return { state: emptyState(configKey), reset: 'version' };
	}
	if (saved.cfg !== configHash(configKey)) {
		return { state: emptyState(configKey), reset: 'config' };
	}
	const copy = JSON.parse(JSON.stringify(saved)) as SyncState;
	copy.rr = typeof copy.rr === 'number' ? copy.rr : 0;
	return { state: copy };
}

/** Serialized size of a state in bytes, for logs, tests and the benchmark. */
export function stateSize(state: SyncState | IDataObject): number {
	return Buffer.byteLength(JSON.stringify(state), 'utf8');
}

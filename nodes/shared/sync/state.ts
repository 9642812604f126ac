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

/**
 * Why a poll starts over: no saved state yet, saved state that cannot be read at all (edited by
 * hand, another tool), from another version of the format, or of another configuration.
 */
export type ResetReason = 'first-run' | 'unreadable' | 'version' | 'config';

export function configHash(configKey: string): string {
	return createHash('sha1').update(configKey).digest('base64url').slice(0, 16);
}

export function emptyState(configKey: string): SyncState {
	return { v: STATE_VERSION, cfg: configHash(configKey), streams: {}, rr: 0 };
}

/** Checks one stream's saved checkpoint: a usable copy, or undefined (see `SyncSource.restore`). */
export type RestoreCheckpoint = (
	stream: string,
	checkpoint: unknown,
	report: (problem: string) => void,
) => Checkpoint | undefined;

export interface LoadedState {
	state: SyncState;
	reset?: ResetReason;
	/** What was wrong with the saved state and what was done about it, for a warning each. */
	problems: string[];
}

/**
 * Reads the saved state into a fresh, validated copy (the saved object is never mutated: n8n
 * keeps a failed poll's in-memory static data). Only the fields the engine knows are read, so
 * anything else stored under the key — however large — is dropped at the next save. A stream
 * whose checkpoint cannot be used starts over on its own; the others keep their positions.
 */
export function loadState(raw: unknown, configKey: string, restore: RestoreCheckpoint): LoadedState {
	if (raw === undefined || raw === null) return { state: emptyState(configKey), reset: 'first-run', problems: [] };
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		return {
			state: emptyState(configKey),
			reset: 'unreadable',
			problems: [`is not an object but ${Array.isArray(raw) ? 'a list' : `a ${typeof raw}`}`],
		};
	}
	const saved = raw as Record<string, unknown>;
	if (
		saved.v !== STATE_VERSION ||
		!saved.streams ||
		typeof saved.streams !== 'object' ||
		Array.isArray(saved.streams)
	) {
		return { state: emptyState(configKey), reset: 'version', problems: [] };
	}
	if (saved.cfg !== configHash(configKey)) return { state: emptyState(configKey), reset: 'config', problems: [] };

	const problems: string[] = [];
	const state = emptyState(configKey);
	state.rr = typeof saved.rr === 'number' && Number.isSafeInteger(saved.rr) ? saved.rr : 0;
	const last = saved.last as Partial<LastPoll> | undefined;
	if (last && typeof last === 'object' && typeof last.at === 'string') {
		state.last = {
			at: last.at,
			read: Number(last.read) || 0,
			emitted: Number(last.emitted) || 0,
			stop: String(last.stop ?? ''),
		};
	}
	for (const [name, entry] of Object.entries(saved.streams as Record<string, unknown>)) {
		const stream = entry && typeof entry === 'object' ? (entry as Record<string, unknown>) : {};
		const report = (problem: string) => problems.push(`of stream "${name}": ${problem}`);
		const cp = restore(name, stream.cp, report);
		if (!cp) {
			problems.push(`of stream "${name}" holds no usable position; that stream starts over`);
			continue;
		}
		state.streams[name] = {
			cp,
			seen: validSeen(stream.seen),
			...(typeof stream.at === 'number' && Number.isFinite(stream.at) ? { at: stream.at } : {}),
			...(typeof stream.done === 'boolean' ? { done: stream.done } : {}),
		};
	}
	return { state, problems };
}

/** The well-formed entries of a saved dedupe memory (`[versionHash, timeSeconds]` each). */
function validSeen(raw: unknown): SeenRecord {
	const seen: SeenRecord = {};
	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return seen;
	for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
		if (
			Array.isArray(value) &&
			typeof value[0] === 'string' &&
			typeof value[1] === 'number' &&
			Number.isFinite(value[1])
		) {
			seen[key] = [value[0], value[1]];
		}
	}
	return seen;
}

/** Serialized size of a state in bytes, for logs, tests and the benchmark. */
export function stateSize(state: SyncState | IDataObject): number {
	return Buffer.byteLength(JSON.stringify(state), 'utf8');
}

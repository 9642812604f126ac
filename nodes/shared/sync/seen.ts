import { createHash } from 'node:crypto';

/**
 * Bounded memory of emitted changes: key → (version, time). It turns the at-least-once reads of
 * overlapping windows into exactly-once emission. Forgetting an entry can only ever cause a
 * duplicate, never a loss, so the memory is pruned by time and capped by size.
 *
 * Stored form (in workflow static data): `{ [keyHash]: [versionHash, timeSeconds] }`, about 40
 * bytes per entry: 1,000 entries stay under 40 KiB.
 */
export type SeenRecord = Record<string, [string, number]>;

export interface SeenEntry {
	version: string;
	/** Upper bound of the change time, epoch seconds. */
	time: number;
}

const KEY_HASH_LENGTH = 12;
const VERSION_HASH_LENGTH = 8;

function shortHash(value: string, length: number): string {
	return createHash('sha1').update(value).digest('base64url').slice(0, length);
}

/** Hash of a version marker; the empty marker (version unknown) stays empty. */
export function versionHash(version: string | undefined): string {
	return version === undefined || version === '' ? '' : shortHash(version, VERSION_HASH_LENGTH);
}

export class SeenSet {
	private readonly entries: Map<string, SeenEntry>;

	constructor(record: SeenRecord | undefined) {
		this.entries = new Map();
		for (const [key, value] of Object.entries(record ?? {})) {
			if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number') {
				this.entries.set(key, { version: value[0], time: value[1] });
			}
		}
	}

	get size(): number {
		return this.entries.size;
	}

	get(key: string): SeenEntry | undefined {
		return this.entries.get(shortHash(key, KEY_HASH_LENGTH));
	}

	/**
	 * Whether a change is already emitted. With a known version, only the same version counts;
	 * without one (id-only APIs), any remembered entry for the key does.
	 */
	has(key: string, version: string | undefined): boolean {
		const entry = this.get(key);
		if (!entry) return false;
		if (version === undefined) return true;
		return entry.version === versionHash(version);
	}

	remember(key: string, version: string | undefined, timeMs: number): void {
		const hashed = shortHash(key, KEY_HASH_LENGTH);
		// Re-inserting moves the key to the end, so eviction order stays oldest-first.
		this.entries.delete(hashed);
		this.entries.set(hashed, { version: versionHash(version), time: Math.ceil(timeMs / 1000) });
	}

	/** Drops entries whose change time is before `floorMs`: no later read can return them. */
	pruneBefore(floorMs: number): number {
		const floor = Math.floor(floorMs / 1000);
		let dropped = 0;
		for (const [key, entry] of this.entries) {
			if (entry.time < floor) {
				this.entries.delete(key);
				dropped++;
			}
		}
		return dropped;
	}

	/** Keeps at most `cap` entries, evicting the oldest change times first. Returns how many went. */
	capTo(cap: number): number {
		const excess = this.entries.size - cap;
		if (excess <= 0) return 0;
		const oldest = [...this.entries.entries()].sort((a, b) => a[1].time - b[1].time).slice(0, excess);
		for (const [key] of oldest) this.entries.delete(key);
		return excess;
	}

	toRecord(): SeenRecord {
		const record: SeenRecord = {};
		for (const [key, entry] of this.entries) record[key] = [entry.version, entry.time];
		return record;
	}
}

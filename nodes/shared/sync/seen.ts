import { createHash } from 'node:crypto';

/**
 * Bounded memory of emitted changes. It turns the at-least-once reads of overlapping windows
 * into exactly-once emission. Forgetting an entry can only ever cause a duplicate, never a
 * loss, so the memory is pruned by time and capped by size.
 *
 * Two ways to decide "already emitted", chosen by the source:
 * - `events`: a change is an immutable event (id + date, file + modification day): each
 *   (key, version) pair is emitted once, however many versions of a key are in reach.
 * - `latest`: a read returns the current state of a key (a content hash, an ETag): a state is
 *   emitted when it differs from the last one emitted for the key, so a revert to an earlier
 *   state is a change too.
 * Without a version (id-only APIs) a remembered key counts as emitted in both modes.
 *
 * Stored form (in workflow static data): `{ [hash]: [versionHash, timeSeconds] }`, about 40
 * bytes per entry: 1,000 entries stay under 40 KiB.
 */
export type DedupeMode = 'events' | 'latest';

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

	constructor(
		record: SeenRecord | undefined,
		private readonly mode: DedupeMode = 'events',
	) {
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

	/** Storage key: the key alone, or in `events` mode the (key, version) pair. */
	private slot(key: string, version: string | undefined): string {
		return shortHash(this.mode === 'events' && version !== undefined ? `${key}\u0000${version}` : key, KEY_HASH_LENGTH);
	}

	/** Whether this change was already emitted (see the class comment for the two modes). */
	has(key: string, version: string | undefined): boolean {
		if (version === undefined) {
			// Id-only: any remembered entry of the key. In events mode those are stored under the key alone.
			return this.entries.has(shortHash(key, KEY_HASH_LENGTH));
		}
		const entry = this.entries.get(this.slot(key, version));
		if (!entry) return false;
		return this.mode === 'events' || entry.version === versionHash(version);
	}

	remember(key: string, version: string | undefined, timeMs: number): void {
		const hashed = this.slot(key, version);
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

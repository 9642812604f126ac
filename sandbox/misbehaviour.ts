/**
 * Misbehaviour at random, for soaks: a provider mock asks `happens(kind)` where its answer could
 * go wrong in a provider-specific way (a cursor ignored, an unreadable row) and counts what it
 * did. Off until `rates` are set.
 */
export class Misbehaviour<Kind extends string> {
	rates?: { random: () => number } & Record<Kind, number>;

	readonly counts: Partial<Record<Kind, number>> = {};

	happens(kind: Kind): boolean {
		if (!this.rates || this.rates.random() >= this.rates[kind]) return false;
		this.counts[kind] = (this.counts[kind] ?? 0) + 1;
		return true;
	}
}

/**
 * A record of a provider's answer that could not be used (no id, an unreadable date, nested too
 * deep…) and was skipped: the readers return these beside what they could read, and the clients
 * report each as a warning. One bad record never hides the others.
 */
export interface SkippedRecord {
	/** 1-based position in the answer's list. */
	record: number;
	/** Its id, when it has one worth naming. */
	id?: string;
	problem: string;
}

import { ProviderFailure } from './transport/answerErrors';

/**
 * A bound for every loop over the pages of a list. A provider that ignores the page number or
 * cursor, repeats a page, returns empty pages while claiming more, or claims a billion pages
 * would otherwise keep a loop asking for ever (seen: 17,000 requests in 30 s). `check` runs in the
 * parser of each page's answer, so a violation is the provider's failure like any other: a clear,
 * sanitized error, never retried, and the loop stops.
 */
export interface PageFacts {
	/** Entries it holds (unreadable ones included). */
	entries: number;
	/** Whether the answer says more pages follow. */
	claimsMore: boolean;
	/** Pages the answer claims in all, when it says. */
	totalPages?: number;
	/** What identifies this page's position (a cursor, or the ids it holds), to notice a repeat. */
	cursor?: string;
}

export class PageLoop {
	private readonly cursors = new Set<string>();

	private page = 0;

	constructor(
		/** The list, in words: "the media items", "the poll of new media". */
		private readonly what: string,
		/** Pages read at most; documented with each list. */
		private readonly maxPages: number,
	) {}

	/** Checks the next page of the loop (call it once per page read, in order). */
	check(facts: PageFacts): void {
		const page = ++this.page;
		if (facts.entries === 0 && facts.claimsMore) {
			this.fail(`page ${page} of ${this.what} came back empty while the answer claims more pages`);
		}
		if (facts.totalPages !== undefined && facts.totalPages > this.maxPages) {
			this.fail(
				`the answer claims ${facts.totalPages} pages of ${this.what}, more than the ${this.maxPages} this node reads`,
			);
		}
		if (facts.claimsMore && page >= this.maxPages) {
			this.fail(`${this.what} go on past ${this.maxPages} pages, more than this node reads`);
		}
		if (facts.cursor !== undefined && facts.entries > 0) {
			if (this.cursors.has(facts.cursor)) {
				this.fail(
					`page ${page} of ${this.what} repeats a page already read (the provider ignored the page or cursor asked for)`,
				);
			}
			this.cursors.add(facts.cursor);
		}
	}

	private fail(problem: string): never {
		throw new ProviderFailure({
			providerMessage: `${problem[0].toUpperCase()}${problem.slice(1)}; stopped instead of asking for ever`,
			hint: 'The provider’s answers are inconsistent. This is usually a fault at the provider: try again later, and contact its support if it persists.',
		});
	}
}

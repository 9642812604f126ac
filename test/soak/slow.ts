import { seededRandom } from '../../sandbox/random';
import type { MockServer } from '../../sandbox/server';

/**
 * Slow answers that run into the poll budget. Every poll gets a short budget; on a small share of
 * polls the next request is answered only after that budget has run out, or drip-fed byte by byte
 * past it, so the client gives up on it (a timeout) and the poll ends with whatever it had. Each costs real seconds, so they are
 * rare (a share of polls, not of requests) and decided by their own PRNG: turning them on or off
 * does not change the rest of a seeded scenario.
 */
export class SlowAnswers {
	/** Poll budget (ms) n8n reports to the trigger; the engine keeps a fifth of it for itself. */
	readonly pollBudgetMs = 2_000;

	/** How late a slow answer comes: well past the request timeout the budget leaves. */
	readonly delayMs = 2_500;

	private readonly random: () => number;

	private injected = 0;

	constructor(
		private readonly server: MockServer,
		seed: number,
		readonly enabled: boolean,
		private readonly share = 0.01,
	) {
		this.random = seededRandom(seed * 7919 + 17);
	}

	/** Call before each poll of the faulty phase: now and then the poll's next request will be slow. */
	beforePoll(): void {
		if (!this.enabled) return;
		const due = this.random() < this.share;
		// One at a time: a trigger that sends nothing this poll keeps it for its next request.
		const applied = (this.server.faultsApplied.slow ?? 0) + (this.server.faultsApplied.drip ?? 0);
		if (due && this.injected <= applied) {
			// Every other one is drip-fed instead: the headers at once, then a byte every 200 ms, never
			// idle and never done — only a deadline for the whole answer ends it.
			this.server.injectFault(
				this.injected % 2 === 0 ? { kind: 'slow', delayMs: this.delayMs } : { kind: 'drip', intervalMs: 200 },
			);
			this.injected++;
		}
	}

	/** Poll options: the short budget when slow answers are on (else the caller's). */
	budget(fallback?: number): number | undefined {
		return this.enabled ? this.pollBudgetMs : fallback;
	}

	/** No slow answer stays queued for the drain phase. */
	stop(): void {
		this.server.clearFaults();
	}
}

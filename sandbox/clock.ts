/**
 * Simulated time: how far the mocks' clocks (and, in tests, this machine's `Date.now()`, see
 * test/harness/clock.ts) have been moved on by `MockServer.advance`. Days pass in milliseconds
 * for everyone at once, as in production time passes for n8n and the provider alike. The demo
 * (`npm start`) never moves it: there the sandboxes run on the real clock.
 */
let shift = 0;

export const worldClock = {
	/** Lets `ms` of simulated time pass. */
	advance(ms: number): void {
		shift += ms;
	},
	/** Simulated time that has passed so far. */
	get shiftMs(): number {
		return shift;
	},
};

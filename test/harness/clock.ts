/**
 * This machine's clock in tests: the real one, plus the simulated time tests let pass.
 *
 * Tests make days pass in milliseconds (`MockServer.advance`). Time passes for everyone, as it
 * does in production: the providers' clocks (Date headers) and this machine's `Date.now()` move
 * together. Moving only a provider's clock would simulate a provider days ahead of n8n, which the
 * transport rightly takes for a broken header (see nodes/shared/clock.ts). A test that wants a
 * skewed provider clock sets the mock's `clockOffsetMs` instead.
 *
 * Only `Date.now()` is shifted; timers keep real time, so deadlines still fire.
 */
const realNow = Date.now.bind(Date);
let shift = 0;

Date.now = () => realNow() + shift;

export const worldClock = {
	/** Lets `ms` of simulated time pass, here and at every provider. */
	advance(ms: number): void {
		shift += ms;
	},
	/** Simulated time that has passed so far. */
	get shiftMs(): number {
		return shift;
	},
};

import { worldClock } from '../../sandbox/clock';

/**
 * This machine's clock in tests: the real one, plus the simulated time the tests let pass
 * (sandbox/clock.ts).
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

Date.now = () => realNow() + worldClock.shiftMs;

export { worldClock };

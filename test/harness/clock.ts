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

/** Real time at which the clock was stopped (see {@link useRealClock}); undefined while it runs. */
let frozenAt: number | undefined;

Date.now = () => (frozenAt ?? realNow()) + worldClock.shiftMs;

/**
 * Lets the tests of the enclosing block stop this machine's real clock: after `stop()` only the
 * simulated time the test lets pass moves `Date.now()`, for the nodes and the mocks alike, until
 * the test ends. A test that measures the distance between two requests, or between a request
 * and the date it carried, then measures the code, not how busy the machine was while it ran.
 * (Timers still run in real time; a poll's time budget is then used up only by simulated time,
 * such as `MockServer.answerTimeMs`.)
 */
export function useRealClock(): { stop(): void } {
	afterEach(() => {
		frozenAt = undefined;
	});
	return {
		stop: () => {
			frozenAt ??= realNow();
		},
	};
}

/**
 * A stopwatch of the CPU time this process spends (ms, all its threads): for bounds on runaway
 * work (an entity expansion), which other processes on a busy machine do not inflate the way
 * they inflate wall-clock time.
 */
export function cpuStopwatch(): () => number {
	const start = process.cpuUsage();
	return () => {
		const { user, system } = process.cpuUsage(start);
		return (user + system) / 1000;
	};
}

export { worldClock };

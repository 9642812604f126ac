import { performance } from 'node:perf_hooks';

import type { INodeExecutionData } from 'n8n-workflow';

import { recordSleeps } from '../harness/assertions';
import { type NodeSetup, PollHarness } from '../harness/n8n';
import type { ProviderId } from '../../sandbox/providers';
import { seededRandom } from '../../sandbox/random';
import type { Fault, MockServer } from '../../sandbox/server';
import { HostileMix } from './hostile';
import { SlowAnswers } from './slow';
import type { SoakOptions, SoakResult } from './types';

/**
 * One loop for every trigger's fault soak and simulation: the provider's mock with random faults,
 * the hostile mix and slow answers; a fault phase in which the provider changes things, n8n
 * restarts now and then and the trigger polls; a fault-free drain; then the emitted items against
 * the provider's ground truth. What differs per provider — what a change is, how an item maps to
 * the change it stands for, what must have been emitted — is its {@link SoakAdapter}
 * (test/soak/adapters/).
 *
 * Every random choice of a run comes from one PRNG seeded by `seed`, shared by the adapter's
 * changes, the restarts and the server's random faults: a seed repeats a run exactly (slow
 * answers and the hostile mix draw from PRNGs of their own, so turning them on changes nothing
 * else).
 */

/** The run as an adapter sees it. */
export interface SoakRun {
	readonly seed: number;
	/** The run's PRNG. */
	readonly random: () => number;
	/** Server time of the trigger's first successful poll; undefined until then. */
	readonly activatedAt: number | undefined;
	/** What the trigger emitted so far: key → times. */
	readonly emitted: ReadonlyMap<string, number>;
}

/** Lost and duplicated against the ground truth, counted the provider's way. */
export interface SoakVerdict {
	/** Changes the provider made that the trigger had to emit. */
	changes: number;
	/** Items the trigger emitted. */
	emitted: number;
	lost: number;
	duplicated: number;
	/** Provider figures, printed and asserted by callers. */
	details?: Record<string, unknown>;
}

/** One provider's side of a run, opened (its mock started) by its adapter. */
export interface SoakWorld {
	/** The run's printed name. */
	readonly scenario: string;
	/** The provider's server: the run's random faults and the hostile mix go on it. */
	readonly server: MockServer;
	/** What a faulty request gets, in the provider's own formats. */
	readonly faults: readonly Fault[];
	/** The trigger under test, pointed at the started mock. */
	readonly trigger: NodeSetup;
	/** n8n 2.36+'s durable poll cursors instead of n8n's default saving. */
	readonly durableCursors?: boolean;
	/** Poll budget when slow answers are off (undefined: n8n's default). */
	readonly pollBudgetMs?: number;
	/** Poll once before the faults begin (the activation of a trigger that starts from now). */
	readonly activateFirst?: boolean;
	/** The provider's own misbehaviour (ignored cursors, unreadable rows), switched on for the fault phase. */
	beginFaults?(): void;
	/** …and off again, before the drain. */
	endFaults?(): void;
	/** One step of the fault phase, before its poll: time passes and the provider changes things. */
	tick(): void;
	/** The fault-free drain: how many polls, and the time that passes before each. */
	readonly drain: { readonly polls: number; step(): void };
	/** The change an emitted item stands for, as a key of the ground truth. */
	keyOf(item: INodeExecutionData): string;
	/** Figures of its own after each poll (`out` is undefined when the poll failed). */
	observe?(harness: PollHarness, out: INodeExecutionData[][] | null | undefined): void;
	/** Faults the provider's own misbehaviour counted, reported beside the server's. */
	misbehaviourCounts?(): Record<string, number>;
	/** The emitted keys against the ground truth. */
	verdict(): SoakVerdict;
	/** Stops what the adapter started. */
	close(): Promise<void>;
}

/** A provider's soak: opens its world for one run. `Options` are the provider's own settings. */
export interface SoakAdapter<Options> {
	readonly provider: ProviderId;
	open(run: SoakRun, options: SoakOptions & Options): Promise<SoakWorld>;
}

/** Share of polls before which n8n restarts (the process is gone, the saved state comes back). */
const RESTART_SHARE = 0.02;

export async function runSoak<Options>(
	adapter: SoakAdapter<Options>,
	options: SoakOptions & Options,
): Promise<SoakResult> {
	// Wall time by the monotonic clock: the simulated clock makes Date.now jump.
	const started = performance.now();
	const elapsedSeconds = () => (performance.now() - started) / 1000;
	const emitted = new Map<string, number>();
	const run: { -readonly [K in keyof SoakRun]: SoakRun[K] } = {
		seed: options.seed,
		random: seededRandom(options.seed),
		activatedAt: undefined,
		emitted,
	};
	const sleeps = recordSleeps();
	const world = await adapter.open(run, options);
	// Now and then a redirect elsewhere or a Date from 2100; nothing may reach the other origin.
	const hostile = new HostileMix(options.seed);
	try {
		await hostile.start();
		const slow = new SlowAnswers(world.server, options.seed, options.slowAnswers === true);
		const harness = new PollHarness(world.trigger, { durableCursors: world.durableCursors });
		let polls = 0;
		let failedPolls = 0;
		let restarts = 0;
		const poll = async () => {
			polls++;
			let out: INodeExecutionData[][] | null | undefined;
			try {
				out = await harness.poll({ pollBudgetMs: slow.budget(world.pollBudgetMs) });
				run.activatedAt ??= world.server.now();
				for (const item of out?.[0] ?? []) {
					const key = world.keyOf(item);
					emitted.set(key, (emitted.get(key) ?? 0) + 1);
				}
			} catch (error) {
				if (process.env.SOAK_DEBUG) console.log(String((error as Error).message));
				failedPolls++;
			}
			world.observe?.(harness, out);
		};

		if (world.activateFirst) await poll();
		world.server.randomFaults = { rate: options.faultRate, random: run.random, faults: [...world.faults] };
		hostile.install(world.server);
		world.beginFaults?.();
		for (let tick = 0; tick < options.polls; tick++) {
			if (options.maxSeconds !== undefined && elapsedSeconds() > options.maxSeconds) break;
			world.tick();
			if (run.random() < RESTART_SHARE) {
				harness.restart();
				restarts++;
			}
			slow.beforePoll();
			await poll();
		}
		world.endFaults?.();
		slow.stop();
		world.server.randomFaults = undefined;
		hostile.uninstall(world.server);
		for (let i = 0; i < world.drain.polls; i++) {
			world.drain.step();
			await poll();
		}

		const { details, ...counts } = world.verdict();
		return {
			scenario: world.scenario,
			...counts,
			polls,
			failedPolls,
			restarts,
			requests: world.server.requests.length,
			faults: { ...world.server.faultsApplied, ...world.misbehaviourCounts?.() },
			leaked: hostile.leaked(),
			seconds: Math.round(elapsedSeconds()),
			...(details ? { details } : {}),
		};
	} finally {
		await hostile.stop();
		sleeps.restore();
		await world.close();
	}
}

/** One run of `npm run soak`: a provider's adapter with its seed and settings. */
export interface SoakCase {
	readonly provider: ProviderId;
	readonly name: string;
	run(common: Omit<SoakOptions, 'seed'>): Promise<SoakResult>;
}

export function soakCase<Options>(
	name: string,
	adapter: SoakAdapter<Options>,
	seed: number,
	options: Options,
): SoakCase {
	return { provider: adapter.provider, name, run: (common) => runSoak(adapter, { ...common, ...options, seed }) };
}

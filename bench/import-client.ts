/**
 * The n8n side of the PantherMedia import benchmark, run in a fresh process by
 * panthermedia.bench.ts (through bench/child/run-ts.js): the PantherMedia Trigger polls the mock
 * (which runs in the benchmark's process) until the initial import is done, so this process's
 * RSS is n8n's and the trigger's alone. Samples RSS after every poll (and every 1 ms in a worker
 * thread for the peak) and the size of the workflow's saved static data after every poll.
 */
import '../test/harness/env';

import { performance } from 'node:perf_hooks';

import { STATE_KEY, type SyncState } from '../nodes/shared/sync/state';
import { PollHarness } from '../test/harness/n8n';
import { RssPeak, forceGc } from './memory';

export interface ImportJob {
	baseUrl: string;
	apiKey: string;
	apiSecret: string;
	/** Per-poll cap; undefined for the trigger's default. */
	cap?: number;
}

export interface ImportFigures {
	polls: number;
	emitted: number;
	distinct: number;
	elapsed: number;
	rssBefore: number;
	rssPeak: number;
	rssPerPoll: number[];
	heapBefore: number;
	/** Heap used after the import and a full GC, the trigger's workflow still alive. */
	heapAfterGc: number;
	/** Heap V8 keeps reserved after that GC (it gives pages back to the system lazily). */
	heapTotalAfterGc: number;
	rssAfterGc: number;
	maxSavedBytes: number;
	savedBytes: number;
	remembered: number;
}

const STREAMS = ['new', 'changed', 'deleted'];

function trigger(job: ImportJob, firstRun: 'all' | 'now'): PollHarness {
	return new PollHarness({
		type: 'pantherMediaTrigger',
		parameters: { firstRun, ...(job.cap ? { syncOptions: { maxItemsPerPoll: job.cap } } : {}) } as never,
		credentials: { pantherMediaApi: { apiKey: job.apiKey, apiSecret: job.apiSecret, baseUrl: job.baseUrl } },
	});
}

async function run(job: ImportJob): Promise<ImportFigures> {
	// Warm up: n8n-core loads parts of itself on first use (a trigger started "now" emits nothing).
	await trigger(job, 'now').poll();

	const harness = trigger(job, 'all');
	const sampler = new RssPeak();
	await sampler.start();
	forceGc();
	const before = process.memoryUsage();
	sampler.reset();
	const started = performance.now();
	const ids = new Set<string>();
	const rssPerPoll: number[] = [];
	let emitted = 0;
	let polls = 0;
	let maxSavedBytes = 0;
	let done = false;
	while (!done && polls < 1000) {
		polls++;
		const out = await harness.poll();
		for (const item of out?.[0] ?? []) {
			emitted++;
			ids.add(String(item.json.id));
		}
		rssPerPoll.push(process.memoryUsage.rss());
		maxSavedBytes = Math.max(maxSavedBytes, Buffer.byteLength(JSON.stringify(harness.saved)));
		const state = harness.memoryState?.[STATE_KEY] as unknown as SyncState | undefined;
		done = !!state && STREAMS.every((s) => state.streams[s]?.done === true);
	}
	const elapsed = performance.now() - started;
	const rssPeak = await sampler.stop();
	const distinct = ids.size;
	ids.clear();
	forceGc();
	const after = process.memoryUsage();
	const state = harness.savedState?.[STATE_KEY] as unknown as SyncState;
	return {
		polls,
		emitted,
		distinct,
		elapsed,
		rssBefore: before.rss,
		rssPeak,
		rssPerPoll,
		heapBefore: before.heapUsed,
		heapAfterGc: after.heapUsed,
		heapTotalAfterGc: after.heapTotal,
		rssAfterGc: after.rss,
		maxSavedBytes,
		savedBytes: Buffer.byteLength(JSON.stringify(harness.saved)),
		remembered: Object.values(state.streams).reduce((sum, s) => sum + Object.keys(s.seen).length, 0),
	};
}

process.once('message', (job: ImportJob) => {
	run(job).then(
		(figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
		(error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
	);
});

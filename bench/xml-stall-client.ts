/**
 * The measuring side of the event-loop stall benchmark (xml-stall.bench.ts), run in a fresh
 * process per document. Reads the document through the provider's own parse path — the answer
 * reader the client hands to the transport, through `readAnswer` (large answers in the answer
 * worker) — while `perf_hooks.monitorEventLoopDelay` samples the main thread's event loop every
 * millisecond: its maximum is the longest the main thread was unavailable to anything else.
 * With `mainThread`, the worker is switched off: the synchronous read of before, for comparison.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { DAM_ANSWERS } from '../nodes/HalLeonardDam/transport/answers';
import { PANTHERMEDIA_ANSWERS } from '../nodes/PantherMedia/transport/answers';
import { answerWorkerStats, configureAnswerWorker, readAnswer } from '../nodes/shared/answerWorker';
import type { RawResponse } from '../nodes/shared/transport/http';
import { RssPeak } from './memory';

export type StallKind = 'pmPoll' | 'damFiles' | 'damMetadata';

export interface StallJob {
	kind: StallKind;
	file: string;
	contentType: string;
	runs: number;
	mainThread: boolean;
}

export interface StallFigures {
	bytes: number;
	rows: number;
	/** Wall time of each read, ms. */
	times: number[];
	/** Longest event-loop delay during each read, ms. */
	stalls: number[];
	/** Longest event-loop delay in one idle second before the reads, ms (the machine's noise). */
	idleStall: number;
	rssBefore: number;
	rssPeak: number;
	offThread: number;
	slices: number;
}

async function sleep(ms: number): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, ms));
}

async function read(kind: StallKind, response: RawResponse): Promise<number> {
	switch (kind) {
		case 'pmPoll':
			return (await readAnswer(PANTHERMEDIA_ANSWERS.pollPage, response)).items.length;
		case 'damFiles':
			return (await readAnswer(DAM_ANSWERS.modifiedFiles, response)).files.length;
		case 'damMetadata':
			return (await readAnswer(DAM_ANSWERS.metadata, response)).records.length;
	}
}

async function run(job: StallJob): Promise<StallFigures> {
	configureAnswerWorker({ enabled: !job.mainThread });
	const response: RawResponse = {
		status: 200,
		headers: { 'content-type': job.contentType },
		body: readFileSync(job.file),
	};
	// Warm up: the code loads and compiles, the worker starts (a small answer, through the worker).
	const settings = configureAnswerWorker({ minBytes: 0 });
	const small = job.kind === 'pmPoll' ? '<rsp stat="ok"><items type="new"/></rsp>' : undefined;
	await read(job.kind, {
		...response,
		body: small
			? Buffer.from(small)
			: Buffer.from(
					`<DAMResponse><${job.kind === 'damFiles' ? 'ModifiedFileResponse' : 'AssetMetadataResponse'}/></DAMResponse>`,
				),
	}).catch(() => 0);
	configureAnswerWorker({ minBytes: settings.minBytes });

	const sampler = new RssPeak();
	await sampler.start();
	const rssBefore = process.memoryUsage.rss();
	sampler.reset();
	// What this machine does to an idle event loop (other processes, GC): the floor of any figure.
	const idle = monitorEventLoopDelay({ resolution: 1 });
	idle.enable();
	await sleep(1000);
	idle.disable();

	const times: number[] = [];
	const stalls: number[] = [];
	let rows = 0;
	for (let i = 0; i < job.runs; i++) {
		const histogram = monitorEventLoopDelay({ resolution: 1 });
		histogram.enable();
		// The sampler measures from its first tick: a stall before it would go unseen.
		await sleep(20);
		const started = performance.now();
		rows = await read(job.kind, response);
		times.push(performance.now() - started);
		// Let the sampler record the last turn's delay.
		await sleep(20);
		histogram.disable();
		stalls.push(histogram.max / 1e6);
	}
	const rssPeak = await sampler.stop();
	const stats = answerWorkerStats();
	return {
		bytes: response.body.length,
		rows,
		times,
		stalls,
		idleStall: idle.max / 1e6,
		rssBefore,
		rssPeak,
		offThread: stats.offThread,
		slices: stats.slices,
	};
}

process.once('message', (job: StallJob) => {
	run(job).then(
		(figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
		(error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
	);
});

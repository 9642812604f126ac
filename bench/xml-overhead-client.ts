/**
 * The measuring side of xml-overhead.bench.ts, in a fresh process: the package's parse of an
 * answer against fast-xml-parser's own parse of the same document, side by side, interleaved
 * round after round (a full GC before each step), timed by this thread's CPU time
 * (`process.threadCpuUsage`, Node ≥ 23.9; wall time on older Node), which the other processes
 * of a busy machine disturb far less than wall time.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TextDecoder } from 'node:util';

import { XMLParser } from 'fast-xml-parser';

import { DAM_ANSWERS, parseDamXml } from '../nodes/HalLeonardDam/transport/answers';
import { PANTHERMEDIA_ANSWERS, parseRsp } from '../nodes/PantherMedia/transport/answers';
import type { RawResponse } from '../nodes/shared/transport/http';
import { forceGc } from './memory';

export interface OverheadJob {
	kind: 'pmPoll' | 'damFiles' | 'damMetadata';
	file: string;
	contentType: string;
	rounds: number;
}

export interface OverheadFigures {
	clock: 'thread CPU' | 'wall';
	/** Median ms per step. */
	medians: Record<Step, number>;
	/** Median of the per-round ratios to fast-xml-parser's plain parse. */
	ratios: Record<Step, number>;
	/** Median of the per-round ratios to fast-xml-parser's validating parse. */
	ratiosToValidating: Record<Step, number>;
}

type Step = 'fxpParse' | 'fxpValidatingParse' | 'packageParse' | 'packageRead';

const threadCpu = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;

function clock(): number {
	if (!threadCpu) return performance.now();
	const usage = threadCpu.call(process);
	return (usage.user + usage.system) / 1000;
}

function median(values: number[]): number {
	return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function steps(job: OverheadJob, response: RawResponse): Record<Step, () => unknown> {
	const charset = job.kind === 'pmPoll' ? 'utf-8' : 'iso-8859-1';
	// fast-xml-parser as its documentation shows it, keeping attributes (the answers' data is in them).
	const library = () => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });
	const text = () => new TextDecoder(charset).decode(response.body);
	return {
		fxpParse: () => library().parse(text()),
		fxpValidatingParse: () => library().parse(text(), true),
		packageParse: () =>
			job.kind === 'pmPoll' ? parseRsp(response) : parseDamXml(response.body, response.headers['content-type']),
		packageRead: () =>
			job.kind === 'pmPoll'
				? PANTHERMEDIA_ANSWERS.pollPage.read(response)
				: job.kind === 'damFiles'
					? DAM_ANSWERS.modifiedFiles.read(response)
					: DAM_ANSWERS.metadata.read(response),
	};
}

function run(job: OverheadJob): OverheadFigures {
	const response: RawResponse = {
		status: 200,
		headers: { 'content-type': job.contentType },
		body: readFileSync(job.file),
	};
	const fns = steps(job, response);
	const names = Object.keys(fns) as Step[];
	for (const name of names) for (let i = 0; i < 3; i++) fns[name](); // warm up (JIT)
	const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Step, number[]>;
	for (let round = 0; round < job.rounds; round++) {
		for (const name of names) {
			forceGc();
			const started = clock();
			fns[name]();
			times[name].push(clock() - started);
		}
	}
	const ratio = (to: Step) =>
		Object.fromEntries(
			names.map((name) => [name, median(times[name].map((t, round) => t / times[to][round]))]),
		) as Record<Step, number>;
	return {
		clock: threadCpu ? 'thread CPU' : 'wall',
		medians: Object.fromEntries(names.map((name) => [name, median(times[name])])) as Record<Step, number>,
		ratios: ratio('fxpParse'),
		ratiosToValidating: ratio('fxpValidatingParse'),
	};
}

process.once('message', (job: OverheadJob) => {
	try {
		process.send!({ ok: true, figures: run(job) }, () => process.exit(0));
	} catch (error) {
		process.send!({ ok: false, error: (error as Error).stack ?? String(error) }, () => process.exit(1));
	}
});

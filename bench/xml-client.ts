/**
 * The measuring side of the XML benchmark, run in a fresh process per document by
 * xml.bench.ts (through bench/child/run-ts.js), so the memory figures hold nothing left over
 * from other benchmarks. Receives { kind, file, contentType, small }: parses `small` once (the
 * code loads and compiles), then the document once under memory measurement, then `runs` more
 * times for the timing, always through the provider's own parsing functions:
 * PantherMedia `readPollPage(parseRsp(response))`, the DAM `readModifiedFiles(parseDamXml(body))`.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { readModifiedFiles } from '../nodes/HalLeonardDam/model';
import { parseDamXml } from '../nodes/HalLeonardDam/transport/answers';
import { readPollPage } from '../nodes/PantherMedia/model';
import { parseRsp } from '../nodes/PantherMedia/transport/answers';
import { RssPeak, forceGc } from './memory';

export interface XmlJob {
	kind: 'panthermedia' | 'dam';
	file: string;
	small: string;
	contentType: string;
	runs: number;
}

export interface XmlFigures {
	bytes: number;
	items: number;
	times: number[];
	rssBefore: number;
	rssPeak: number;
	heapBefore: number;
	heapAfterParse: number;
	heapRetained: number;
	heapTotalBefore: number;
	heapTotalAfterParse: number;
}

function parser(job: XmlJob): (body: Buffer) => number {
	if (job.kind === 'panthermedia') {
		return (body) =>
			readPollPage(parseRsp({ status: 200, headers: { 'content-type': job.contentType }, body })).items.length;
	}
	return (body) => readModifiedFiles(parseDamXml(body, job.contentType)).files.length;
}

async function run(job: XmlJob): Promise<XmlFigures> {
	const parse = parser(job);
	parse(readFileSync(job.small));
	const body = readFileSync(job.file);

	const sampler = new RssPeak();
	await sampler.start();
	forceGc();
	const before = process.memoryUsage();
	sampler.reset();
	let result: unknown = undefined;
	const keep = (value: unknown) => (result = value);
	// The parse is synchronous: only the worker thread can sample RSS while it runs.
	const items = (() => {
		if (job.kind === 'panthermedia') {
			const page = readPollPage(parseRsp({ status: 200, headers: { 'content-type': job.contentType }, body }));
			keep(page);
			return page.items.length;
		}
		const { files } = readModifiedFiles(parseDamXml(body, job.contentType));
		keep(files);
		return files.length;
	})();
	const afterParse = process.memoryUsage();
	const peak = await sampler.stop();
	forceGc();
	const retained = process.memoryUsage().heapUsed;
	if (!result) throw new Error('no result');
	result = undefined;

	const times: number[] = [];
	for (let i = 0; i < job.runs; i++) {
		const started = performance.now();
		const count = parse(body);
		times.push(performance.now() - started);
		if (count !== items) throw new Error(`parsed ${count} items, then ${items}`);
	}
	return {
		bytes: body.length,
		items,
		times,
		rssBefore: before.rss,
		rssPeak: peak,
		heapBefore: before.heapUsed,
		heapAfterParse: afterParse.heapUsed,
		heapRetained: retained,
		heapTotalBefore: before.heapTotal,
		heapTotalAfterParse: afterParse.heapTotal,
	};
}

process.once('message', (job: XmlJob) => {
	run(job).then(
		(figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
		(error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
	);
});

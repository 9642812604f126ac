/**
 * The n8n side of the CommerceConnect writes benchmark, run in a fresh process by
 * commerceconnect-writes.bench.ts (through bench/child/run-ts.js): the CommerceConnect node runs
 * Create (one input item per media) or Sync Product Media (one input item per product) against
 * the mock, which runs in the benchmark's process — as CommerceConnect runs outside n8n's.
 */
import '../test/harness/env';

import { performance } from 'node:perf_hooks';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { executeNode } from '../test/harness/n8n';

export interface WritesJob {
	baseUrl: string;
	email: string;
	token: string;
	operation: 'create' | 'syncProductMedia';
	/** Product IDs to write media for (the mock knows them), `perProduct` media each. */
	products: number[];
	perProduct: number;
	/** A few products written first, so n8n-core has loaded what it loads on first use. */
	warmProducts: number[];
	/** Options → Concurrency; undefined for the node's default. */
	concurrency?: number;
	/** Distinguishes the URLs of one measured run from another's. */
	run: string;
}

export interface WritesFigures {
	elapsed: number;
	/** CPU time of n8n's process (user + system) over the measured run, in ms. */
	cpuMs: number;
	outputItems: number;
	errors: number;
}

function mediaOf(job: WritesJob, product: number): IDataObject[] {
	return Array.from({ length: job.perProduct }, (_, i) => ({
		url: `https://cdn.example.com/${job.run}/${product}/${i}.jpg`,
		position: i + 1,
		...(i === 0 ? { primary: true } : {}),
	}));
}

async function write(job: WritesJob, products: number[]): Promise<WritesFigures> {
	const options = job.concurrency === undefined ? {} : { concurrency: job.concurrency };
	let input: INodeExecutionData[];
	let parameters: IDataObject;
	if (job.operation === 'create') {
		// Grouped by product, as a list of a supplier's products and their media comes.
		input = products.flatMap((product) => mediaOf(job, product).map((media) => ({ json: { product, ...media } })));
		parameters = {
			operation: 'create',
			mediaItemType: 'ImageMediaItem',
			attachTo: 'product',
			productBy: 'id',
			productId: '={{ $json.product }}',
			url: '={{ $json.url }}',
			additionalFields: { position: '={{ $json.position }}' },
			options,
		};
	} else {
		input = products.map((product) => ({ json: { product, media: mediaOf(job, product) } }));
		parameters = {
			operation: 'syncProductMedia',
			productBy: 'id',
			productId: '={{ $json.product }}',
			syncTag: `sync:${job.run}`,
			mediaSource: 'list',
			mediaList: '={{ $json.media }}',
			syncOptions: options,
		};
	}
	const started = performance.now();
	const cpuBefore = process.cpuUsage();
	const result = await executeNode(
		{
			type: 'commerceConnect',
			parameters: { resource: 'mediaItem', ...parameters } as never,
			credentials: { commerceConnectApi: { email: job.email, apiToken: job.token, baseUrl: job.baseUrl } },
		},
		input,
	);
	const elapsed = performance.now() - started;
	const cpu = process.cpuUsage(cpuBefore);
	const out = result.output[0];
	return {
		elapsed,
		cpuMs: (cpu.user + cpu.system) / 1000,
		outputItems: out.length,
		errors: out.filter((item) => item.json.error !== undefined).length,
	};
}

async function run(job: WritesJob): Promise<WritesFigures> {
	await write({ ...job, run: `${job.run}-warm` }, job.warmProducts);
	return await write(job, job.products);
}

process.once('message', (job: WritesJob) => {
	run(job).then(
		(figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
		(error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
	);
});

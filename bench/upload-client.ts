/**
 * The client side of the upload benchmark, run in a fresh process by
 * commerceconnect-upload.bench.ts (through bench/child/run-ts.js), so that process's RSS is the
 * client's alone — n8n-core, the CommerceConnect node and the HTTP stack — with no memory left
 * over from other benchmarks. Receives { baseUrl, email, token, size } over IPC, creates the
 * file in n8n's filesystem binary store, uploads a 1 MiB file to warm up, then the big one while
 * a worker thread samples RSS every millisecond, and sends back its figures.
 */
import '../test/harness/env';

import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { INodeExecutionData } from 'n8n-workflow';

import { binaryItem, executeNode } from '../test/harness/n8n';
import { RssPeak, forceGc } from './memory';

export interface UploadJob {
	baseUrl: string;
	email: string;
	token: string;
	size: number;
}

export interface UploadFigures {
	id: number;
	sha256: string;
	storedInFilesystem: boolean;
	elapsed: number;
	rssBefore: number;
	peak: number;
	heapBefore: number;
	externalBefore: number;
}

async function upload(job: UploadJob, input: INodeExecutionData): Promise<number> {
	const result = await executeNode(
		{
			type: 'commerceConnect',
			parameters: {
				resource: 'mediaItem',
				operation: 'upload',
				binaryPropertyName: 'data',
				productBy: 'id',
				productId: '257',
			} as never,
			credentials: { commerceConnectApi: { email: job.email, apiToken: job.token, baseUrl: job.baseUrl } },
		},
		[input],
	);
	return result.output[0][0].json.id as number;
}

/** A file of `size` random bytes in n8n's binary store; the in-memory copy is dropped. */
async function storedFile(size: number, name: string): Promise<{ input: INodeExecutionData; sha256: string }> {
	const data = randomBytes(size);
	const sha256 = createHash('sha256').update(data).digest('hex');
	return { input: await binaryItem(data, name, 'image/png'), sha256 };
}

async function run(job: UploadJob): Promise<UploadFigures> {
	await upload(job, (await storedFile(1024 * 1024, 'warm.png')).input);
	const file = await storedFile(job.size, 'big.png');
	const sampler = new RssPeak();
	await sampler.start();
	forceGc();
	const before = process.memoryUsage();
	sampler.reset();
	const started = performance.now();
	const id = await upload(job, file.input);
	const elapsed = performance.now() - started;
	const peak = await sampler.stop();
	return {
		id,
		sha256: file.sha256,
		storedInFilesystem: String(file.input.binary!.data.id).startsWith('filesystem'),
		elapsed,
		rssBefore: before.rss,
		peak,
		heapBefore: before.heapUsed,
		externalBefore: before.external,
	};
}

process.once('message', (job: UploadJob) => {
	run(job).then(
		(figures) => process.send!({ ok: true, figures }, () => process.exit(0)),
		(error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
	);
});

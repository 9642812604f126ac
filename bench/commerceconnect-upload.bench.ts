import { CommerceConnectMock } from '../sandbox/commerceconnect';
import { useMock } from '../test/harness/servers';
import { runInChild } from './child/fork';
import { loadAverage, mib } from './memory';
import { ms, report } from './report';
import type { UploadFigures, UploadJob } from './upload-client';

/**
 * Upload (issue 7): a 50 MB binary to the CommerceConnect mock through the CommerceConnect
 * node's Upload operation, the binary coming from n8n's filesystem binary-data service. Figure:
 * the peak increase of the client's RSS while uploading (target: well under 2× the file).
 *
 * The client runs in a fresh process (bench/upload-client.ts): its RSS holds nothing but n8n,
 * the node and the HTTP stack, nothing left over from other benchmarks, and nothing of the mock.
 * The mock runs here, in streaming mode (`streamUploads`): it parses the multipart body as it
 * arrives and hashes the file instead of keeping it; the hash proves the bytes arrived intact.
 */
const SIZES_MB = (process.env.BENCH_UPLOAD_MB ?? '50,200').split(',').map(Number);
const latency = Number(process.env.BENCH_LATENCY_MS ?? 50);

describe('CommerceConnect upload', () => {
	const mock = new CommerceConnectMock();
	mock.streamUploads = true;
	mock.server.latencyMs = latency;
	const baseUrl = useMock(mock);

	it.each(SIZES_MB)(
		'uploads a %d MB binary from n8n’s binary store: peak RSS increase of the client',
		async (sizeMb) => {
			const size = sizeMb * 1024 * 1024;
			const figures = await runInChild<UploadJob, UploadFigures>('upload-client.ts', {
				baseUrl: baseUrl(),
				email: mock.email,
				token: mock.token,
				size,
			});
			const stored = mock.items.get(figures.id)!.asset!;
			expect(figures.storedInFilesystem).toBe(true); // streamed from disk, not from a base64 copy
			expect(stored).toMatchObject({ size, sha256: figures.sha256 });

			const increase = figures.peak - figures.rssBefore;
			if (sizeMb === SIZES_MB[0])
				report(
					`\nCommerceConnect Upload, binary from n8n's filesystem binary store, ${latency} ms latency (load average ${loadAverage()}):`,
				);
			report(
				`  ${mib(size)}: ${ms(figures.elapsed)}; client RSS before ${mib(figures.rssBefore)}, peak ${mib(figures.peak)}: increase ${mib(increase)} = ${(increase / size).toFixed(2)}x the file size`,
			);
			report(
				`    (client alone in a fresh process, RSS sampled every 1 ms by a worker thread; the mock received ${mib(stored.size!)}, SHA-256 equal)`,
			);
		},
	);
});

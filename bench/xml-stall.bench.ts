import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MAX_XML_BYTES as DAM_CAP } from '../nodes/HalLeonardDam/transport/answers';
import { MAX_XML_BYTES as PM_CAP } from '../nodes/PantherMedia/transport/answers';
import { damMetadata, damModifiedFiles, pollPage } from '../sandbox/large-xml';
import { runInChild } from './child/fork';
import { loadAverage, mib } from './memory';
import { median, ms, report } from './report';
import type { StallFigures, StallJob, StallKind } from './xml-stall-client';

/**
 * Issue 12: how long n8n's event loop stands still while an XML answer is read. For the typical
 * 10,000-row answers and the largest answer each provider accepts (at its cap), each in a fresh
 * process (bench/xml-stall-client.ts): the read through the provider's parse path as the nodes
 * run it (large answers in the answer worker), and — for comparison, where it takes seconds
 * rather than minutes — the synchronous read on the main thread that was all there was before.
 * Printed: read time (median), longest event-loop stall (`monitorEventLoopDelay`, 1 ms
 * resolution; the worst of the runs), and the process's peak RSS increase (worker included).
 * Nothing here is asserted about time.
 *
 * The documents are built by sandbox/large-xml.ts in the mocks' (and the providers'
 * samples') shapes, straight to size.
 */

interface Document {
	name: string;
	kind: StallKind;
	build: () => { body: Buffer; rows: number };
	contentType: string;
	runs: number;
	/** Also read on the main thread (the old way), for comparison. */
	compare: boolean;
}

const DOCUMENTS: Document[] = [
	{
		name: 'PantherMedia poll page, 10,000 rows',
		kind: 'pmPoll',
		build: () => pollPage({ rows: 10_000 }),
		contentType: 'text/xml; charset=UTF-8',
		runs: 5,
		compare: true,
	},
	{
		name: `PantherMedia poll page at the cap (${mib(PM_CAP)})`,
		kind: 'pmPoll',
		build: () => pollPage({ maxBytes: PM_CAP }),
		contentType: 'text/xml; charset=UTF-8',
		runs: 3,
		compare: true,
	},
	{
		name: 'DAM ModifiedFileResponse, 10,000 files',
		kind: 'damFiles',
		build: () => damModifiedFiles({ rows: 10_000 }),
		contentType: 'text/xml',
		runs: 5,
		compare: true,
	},
	{
		name: 'DAM AssetMetadataResponse, 10,000 records',
		kind: 'damMetadata',
		build: () => damMetadata({ rows: 10_000 }),
		contentType: 'text/xml',
		runs: 3,
		compare: true,
	},
	{
		name: `DAM ModifiedFileResponse at the cap (${mib(DAM_CAP)})`,
		kind: 'damFiles',
		build: () => damModifiedFiles({ maxBytes: DAM_CAP }),
		contentType: 'text/xml',
		runs: 2,
		compare: false,
	},
	{
		name: `DAM AssetMetadataResponse at the cap (${mib(DAM_CAP)})`,
		kind: 'damMetadata',
		build: () => damMetadata({ maxBytes: DAM_CAP }),
		contentType: 'text/xml',
		runs: 2,
		compare: false,
	},
];

function describeRun(where: string, figures: StallFigures): string {
	const worst = Math.max(...figures.stalls);
	const path = figures.offThread > 0 ? `in the worker, ${figures.slices} slices` : 'on the main thread';
	return `${where} (${path}): read ${ms(median(figures.times))} (median of ${figures.times.length}), longest stall ${ms(worst)} (runs: ${figures.stalls.map((s) => s.toFixed(0)).join(', ')} ms), peak RSS +${mib(figures.rssPeak - figures.rssBefore)}; idle loop's own longest stall ${ms(figures.idleStall)}`;
}

describe('XML answers and the event loop', () => {
	const lines: string[] = [];
	afterAll(() => {
		report(
			`\nEvent-loop stall while XML answers are read through the providers' parse path, each in a fresh process (load average ${loadAverage()}):`,
		);
		for (const line of lines) report(`  ${line}`);
	});

	it.each(DOCUMENTS.map((d) => [d.name, d] as const))('%s', async (_name, document) => {
		const { body, rows } = document.build();
		const file = join(tmpdir(), `bench-stall-${process.pid}-${document.kind}.xml`);
		writeFileSync(file, body);
		try {
			const job: StallJob = {
				kind: document.kind,
				file,
				contentType: document.contentType,
				runs: document.runs,
				mainThread: false,
			};
			lines.push(`${document.name}: ${mib(body.length)}, ${rows.toLocaleString('en')} rows`);
			const worker = await runInChild<StallJob, StallFigures>('xml-stall-client.ts', job);
			expect(worker.rows).toBe(rows);
			lines.push(`  ${describeRun('as the nodes read it', worker)}`);
			if (document.compare) {
				const main = await runInChild<StallJob, StallFigures>('xml-stall-client.ts', { ...job, mainThread: true });
				expect(main.rows).toBe(rows);
				lines.push(`  ${describeRun('main thread only, as before', main)}`);
			}
		} finally {
			unlinkSync(file);
		}
	});
});

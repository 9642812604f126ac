import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { damMetadata, damModifiedFiles, pollPage } from '../sandbox/large-xml';
import { runInChild } from './child/fork';
import { loadAverage, mib } from './memory';
import { ms, report } from './report';
import type { OverheadFigures, OverheadJob } from './xml-overhead-client';

/**
 * Issue 16 point 4: the package's XML parse against fast-xml-parser's own parse of the same
 * answers (10,000-row poll page and file list; 2,500 metadata records), side by side in one
 * (fresh) process, as ratios. Steps:
 * - fast-xml-parser: `new XMLParser({ ignoreAttributes: false }).parse(text)` on the decoded text;
 * - fast-xml-parser validating: the same with `parse(text, true)` (its validator pass first);
 * - package parse: parseRsp / parseDamXml — charset, DOCTYPE/entity refusal, the size cap, the
 *   validator pass, the hardened parse (no entities, no coercion, lists, depth limit);
 * - package parse + reader: what the nodes run (poll rows with dates, file entries, metadata
 *   records with fingerprints).
 * Printed, not asserted.
 */

const DOCUMENTS: Array<{ name: string; kind: OverheadJob['kind']; build: () => Buffer; contentType: string }> = [
	{
		name: 'PantherMedia poll page, 10,000 rows',
		kind: 'pmPoll',
		build: () => pollPage({ rows: 10_000 }).body,
		contentType: 'text/xml; charset=UTF-8',
	},
	{
		name: 'DAM ModifiedFileResponse, 10,000 files',
		kind: 'damFiles',
		build: () => damModifiedFiles({ rows: 10_000 }).body,
		contentType: 'text/xml',
	},
	{
		// 2,500 records (2.1 MiB, the size of the other two): 10,000 (8.3 MiB) take minutes here.
		name: 'DAM AssetMetadataResponse, 2,500 records',
		kind: 'damMetadata',
		build: () => damMetadata({ rows: 2_500 }).body,
		contentType: 'text/xml',
	},
];

const ROUNDS = 15;

describe('XML parse overhead', () => {
	const lines: string[] = [];
	afterAll(() => {
		report(
			`\nThe package's XML parse vs fast-xml-parser's own, same document, same process (median of ${ROUNDS} interleaved rounds; load average ${loadAverage()}):`,
		);
		for (const line of lines) report(`  ${line}`);
	});

	it.each(DOCUMENTS.map((d) => [d.name, d] as const))('%s', async (_name, document) => {
		const body = document.build();
		const file = join(tmpdir(), `bench-overhead-${process.pid}-${document.kind}.xml`);
		writeFileSync(file, body);
		try {
			const f = await runInChild<OverheadJob, OverheadFigures>('xml-overhead-client.ts', {
				kind: document.kind,
				file,
				contentType: document.contentType,
				rounds: ROUNDS,
			});
			const x = (ratio: number) => `${ratio.toFixed(2)}×`;
			lines.push(`${document.name} (${mib(body.length)}), ${f.clock} time:`);
			lines.push(
				`  fast-xml-parser ${ms(f.medians.fxpParse)}; with its validator ${ms(f.medians.fxpValidatingParse)} (${x(f.ratios.fxpValidatingParse)})`,
			);
			lines.push(
				`  package parse ${ms(f.medians.packageParse)}: ${x(f.ratios.packageParse)} fast-xml-parser, ${x(f.ratiosToValidating.packageParse)} its validating parse`,
			);
			lines.push(
				`  package parse + reader ${ms(f.medians.packageRead)}: ${x(f.ratios.packageRead)} fast-xml-parser, ${x(f.ratiosToValidating.packageRead)} its validating parse`,
			);
			expect(f.medians.packageParse).toBeGreaterThan(0);
		} finally {
			unlinkSync(file);
		}
	});
});

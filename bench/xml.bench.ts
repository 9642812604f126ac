import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { damDocument, serializeDamDocument } from '../nodes/HalLeonardDam/transport/document';
import { formEncode, signRequest } from '../nodes/PantherMedia/transport/signature';
import { HalLeonardMock } from '../sandbox/halleonard';
import { PantherMediaMock } from '../sandbox/panthermedia';
import { runInChild } from './child/fork';
import { loadAverage, mib } from './memory';
import { median, ms, report } from './report';
import type { XmlFigures, XmlJob } from './xml-client';

/**
 * XML (issue 7): parse time and peak memory of a 10,000-item PantherMedia poll page and a
 * 10,000-file DAM ModifiedFileResponse, through the providers' own parsing functions (the
 * hardened parseXml, then the answer readers). The documents are real answers of the mocks,
 * fetched over HTTP. Each is measured in a fresh process (bench/xml-client.ts): memory first
 * (RSS sampled every 1 ms by a worker thread while the synchronous parse runs; heap from
 * process.memoryUsage() around it, with full GCs before), then the time of 10 more parses.
 */
const ITEMS = 10_000;
const RUNS = 10;

async function pantherMediaPage(
	mock: PantherMediaMock,
	baseUrl: string,
	limit: number,
): Promise<{ body: Buffer; contentType: string }> {
	const fields = { ...signRequest(mock.apiKey, mock.apiSecret), type: 'new', last_polling: '1', limit: String(limit) };
	const response = await fetch(`${baseUrl}/poll`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-version': '1.1' },
		body: formEncode(fields),
	});
	expect(response.status).toBe(200);
	return { body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? '' };
}

async function damFiles(
	mock: HalLeonardMock,
	start: string,
	stop: string,
): Promise<{ body: Buffer; contentType: string }> {
	const document = serializeDamDocument(
		damDocument('ModifiedFileRequest', { '@_fileType': 'pdf', StartDate: start, StopDate: stop }),
		{
			vendorId: mock.vendorId,
			vendorKey: mock.vendorKey,
		},
	);
	const response = await fetch(mock.endpoint, {
		method: 'POST',
		headers: { 'content-type': 'text/xml; charset=utf-8' },
		body: document,
	});
	expect(response.status).toBe(200);
	return { body: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? '' };
}

function describe10k(name: string, figures: XmlFigures): string[] {
	return [
		`${name}: ${mib(figures.bytes)}, ${figures.items.toLocaleString('en')} items; parse ${ms(median(figures.times))} (median of ${figures.times.length}; min ${ms(Math.min(...figures.times))}, max ${ms(Math.max(...figures.times))})`,
		`  peak RSS increase during the parse: ${mib(figures.rssPeak - figures.rssBefore)} (from ${mib(figures.rssBefore)})`,
		`  heap: used ${mib(figures.heapBefore)} before, ${mib(figures.heapAfterParse)} right after the parse (result + garbage not yet collected), ${mib(figures.heapRetained)} after a full GC with the result kept (result: ${mib(figures.heapRetained - figures.heapBefore)}); heap reserved ${mib(figures.heapTotalBefore)} → ${mib(figures.heapTotalAfterParse)}`,
	];
}

describe('XML parsing', () => {
	const dir = tmpdir();
	const lines: string[] = [];
	afterAll(() => {
		report(
			`\nXML parsing through the providers' parsers, each document in a fresh process (load average ${loadAverage()}):`,
		);
		for (const line of lines) report(`  ${line}`);
	});

	it('parses a 10,000-item PantherMedia poll page', async () => {
		const mock = new PantherMediaMock({ seed: false });
		const baseUrl = await mock.start();
		try {
			mock.bulkNew(ITEMS, mock.now() - 5 * 24 * 3600_000 - ITEMS * 1000, 1000);
			const big = await pantherMediaPage(mock, baseUrl, ITEMS);
			const small = await pantherMediaPage(mock, baseUrl, 10);
			const file = join(dir, `bench-pm-${process.pid}.xml`);
			const smallFile = join(dir, `bench-pm-small-${process.pid}.xml`);
			writeFileSync(file, big.body);
			writeFileSync(smallFile, small.body);
			const figures = await runInChild<XmlJob, XmlFigures>('xml-client.ts', {
				kind: 'panthermedia',
				file,
				small: smallFile,
				contentType: big.contentType,
				runs: RUNS,
			});
			expect(figures.items).toBe(ITEMS);
			lines.push(...describe10k('PantherMedia poll page', figures));
		} finally {
			await mock.stop();
		}
	});

	it('parses a 10,000-file DAM ModifiedFileResponse', async () => {
		const mock = new HalLeonardMock();
		await mock.start();
		try {
			const today = mock.today();
			for (let i = 0; i < ITEMS; i++)
				mock.putFile(
					String(200_000 + i),
					`HL_DDS_${String(200_000 + i).padStart(16, '0')}.pdf`,
					today - 60 + Math.floor((i * 60) / ITEMS),
				);
			const big = await damFiles(mock, '2000/1/1', '2100/1/1');
			mock.files.clear();
			mock.putFile('1', 'HL_1.pdf', today);
			const small = await damFiles(mock, '2000/1/1', '2100/1/1');
			const file = join(dir, `bench-dam-${process.pid}.xml`);
			const smallFile = join(dir, `bench-dam-small-${process.pid}.xml`);
			writeFileSync(file, big.body);
			writeFileSync(smallFile, small.body);
			const figures = await runInChild<XmlJob, XmlFigures>('xml-client.ts', {
				kind: 'dam',
				file,
				small: smallFile,
				contentType: big.contentType,
				runs: RUNS,
			});
			expect(figures.items).toBe(ITEMS);
			lines.push(...describe10k('DAM ModifiedFileResponse', figures));
		} finally {
			await mock.stop();
		}
	});
});

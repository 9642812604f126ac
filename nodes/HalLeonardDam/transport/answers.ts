import { answerReaders } from '../../shared/answerWorker/readers';
import { attempt } from '../../shared/attempt';
import type { SkippedRecord } from '../../shared/skipped';
import { MalformedResponseError } from '../../shared/transport/answerErrors';
import { XmlError, decodeBytes, detectCharset, parseXml } from '../../shared/xml';
import {
	type AssetAccess,
	DAM_LIST_ELEMENTS,
	type MetadataRecord,
	type ModifiedFile,
	readAssetAccess,
	readMetadataRecords,
	readModifiedFiles,
} from '../model';

/**
 * Reading the DAM's XML answers: decoding, the refusal of entity declarations, and the answer
 * readers. Apart from the client (./index) because the readers also run in the answer worker
 * (nodes/shared/answerWorker), so this module and what it imports must not need n8n-workflow at
 * run time.
 */

/**
 * Largest XML answer accepted, 64 MiB: the size of the largest answers the nodes ask for, with
 * room. The DAM documents no sizes; what is known and what is assumed:
 * - ModifiedFileResponse: ~190 bytes a file as the DAM writes it (indented, as in its sample).
 *   The trigger asks for at most 89 days, but one day can hold a re-export of the whole catalogue,
 *   and a day cannot be split further; Get Modified Files may ask for every year at once. So the
 *   cap holds a whole catalogue: 64 MiB is ~350,000 files. Hal Leonard's PDF catalogue is assumed
 *   to be below that (its size is not published).
 * - AssetMetadataResponse: at most three months (the DAM's limit; the nodes ask 89 days). A
 *   record is ~0.5–1 KB (title, format, contributors, price), up to ~10 KB with a full list of
 *   ~200 sellable countries. A large vendor's three months — say 5,000 new or changed records —
 *   is then 5–50 MB; 64 MiB holds ~75,000 records of the benchmark's shape (8 countries).
 * Both are read off the event loop (nodes/shared/answerWorker): a 64 MiB answer takes tens of
 * seconds to parse and needs up to ~1 GiB while parsed. (It was 100 MiB, read on n8n's main
 * thread: 5–40 s during which all of n8n stood still.)
 */
export const MAX_XML_BYTES = 64 * 1024 * 1024;

/**
 * Largest AssetAccessResponse accepted: it describes the one asset asked for (a few hundred
 * bytes), so 1 MiB is room enough.
 */
export const MAX_ACCESS_XML_BYTES = 1024 * 1024;

/**
 * An HTTP error's body is read as the DAM's ErrorResponse (a few hundred bytes) only up to this
 * size, on the main thread; a larger one is shown as an excerpt.
 */
export const MAX_FAILURE_BYTES = 64 * 1024;

/**
 * Decodes and parses a DAM answer. The DAM declares ISO-8859-1; an answer that declares nothing
 * (neither in the XML declaration nor the Content-Type) and is not valid UTF-8 is read as
 * ISO-8859-1 too, the DAM's own encoding, so "Für Elise" arrives intact either way.
 */
export function parseDamXml(body: Buffer, contentType?: string): Record<string, unknown> {
	const headerCharset = /charset\s*=\s*"?([A-Za-z0-9._-]+)/i.exec(contentType ?? '')?.[1];
	const declared = /^\uFEFF?\s*<\?xml[^>]*\sencoding\s*=/.test(body.subarray(0, 200).toString('latin1'));
	const outcome = attempt(() => {
		// The cap is on the bytes received; decoded, ISO-8859-1 letters take two bytes each in the
		// UTF-8 that parseXml would measure, so it gets twice the room.
		if (body.length > MAX_XML_BYTES) {
			throw new XmlError(`the answer is ${body.length} bytes, more than the ${MAX_XML_BYTES} accepted`);
		}
		let charset = detectCharset(body, headerCharset);
		if (!declared && !headerCharset && !isUtf8(body)) charset = 'iso-8859-1';
		const text = decodeBytes(body, charset);
		// The DAM's DOCTYPE only names its DTD. An internal subset declaring entities (billion
		// laughs, external entities) is never the DAM's: refuse it rather than carry it along
		// unexpanded (the parser never expands it either way).
		if (/<!DOCTYPE[^>[]*\[/i.test(text.slice(0, 4096)) || /<!ENTITY/i.test(text)) {
			throw new XmlError('the answer declares XML entities in its DOCTYPE, which the DAM never does');
		}
		return parseXml(text, { arrays: DAM_LIST_ELEMENTS, maxBytes: 2 * MAX_XML_BYTES });
	});
	if (outcome.ok) return outcome.value;
	if (outcome.error instanceof XmlError) throw new MalformedResponseError(outcome.error.message);
	throw outcome.error;
}

function isUtf8(bytes: Buffer): boolean {
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(bytes);
		return true;
	} catch {
		return false;
	}
}

/** The readers of the DAM's answers, by name (see nodes/shared/answerWorker). */
export const DAM_ANSWERS = answerReaders(__filename, 'DAM_ANSWERS', {
	modifiedFiles: {
		read: (response): { files: ModifiedFile[]; skipped: SkippedRecord[] } =>
			readModifiedFiles(parseDamXml(response.body, response.headers['content-type'])),
		rows: { field: 'files' },
	},
	metadata: {
		read: (response): { records: MetadataRecord[]; skipped: SkippedRecord[] } =>
			readMetadataRecords(parseDamXml(response.body, response.headers['content-type'])),
		rows: { field: 'records' },
	},
	access: {
		read: (response): AssetAccess[] => readAssetAccess(parseDamXml(response.body, response.headers['content-type'])),
		rows: 'self',
	},
});

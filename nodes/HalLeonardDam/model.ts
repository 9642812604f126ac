import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import type { ApiFailure } from '../shared/transport/errors';
import { MalformedResponseError, ProviderFailure } from '../shared/transport/answerErrors';
import type { SkippedRecord } from '../shared/skipped';
import { asList, textOf } from '../shared/xml';
import { type Day, isoDay, parseDamDate } from './days';

/**
 * The DAM's answers, read from the parsed XML (`DAMResponse` → ResponseHdr + one response
 * element), and its status and error values turned into failures a user can act on.
 */

/** Elements that are lists whatever their count (passed to the XML parser). */
export const DAM_LIST_ELEMENTS = ['ModifiedFile', 'Asset', 'Package'] as const;

// ---------------------------------------------------------------------------------------------
// Status codes (DAM "Status Codes" page) and ErrorResponse.

export const STATUS_TEXT: Record<string, string> = {
	'1': 'OK.',
	'2': 'File does not exist or bad path.',
	'3': 'Vendor does not have access.',
	'4': 'Invalid order number.',
	'11': 'Repeated open request.',
	'13': 'Transaction id not found in DB.',
	'20': 'The status of the transaction is not OPEN.',
	'21': 'More copies than authorised.',
	'25': 'Asset cannot be sold in indicated country.',
	'26': 'Invalid country code.',
	'33': 'Unable to find asset for given asset id.',
};

type Advice = Pick<ApiFailure, 'hint' | 'cause'>;

export function statusAdvice(code: string): Advice {
	switch (code) {
		case '2':
			return {
				hint: 'The DAM has no file for this asset, or its path is broken on the DAM side. Report the asset ID to Hal Leonard, or leave it out.',
			};
		case '3':
			return {
				hint: 'Your vendor account may not use this asset. Check the asset ID, and your catalogue access with your Hal Leonard representative.',
				cause: 'configuration-invalid',
			};
		case '25':
			return {
				hint: 'The asset cannot be sold in that country. Use another Country Code, or leave the asset out.',
				cause: 'configuration-invalid',
			};
		case '26':
			return {
				hint: 'Use a two-letter ISO country code such as US or GB (empty means US).',
				cause: 'configuration-invalid',
			};
		case '33':
			return { hint: 'Check the asset ID: the DAM does not know it.', cause: 'configuration-invalid' };
		default:
			return {};
	}
}

/** Throws the DAM's failure when a status code other than 1 ("OK.") is present. */
export function checkStatus(element: Record<string, unknown> | undefined, what?: string): void {
	if (!element) return;
	const code = textOf(element.StatusCode)?.trim();
	if (code === undefined || code === '' || code === '1') return;
	const description = textOf(element.StatusDescription)?.trim() || STATUS_TEXT[code] || `Status code ${code}`;
	throw new ProviderFailure({
		providerCode: code,
		providerMessage: what ? `${description} (${what})` : description,
		...statusAdvice(code),
	});
}

/**
 * The DAM's ErrorResponse (system or fatal errors: invalid request XML, insecure URL, internal
 * systems not responding…). Its error code table is not published, so the advice comes from
 * the description's words.
 */
export function errorResponseFailure(error: Record<string, unknown>): ProviderFailure {
	const code = textOf(error.ErrorCode)?.trim() || undefined;
	const description = textOf(error.ErrorDescr)?.trim() || 'The DAM reported a system error';
	return new ProviderFailure({ providerCode: code, providerMessage: description, ...errorAdvice(description) });
}

function errorAdvice(description: string): Advice & { transient?: boolean } {
	if (/vendor|key|authenti|authori|credential|password|login/i.test(description)) {
		return {
			hint: 'Check the Vendor ID and Vendor Key in the credential. Test accounts have their own key, and may have their own Endpoint URL.',
			cause: 'credential-invalid',
		};
	}
	if (/month|date range|range/i.test(description)) {
		return {
			hint: 'The DAM accepts metadata date ranges of up to 3 months. Use a shorter range; the trigger and the node split longer ones themselves.',
			cause: 'configuration-invalid',
		};
	}
	if (/not responding|unavailable|timeout|timed out|try again|temporar/i.test(description)) {
		return {
			hint: 'The DAM’s internal systems are not responding. This usually passes: try again later.',
			transient: true,
		};
	}
	if (/xml|dtd|format|parse|malformed|version/i.test(description)) {
		return {
			hint: 'The DAM could not read the request. Check DAM Version in the credential (the nodes speak 5.0); if it is right, please report this.',
			cause: 'configuration-invalid',
		};
	}
	return {
		hint: 'The DAM reported a system error. Check the message; if it persists, contact your Hal Leonard representative.',
	};
}

/** Finds the response element of a DAMResponse, or throws the DAM's ErrorResponse. */
export function responseElement(document: Record<string, unknown>, name: string): Record<string, unknown> {
	if (document.ErrorResponse && typeof document.ErrorResponse === 'object') {
		throw errorResponseFailure(document.ErrorResponse as Record<string, unknown>);
	}
	const root = document.DAMResponse;
	if (!root || typeof root !== 'object') {
		const rootName = Object.keys(document).find((key) => !key.startsWith('?') && !key.startsWith('!')) ?? 'none';
		throw new MalformedResponseError(`the answer is not a DAM response (root element: ${rootName})`);
	}
	const response = root as Record<string, unknown>;
	if (response.ErrorResponse && typeof response.ErrorResponse === 'object') {
		throw errorResponseFailure(response.ErrorResponse as Record<string, unknown>);
	}
	const element = response[name];
	if (element === undefined) {
		const found = Object.keys(response).filter((key) => key !== 'ResponseHdr');
		throw new MalformedResponseError(
			`the DAM answered without ${name}${found.length ? ` (found ${found.join(', ')})` : ''}`,
		);
	}
	// An empty element (no files in range) parses as "".
	return element && typeof element === 'object' ? (element as Record<string, unknown>) : {};
}

// ---------------------------------------------------------------------------------------------
// ModifiedFileResponse.

export interface ModifiedFile {
	assetId: string;
	fileName: string;
	/** Day of LastModified. */
	day: Day;
	/** LastModified as the DAM wrote it ("2015/12/7"). */
	damDate: string;
}

/**
 * The files of a ModifiedFileResponse. An entry without AssetId, FileName or a readable
 * LastModified day is skipped and listed in `skipped`: one bad entry must not hide the others.
 */
export function readModifiedFiles(document: Record<string, unknown>): {
	files: ModifiedFile[];
	skipped: SkippedRecord[];
} {
	const element = responseElement(document, 'ModifiedFileResponse');
	checkStatus(element);
	const files: ModifiedFile[] = [];
	const skipped: SkippedRecord[] = [];
	asList<Record<string, unknown>>(element.ModifiedFile).forEach((raw, index) => {
		const assetId = textOf(asList(raw?.AssetId)[0])?.trim();
		const fileName = textOf(raw?.FileName)?.trim();
		const damDate = textOf(raw?.LastModified)?.trim() ?? '';
		const day = parseDamDate(damDate);
		if (!assetId || !fileName || day === undefined) {
			const missing = !assetId
				? 'no AssetId'
				: !fileName
					? 'no FileName'
					: `an unreadable LastModified ${JSON.stringify(damDate.slice(0, 40))}`;
			skipped.push({ record: index + 1, id: assetId, problem: `it has ${missing}` });
			return;
		}
		files.push({ assetId, fileName, day, damDate });
	});
	return { files, skipped };
}

export function modifiedFileJson(file: ModifiedFile, fileType: string): IDataObject {
	return {
		assetId: file.assetId,
		fileName: file.fileName,
		fileType,
		lastModified: isoDay(file.day),
		damDate: file.damDate,
	};
}

// ---------------------------------------------------------------------------------------------
// AssetMetadataResponse.
//
// The DAM documents no example of this answer. What is known: one element per asset or package
// with its AssetId and the metadata (title, format, contributors, categories, countries,
// price…), reference lists (classifications, instruments, series…) in every answer, and
// deleted assets marked "delete". The reader therefore takes every element under
// AssetMetadataResponse that has an AssetId child as a record (one level of collection
// wrapper allowed), packages by element name, and recognises the delete marker wherever it is
// put: an attribute (action="delete"), a child (<Action>delete</Action>, <Status>Deleted</Status>,
// <Delete/>), or the element name itself (<DeletedAsset>).

export type MetadataKind = 'asset' | 'package';

export interface MetadataRecord {
	assetId: string;
	kind: MetadataKind;
	deleted: boolean;
	/** The record as parsed, attributes without their prefix. */
	metadata: IDataObject;
	/** The record's change marker: deletion flag + fingerprint of the whole record. */
	fingerprint: string;
	statusCode?: string;
	statusDescription?: string;
}

/** Fields that say what happened to a record ("delete" / "deleted", or "D" in an action field). */
const MARKER_FIELD = /^(action|status|operation|changetype|change|recordstatus|recordaction)$/i;
const FLAG_FIELD = /^(delete|deleted|isdeleted)$/i;

export function readMetadataRecords(document: Record<string, unknown>): {
	records: MetadataRecord[];
	skipped: SkippedRecord[];
} {
	const element = responseElement(document, 'AssetMetadataResponse');
	checkStatus(element);
	const out: MetadataRecord[] = [];
	const skipped: SkippedRecord[] = [];
	const visit = (name: string, value: unknown, depth: number) => {
		for (const entry of asList<unknown>(value)) {
			if (!entry || typeof entry !== 'object') continue;
			const record = entry as Record<string, unknown>;
			if ('AssetId' in record) {
				const read = toRecord(name, record);
				if (read) out.push(read);
				else
					skipped.push({ record: out.length + skipped.length + 1, problem: `a ${name} element has an empty AssetId` });
			} else if (depth < 2) {
				for (const [child, inner] of Object.entries(record))
					if (!child.startsWith('@_')) visit(child, inner, depth + 1);
			}
		}
	};
	for (const [name, value] of Object.entries(element)) {
		if (name === 'StatusCode' || name === 'StatusDescription' || name.startsWith('@_')) continue;
		visit(name, value, 1);
	}
	return { records: out, skipped };
}

/** One record, or undefined when it has no AssetId (reported and skipped by the caller). */
function toRecord(name: string, raw: Record<string, unknown>): MetadataRecord | undefined {
	const assetId = textOf(asList(raw.AssetId)[0])?.trim() ?? '';
	if (!assetId) return undefined;
	const metadata = plain(raw) as IDataObject;
	const deleted = isDeleted(name, raw);
	const statusCode = textOf(raw.StatusCode)?.trim() || undefined;
	return {
		assetId,
		kind: /package/i.test(name) ? 'package' : 'asset',
		deleted,
		metadata,
		fingerprint: `${deleted ? 'deleted' : 'current'}:${fingerprint(metadata)}`,
		statusCode,
		statusDescription: textOf(raw.StatusDescription)?.trim() || undefined,
	};
}

function isDeleted(name: string, raw: Record<string, unknown>): boolean {
	if (/delete/i.test(name)) return true;
	for (const [rawKey, value] of Object.entries(raw)) {
		const key = rawKey.replace(/^@_/, '');
		const text = (textOf(value) ?? '').trim();
		if (FLAG_FIELD.test(key) && (text === '' || /^(true|1|y|yes|delete|deleted)$/i.test(text))) return true;
		if (MARKER_FIELD.test(key) && /^(delete|deleted)$/i.test(text)) return true;
		if (/^(action|operation|changetype|recordaction)$/i.test(key) && /^d$/i.test(text)) return true;
	}
	return false;
}

/** Attributes lose their `@_` prefix; text-with-attributes keeps `#text` as `value`. */
function plain(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(plain);
	if (!value || typeof value !== 'object') return value;
	const out: IDataObject = {};
	for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
		const name = key.startsWith('@_') ? key.slice(2) : key === '#text' ? 'value' : key;
		out[name in out ? key : name] = plain(inner) as IDataObject[string];
	}
	return out;
}

/** SHA-1 of the record with keys sorted at every level: the same metadata, the same marker. */
export function fingerprint(value: unknown): string {
	return createHash('sha1').update(canonical(value)).digest('base64url').slice(0, 16);
}

function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

export function metadataJson(record: MetadataRecord): IDataObject {
	return {
		assetId: record.assetId,
		kind: record.kind,
		deleted: record.deleted,
		metadata: record.metadata,
	};
}

// ---------------------------------------------------------------------------------------------
// AssetAccessResponse.

export interface AssetAccess {
	assetId: string;
	countryCode?: string;
	fileName?: string;
	fileType?: string;
	mimeType?: string;
	fileUrl?: string;
	statusCode: string;
	statusDescription?: string;
}

export function readAssetAccess(document: Record<string, unknown>): AssetAccess[] {
	const element = responseElement(document, 'AssetAccessResponse');
	return asList<Record<string, unknown>>(element.Asset).map((raw) => ({
		assetId: textOf(asList(raw?.AssetId)[0])?.trim() ?? '',
		countryCode: textOf(raw?.CountryCode)?.trim() || undefined,
		fileName: textOf(raw?.FileName)?.trim() || undefined,
		fileType: textOf(raw?.FileType)?.trim() || undefined,
		mimeType: textOf(raw?.MimeType)?.trim() || undefined,
		fileUrl: textOf(raw?.FileURL)?.trim() || undefined,
		statusCode: textOf(raw?.StatusCode)?.trim() || '1',
		statusDescription: textOf(raw?.StatusDescription)?.trim() || undefined,
	}));
}

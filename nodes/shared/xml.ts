import { TextDecoder } from 'node:util';

import { XMLBuilder, XMLParser } from 'fast-xml-parser';

import { checkWellFormed } from './xmlWellFormed';

/**
 * XML for untrusted provider answers (PantherMedia, Hal Leonard DAM), hardened:
 * - entity processing is off: a DOCTYPE may declare entities, none is ever expanded (no
 *   "billion laughs", no external entities); only XML's five predefined entities and numeric
 *   character references are decoded, by {@link decodeXmlText}, after parsing;
 * - tag and attribute values are never coerced: an id "0123" stays the string "0123";
 * - attributes are kept (prefix `@_`); elements named by the caller are always arrays, so a
 *   one-element list does not collapse into an object;
 * - the body size is capped before parsing and the document is checked to be well-formed
 *   (./xmlWellFormed.ts), so a truncated or malformed answer is an error, never a half-read list;
 * - elements nest at most {@link MAX_XML_DEPTH} levels deep: a deeper document (100,000 levels
 *   is a few hundred KB) is refused with an error naming the limit, and nothing that walks the
 *   result recursively (readers, fingerprints) can overflow the stack;
 * - the bytes are decoded by the charset the document declares (ISO-8859-1 for the DAM).
 */

export class XmlError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'XmlError';
	}
}

export interface XmlParseOptions {
	/** Element names (or dotted paths, e.g. "rsp.items.media") that are always lists. */
	arrays?: readonly string[];
	/** Largest body accepted, in bytes (default 20 MiB). */
	maxBytes?: number;
	/** charset from the Content-Type header, used when the document declares none. */
	headerCharset?: string;
	/** Deepest element nesting accepted (default {@link MAX_XML_DEPTH}). */
	maxDepth?: number;
}

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Deepest element nesting accepted. The providers' answers nest 3 (PantherMedia) to about 7
 * (a DAM metadata record's contributor names) levels; 64 leaves room for any richer record
 * and keeps recursion over the result shallow.
 */
export const MAX_XML_DEPTH = 64;

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and numeric character references; leaves anything else as it is. */
export function decodeXmlText(text: string): string {
	if (!text.includes('&')) return text;
	return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
		if (ref[0] !== '#') return PREDEFINED[ref];
		const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
		const valid =
			code === 0x9 ||
			code === 0xa ||
			code === 0xd ||
			(code >= 0x20 && code <= 0xd7ff) ||
			(code >= 0xe000 && code <= 0x10ffff);
		return valid && !(code >= 0xfffe && code <= 0xffff) ? String.fromCodePoint(code) : whole;
	});
}

/** The charset a document declares (`<?xml … encoding="…"?>`), else the header's, else UTF-8. */
export function detectCharset(bytes: Buffer, headerCharset?: string): string {
	const head = bytes.subarray(0, 200).toString('latin1');
	const declared = /^\uFEFF?\s*<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
	if (declared) return declared.toLowerCase();
	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
	return (headerCharset ?? 'utf-8').toLowerCase();
}

export function decodeBytes(bytes: Buffer, charset: string): string {
	const decoder = decoderFor(charset);
	if (!decoder) throw new XmlError(`the answer uses an unsupported character set "${charset}"`);
	return decoder.decode(bytes);
}

function decoderFor(charset: string): TextDecoder | undefined {
	try {
		return new TextDecoder(charset, { fatal: false });
	} catch {
		return undefined;
	}
}

/** Parses an XML answer with the hardened settings above. Throws {@link XmlError} when it is not well-formed. */
export function parseXml(body: Buffer | string, options: XmlParseOptions = {}): Record<string, unknown> {
	const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
	const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
	if (size > maxBytes) throw new XmlError(`the answer is ${size} bytes, more than the ${maxBytes} accepted`);
	const text = typeof body === 'string' ? body : decodeBytes(body, detectCharset(body, options.headerCharset));
	if (text.trim() === '') throw new XmlError('the answer is empty');

	const maxDepth = options.maxDepth ?? MAX_XML_DEPTH;
	// The parser itself reads a truncated or unbalanced document without complaint: checked first.
	const problem = checkWellFormed(text, maxDepth);
	if (problem?.tooDeep) throw tooDeep(maxDepth);
	if (problem)
		throw new XmlError(`not well-formed XML (${problem.message.replace(/\s+/g, ' ')} at line ${problem.line})`);

	const isList = listMatcher(options.arrays ?? []);
	const parser = new XMLParser({
		// fast-xml-parser stops past this depth while it builds the tree (iteratively), before the
		// recursive steps that would overflow the stack on a 100,000-deep document. It counts the
		// open elements above a new one, hence − 1: `maxDepth` levels pass, one more does not.
		maxNestedTags: maxDepth - 1,
		ignoreAttributes: false,
		attributeNamePrefix: '@_',
		processEntities: false,
		htmlEntities: false,
		parseTagValue: false,
		parseAttributeValue: false,
		trimValues: true,
		ignoreDeclaration: true,
		ignorePiTags: true,
		commentPropName: false,
		// Callbacks get the parser's path matcher instead of a path string: the string would be
		// built for every attribute and value (a third of the parse time of a poll page).
		jPath: false,
		isArray: (name: string, path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute && isList(name, path),
		tagValueProcessor: (_name: string, value: string) => decodeXmlText(value),
		attributeValueProcessor: (_name: string, value: string) => decodeXmlText(value),
	});
	try {
		return parser.parse(text) as Record<string, unknown>;
	} catch (error) {
		return rethrowAsXmlError(error, maxDepth);
	}
}

/**
 * Whether an element is one of `arrays` (names, or dotted paths from the root such as
 * "rsp.items.media"). The path is only spelled out for an element whose name ends such a path.
 */
function listMatcher(arrays: readonly string[]): (name: string, path: unknown) => boolean {
	const names = new Set(arrays.filter((entry) => !entry.includes('.')));
	const paths = new Set(arrays.filter((entry) => entry.includes('.')));
	const lastNames = new Set([...paths].map((entry) => entry.slice(entry.lastIndexOf('.') + 1)));
	return (name, path) => names.has(name) || (lastNames.has(name) && paths.has(String(path)));
}

function tooDeep(maxDepth: number): XmlError {
	return new XmlError(`the XML nests elements more than ${maxDepth} levels deep, deeper than any answer`);
}

function rethrowAsXmlError(error: unknown, maxDepth: number): never {
	const message = error instanceof Error ? error.message : String(error);
	if (/nested tags/i.test(message) || (error instanceof RangeError && /call stack/i.test(message))) {
		throw tooDeep(maxDepth);
	}
	throw new XmlError(`could not read the XML: ${message}`);
}

/**
 * Builds an XML document from an object. Every text and attribute value is escaped by the
 * builder (`&`, `<`, `>`, quotes); `prolog` is fixed text of the caller (declaration, DOCTYPE),
 * never user input.
 */
export function buildXml(document: Record<string, unknown>, prolog = '<?xml version="1.0"?>'): string {
	const builder = new XMLBuilder({
		ignoreAttributes: false,
		attributeNamePrefix: '@_',
		format: true,
		indentBy: '    ',
		suppressEmptyNode: false,
		processEntities: true,
	});
	return `${prolog}\n${String(builder.build(document)).trim()}\n`;
}

/** A value that may be a single element or a list, as a list (empty when absent). */
export function asList<T = unknown>(value: unknown): T[] {
	if (value === undefined || value === null || value === '') return [];
	return (Array.isArray(value) ? value : [value]) as T[];
}

/** Text content of an element that may carry attributes (`{ '#text': … }`) or be empty. */
export function textOf(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'object') {
		const text = (value as Record<string, unknown>)['#text'];
		return text === undefined ? undefined : String(text);
	}
	return String(value);
}

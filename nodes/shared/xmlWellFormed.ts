/**
 * A well-formedness check for untrusted XML answers, run before they are parsed: a truncated or
 * malformed answer must be an error, never a half-read list. fast-xml-parser's parser is lenient
 * (a closing tag pops whatever is open; the end of the text ends the document), so the check is
 * needed; its own validator (`XMLValidator`) does it character by character and building
 * strings, which cost a poll page of 10,000 rows 40 % of the library's parse again. This one
 * jumps from `<` to `<` with `indexOf` and reads tags with sticky regular expressions, and
 * refuses everything that validator refuses (test/shared/xml-well-formed.test.ts holds it to
 * that, over every truncation and many corruptions of real answers):
 *
 * - one root element; only whitespace, comments and processing instructions around it; the XML
 *   declaration only at the very start; at most one DOCTYPE, before the root;
 * - tag and attribute names as XML names (the validator's character classes); every attribute
 *   with `=` and a quoted value, each name once per element; closing tags that match, with
 *   nothing but whitespace after the name;
 * - `&` in text only as a reference (`&name;`, `&#…;`, `&#x…;`); comments, CDATA sections and
 *   processing instructions closed;
 * - nesting at most `maxDepth` levels (checked as it goes, so a 100,000-deep answer stops early).
 *
 * Attribute values may contain `<` and `>`, as the validator (and the parser) let them: stricter
 * would refuse answers read today.
 */

const NAME_START =
	':A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME = `[${NAME_START}][${NAME_START}\\-.\\d\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`;
const SPACE = '[ \\t\\r\\n]';

// XML's name characters include the combining marks U+0300–U+036F as a range (a character class
// of single code units, as in fast-xml-parser's validator), not as a character combined with another.
/* eslint-disable no-misleading-character-class */
/** `<name` at a `<`. */
const OPEN_TAG = new RegExp(`<(${NAME})`, 'y');
/** One attribute: whitespace, name, `=`, a quoted value. */
const ATTRIBUTE = new RegExp(`${SPACE}+(${NAME})${SPACE}*=${SPACE}*(?:"[^"]*"|'[^']*')`, 'y');
/** The end of a start tag: `>` or `/>`. */
const TAG_END = new RegExp(`${SPACE}*(/?)>`, 'y');
/** `</name>` at a `<`. */
const CLOSE_TAG = new RegExp(`</(${NAME})${SPACE}*>`, 'y');
/* eslint-enable no-misleading-character-class */
/** A reference at a `&` in text. */
const REFERENCE = /&(?:\w{1,20}|#[0-9]+|#x[0-9a-fA-F]+);/y;
const ONLY_SPACE = /^[ \t\r\n]*$/;

export interface WellFormedError {
	/** What is wrong, in words. */
	message: string;
	/** 1-based line of the position. */
	line: number;
}

function lineAt(text: string, index: number): number {
	let line = 1;
	for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line++;
	return line;
}

/**
 * Checks that `text` is one well-formed XML document (see above). Returns undefined when it is,
 * else what is wrong and where. `maxDepth` bounds the nesting; deeper is reported as
 * `tooDeep`.
 */
export function checkWellFormed(text: string, maxDepth: number): undefined | (WellFormedError & { tooDeep?: boolean }) {
	const fail = (message: string, at: number, tooDeep = false) => ({
		message,
		line: lineAt(text, at),
		...(tooDeep ? { tooDeep } : {}),
	});
	const open: string[] = [];
	let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	const start = position;
	let rootSeen = false;
	let doctypeSeen = false;
	// The next `&` at or after the position: found once, not per text run (a document without
	// one would otherwise be searched to its end for every run of text).
	let nextAmp = text.indexOf('&', position);

	for (;;) {
		const lt = text.indexOf('<', position);
		const end = lt === -1 ? text.length : lt;
		if (end > position) {
			// Character data.
			if (open.length === 0) {
				if (!ONLY_SPACE.test(text.slice(position, end)))
					return fail(rootSeen ? 'Extra text at the end' : 'text outside the root element', position);
			} else {
				while (nextAmp !== -1 && nextAmp < position) nextAmp = text.indexOf('&', position);
				while (nextAmp !== -1 && nextAmp < end) {
					REFERENCE.lastIndex = nextAmp;
					if (!REFERENCE.test(text)) return fail("char '&' is not expected.", nextAmp);
					nextAmp = text.indexOf('&', REFERENCE.lastIndex);
				}
			}
		}
		if (lt === -1) break;

		const next = text.charCodeAt(lt + 1);
		if (next === 0x2f /* / */) {
			CLOSE_TAG.lastIndex = lt;
			const match = CLOSE_TAG.exec(text);
			if (!match) return fail('a closing tag is not well-formed or not closed', lt);
			const expected = open.pop();
			if (expected === undefined) return fail(`Closing tag '${match[1]}' has not been opened.`, lt);
			if (expected !== match[1])
				return fail(`Expected closing tag '${expected}' instead of closing tag '${match[1]}'.`, lt);
			position = CLOSE_TAG.lastIndex;
		} else if (next === 0x3f /* ? */) {
			const close = text.indexOf('?>', lt + 2);
			if (close === -1) return fail('a processing instruction is not closed', lt);
			if (/^xml(?:[ \t\r\n?]|$)/.test(text.slice(lt + 2, lt + 6)) && lt !== start)
				return fail('XML declaration allowed only at the start of the document.', lt);
			position = close + 2;
		} else if (next === 0x21 /* ! */) {
			if (text.startsWith('<!--', lt)) {
				const close = text.indexOf('-->', lt + 4);
				if (close === -1) return fail('a comment is not closed', lt);
				position = close + 3;
			} else if (text.startsWith('<![CDATA[', lt)) {
				if (open.length === 0) return fail('a CDATA section outside the root element', lt);
				const close = text.indexOf(']]>', lt + 9);
				if (close === -1) return fail('a CDATA section is not closed', lt);
				position = close + 3;
			} else if (text.startsWith('<!DOCTYPE', lt)) {
				if (rootSeen || doctypeSeen) return fail('a DOCTYPE after the root element, or a second one', lt);
				doctypeSeen = true;
				// As the validator reads it: to the `>` that balances the `<`s inside (an internal subset).
				let depth = 1;
				let at = lt + 9;
				for (; at < text.length && depth > 0; at++) {
					const c = text.charCodeAt(at);
					if (c === 0x3c) depth++;
					else if (c === 0x3e) depth--;
				}
				if (depth > 0) return fail('the DOCTYPE is not closed', lt);
				position = at;
			} else return fail("'<!' that starts no comment, CDATA section or DOCTYPE", lt);
		} else {
			OPEN_TAG.lastIndex = lt;
			const match = OPEN_TAG.exec(text);
			if (!match) {
				const spaced = /[ \t\r\n]/.test(text.charAt(lt + 1));
				return fail(spaced ? "Invalid space after '<'." : 'a tag has an invalid name, or none', lt);
			}
			if (rootSeen && open.length === 0) return fail('Multiple possible root nodes found.', lt);
			rootSeen = true;
			let at = OPEN_TAG.lastIndex;
			let names: string[] | undefined;
			for (;;) {
				ATTRIBUTE.lastIndex = at;
				const attribute = ATTRIBUTE.exec(text);
				if (!attribute) break;
				if (names?.includes(attribute[1])) return fail(`Attribute '${attribute[1]}' is repeated.`, at);
				(names ??= []).push(attribute[1]);
				at = ATTRIBUTE.lastIndex;
			}
			TAG_END.lastIndex = at;
			const tagEnd = TAG_END.exec(text);
			if (!tagEnd) return fail(`the tag '${match[1]}' has malformed attributes or is not closed`, at);
			if (tagEnd[1] !== '/') {
				if (open.length >= maxDepth) return fail(`elements nest more than ${maxDepth} levels deep`, lt, true);
				open.push(match[1]);
			}
			position = TAG_END.lastIndex;
		}
	}

	if (!rootSeen) return fail('Start tag expected.', 0);
	if (open.length > 0) return fail(`Unclosed tag '${open[open.length - 1]}'.`, text.length);
	return undefined;
}

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { XMLValidator } from 'fast-xml-parser';

import { damMetadata, damModifiedFiles, pollPage } from '../../sandbox/large-xml';
import { parseXml } from '../../nodes/shared/xml';
import { checkWellFormed } from '../../nodes/shared/xmlWellFormed';
import { seededRandom } from '../../sandbox/random';

/**
 * The package's own well-formedness check (nodes/shared/xmlWellFormed.ts) replaced
 * fast-xml-parser's validator before the parse. It must refuse everything that validator refused
 * — every truncation and corruption of real answers below — and accept the real answers.
 */

const FIXTURES = ['panthermedia', 'halleonard'].flatMap((provider) => {
	const dir = join(__dirname, '../../sandbox/fixtures', provider);
	return readdirSync(dir)
		.filter((name) => name.endsWith('.xml'))
		.map((name) => [`${provider}/${name}`, readFileSync(join(dir, name), 'latin1')] as const);
});

/** Hand-written documents with what the fixtures lack: comments, CDATA, PIs, references, quotes. */
const CRAFTED: Array<readonly [string, string]> = [
	[
		'prolog, comment, PI, DOCTYPE with a subset',
		'\uFEFF<?xml version="1.0"?>\n<!-- c -->\n<?pi x?>\n<!DOCTYPE r [<!ELEMENT r ANY>]>\n<r/>\n<!-- after -->\n',
	],
	[
		'text, references, CDATA, quotes',
		`<r a='1' b="x > y" c='say "hi"'>A &amp; B &#233; &#xE9; &name;<![CDATA[ <not> & a tag ]]><e\n  f = "1"\n/></r>`,
	],
	['nested, mixed content', '<a><b>one<c>two</c>three</b><b/><d:e xmlns:d="u">x</d:e></a >'],
];

const REAL: Array<readonly [string, string]> = [
	['poll page, 20 rows', pollPage({ rows: 20 }).body.toString('utf8')],
	['DAM modified files, 5 rows', damModifiedFiles({ rows: 5 }).body.toString('latin1')],
	['DAM metadata, 2 records', damMetadata({ rows: 2 }).body.toString('latin1')],
	...FIXTURES,
];

const DOCUMENTS = [...REAL, ...CRAFTED];

const validatorRefuses = (text: string) => XMLValidator.validate(text, { allowBooleanAttributes: false }) !== true;
const checkRefuses = (text: string) => checkWellFormed(text, 64) !== undefined;

describe('well-formedness check', () => {
	it.each(DOCUMENTS)('accepts %s, as the validator does', (_name, text) => {
		expect(validatorRefuses(text)).toBe(false);
		expect(checkWellFormed(text, 64)).toBeUndefined();
	});

	it.each(DOCUMENTS)('refuses every truncation of %s that the validator refuses', (_name, text) => {
		const missed: number[] = [];
		for (let cut = 0; cut < text.length; cut++) {
			const prefix = text.slice(0, cut);
			if (validatorRefuses(prefix) && !checkRefuses(prefix)) missed.push(cut);
		}
		expect(missed).toEqual([]);
	});

	it.each(REAL)('refuses %s cut anywhere before its end: never a half-read answer', (_name, text) => {
		const end = text.trimEnd().length;
		const accepted: number[] = [];
		for (let cut = 0; cut < end; cut++) if (!checkRefuses(text.slice(0, cut))) accepted.push(cut);
		expect(accepted).toEqual([]);
	});

	it.each(DOCUMENTS)('refuses every corruption of %s that the validator refuses', (name, text) => {
		const random = seededRandom(name.length * 7919 + text.length);
		const inserts = ['<', '>', '&', '"', "'", '/', '=', ' ', '<a>', '</a>', '<!--', ']]>', '<?', 'é', '\u0000'];
		let refusedByValidator = 0;
		const missed: string[] = [];
		for (let round = 0; round < 600; round++) {
			const at = Math.floor(random() * text.length);
			const kind = round % 3;
			const mutated =
				kind === 0
					? text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3))
					: kind === 1
						? text.slice(0, at) + inserts[Math.floor(random() * inserts.length)] + text.slice(at)
						: text.slice(0, at) +
							text
								.slice(at, at + 8)
								.split('')
								.reverse()
								.join('') +
							text.slice(at + 8);
			if (!validatorRefuses(mutated)) continue;
			refusedByValidator++;
			if (!checkRefuses(mutated)) missed.push(JSON.stringify(mutated.slice(Math.max(0, at - 20), at + 20)));
		}
		expect(refusedByValidator).toBeGreaterThan(100);
		expect(missed).toEqual([]);
	});

	it('refuses what no answer may be, with the line of the problem', () => {
		const cases: Array<[string, RegExp]> = [
			['', /Start tag expected/],
			['not xml', /text outside the root/],
			['<a>', /Unclosed tag 'a'/],
			['<a></b>', /Expected closing tag 'a'/],
			['</a>', /has not been opened/],
			['<a/><b/>', /Multiple possible root/],
			['<a/>text', /Extra text at the end/],
			['<a x="1" x="2"/>', /Attribute 'x' is repeated/],
			['<a x/>', /malformed attributes/],
			['<a x=1/>', /malformed attributes/],
			['<a>&</a>', /'&' is not expected/],
			['<a>&#;</a>', /'&' is not expected/],
			['<a><!-- open</a>', /comment is not closed/],
			['<a><![CDATA[ open</a>', /CDATA section is not closed/],
			['<a/><!DOCTYPE a>', /DOCTYPE after the root/],
			['<a>\n<?xml version="1.0"?></a>', /XML declaration allowed only at the start/],
			['<1a/>', /invalid name/],
			['< a/>', /Invalid space/],
			['<a>\n\n<b></a>', /Expected closing tag 'b'.* at line 3|line 3/],
		];
		for (const [text, message] of cases) {
			const problem = checkWellFormed(text, 64);
			expect({ text, problem: problem && `${problem.message} at line ${problem.line}` }).toEqual({
				text,
				problem: expect.stringMatching(message),
			});
		}
	});

	it('stops at the nesting limit without reading on', () => {
		const deep = `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
		expect(checkWellFormed(deep, 64)).toMatchObject({ tooDeep: true, line: 1 });
		expect(checkWellFormed(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`, 64)).toBeUndefined();
		expect(() => parseXml(deep)).toThrow(/nests elements more than 64 levels deep/);
	});

	it('parses what it accepts as before: a poll page, a DAM answer', () => {
		const page = parseXml(pollPage({ rows: 3 }).body, { arrays: ['rsp.items.media'] });
		expect((page.rsp as { items: { media: unknown[] } }).items.media).toHaveLength(3);
		expect(() => parseXml(pollPage({ rows: 3 }).body.subarray(0, 150))).toThrow(/not well-formed XML/);
	});
});

import { buildXml, decodeXmlText, parseXml } from '../../nodes/shared/xml';
import { cpuStopwatch } from '../harness/clock';

describe('hardened XML', () => {
	it('keeps ids as strings, attributes, and lists as arrays even with one element', () => {
		const doc = parseXml(
			'<rsp stat="ok"><items total="1"><media id="0123" date="Mon, 11 Jan 2021 02:12:52 UTC"/></items></rsp>',
			{
				arrays: ['media'],
			},
		);
		expect(doc).toEqual({
			rsp: {
				'@_stat': 'ok',
				items: { '@_total': '1', media: [{ '@_id': '0123', '@_date': 'Mon, 11 Jan 2021 02:12:52 UTC' }] },
			},
		});
	});

	it('decodes the predefined entities and character references only', () => {
		expect(decodeXmlText('Tom &amp; Jerry &lt;3 &#233;t&#xE9; &foo; &#0;')).toBe('Tom & Jerry <3 été &foo; &#0;');
		const doc = parseXml('<a t="x &quot;y&quot;">F&#252;r Elise &amp; more</a>');
		expect(doc).toEqual({ a: { '#text': 'Für Elise & more', '@_t': 'x "y"' } });
	});

	it('decodes ISO-8859-1 by the declaration', () => {
		const bytes = Buffer.concat([
			Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><Title>F', 'latin1'),
			Buffer.from([0xfc]),
			Buffer.from('r Elise</Title>', 'latin1'),
		]);
		expect(parseXml(bytes)).toEqual({ Title: 'Für Elise' });
	});

	it('does not expand a billion-laughs DOCTYPE, quickly and without memory growth', () => {
		const lol = [
			'<?xml version="1.0"?>',
			'<!DOCTYPE lolz [',
			' <!ENTITY lol "lol">',
			...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
			']>',
			'<lolz>&lol9;</lolz>',
		].join('\n');
		const heapBefore = process.memoryUsage().heapUsed;
		const cpuMs = cpuStopwatch();
		let result: unknown;
		try {
			result = parseXml(lol);
		} catch (error) {
			result = error;
		}
		const elapsed = cpuMs();
		if (!(result instanceof Error)) expect(JSON.stringify(result)).toContain('&lol9;');
		// A bound on runaway expansion, not a performance target; in CPU time, which a busy machine
		// does not stretch.
		expect(elapsed).toBeLessThan(2000);
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
	});

	it('never reads an external entity', () => {
		const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
		let text = '';
		try {
			text = JSON.stringify(parseXml(xxe));
		} catch (error) {
			text = String(error);
		}
		expect(text).not.toContain('root:');
	});

	it('refuses truncated, malformed and oversized documents', () => {
		expect(() => parseXml('<rsp stat="ok"><items><media id="1"/>')).toThrow(/not well-formed XML/);
		expect(() => parseXml('not xml at all')).toThrow(/not well-formed XML/);
		expect(() => parseXml('')).toThrow(/empty/);
		expect(() => parseXml(`<a>${'x'.repeat(2000)}</a>`, { maxBytes: 1000 })).toThrow(/more than the 1000 accepted/);
	});

	it('builds documents with every value escaped', () => {
		const xml = buildXml({
			DAMRequest: {
				RequestHdr: { VendorKey: 'k<&>"\'' },
				ModifiedFileRequest: { '@_fileType': 'p"df', StartDate: '2015/11/26' },
			},
		});
		expect(xml).toContain('<VendorKey>k&lt;&amp;&gt;');
		expect(xml).toContain('fileType="p&quot;df"');
		expect(parseXml(xml)).toMatchObject({ DAMRequest: { RequestHdr: { VendorKey: 'k<&>"\'' } } });
	});
});

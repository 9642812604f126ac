/**
 * Large XML answers for the benchmark and the size, depth and worker tests, shaped as the mocks
 * (and the providers' samples) write them, built straight to a size: a PantherMedia poll page,
 * a DAM ModifiedFileResponse and AssetMetadataResponse (ISO-8859-1, with the DAM's DOCTYPE and
 * indentation), and a deeply nested document. Building them through the mocks would take
 * minutes at 64 MiB; the rows are the mocks' rows.
 */

/** How large a document to build: a number of rows, or as many as fit in a number of bytes. */
export interface Extent {
	rows?: number;
	maxBytes?: number;
}

const PM_HEAD =
	'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rsp stat="ok">\n  <items type="new" total="{total}" items="{total}">\n';
const PM_TAIL = '  </items>\n</rsp>';

/** One poll row as PantherMedia's sample writes it; `next_page_id` is base64("dateMs|id"). */
function pollRow(index: number): string {
	const id = 40_000_001 + index;
	const ms = Date.UTC(2026, 0, 1) + index * 1000;
	const date = new Date(ms).toUTCString().replace('GMT', 'UTC');
	const cursor = Buffer.from(`${ms}|${id}`).toString('base64');
	return `    <media id="${id}" date="${date}" next_page_id="${cursor}"/>\n`;
}

/** A poll page of `rows` rows, or of as many as fit in `maxBytes`. */
export function pollPage(limit: Extent): { body: Buffer; rows: number } {
	const parts: string[] = [];
	let size = PM_HEAD.length + PM_TAIL.length + 20;
	let rows = 0;
	for (; limit.rows === undefined || rows < limit.rows; rows++) {
		const row = pollRow(rows);
		if (limit.maxBytes !== undefined && size + row.length > limit.maxBytes) break;
		parts.push(row);
		size += row.length;
	}
	const head = PM_HEAD.replaceAll('{total}', String(rows));
	return { body: Buffer.from(`${head}${parts.join('')}${PM_TAIL}`, 'utf8'), rows };
}

const DAM_DOCTYPE = '<!DOCTYPE DAMResponse SYSTEM "https://haldms.halleonard.com/dam_dtd/DAMResponseVersion5.dtd">';

function damDocument(element: string, rows: (index: number) => string, extent: Extent): { body: Buffer; rows: number } {
	const head = `<?xml version="1.0" encoding="ISO-8859-1"?>\n${DAM_DOCTYPE}\n<DAMResponse>\n    <ResponseHdr>\n        <DAMVersion>5.0</DAMVersion>\n        <VendorId>123</VendorId>\n    </ResponseHdr>\n    <${element}>\n`;
	const tail = `        <StatusCode>1</StatusCode>\n        <StatusDescription>OK.</StatusDescription>\n    </${element}>\n</DAMResponse>\n`;
	const parts = [head];
	let size = head.length + tail.length;
	let count = 0;
	for (; extent.rows === undefined || count < extent.rows; count++) {
		const row = rows(count);
		if (extent.maxBytes !== undefined && size + row.length > extent.maxBytes) break;
		parts.push(row);
		size += row.length;
	}
	parts.push(tail);
	return { body: Buffer.from(parts.join(''), 'latin1'), rows: count };
}

/** A ModifiedFileResponse, ~190 bytes a file as in the DAM's sample. */
export function damModifiedFiles(extent: Extent): { body: Buffer; rows: number } {
	return damDocument(
		'ModifiedFileResponse',
		(index) => {
			const id = 200_000 + index;
			return `        <ModifiedFile>\n            <AssetId>${id}</AssetId>\n            <FileName>HL_DDS_${String(id).padStart(16, '0')}.pdf</FileName>\n            <LastModified>2015/12/${1 + (index % 28)}</LastModified>\n        </ModifiedFile>\n`;
		},
		extent,
	);
}

const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'AU', 'NZ', 'IE']
	.map((code) => `                <CountryCode>${code}</CountryCode>\n`)
	.join('');

/**
 * An AssetMetadataResponse: records as the mock writes them (title with
 * Latin-1 letters, format, a contributor, 8 sellable countries, a price), ~850 bytes each; every
 * 50th a deletion, every 10th a package.
 */
export function damMetadata(extent: Extent): { body: Buffer; rows: number } {
	return damDocument(
		'AssetMetadataResponse',
		(index) => {
			const id = 100_000 + index;
			const element = index % 10 === 9 ? 'Package' : 'Asset';
			if (index % 50 === 49) {
				return `        <${element} action="delete">\n            <AssetId>${id}</AssetId>\n            <Title>Se\u00f1or Caf\u00e9 ${id}</Title>\n        </${element}>\n`;
			}
			return `        <${element}>\n            <AssetId>${id}</AssetId>\n            <Title>F\u00fcr Elise ${id}</Title>\n            <Edition>1</Edition>\n            <Format>Piano/Vocal/Guitar</Format>\n            <Contributors>\n                <Contributor>\n                    <Name>Ludwig van Beethoven</Name>\n                    <Role>Composer</Role>\n                </Contributor>\n            </Contributors>\n            <SellableCountries>\n${COUNTRIES}            </SellableCountries>\n            <Price currency="USD">5.99</Price>\n        </${element}>\n`;
		},
		extent,
	);
}

/**
 * A well-formed document nested `depth` levels deep inside the provider's envelope (100,000
 * levels: ~0.7 MB). `wrap` puts the nest where the provider's answer has its content.
 */
export function deeplyNested(depth: number, wrap: (nest: string) => string): Buffer {
	return Buffer.from(wrap(`${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`), 'latin1');
}

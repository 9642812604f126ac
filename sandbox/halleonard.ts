import { createHash, randomBytes } from 'node:crypto';

import { XMLBuilder, XMLParser } from 'fast-xml-parser';

import { type Day, addMonths, dayFromParts, formatDamDate, isoDay, todayIn } from '../nodes/HalLeonardDam/days';
import { type MockReply, type MockRequest, MockServer } from './server';

/**
 * The Hal Leonard DAM on loopback: XML DAMRequest documents POSTed as text/xml in, XML
 * DAMResponse documents out (ISO-8859-1 by default, as the DAM declares).
 *
 * It holds a changing catalogue on the DAM's own calendar (US Central by default, from the
 * server clock): PDF files with a LastModified day, assets and packages whose metadata changes
 * or is deleted on a day, reference lists sent with every metadata answer. It checks the
 * request (content type, prolog, DAMVersion, vendor id and key), answers ModifiedFileRequest,
 * AssetMetadataRequest (date range or asset ids, never both; three-month cap) and
 * AssetAccessRequest, serves the files behind FileURL, can answer through a redirect (302, 303,
 * 307, cross-origin 307), and gets faults from MockServer.
 *
 * Where the DAM documents no example (AssetMetadataResponse, AssetAccessResponse body, the
 * ErrorResponse codes) the shapes here are this package's reading of the documentation; see
 * sandbox/fixtures/halleonard/README.md.
 */

export interface MockFile {
	assetId: string;
	fileName: string;
	day: Day;
	/** Modifications so far. */
	version: number;
}

export interface MockAsset {
	assetId: string;
	kind: 'asset' | 'package';
	title: string;
	/** Increments with every change, deletion included; sent as <Edition>. */
	edition: number;
	deleted: boolean;
	/** Day of the last change. */
	day: Day;
	countries: string[];
}

export interface MockChange {
	stream: 'modifiedFile' | 'assetMetadata';
	key: string;
	/** Files: the LastModified day (YYYY-MM-DD); metadata: "<edition>" or "deleted@<edition>". */
	version: string;
	day: Day;
	at: number;
}

/** What a later run needs to go on from where this one stopped (see Sandbox.state()). */
export interface HalLeonardState {
	files: MockFile[];
	assets: MockAsset[];
	changes: MockChange[];
}

export type RedirectMode = 'none' | '301' | '302' | '303' | '307' | '307-cross';

export type Encoding = 'latin1' | 'utf8' | 'latin1-undeclared' | 'latin1-header';

const DOCTYPE_REQUEST = '<!DOCTYPE DAMRequest SYSTEM "https://haldms.halleonard.com/dam_dtd/DAMRequestVersion5.dtd">';
const DOCTYPE_RESPONSE =
	'<!DOCTYPE DAMResponse SYSTEM "https://haldms.halleonard.com/dam_dtd/DAMResponseVersion5.dtd">';

const REFERENCE_LISTS = {
	Instruments: {
		Instrument: [
			{ InstrumentId: '1', Name: 'Piano' },
			{ InstrumentId: '2', Name: 'Guitar' },
		],
	},
	Series: { Serie: [{ SeriesId: '10', Name: 'Easy Piano' }] },
};

const requestParser = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: '@_',
	parseTagValue: false,
	parseAttributeValue: false,
	processEntities: true,
	isArray: (name) => ['Asset', 'AssetId'].includes(name),
});

const responseBuilder = new XMLBuilder({
	ignoreAttributes: false,
	attributeNamePrefix: '@_',
	format: true,
	indentBy: '    ',
});

export class HalLeonardMock {
	readonly server: MockServer;

	vendorId = '123';

	/** A fresh random key per mock, so no key lives in the source. */
	vendorKey = `hl-${randomBytes(12).toString('hex')}`;

	/** The DAM's calendar. */
	timeZone = 'America/Chicago';

	redirect: RedirectMode = 'none';

	encoding: Encoding = 'latin1';

	/** Put the received vendor key into the ErrorDescr of an authentication failure. */
	echoKeyInErrors = false;

	/** Answer an authentication failure with the whole received request document inside ErrorDescr. */
	echoRequestInErrors = false;

	/** Months a metadata date range may span at most. */
	monthCap = 3;

	readonly files = new Map<string, MockFile>();

	readonly assets = new Map<string, MockAsset>();

	/** Access rules of AssetAccessRequest per asset id (default: granted). */
	readonly access = new Map<string, 'no-file' | 'no-access' | { countries: string[] }>();

	readonly changes: MockChange[] = [];

	/** Documents the DAM received (POST bodies), parsed. */
	readonly received: Array<{ request: MockRequest; document: Record<string, unknown> }> = [];

	private readonly pending = new Map<string, MockReply>();

	/** Raw answers to send to the next DAM requests instead of the catalogue's (fixtures). */
	private readonly queued: MockReply[] = [];

	private nextResult = 0;

	constructor() {
		this.server = new MockServer((request) => this.handle(request));
	}

	async start(): Promise<string> {
		return await this.server.start();
	}

	async stop(): Promise<void> {
		await this.server.stop();
	}

	get endpoint(): string {
		return `${this.server.baseUrl}/dam`;
	}

	exportState(): HalLeonardState {
		return { files: [...this.files.values()], assets: [...this.assets.values()], changes: [...this.changes] };
	}

	/** Replaces the catalogue and its history with a saved one. */
	importState(state: HalLeonardState): void {
		this.files.clear();
		for (const file of state.files) this.files.set(`${file.assetId}|${file.fileName}`, file);
		this.assets.clear();
		for (const asset of state.assets) this.assets.set(asset.assetId, asset);
		this.changes.splice(0, this.changes.length, ...state.changes);
	}

	/** The DAM's day now. */
	today(): Day {
		return todayIn(this.timeZone, this.server.now());
	}

	// ------------------------------------------------------------------------------------------
	// Catalogue changes (at the server's current time).

	/** A file is modified now: its LastModified becomes the DAM's today. */
	modifyFile(assetId: string, fileName = `HL_DDS_${assetId.padStart(16, '0')}.pdf`): MockFile {
		const key = `${assetId}|${fileName}`;
		const previous = this.files.get(key);
		const file: MockFile = { assetId, fileName, day: this.today(), version: (previous?.version ?? 0) + 1 };
		this.files.set(key, file);
		this.changes.push({ stream: 'modifiedFile', key, version: isoDay(file.day), day: file.day, at: this.server.now() });
		return file;
	}

	/** A file with a LastModified day in the past (seed data). */
	putFile(assetId: string, fileName: string, day: Day): void {
		this.files.set(`${assetId}|${fileName}`, { assetId, fileName, day, version: 1 });
	}

	/** An asset's metadata changes now (created when new, restored when deleted). */
	changeAsset(
		assetId: string,
		options: { kind?: 'asset' | 'package'; title?: string; countries?: string[] } = {},
	): MockAsset {
		const previous = this.assets.get(assetId);
		const asset: MockAsset = {
			assetId,
			kind: options.kind ?? previous?.kind ?? 'asset',
			title: options.title ?? previous?.title ?? `Song ${assetId}`,
			edition: (previous?.edition ?? 0) + 1,
			deleted: false,
			day: this.today(),
			countries: options.countries ?? previous?.countries ?? ['US', 'CA', 'GB'],
		};
		this.assets.set(assetId, asset);
		this.changes.push({
			stream: 'assetMetadata',
			key: `${asset.kind}|${assetId}`,
			version: String(asset.edition),
			day: asset.day,
			at: this.server.now(),
		});
		return asset;
	}

	/** An asset is deleted now: it comes through the metadata with a delete marker. */
	deleteAsset(assetId: string): MockAsset {
		const previous = this.assets.get(assetId);
		if (!previous) throw new Error(`no asset ${assetId}`);
		const asset: MockAsset = { ...previous, edition: previous.edition + 1, deleted: true, day: this.today() };
		this.assets.set(assetId, asset);
		this.changes.push({
			stream: 'assetMetadata',
			key: `${asset.kind}|${assetId}`,
			version: `deleted@${asset.edition}`,
			day: asset.day,
			at: this.server.now(),
		});
		return asset;
	}

	/** An asset with a change day in the past (seed data). */
	putAsset(asset: Omit<MockAsset, 'edition' | 'deleted' | 'countries'> & Partial<MockAsset>): void {
		this.assets.set(asset.assetId, { edition: 1, deleted: false, countries: ['US'], ...asset });
	}

	// ------------------------------------------------------------------------------------------
	// HTTP.

	/** The next DAM request (POST) is answered with these bytes, as they are. */
	serveNext(body: Buffer | string, contentType = 'text/xml', status = 200): void {
		this.queued.push({ status, headers: { 'content-type': contentType }, body });
	}

	private handle(request: MockRequest): MockReply {
		const stored = /^\/dam\/result\/(\d+)$/.exec(request.path);
		if (stored && request.method === 'GET') {
			const reply = this.pending.get(stored[1]);
			this.pending.delete(stored[1]);
			return reply ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'result expired' };
		}
		const file = /^\/files\/(.+)$/.exec(request.path);
		if (file && request.method === 'GET') return this.serveFile(file[1]);
		if ((request.path === '/dam' || request.path === '/dam2') && request.method === 'POST') {
			if (request.path === '/dam' && (this.redirect === '307' || this.redirect === '307-cross')) {
				const target =
					this.redirect === '307' ? '/dam2' : `${this.server.baseUrl.replace('127.0.0.1', 'localhost')}/dam2`;
				return { status: 307, headers: { location: target, 'content-type': 'text/plain' }, body: 'moved' };
			}
			const reply = this.queued.shift() ?? this.answer(request);
			if (request.path === '/dam' && ['301', '302', '303'].includes(this.redirect)) {
				const id = String(++this.nextResult);
				this.pending.set(id, reply);
				return {
					status: Number(this.redirect),
					headers: { location: `/dam/result/${id}`, 'content-type': 'text/plain' },
					body: 'see result',
				};
			}
			return reply;
		}
		return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not Found</body></html>' };
	}

	private serveFile(name: string): MockReply {
		const body = fileBytes(name);
		return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body };
	}

	/** Answers one DAMRequest. */
	private answer(request: MockRequest): MockReply {
		const contentType = String(request.headers['content-type'] ?? '');
		if (!/^text\/xml\b/i.test(contentType))
			return this.error('1001', 'Invalid XML request format: content type must be text/xml');
		const text = request.body.toString('utf8');
		if (!text.startsWith('<?xml') || !text.includes(DOCTYPE_REQUEST)) {
			return this.error('1001', 'Invalid XML request format: missing XML declaration or DOCTYPE DAMRequest');
		}
		let document: Record<string, unknown>;
		try {
			document = requestParser.parse(text) as Record<string, unknown>;
		} catch {
			return this.error('1001', 'Invalid XML request format');
		}
		this.received.push({ request, document });
		const root = document.DAMRequest as Record<string, unknown> | undefined;
		const header = root?.RequestHdr as Record<string, unknown> | undefined;
		if (!root || !header) return this.error('1001', 'Invalid XML request format: no DAMRequest/RequestHdr');
		if (String(header.DAMVersion) !== '5.0')
			return this.error('1003', `Unsupported DAMVersion ${String(header.DAMVersion)}`);
		if (String(header.VendorId) !== this.vendorId || String(header.VendorKey) !== this.vendorKey) {
			if (this.echoRequestInErrors) return this.error('1002', `Vendor authentication failed for request ${text}`);
			const received = this.echoKeyInErrors ? ` with key ${String(header.VendorKey)}` : '';
			return this.error('1002', `Vendor authentication failed for VendorId ${String(header.VendorId)}${received}`);
		}
		if (root.ModifiedFileRequest !== undefined)
			return this.modifiedFiles(root.ModifiedFileRequest as Record<string, unknown>);
		if (root.AssetMetadataRequest !== undefined)
			return this.metadata(root.AssetMetadataRequest as Record<string, unknown>);
		if (root.AssetAccessRequest !== undefined)
			return this.assetAccess(root.AssetAccessRequest as Record<string, unknown>);
		return this.error('1004', 'Unknown request type');
	}

	private modifiedFiles(request: Record<string, unknown>): MockReply {
		const fileType = String(request['@_fileType'] ?? '');
		if (fileType !== 'pdf') return this.error('1005', `Unsupported fileType "${fileType}"`);
		const start = parseDay(request.StartDate);
		if (start === undefined) return this.error('1006', 'StartDate is required (yyyy/m/d)');
		// Without StopDate "the current date and time" is used: everything up to now, today included.
		const stop = request.StopDate === undefined ? this.today() + 1 : parseDay(request.StopDate);
		if (stop === undefined) return this.error('1006', 'Invalid StopDate (yyyy/m/d)');
		const files = [...this.files.values()]
			.filter((f) => f.day >= start && f.day < stop)
			.sort((a, b) => a.day - b.day || a.assetId.localeCompare(b.assetId));
		return this.respond({
			ModifiedFileResponse: {
				ModifiedFile: files.map((f) => ({
					AssetId: f.assetId,
					FileName: f.fileName,
					LastModified: formatDamDate(f.day),
				})),
				StatusCode: '1',
				StatusDescription: 'OK.',
			},
		});
	}

	private metadata(request: Record<string, unknown>): MockReply {
		const type = String(request['@_requestType'] ?? 'X');
		if (!['A', 'P', 'X'].includes(type)) return this.error('1007', `Invalid requestType "${type}"`);
		const ids = request.AssetIdList
			? ((request.AssetIdList as Record<string, unknown>).AssetId as unknown[]).map(String)
			: undefined;
		const hasRange = request.StartDate !== undefined || request.StopDate !== undefined;
		if (ids && hasRange)
			return this.error('1008', 'A request may contain a date range or an asset id list, never both');
		const wanted = (asset: MockAsset) =>
			type === 'X' || (type === 'A' ? asset.kind === 'asset' : asset.kind === 'package');
		let records: Array<Record<string, unknown>>;
		if (ids) {
			records = ids.map((id) => {
				const asset = this.assets.get(id);
				if (!asset)
					return { AssetId: id, StatusCode: '33', StatusDescription: 'Unable to find asset for given asset id' };
				return assetRecord(asset);
			});
		} else {
			const start = parseDay(request.StartDate);
			if (start === undefined) return this.error('1006', 'StartDate is required (yyyy/m/d)');
			// Without StopDate "the current system date" is used (exclusive: today is not included).
			const stop = request.StopDate === undefined ? this.today() : parseDay(request.StopDate);
			if (stop === undefined) return this.error('1006', 'Invalid StopDate (yyyy/m/d)');
			if (stop > addMonths(start, this.monthCap))
				return this.error('1010', `Date range cannot exceed ${this.monthCap} months`);
			records = [...this.assets.values()]
				.filter((a) => wanted(a) && a.day >= start && a.day < stop)
				.sort((a, b) => a.assetId.localeCompare(b.assetId))
				.map(assetRecord);
		}
		const assets = records.filter((r) => r.__kind !== 'package').map(strip);
		const packages = records.filter((r) => r.__kind === 'package').map(strip);
		return this.respond({
			AssetMetadataResponse: {
				...(assets.length ? { Asset: assets } : {}),
				...(packages.length ? { Package: packages } : {}),
				...REFERENCE_LISTS,
				StatusCode: '1',
				StatusDescription: 'OK.',
			},
		});
	}

	private assetAccess(request: Record<string, unknown>): MockReply {
		const entries = (request.Asset as Array<Record<string, unknown>> | undefined) ?? [];
		const out = entries.map((entry) => {
			const id = String((entry.AssetId as unknown[])[0]);
			const country = entry.CountryCode === undefined ? 'US' : String(entry.CountryCode);
			const base = { AssetId: id, CountryCode: country };
			const status = (code: string, text: string) => ({ ...base, StatusCode: code, StatusDescription: text });
			if (!/^[A-Z]{2}$/.test(country)) return status('26', 'Invalid country code.');
			const asset = this.assets.get(id);
			if (!asset || asset.deleted) return status('33', 'Unable to find asset for given asset id');
			const rule = this.access.get(id);
			if (rule === 'no-file') return status('2', 'File does not exist or bad path.');
			if (rule === 'no-access') return status('3', 'Vendor does not have access.');
			if (rule && !rule.countries.includes(country)) return status('25', 'Asset cannot be sold in indicated country.');
			const fileName = `HL_SCORCH_${id}.sco`;
			return {
				...status('1', 'OK.'),
				FileName: fileName,
				FileType: 'SCORCH',
				MimeType: 'application/x-scorch',
				FileURL: `${this.server.baseUrl}/files/${fileName}`,
			};
		});
		return this.respond({ AssetAccessResponse: { Asset: out } });
	}

	private error(code: string, description: string): MockReply {
		return this.respond({ ErrorResponse: { ErrorCode: code, ErrorDescr: description } });
	}

	/** A DAMResponse in the configured encoding. */
	respond(content: Record<string, unknown>): MockReply {
		const inner = responseBuilder.build({
			DAMResponse: { ResponseHdr: { DAMVersion: '5.0', VendorId: this.vendorId }, ...content },
		}) as string;
		return encodeDocument(inner, this.encoding);
	}
}

/** Declaration + DOCTYPE + body, encoded as the DAM would. */
export function encodeDocument(inner: string, encoding: Encoding): MockReply {
	switch (encoding) {
		case 'utf8':
			return {
				status: 200,
				headers: { 'content-type': 'text/xml' },
				body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${DOCTYPE_RESPONSE}\n${inner}`, 'utf8'),
			};
		case 'latin1-undeclared':
			return {
				status: 200,
				headers: { 'content-type': 'text/xml' },
				body: Buffer.from(`<?xml version="1.0"?>\n${DOCTYPE_RESPONSE}\n${inner}`, 'latin1'),
			};
		case 'latin1-header':
			return {
				status: 200,
				headers: { 'content-type': 'text/xml; charset=ISO-8859-1' },
				body: Buffer.from(`<?xml version="1.0"?>\n${DOCTYPE_RESPONSE}\n${inner}`, 'latin1'),
			};
		default:
			return {
				status: 200,
				headers: { 'content-type': 'text/xml' },
				body: Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>\n${DOCTYPE_RESPONSE}\n${inner}`, 'latin1'),
			};
	}
}

function assetRecord(asset: MockAsset): Record<string, unknown> {
	const record: Record<string, unknown> = {
		__kind: asset.kind,
		...(asset.deleted ? { '@_action': 'delete' } : {}),
		AssetId: asset.assetId,
		Title: asset.title,
		Edition: String(asset.edition),
	};
	if (!asset.deleted) {
		record.Format = 'Piano/Vocal/Guitar';
		record.Contributors = { Contributor: [{ Name: 'Ludwig van Beethoven', Role: 'Composer' }] };
		record.SellableCountries = { CountryCode: asset.countries };
	}
	return record;
}

function strip(record: Record<string, unknown>): Record<string, unknown> {
	const rest = { ...record };
	delete rest.__kind;
	return rest;
}

function parseDay(value: unknown): Day | undefined {
	if (typeof value !== 'string') return undefined;
	const match = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(value);
	return match ? dayFromParts(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
}

/** Deterministic bytes of a served file. */
export function fileBytes(name: string): Buffer {
	const seed = createHash('sha256').update(name).digest();
	return Buffer.concat([Buffer.from(`SCORCH-MOCK ${name}\n`), seed, seed]);
}

/**
 * A clock for tests in which time passes for both sides: this machine (Date.now) and the DAM
 * (MockServer.now, which is Date.now plus its offset). Only Date.now moves; timers run in real
 * time.
 */
export class TestClock {
	private shift = 0;

	private spy?: jest.SpyInstance<number, []>;

	install(at?: number): void {
		const real = Date.now.bind(Date);
		this.spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + this.shift);
		if (at !== undefined) this.shift = at - real();
	}

	/** Moves this machine's clock (and so the DAM's) to `at`. */
	set(at: number): void {
		this.shift += at - Date.now();
	}

	advance(ms: number): void {
		this.shift += ms;
	}

	uninstall(): void {
		this.spy?.mockRestore();
		this.spy = undefined;
		this.shift = 0;
	}
}

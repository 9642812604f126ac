import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ApiFailure } from '../../shared/transport/errors';
import { excerpt } from '../../shared/transport/errors';
import { type AnswerReader, readAnswer } from '../../shared/answerWorker';
import {
	ApiClient,
	type ClientOptions,
	type HttpContext,
	MalformedResponseError,
	type ProviderProfile,
	ProviderFailure,
	type RawResponse,
} from '../../shared/transport/http';
import { type Day, formatDamDate } from '../days';
import { type AssetAccess, type MetadataRecord, type ModifiedFile, checkStatus, errorResponseFailure } from '../model';
import { DAM_ANSWERS, MAX_ACCESS_XML_BYTES, MAX_FAILURE_BYTES, MAX_XML_BYTES, parseDamXml } from './answers';
import { DEFAULT_ENDPOINT, damDocument } from './document';

export { parseDamXml } from './answers';

export const CREDENTIAL_TYPE = 'halLeonardDamApi';

/** Redirect hops followed at most. */
const MAX_REDIRECTS = 5;

const NAME = 'Hal Leonard DAM';

function isRedirect(response: RawResponse): boolean {
	return response.status >= 300 && response.status < 400 && !!response.headers.location;
}

function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
	try {
		return { ok: true, value: fn() };
	} catch (error) {
		return { ok: false, error };
	}
}

export const DAM_PROFILE: ProviderProfile = {
	name: NAME,
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['vendorKey'],
	maxBodyBytes: MAX_XML_BYTES,
	describeFailure(response) {
		if (response.status >= 200 && response.status < 300) return undefined;
		if (isRedirect(response)) return undefined; // followed by DamClient
		const failure: Partial<ApiFailure> = { kind: 'http' };
		// Some gateways answer an HTTP error with the DAM's own ErrorResponse. It is small: a larger
		// body is not one, and is not parsed (here, on the main thread).
		const small = response.body.length <= MAX_FAILURE_BYTES;
		try {
			const document = small ? parseDamXml(response.body, response.headers['content-type']) : {};
			const error = (document.ErrorResponse ?? (document.DAMResponse as IDataObject | undefined)?.ErrorResponse) as
				Record<string, unknown> | undefined;
			if (error && typeof error === 'object') {
				const details: Partial<ApiFailure> & { transient?: boolean } = { ...errorResponseFailure(error).details };
				delete details.transient;
				return { ...failure, ...details };
			}
		} catch {
			// not XML: fall through to an excerpt of the body
		}
		const text = response.body.subarray(0, MAX_FAILURE_BYTES).toString('latin1');
		if (/<html/i.test(text)) {
			failure.providerMessage = `HTTP ${response.status}: the server answered with a web page, not the DAM API`;
			failure.hint =
				response.status === 404
					? 'Check the Endpoint URL in the credential (default https://haldms.halleonard.com/dam).'
					: undefined;
		} else if (text.trim()) {
			failure.providerMessage = excerpt(text);
		}
		if (response.status === 404 && !failure.hint)
			failure.hint = 'Check the Endpoint URL in the credential (default https://haldms.halleonard.com/dam).';
		return failure;
	},
};

interface DamSettings {
	endpoint: string;
}

type Step<T> = { redirect: string; method: 'POST' | 'GET' } | { value: T };

export interface MetadataQuery {
	requestType: 'A' | 'P' | 'X';
	range?: { start: Day; stop?: Day };
	assetIds?: string[];
}

/**
 * Hal Leonard DAM calls. Every request is an XML document POSTed as text/xml to the endpoint;
 * the credential's `authenticate` writes the header with the vendor key into it. Redirects are
 * followed here, not by the HTTP library: a 301/302/303 with a GET to the Location and no body
 * (what the DAM's own clients do, and what n8n would do), a 307/308 by POSTing the document
 * again — but only to the same origin, so the vendor key never goes to another host.
 */
export class DamClient {
	readonly http: ApiClient;

	private settings?: DamSettings;

	constructor(
		private readonly ctx: HttpContext,
		options: ClientOptions = {},
	) {
		this.http = new ApiClient(ctx, DAM_PROFILE, options);
	}

	/** Server time now, from the Date headers seen so far (this machine's clock until then). */
	serverNow(): number {
		return this.http.serverNow();
	}

	/** serverTime − localTime from the last answer, when one has arrived. */
	serverOffsetMs(): number | undefined {
		return this.http.stats.serverClockOffsetMs;
	}

	private async config(): Promise<DamSettings> {
		if (!this.settings) {
			const credentials = (await this.ctx.getCredentials(CREDENTIAL_TYPE)) as IDataObject;
			const node = this.ctx.getNode();
			if (!String(credentials.vendorId ?? '').trim()) {
				throw new NodeOperationError(node, 'The Hal Leonard DAM credential has no Vendor ID', {
					description: 'Open the credential and enter the vendor ID Hal Leonard gave you.',
				});
			}
			if (!String(credentials.vendorKey ?? '')) {
				throw new NodeOperationError(node, 'The Hal Leonard DAM credential has no Vendor Key', {
					description: 'Open the credential and enter the vendor key Hal Leonard gave you.',
				});
			}
			const endpoint = String(credentials.endpoint ?? '').trim() || DEFAULT_ENDPOINT;
			if (!/^https?:\/\/[^\s/]+/i.test(endpoint)) {
				throw new NodeOperationError(
					node,
					`The credential’s Endpoint URL is not a URL: ${JSON.stringify(endpoint).slice(0, 80)}`,
					{
						description: 'Use https://haldms.halleonard.com/dam, or the test endpoint Hal Leonard gave you.',
					},
				);
			}
			this.settings = { endpoint };
		}
		return this.settings;
	}

	/** The credential's endpoint, for the trigger's configuration key. */
	async endpoint(): Promise<string> {
		return (await this.config()).endpoint;
	}

	/**
	 * Posts one DAMRequest and reads the answer with `reader` (a large answer off the event loop,
	 * see nodes/shared/answerWorker), following redirects; `check` then looks at the result.
	 */
	private async request<R, T = R>(
		requestType: string,
		content: IDataObject,
		operation: string,
		reader: AnswerReader<R>,
		check: (value: R) => T = (value) => value as unknown as T,
	): Promise<T> {
		const { endpoint } = await this.config();
		const document = damDocument(requestType, content);
		const origin = new URL(endpoint).origin;
		let url = endpoint;
		let method: 'POST' | 'GET' = 'POST';
		for (let hop = 0; ; hop++) {
			const step: Step<T> = await this.http.send(
				{
					method,
					url,
					...(method === 'POST'
						? {
								body: document,
								headers: { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml, application/xml' },
							}
						: { headers: { Accept: 'text/xml, application/xml' } }),
					// Every DAM request the nodes make is a read: safe to send again.
					idempotent: true,
					operation,
					followRedirects: false,
					maxBodyBytes: requestType === 'AssetAccessRequest' ? MAX_ACCESS_XML_BYTES : MAX_XML_BYTES,
				},
				async (response): Promise<Step<T>> => {
					if (!isRedirect(response)) {
						const options = { logger: this.ctx.logger, deadline: this.http.deadline };
						return { value: check(await readAnswer(reader, response, options)) };
					}
					const next = resolveLocation(response.headers.location, url);
					const repeat = response.status === 307 || response.status === 308;
					if (repeat && method === 'POST' && new URL(next).origin !== origin) {
						// The method and body must be repeated, and the body holds the vendor key.
						throw new ProviderFailure({
							providerMessage: `The DAM redirected the request to another host (${new URL(next).host}); the vendor key is not sent there`,
							hint: 'Check the Endpoint URL in the credential: enter the address the DAM redirects to, if you trust it.',
							cause: 'configuration-invalid',
						});
					}
					return { redirect: next, method: repeat ? method : 'GET' };
				},
			);
			if ('value' in step) return step.value;
			if (hop + 1 >= MAX_REDIRECTS) {
				throw new NodeOperationError(
					this.ctx.getNode(),
					`${NAME}: the DAM redirected more than ${MAX_REDIRECTS} times`,
					{
						description: 'Check the Endpoint URL in the credential.',
					},
				);
			}
			url = step.redirect;
			method = step.method;
		}
	}

	/** ModifiedFileRequest: files of `fileType` whose LastModified is in [start, stop). */
	async modifiedFiles(fileType: string, start: Day, stop?: Day): Promise<ModifiedFile[]> {
		return await this.request(
			'ModifiedFileRequest',
			{
				'@_fileType': fileType,
				StartDate: formatDamDate(start),
				...(stop !== undefined ? { StopDate: formatDamDate(stop) } : {}),
			},
			`list the ${fileType} files modified from ${formatDamDate(start)}${stop !== undefined ? ` to before ${formatDamDate(stop)}` : ''}`,
			DAM_ANSWERS.modifiedFiles,
		);
	}

	/** AssetMetadataRequest by date range or by asset ids — never both, as the DAM requires. */
	async assetMetadata(query: MetadataQuery): Promise<MetadataRecord[]> {
		if (query.range && query.assetIds)
			throw new Error('AssetMetadataRequest takes a date range or asset ids, never both');
		const content: IDataObject = { '@_requestType': query.requestType };
		let operation: string;
		if (query.assetIds) {
			content.AssetIdList = { AssetId: query.assetIds };
			operation = `get the metadata of asset${query.assetIds.length === 1 ? '' : 's'} ${query.assetIds.slice(0, 5).join(', ')}${query.assetIds.length > 5 ? '…' : ''}`;
		} else if (query.range) {
			content.StartDate = formatDamDate(query.range.start);
			if (query.range.stop !== undefined) content.StopDate = formatDamDate(query.range.stop);
			operation = `get the asset metadata changed from ${formatDamDate(query.range.start)}${query.range.stop !== undefined ? ` to before ${formatDamDate(query.range.stop)}` : ''}`;
		} else {
			throw new Error('AssetMetadataRequest needs a date range or asset ids');
		}
		return await this.request('AssetMetadataRequest', content, operation, DAM_ANSWERS.metadata, (records) => {
			// Asked by id, an asset the DAM cannot serve comes back with its own status code.
			if (query.assetIds)
				for (const record of records)
					checkStatus(
						{ StatusCode: record.statusCode, StatusDescription: record.statusDescription },
						`asset ${record.assetId}`,
					);
			return records;
		});
	}

	/**
	 * AssetAccessRequest for one asset (read-only: confirms access and returns the file's name,
	 * type, MIME type and URL). A status other than 1 is the DAM's failure for that asset.
	 */
	async assetAccess(assetId: string, countryCode?: string): Promise<AssetAccess> {
		return await this.request(
			'AssetAccessRequest',
			{ Asset: { AssetId: assetId, ...(countryCode ? { CountryCode: countryCode } : {}) } },
			`check access to asset ${assetId}${countryCode ? ` in ${countryCode}` : ''}`,
			DAM_ANSWERS.access,
			(assets) => {
				const access = assets.find((a) => a.assetId === assetId) ?? (assets.length === 1 ? assets[0] : undefined);
				if (!access) throw new MalformedResponseError(`the AssetAccessResponse has no entry for asset ${assetId}`);
				checkStatus({ StatusCode: access.statusCode, StatusDescription: access.statusDescription }, `asset ${assetId}`);
				if (!access.fileUrl) throw new MalformedResponseError(`the DAM gave no FileURL for asset ${assetId}`);
				return access;
			},
		);
	}

	/** Downloads a file the DAM points to (a FileURL). No DAM document: no key goes with it. */
	async download(url: string, maxBytes: number, what: string): Promise<RawResponse> {
		return await this.http.send(
			{
				method: 'GET',
				url,
				idempotent: true,
				operation: `download ${what}`,
				maxBodyBytes: maxBytes,
				timeoutMs: 120_000,
			},
			(response) => response,
		);
	}
}

function resolveLocation(location: string, current: string): string {
	const parsed = attempt(() => new URL(location, current));
	// The address is not quoted: a server can build it from the request document, vendor key included.
	if (!parsed.ok)
		throw new MalformedResponseError(
			'the DAM redirected to an invalid address (not shown, it may carry the request); check the endpoint URL in the credential',
		);
	const next = parsed.value;
	if (next.protocol !== 'https:' && next.protocol !== 'http:') {
		throw new MalformedResponseError(`the DAM redirected to a ${next.protocol} address`);
	}
	return next.href;
}

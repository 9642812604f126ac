import type { Readable } from 'node:stream';

import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { type AnswerReader, readAnswer } from '../../shared/answerWorker';
import { ProviderClient } from '../../shared/transport/client';
import {
	type ClientOptions,
	type HttpContext,
	MalformedResponseError,
	type ProviderProfile,
	type StreamedResponse,
	requestTimeouts,
} from '../../shared/transport/http';
import { type Day, formatDamDate } from '../days';
import { type AssetAccess, type MetadataRecord, type ModifiedFile, checkStatus } from '../model';
import { DAM_ANSWERS, MAX_ACCESS_XML_BYTES, MAX_XML_BYTES } from './answers';
import { DEFAULT_ENDPOINT, damDocument } from './document';
import { describeDamFailure } from './errors';

export const CREDENTIAL_TYPE = 'halLeonardDamApi';

const NAME = 'Hal Leonard DAM';

export const DAM_PROFILE: ProviderProfile = {
	name: NAME,
	credentialType: CREDENTIAL_TYPE,
	secretFields: ['vendorKey'],
	maxBodyBytes: MAX_XML_BYTES,
	describeFailure: describeDamFailure,
};

interface DamSettings {
	endpoint: string;
}

export interface MetadataQuery {
	requestType: 'A' | 'P' | 'X';
	range?: { start: Day; stop?: Day };
	assetIds?: string[];
}

/**
 * Hal Leonard DAM calls. Every request is an XML document POSTed as text/xml to the endpoint;
 * the credential's `authenticate` writes the header with the vendor key into it.
 */
export class DamClient extends ProviderClient<DamSettings> {
	constructor(ctx: HttpContext, options: ClientOptions = {}) {
		super(ctx, DAM_PROFILE, options);
	}

	/** Server time now, from the Date headers seen so far (this machine's clock until then). */
	serverNow(): number {
		return this.http.serverNow();
	}

	/** serverTime − localTime from the last answer, when one has arrived. */
	serverOffsetMs(): number | undefined {
		return this.http.stats.serverClockOffsetMs;
	}

	protected readSettings(credentials: IDataObject): DamSettings {
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
				{ description: 'Use https://haldms.halleonard.com/dam, or the test endpoint Hal Leonard gave you.' },
			);
		}
		return { endpoint };
	}

	/** The credential's endpoint, for the trigger's configuration key. */
	async endpoint(): Promise<string> {
		return (await this.settings()).endpoint;
	}

	/**
	 * Posts one DAMRequest and reads the answer with `reader` (a large answer off the event loop,
	 * see nodes/shared/answerWorker); `check` then looks at the result. A redirect is followed
	 * only to the endpoint's own host: a 307/308 posts the document again, a 301/302/303 becomes a
	 * GET without it (what the DAM's own clients do); a hop to any other host is refused, the
	 * vendor key never goes there.
	 */
	private async request<R, T = R>(
		requestType: string,
		content: IDataObject,
		operation: string,
		reader: AnswerReader<R>,
		check: (value: R) => T = (value) => value as unknown as T,
	): Promise<T> {
		const { endpoint } = await this.settings();
		return await this.http.send(
			{
				method: 'POST',
				url: endpoint,
				body: damDocument(requestType, content),
				headers: { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml, application/xml' },
				// Every DAM request the nodes make is a read: safe to send again.
				idempotent: true,
				operation,
				redirects: 'same-origin',
				postRedirectAsGet: true,
				maxBodyBytes: requestType === 'AssetAccessRequest' ? MAX_ACCESS_XML_BYTES : MAX_XML_BYTES,
			},
			async (response) => {
				const options = { logger: this.ctx.logger, deadline: this.http.deadline };
				return check(await readAnswer(reader, response, options));
			},
		);
	}

	/** ModifiedFileRequest: files of `fileType` whose LastModified is in [start, stop). */
	async modifiedFiles(fileType: string, start: Day, stop?: Day): Promise<ModifiedFile[]> {
		const { files, skipped } = await this.request(
			'ModifiedFileRequest',
			{
				'@_fileType': fileType,
				StartDate: formatDamDate(start),
				...(stop !== undefined ? { StopDate: formatDamDate(stop) } : {}),
			},
			`list the ${fileType} files modified from ${formatDamDate(start)}${stop !== undefined ? ` to before ${formatDamDate(stop)}` : ''}`,
			DAM_ANSWERS.modifiedFiles,
		);
		this.http.reportSkipped(
			skipped,
			({ record, id }) =>
				`ModifiedFile ${record}${id ? ` (asset ${id})` : ''} of ${formatDamDate(start)}${stop !== undefined ? `–${formatDamDate(stop)}` : ''}`,
		);
		return files;
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
		const { records, skipped } = await this.request(
			'AssetMetadataRequest',
			content,
			operation,
			DAM_ANSWERS.metadata,
			(read) => {
				// Asked by id, an asset the DAM cannot serve comes back with its own status code.
				if (query.assetIds)
					for (const record of read.records)
						checkStatus(
							{ StatusCode: record.statusCode, StatusDescription: record.statusDescription },
							`asset ${record.assetId}`,
						);
				return read;
			},
		);
		this.http.reportSkipped(skipped, ({ record }) => `metadata record ${record} of an answer`);
		return records;
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

	/**
	 * Downloads a file the DAM points to (a FileURL) and hands its body to `store` as a stream,
	 * never whole in memory: at most `maxBytes` pass, then the download fails (kind `size`). No
	 * DAM document: no key goes with it. A download cut off mid-way is sent again (a GET), so
	 * `store` must leave nothing behind when its stream fails (n8n's prepareBinaryData does not).
	 */
	async download<T>(
		url: string,
		maxBytes: number,
		what: string,
		store: (body: Readable, response: StreamedResponse) => Promise<T>,
	): Promise<T> {
		return await this.http.sendStreamed(
			{
				method: 'GET',
				url,
				idempotent: true,
				operation: `download ${what}`,
				maxBodyBytes: maxBytes,
				timeoutMs: requestTimeouts.transferMs,
				// A file URL the DAM handed out (often another host): sent with no credential at all,
				// so it may follow the file wherever it redirects.
				redirects: 'public',
			},
			store,
		);
	}
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { type UntilFailureResult, mapUntilFailure } from '../../../shared/concurrency';
import { asNodeError } from '../../../shared/transport/errors';
import { FieldChecker, type MediaItem, type MediaItemType } from '../../model';
import type { RunContext } from '../context';
import { MEDIA_ITEM_TYPE_OPTIONS, productFields, readProductId } from './fields';
import { concurrencyFrom, concurrencyOption, keys } from './parallel';
import { type SyncReport } from './sync/concurrentCopies';
import { DEFAULT_FULL_SCAN_HOURS, type IndexScope } from './sync/keptIndex';
import { hasTag } from './sync/mediaIndex';
import { type PlannedUpdate, type WantedMedia, createFields, planSync, readWantedList } from './sync/plan';

const displayOptions = { show: { resource: ['mediaItem'], operation: ['syncProductMedia'] } };

const properties: INodeProperties[] = [
	{
		displayName:
			'Makes the product’s media items that carry the sync tag equal to the wanted list: creates, updates and deletes only those, never other media. Running it again with the same list changes nothing.',
		name: 'syncNotice',
		type: 'notice',
		default: '',
	},
	...productFields(),
	{
		displayName: 'Sync Tag',
		name: 'syncTag',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'sync:supplier-hit',
		description:
			'Tag that marks the media items this sync owns. Use one tag per source (e.g. per supplier); media without it are left alone.',
	},
	{
		displayName: 'Wanted Media',
		name: 'mediaSource',
		type: 'options',
		default: 'list',
		options: [
			{
				name: 'From a List',
				value: 'list',
				description: 'A list of media objects, usually mapped from a supplier node with an expression',
			},
			{ name: 'Enter Manually', value: 'manual', description: 'Enter each media item below' },
		],
	},
	{
		displayName: 'Media List',
		name: 'mediaList',
		type: 'json',
		required: true,
		default: '',
		description:
			'The media the product should have: a list of objects with a URL each (description, position, primary, tags, type optional). Only an explicit [] removes all synced media; an empty value is refused.',
		displayOptions: { show: { mediaSource: ['list'] } },
	},
	{
		displayName: 'Media',
		name: 'mediaItems',
		type: 'fixedCollection',
		placeholder: 'Add media',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		displayOptions: { show: { mediaSource: ['manual'] } },
		options: [
			{
				displayName: 'Media',
				name: 'items',
				values: [
					{ displayName: 'Description', name: 'description', type: 'string', default: '' },
					{
						displayName: 'Position',
						name: 'position',
						type: 'number',
						typeOptions: { numberPrecision: 0 },
						default: 0,
						description: 'Sort position; 0 leaves it to CommerceConnect',
					},
					{
						displayName: 'Primary',
						name: 'primary',
						type: 'boolean',
						default: false,
						description: 'Whether this is the product’s primary media item',
					},
					{
						displayName: 'Tags',
						name: 'tags',
						type: 'string',
						default: '',
						description: 'Extra tags besides the sync tag, separated by commas',
					},
					{
						displayName: 'URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://cdn.example.com/front.jpg',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'syncOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			concurrencyOption,
			{
				displayName: 'Full Scan Every (Hours)',
				name: 'fullScanHours',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_FULL_SCAN_HOURS,
				description:
					'Between full scans, runs read only what changed since the last run (an index kept in the workflow). 0 reads every media item on every run.',
			},
			{
				displayName: 'Max Share to Delete (%)',
				name: 'maxDeletePercent',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 100,
				description:
					'Refuse to run for a product when its wanted list would delete more than this share of its synced media at once (a list that suddenly came back short). 100 allows any deletion.',
			},
			{
				displayName: 'New Media Type',
				name: 'mediaItemType',
				type: 'options',
				default: 'ImageMediaItem',
				options: MEDIA_ITEM_TYPE_OPTIONS,
				description: 'Media Item Type of created items whose entry has no media_item_type',
			},
			{
				displayName: 'Position From List Order',
				name: 'positionFromOrder',
				type: 'boolean',
				default: false,
				description: 'Whether entries without a position get their place in the list (1, 2, 3…) as position',
			},
			{
				displayName: 'Synced Media Created After',
				name: 'createdAfter',
				type: 'dateTime',
				default: '',
				description:
					'If every synced media item was created after this time (e.g. when syncing began), only media created since are read: fewer requests. Older items are not seen.',
			},
		],
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

interface SyncInput {
	syncTag: string;
	wanted: WantedMedia[];
	defaultType: MediaItemType;
	/** Largest share (0–100) of the synced media one run may delete. */
	maxDeletePercent: number;
}

function readSyncTag(check: FieldChecker, value: unknown): string {
	if (check.isBlank(value))
		check.fail('Sync Tag is empty', 'Choose a tag that marks the media this sync owns, e.g. sync:supplier-hit.');
	const tag = check.text(value, 'Sync Tag').trim();
	if (tag.includes(',')) check.fail('Sync Tag must not contain a comma', 'CommerceConnect splits tags at commas.');
	return tag;
}

/** Reads and checks everything of one input item before any request. */
function readInput(this: IExecuteFunctions, itemIndex: number): SyncInput {
	const check = new FieldChecker(this.getNode(), itemIndex);
	const syncTag = readSyncTag(check, this.getNodeParameter('syncTag', itemIndex));
	const source = this.getNodeParameter('mediaSource', itemIndex, 'list') as string;
	let wanted: WantedMedia[];
	if (source === 'list') {
		wanted = readWantedList(check, this.getNodeParameter('mediaList', itemIndex), 'Media List');
	} else if (source === 'manual') {
		const entries = ((this.getNodeParameter('mediaItems', itemIndex, {}) as { items?: IDataObject[] }).items ?? []).map(
			(entry) => ({
				...entry,
				// 0 means "not set" in the form; an unset boolean is not "not primary".
				position: entry.position === 0 ? undefined : entry.position,
				primary: entry.primary === true ? true : undefined,
				tags: entry.tags === '' ? undefined : entry.tags,
				description: entry.description === '' ? undefined : entry.description,
			}),
		);
		wanted = readWantedList(check, entries, 'Media');
	} else {
		return check.fail(`Wanted Media must be From a List or Enter Manually, not ${JSON.stringify(source)}`);
	}
	const options = this.getNodeParameter('syncOptions', itemIndex, {}) as IDataObject;
	const defaultType =
		options.mediaItemType === undefined
			? 'ImageMediaItem'
			: check.mediaItemType(options.mediaItemType, 'New Media Type');
	if (options.positionFromOrder === true) {
		wanted = wanted.map((media, index) => (media.position === undefined ? { ...media, position: index + 1 } : media));
	}
	const maxDeletePercent =
		options.maxDeletePercent === undefined ? 100 : check.integer(options.maxDeletePercent, 'Max Share to Delete (%)');
	if (maxDeletePercent < 0 || maxDeletePercent > 100) check.fail('Max Share to Delete (%) must be between 0 and 100');
	return { syncTag, wanted, defaultType, maxDeletePercent };
}

/**
 * What the index of this run must hold: every sync tag of the run's items, and the earliest
 * created-after bound; and the shortest Full Scan Every of the items.
 */
function scanScope(this: IExecuteFunctions): IndexScope {
	const tags = new Set<string>();
	let createdFrom: number | undefined;
	let unbounded = false;
	let fullScanHours = DEFAULT_FULL_SCAN_HOURS;
	const items = this.getInputData();
	for (let i = 0; i < items.length; i++) {
		if (this.getNodeParameter('operation', i, '') !== 'syncProductMedia') continue;
		const check = new FieldChecker(this.getNode(), i);
		try {
			tags.add(readSyncTag(check, this.getNodeParameter('syncTag', i)));
			const options = this.getNodeParameter('syncOptions', i, {}) as IDataObject;
			const bound = check.optionalTime(options.createdAfter, 'Synced Media Created After');
			if (options.fullScanHours !== undefined) {
				const hours = Number(options.fullScanHours);
				fullScanHours = Math.min(fullScanHours, Number.isFinite(hours) && hours > 0 ? hours : 0);
			}
			if (bound === undefined) unbounded = true;
			else createdFrom = createdFrom === undefined ? bound : Math.min(createdFrom, bound);
		} catch {
			// That item's own run reports its invalid field; the scan covers the valid ones.
			unbounded = true;
		}
	}
	return { tags, createdFrom: unbounded ? undefined : createdFrom, fullScanEveryMs: fullScanHours * 3_600_000 };
}

interface Change extends IDataObject {
	action: 'created' | 'updated' | 'deleted';
	id: number;
	url: string;
}

/**
 * Items for one product run in input order: the second sees what the first did. A product that
 * fails does not stop the others: the trigger that emitted them will not emit them again, so a
 * product left out here would stay wrong (the run still fails, naming the first failure).
 */
export const parallel = {
	concurrency: concurrencyFrom('syncOptions'),
	finishAll: true,
	async key(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<string> {
		return keys.product((await readProductId.call(this, run, itemIndex)).productId);
	},
};

export async function execute(this: IExecuteFunctions, run: RunContext, itemIndex: number): Promise<IDataObject[]> {
	const input = readInput.call(this, itemIndex);
	const { productId, productCode } = await readProductId.call(this, run, itemIndex);
	const index = await run.mediaIndex(() => scanScope.call(this));

	const existing = index.tagged(productId, input.syncTag);
	const plan = planSync(existing, input.wanted, input.syncTag);
	if (existing.length > 0 && (plan.remove.length * 100) / existing.length > input.maxDeletePercent) {
		throw new NodeOperationError(
			this.getNode(),
			`The sync of product ${productId} would delete ${plan.remove.length} of its ${existing.length} synced media items, more than the ${input.maxDeletePercent} % allowed; nothing was changed`,
			{
				itemIndex,
				description:
					'Check the wanted list (did the supplier return it short?). If the deletion is right, raise Options → Max Share to Delete (%) for this run.',
			},
		);
	}
	// Updates and creates first, deletes last: the product is never left without its media midway.
	// Updates run side by side; creates one after another in list order, because CommerceConnect
	// orders a product's media by creation (sort_order) where no position says otherwise.
	const signal = { stopped: false };
	const update = async ({ item, wanted, fields }: PlannedUpdate): Promise<Change> => {
		const updated = await run.client.update(item.id, fields);
		index.put({ ...item, ...updated });
		return { action: 'updated', id: item.id, url: wanted.url, fields: Object.keys(fields) };
	};
	const create = async (media: WantedMedia): Promise<{ change: Change; warnings: string[] }> => {
		// Never twice: an unclear create is looked up before it is sent again (createOnce).
		const created = await run.client.createOnce(
			createFields(media, productId, input.syncTag, input.defaultType),
			(item) => item.product_id === productId && item.url === media.url && hasTag(item, input.syncTag),
		);
		index.put(created);
		const warnings: string[] = [];
		if (created.url !== undefined && created.url !== media.url) {
			warnings.push(
				`CommerceConnect stored media item ${created.id} under another URL (${String(created.url)}); the next run cannot match it to ${media.url} and will create it again.`,
			);
		}
		if (Array.isArray(created.tag_list) && !hasTag(created, input.syncTag)) {
			warnings.push(
				`CommerceConnect did not keep the sync tag on media item ${created.id}; the next run will not see it as synced.`,
			);
		}
		return { change: { action: 'created', id: created.id, url: media.url }, warnings };
	};
	let updates: UntilFailureResult<Change>;
	let creates: UntilFailureResult<{ change: Change; warnings: string[] }>;
	if (run.concurrency > 1) {
		[updates, creates] = await Promise.all([
			mapUntilFailure(plan.update, run.concurrency, update, signal),
			mapUntilFailure(plan.create, 1, create, signal),
		]);
	} else {
		updates = await mapUntilFailure(plan.update, 1, update, signal);
		creates = await mapUntilFailure(plan.create, 1, create, signal);
	}
	let deletes: UntilFailureResult<Change[]> = { results: [], failed: false };
	if (!signal.stopped && plan.remove.length > 0) {
		if (input.wanted.length === 0) {
			// Nothing is wanted: one request removes every synced item of the product.
			deletes = await mapUntilFailure([plan.remove], 1, async (items) => {
				await run.client.deleteByFilter(productId, [input.syncTag]);
				index.removeTagged(productId, input.syncTag);
				run.deletedTagged(productId, input.syncTag);
				return items.map((item): Change => ({ action: 'deleted', id: item.id, url: String(item.url ?? '') }));
			});
		} else {
			deletes = await mapUntilFailure(
				plan.remove,
				run.concurrency,
				async (item) => {
					// Gone already (another run of the same sync deleted it first) is what this wants.
					await run.client.remove(item.id, { missingIsDone: true });
					index.remove(productId, item.id);
					run.deleted(item.id);
					return [{ action: 'deleted', id: item.id, url: String(item.url ?? '') } as Change];
				},
				signal,
			);
		}
	}

	// In plan order, whatever order the answers came in.
	const done = <R>(result: UntilFailureResult<R>) => result.results.filter((r): r is R => r !== undefined);
	const changes: Change[] = [...done(updates), ...done(creates).map((c) => c.change), ...done(deletes).flat()];
	const warnings = done(creates).flatMap((c) => c.warnings);
	const record = (report?: SyncReport) => {
		for (const { change } of done(creates))
			run.copies.record({ productId, syncTag: input.syncTag, url: change.url, id: change.id, report });
	};
	const failure = [updates, creates, deletes].find((result) => result.failed);
	if (failure) {
		record();
		const error = failure.error;
		if (changes.length > 0 && error && typeof error === 'object' && 'description' in error) {
			const counts = summary(changes);
			(error as { description: string | null }).description =
				`${String((error as { description?: unknown }).description ?? '')} Before this failure the sync of product ${productId} had ${counts.created} created, ${counts.updated} updated and ${counts.deleted} deleted; running it again completes it.`.trim();
		}
		throw asNodeError(this.getNode(), error, itemIndex);
	}

	const report: SyncReport = {
		productId,
		...(productCode !== undefined ? { productCode } : {}),
		syncTag: input.syncTag,
		...summary(changes),
		unchanged: plan.unchanged.length,
		changes,
		unchangedIds: plan.unchanged.map((item: MediaItem) => item.id),
		...(warnings.length > 0 ? { warnings } : {}),
		scan: { ...index.stats, sharedByAllItems: true },
	};
	// The end of the node run looks for copies another run created at the same time, and reports
	// any it deletes here.
	record(report);
	return [report];
}

function summary(changes: readonly Change[]): { created: number; updated: number; deleted: number } {
	return {
		created: changes.filter((c) => c.action === 'created').length,
		updated: changes.filter((c) => c.action === 'updated').length,
		deleted: changes.filter((c) => c.action === 'deleted').length,
	};
}

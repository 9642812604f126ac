import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { LANGUAGES } from '../../model';
import type { PantherMediaClient } from '../../transport';
import { requireLanguage, requireMediaIds } from '../common';

/** Ids per get-media-info request. */
export const INFO_BATCH = 50;
/** Ids one input item may ask for. */
export const MAX_INFO_IDS = 1000;

const displayOptions = { show: { resource: ['media'], operation: ['getInfo'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Media IDs',
		name: 'mediaIds',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 2345, 55563',
		description:
			'One or more PantherMedia media IDs, separated by commas, or an array mapped from the input with an expression',
	},
	{
		displayName: 'Options',
		name: 'infoOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Include Articles',
				name: 'articles',
				type: 'boolean',
				default: false,
				description:
					'Whether to include the sizes and prices PantherMedia offers the media in (read only: nothing is bought)',
			},
			{
				displayName: 'Include Top 10 Keywords',
				name: 'top10Keywords',
				type: 'boolean',
				default: false,
				description: 'Whether to include the ten keywords PantherMedia ranks highest',
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'options',
				default: 'en',
				options: LANGUAGES.map((l) => ({ name: l, value: l })),
				description: 'Language of title, description and keywords',
			},
		],
	},
];

export const description = updateDisplayOptions(displayOptions, properties);

/** get-media-info: one item per requested id, in the order asked; ids PantherMedia does not return come back with found = false. */
export async function execute(
	this: IExecuteFunctions,
	client: PantherMediaClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const ids = requireMediaIds.call(
		this,
		this.getNodeParameter('mediaIds', itemIndex),
		itemIndex,
		'Media IDs',
		MAX_INFO_IDS,
	);
	const options = this.getNodeParameter('infoOptions', itemIndex, {}) as IDataObject;
	const lang = requireLanguage.call(this, options.language, itemIndex);
	const out: IDataObject[] = [];
	for (let i = 0; i < ids.length; i += INFO_BATCH) {
		const batch = ids.slice(i, i + INFO_BATCH);
		const { found, missing } = await client.mediaInfo(batch, {
			lang,
			articles: options.articles === true,
			top10Keywords: options.top10Keywords === true,
		});
		const byId = new Map(found.map((info) => [info.id, info]));
		const gone = new Set(missing);
		for (const id of batch) out.push(gone.has(id) ? { id, found: false } : (byId.get(id) as IDataObject));
	}
	return out;
}

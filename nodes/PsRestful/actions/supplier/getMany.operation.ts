import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { PageLoop } from '../../../shared/paging';
import { MAX_SUPPLIER_PAGES, SUPPLIER_PAGE_SIZE } from '../../methods/loadOptions';
import type { PsRestfulClient } from '../../transport';

const show = { show: { resource: ['supplier'], operation: ['getMany'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...show.show, returnAll: [false] } },
	},
];

/** The PSRESTful supplier list, one item per supplier. */
export async function execute(
	this: IExecuteFunctions,
	client: PsRestfulClient,
	itemIndex: number,
): Promise<IDataObject[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex) as boolean;
	const limit = returnAll ? Infinity : (this.getNodeParameter('limit', itemIndex) as number);
	const out: IDataObject[] = [];
	const loop = new PageLoop('the supplier list', MAX_SUPPLIER_PAGES);
	for (let page = 1; out.length < limit; page++) {
		const result = await client.suppliers(
			page,
			Math.min(SUPPLIER_PAGE_SIZE, limit === Infinity ? SUPPLIER_PAGE_SIZE : limit),
			loop,
		);
		out.push(...result.suppliers);
		if (page >= result.totalPages || result.suppliers.length === 0) break;
	}
	return out.slice(0, limit);
}

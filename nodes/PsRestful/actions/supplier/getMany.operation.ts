import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { returnAllOrLimit } from '../../../shared/description';
import { PageLoop } from '../../../shared/paging';
import { MAX_SUPPLIER_PAGES, SUPPLIER_PAGE_SIZE } from '../../methods/listSearch';
import type { PsRestfulClient } from '../../transport';

const displayOptions = { show: { resource: ['supplier'], operation: ['getMany'] } };

const properties: INodeProperties[] = [...returnAllOrLimit()];

export const description = updateDisplayOptions(displayOptions, properties);

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

import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { PageLoop } from '../../shared/paging';
import { PsRestfulClient } from '../transport';

/** Largest page PSRESTful's supplier list documents (its default page size). */
export const SUPPLIER_PAGE_SIZE = 600;

/** Pages of the supplier list read at most: 60,000 suppliers, far more than PSRESTful lists. */
export const MAX_SUPPLIER_PAGES = 100;

/** Supplier codes for the dropdowns, from PSRESTful's supplier list. */
export async function getSuppliers(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const client = new PsRestfulClient(this);
	const options: INodePropertyOptions[] = [];
	const loop = new PageLoop('the supplier list', MAX_SUPPLIER_PAGES);
	for (let page = 1; ; page++) {
		const result = await client.suppliers(page, SUPPLIER_PAGE_SIZE, loop);
		for (const supplier of result.suppliers) {
			options.push({ name: `${supplier.name} (${supplier.code})`, value: supplier.code });
		}
		if (page >= result.totalPages || result.suppliers.length === 0) break;
	}
	return options.sort((a, b) => a.name.localeCompare(b.name));
}

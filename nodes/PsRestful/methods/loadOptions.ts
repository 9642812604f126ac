import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { PsRestfulClient } from '../transport';

/** Largest page PSRESTful's supplier list documents (its default page size). */
export const SUPPLIER_PAGE_SIZE = 600;

/** Supplier codes for the dropdowns, from PSRESTful's supplier list. */
export async function getSuppliers(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const client = new PsRestfulClient(this);
	const options: INodePropertyOptions[] = [];
	for (let page = 1; ; page++) {
		const result = await client.suppliers(page, SUPPLIER_PAGE_SIZE);
		for (const supplier of result.suppliers) {
			options.push({ name: `${supplier.name} (${supplier.code})`, value: supplier.code });
		}
		if (page >= result.totalPages || result.suppliers.length === 0) break;
	}
	return options.sort((a, b) => a.name.localeCompare(b.name));
}

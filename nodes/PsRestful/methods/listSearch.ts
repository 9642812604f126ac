import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { PageLoop } from '../../shared/paging';
import { PsRestfulClient } from '../transport';

/** Largest page PSRESTful's supplier list documents (its default page size). */
export const SUPPLIER_PAGE_SIZE = 600;

/** Pages of the supplier list read at most: 60,000 suppliers, far more than PSRESTful lists. */
export const MAX_SUPPLIER_PAGES = 100;

/**
 * The Supplier field's list (a resource locator's From List mode), from PSRESTful's supplier list.
 * The list is short (one page of 600 holds all of it today), so it is read whole and filtered
 * here: the editor asks only once the credential is set, and a search costs the same one call.
 */
export async function searchSuppliers(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const client = new PsRestfulClient(this);
	const wanted = (filter ?? '').trim().toLowerCase();
	const results: INodeListSearchResult['results'] = [];
	const loop = new PageLoop('the supplier list', MAX_SUPPLIER_PAGES);
	for (let page = 1; ; page++) {
		const result = await client.suppliers(page, SUPPLIER_PAGE_SIZE, loop);
		for (const supplier of result.suppliers) {
			const name = `${supplier.name} (${supplier.code})`;
			if (wanted === '' || name.toLowerCase().includes(wanted)) results.push({ name, value: supplier.code });
		}
		if (page >= result.totalPages || result.suppliers.length === 0) break;
	}
	return { results: results.sort((a, b) => a.name.localeCompare(b.name)) };
}

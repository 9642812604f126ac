// @ts-check
'use strict';
/** What the end-to-end tests expect, computed from the sandbox's own record of its changes. */
const { SANDBOX_PRODUCTS } = require('../../sandbox/sandbox');

/** @typedef {import('../../sandbox/sandbox').Sandbox} Sandbox */
/** @typedef {import('../../sandbox/sandbox').SandboxCredentials} SandboxCredentials */

/**
 * A wrong secret per credential type and the provider's own words n8n must show for it: every
 * credential is tested by the package's nodes, so n8n 2.x and 1.x show the same text.
 * @type {Record<keyof SandboxCredentials, { change: Record<string, string>, message: RegExp }>}
 */
const wrongCredentials = {
	psRestfulApi: {
		change: { apiKey: 'not-the-key' },
		message: /^PSRESTful: .* — PSRESTful did not accept the API key: check it under Account → API Keys/,
	},
	pantherMediaApi: {
		change: { apiSecret: 'not-the-secret' },
		message: /PantherMedia: Invalid access_key \(code 401\) — Check the API key and API secret/,
	},
	halLeonardDamApi: {
		change: { vendorKey: 'not-the-key' },
		message: /Vendor authentication failed .*Check the Vendor ID and Vendor Key/,
	},
	commerceConnectApi: {
		change: { apiToken: 'not-the-token' },
		message: /^CommerceConnect: .* — Check the email and API token in the CommerceConnect credential/,
	},
};

/**
 * `productId@version` of each item the PSRESTful Trigger emitted. The version is read from the
 * media the trigger fetched with it: the sandbox names a product's media `…/v<version>.jpg`
 * after a change; the seed products (version 1) carry the supplier's original URLs.
 * @param {import('n8n-workflow').IDataObject[]} items  the trigger's output, with media content
 * @returns {string[]}
 */
function psRestfulKeys(items) {
	return items.map((item) => {
		const media = /** @type {Array<{ url: string }> | undefined} */ (item.media);
		const urls = (media ?? []).map((entry) => entry.url);
		const versions = urls.map((url) => /\/v(\d+)\.jpg$/.exec(url)?.[1]).filter(Boolean);
		return `${item.productId}@${versions.length ? versions[0] : 1}`;
	});
}

/**
 * Every change the sandbox made to the supplier HIT's products, as `productId@version`.
 * @param {Sandbox} sandbox
 * @returns {string[]}
 */
function changesOf(sandbox) {
	return sandbox.psrestful.changes
		.filter((change) => change.supplier === 'HIT')
		.map((change) => `${change.productId}@${change.version}`);
}

/**
 * CommerceConnect ends exactly as the supplier's catalogue is: per product, the media items
 * tagged by the sync are the supplier's current media (same URLs, once each), and the media
 * item added by hand in the PIM is untouched.
 * @param {Sandbox} sandbox
 */
function expectPimMatchesSupplier(sandbox) {
	const items = [...sandbox.commerceconnect.items.values()];
	// The sandbox's supplier HIT lists each of these products from its seed on.
	const catalogue = /** @type {Map<string, { media: Array<{ url: string }> }>} */ (
		sandbox.psrestful.catalogue.get('HIT')
	);
	for (const product of SANDBOX_PRODUCTS.supplierProducts) {
		const ofProduct = items.filter((item) => item.product_id === product.id);
		const synced = ofProduct.filter((item) => item.tag_list.includes('psrestful-hit'));
		const others = ofProduct.filter((item) => !item.tag_list.includes('psrestful-hit'));
		const wanted = /** @type {{ media: Array<{ url: string }> }} */ (catalogue.get(product.code)).media.map(
			(media) => media.url,
		);
		expect({ product: product.code, urls: synced.map((item) => item.url).sort() }).toEqual({
			product: product.code,
			urls: wanted.slice().sort(),
		});
		const handMade = product.code === '5989' ? ['https://pim.example.com/manual/5989-lifestyle.jpg'] : [];
		expect({ product: product.code, untouched: others.map((item) => item.url) }).toEqual({
			product: product.code,
			untouched: handMade,
		});
	}
}

module.exports = { wrongCredentials, psRestfulKeys, changesOf, expectPimMatchesSupplier };

// @ts-check
'use strict';
/** Whether n8n loaded this package: the node and credential types it declares against those n8n lists. */
const path = require('node:path');

const { REPO } = require('./runtimes');
const { packageJson } = require('./package');

/** @typedef {import('n8n-workflow').INodeType} INodeType */
/** @typedef {import('n8n-workflow').ICredentialType} ICredentialType */

/**
 * @typedef {object} LoadCheck
 * @property {{ nodes: string[], credentials: string[] }} declared  type names the package declares
 * @property {string[]} missingNodes  declared node types n8n does not list
 * @property {string[]} missingCredentials
 * @property {number} totalNodeTypes  every node type n8n lists (its own included)
 * @property {number} totalCredentialTypes
 */

/**
 * Node and credential type names this package declares (read from the built dist/ files listed
 * in package.json's "n8n" section), so the load check grows with the package.
 * @returns {{ nodes: string[], credentials: string[] }}
 */
function declaredTypes() {
	const manifest = packageJson();
	/**
	 * An instance of every class a built file exports, as n8n makes them.
	 * @param {string} file  as listed in package.json
	 * @returns {any[]} node types (INodeType) or credential types (ICredentialType)
	 */
	const load = (file) => {
		const exported = require(path.join(REPO, file));
		return Object.values(exported)
			.filter((value) => typeof value === 'function')
			.map((Class) => new Class());
	};
	const nodes = manifest.n8n.nodes.flatMap(load).map((/** @type {INodeType} */ node) => node.description.name);
	const credentials = manifest.n8n.credentials
		.flatMap(load)
		.map((/** @type {ICredentialType} */ credential) => credential.name);
	return { nodes, credentials };
}

/**
 * Which declared types n8n lists, and which are missing.
 * @param {import('./client').N8nClient} client  logged in
 * @param {string} typePrefix  the package's prefix in n8n's node type names (see preparePackage)
 * @returns {Promise<LoadCheck>}
 */
async function checkTypesLoaded(client, typePrefix) {
	const declared = declaredTypes();
	const nodeTypes = await client.nodeTypes();
	const credentialTypes = await client.credentialTypes();
	const nodeNames = new Set(nodeTypes.map((t) => t.name));
	const credentialNames = new Set(credentialTypes.map((t) => t.name));
	const missingNodes = declared.nodes.filter((name) => !nodeNames.has(`${typePrefix}.${name}`));
	const missingCredentials = declared.credentials.filter((name) => !credentialNames.has(name));
	return {
		declared,
		missingNodes,
		missingCredentials,
		totalNodeTypes: nodeTypes.length,
		totalCredentialTypes: credentialTypes.length,
	};
}

module.exports = { declaredTypes, checkTypesLoaded };

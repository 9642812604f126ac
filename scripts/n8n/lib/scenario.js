'use strict';
/** Whether n8n loaded this package: the node and credential types it declares against those n8n lists. */
const path = require('node:path');

const { REPO } = require('./runtimes');
const { packageJson } = require('./package');

/**
 * Node and credential type names this package declares (read from the built dist/ files listed
 * in package.json's "n8n" section), so the load check grows with the package.
 */
function declaredTypes() {
	const manifest = packageJson();
	const load = (file) => {
		const exported = require(path.join(REPO, file));
		return Object.values(exported)
			.filter((value) => typeof value === 'function')
			.map((Class) => new Class());
	};
	const nodes = manifest.n8n.nodes.flatMap(load).map((node) => node.description.name);
	const credentials = manifest.n8n.credentials.flatMap(load).map((credential) => credential.name);
	return { nodes, credentials };
}

/** Which declared types n8n lists, and which are missing. */
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

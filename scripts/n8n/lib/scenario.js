'use strict';
/** Building blocks the smoke test and the probes share: expected types, credentials, workflows. */
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

async function createPsRestfulCredential(
	client,
	standIn,
	{ name = 'PSRESTful (stand-in)', apiKey = standIn.apiKey } = {},
) {
	return await client.createCredential({
		name,
		type: 'psRestfulApi',
		data: { apiKey, environment: 'PROD', cultureName: 'us_en', baseUrl: standIn.url },
	});
}

/** PSRESTful Trigger (polling every minute) → NoOp. */
function psRestfulTriggerWorkflow({
	typePrefix,
	credential,
	name = 'Smoke: PSRESTful Trigger',
	startDate = '2024-01-01T00:00:00',
	supplier = 'HIT',
}) {
	return {
		name,
		nodes: [
			{
				id: 'b7a3f0a2-0f5e-4d1b-9a55-1d6f1f3b0001',
				name: 'PSRESTful Trigger',
				type: `${typePrefix}.psRestfulTrigger`,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					supplierCode: supplier,
					firstRun: 'date',
					startDate,
				},
				credentials: { psRestfulApi: { id: credential.id, name: credential.name } },
			},
			{
				id: 'b7a3f0a2-0f5e-4d1b-9a55-1d6f1f3b0002',
				name: 'Received',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [240, 0],
				parameters: {},
			},
		],
		connections: { 'PSRESTful Trigger': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

module.exports = { declaredTypes, checkTypesLoaded, createPsRestfulCredential, psRestfulTriggerWorkflow };

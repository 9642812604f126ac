// @ts-check
'use strict';
/**
 * The package inside the last n8n 1.x (Node 20): it loads, its credentials test, and the example
 * workflows run — workflow 1 through two polls, ending with CommerceConnect as the supplier is.
 */
const { checkTypesLoaded } = require('../../scripts/n8n/lib/scenario');
const { E2eEnvironment, emitted, statusOf } = require('./helpers');
const { changesOf, expectPimMatchesSupplier, psRestfulKeys, wrongCredentials } = require('./expectations');

/** @typedef {import('../../scripts/n8n/lib/demo').ImportedExample} ImportedExample */
/** @typedef {import('../../sandbox/sandbox').SandboxCredentials} SandboxCredentials */

describe('n8n 1.x with the package and the sandboxes', () => {
	const env = new E2eEnvironment('1.x');
	/** @type {ImportedExample[]} */
	let workflows;
	/** @type {Map<string, Set<string>>} execution ids already looked at, by workflow id */
	const known = new Map();
	/** @type {string[]} */
	const emittedByWorkflow1 = [];

	beforeAll(async () => {
		await env.start();
	});
	afterAll(async () => {
		await env.stop();
	});

	const collect = async () => {
		const keys = [];
		const seen = /** @type {Set<string>} */ (known.get(workflows[0].id));
		for (const { summary, execution } of await env.newExecutions(workflows[0].id, seen)) {
			expect(statusOf(summary)).toBe('success');
			keys.push(...psRestfulKeys(emitted(execution, 'PSRESTful Trigger')));
		}
		emittedByWorkflow1.push(...keys);
		return keys.sort();
	};

	it('lists every node and credential type of the package', async () => {
		const types = await checkTypesLoaded(env.client, env.pkg.typePrefix);
		expect({ missingNodes: types.missingNodes, missingCredentials: types.missingCredentials }).toEqual({
			missingNodes: [],
			missingCredentials: [],
		});
		expect(types.declared.nodes).toHaveLength(8);
	});

	it.each(/** @type {Array<keyof SandboxCredentials>} */ (Object.keys(wrongCredentials)))(
		'passes the %s credential test against the sandbox and fails it with the provider’s message for a wrong key',
		async (type) => {
			const credential = env.credentials[type];
			const right = env.sandbox.credentials()[type];
			expect(await env.client.testCredential(credential, right)).toMatchObject({ status: 'OK' });
			const wrong = await env.client.testCredential(credential, { ...right, ...wrongCredentials[type].change });
			expect(wrong.status).toBe('Error');
			// Tested by the package's nodes: the provider's own words, as in n8n 2.x.
			expect(wrong.message).toMatch(wrongCredentials[type].message);
			for (const secret of Object.values(right))
				if (String(secret).length > 20) expect(wrong.message).not.toContain(secret);
		},
	);

	it('activates the examples; workflow 1 syncs the seed products, then a later change, once each', async () => {
		workflows = await env.importExamples();
		for (const workflow of workflows) known.set(workflow.id, new Set());
		expect(await collect()).toEqual(['5989@1', '6234@1', '7891@1']);
		env.sandbox.tick();
		expect(await collect()).toEqual(['5989@2']);
		expect(emittedByWorkflow1.slice().sort()).toEqual(changesOf(env.sandbox).sort());
		expectPimMatchesSupplier(env.sandbox);
	});

	it('ran the other examples’ first polls without an error', async () => {
		for (const workflow of workflows.slice(1, 3)) {
			const statuses = (await env.executions(workflow.id)).map(({ summary }) => statusOf(summary));
			expect({ workflow: workflow.name, statuses }).toEqual({
				workflow: workflow.name,
				statuses: statuses.map(() => 'success'),
			});
			expect(statuses.length).toBeGreaterThan(0);
		}
	});
});

// @ts-check
'use strict';
/**
 * The package inside a real n8n 2.x (Node 24, SQLite), against the sandbox servers, driven only
 * through n8n's own REST API — what a user does in the editor. Polls come from activation, from
 * n8n's start-up, and from n8n's own minute schedule (the shortest it allows).
 */
const { SANDBOX_PRODUCTS } = require('../../sandbox/sandbox');
const { workflowStaticData } = require('../../scripts/n8n/lib/db');
const { checkTypesLoaded } = require('../../scripts/n8n/lib/scenario');
const { E2eEnvironment, NEXT_POLL_MS, emitted, statusOf } = require('./helpers');
const { waitFor } = require('./process-tree');
const { changesOf, expectPimMatchesSupplier, psRestfulKeys, wrongCredentials } = require('./expectations');

const WORKFLOW_1 = 'PSRESTful Trigger';

/** @typedef {import('../../scripts/n8n/lib/demo').ImportedExample} ImportedExample */
/** @typedef {import('../../sandbox/sandbox').SandboxCredentials} SandboxCredentials */

describe('n8n 2.x with the package and the sandboxes', () => {
	const env = new E2eEnvironment('2.x');
	/**
	 * Workflow ids by example number, and the executions already looked at.
	 * @type {ImportedExample[]}
	 */
	let workflows;
	/** @type {Map<string, Set<string>>} */
	const known = new Map();
	/**
	 * Every item workflow 1's trigger emitted, over all polls.
	 * @type {string[]}
	 */
	const emittedByWorkflow1 = [];

	beforeAll(async () => {
		await env.start();
	});
	afterAll(async () => {
		await env.stop();
	});

	/** @param {{ timeoutMs?: number }} [options] */
	const collect = async (options) => {
		const seen = /** @type {Set<string>} */ (known.get(workflows[0].id));
		const fresh = await env.newExecutions(workflows[0].id, seen, options);
		const keys = [];
		for (const { summary, execution } of fresh) {
			expect(statusOf(summary)).toBe('success');
			keys.push(...psRestfulKeys(emitted(execution, WORKFLOW_1)));
		}
		emittedByWorkflow1.push(...keys);
		return keys.sort();
	};

	it('lists every node and credential type of the package', async () => {
		const types = await checkTypesLoaded(env.client, env.pkg.typePrefix);
		expect(types.declared.nodes).toHaveLength(8);
		expect(types.declared.credentials).toHaveLength(4);
		expect({ missingNodes: types.missingNodes, missingCredentials: types.missingCredentials }).toEqual({
			missingNodes: [],
			missingCredentials: [],
		});
	});

	it.each(/** @type {Array<keyof SandboxCredentials>} */ (Object.keys(wrongCredentials)))(
		'passes the %s credential test against the sandbox and fails it with the provider’s message for a wrong key',
		async (type) => {
			const credential = env.credentials[type];
			const right = env.sandbox.credentials()[type];
			expect(await env.client.testCredential(credential, right)).toEqual({
				status: 'OK',
				message: expect.stringMatching(/^Connection successful/),
			});
			const { change, message } = wrongCredentials[type];
			const wrong = await env.client.testCredential(credential, { ...right, ...change });
			expect(wrong.status).toBe('Error');
			expect(wrong.message).toMatch(message);
			for (const secret of Object.values(right))
				if (String(secret).length > 20) expect(wrong.message).not.toContain(secret);
		},
	);

	it('imports and activates the four examples; activation polls at once and workflow 1 syncs the seed products', async () => {
		workflows = await env.importExamples();
		for (const workflow of workflows) known.set(workflow.id, new Set());
		expect(await collect()).toEqual(['5989@1', '6234@1', '7891@1']);
	});

	it('emits each later change once, poll after poll, on n8n’s own minute schedule', async () => {
		env.sandbox.tick();
		expect(await collect()).toEqual(['5989@2']);
		env.sandbox.tick();
		env.sandbox.tick();
		const both = await collect();
		if (both.length < 2) both.push(...(await collect()));
		expect(both.sort()).toEqual(['6234@2', '7891@2']);
	});

	it('keeps its sync state in n8n’s database and survives a restart without repeating or losing a change', async () => {
		const saved = workflowStaticData(env.install, env.userFolder, workflows[0].id);
		expect(JSON.stringify(saved)).toContain('mediaSync');
		// A change while n8n is down: n8n's start-up poll must emit it, and nothing before it again.
		await env.restartN8n(() => env.sandbox.tick());
		expect(await collect()).toEqual(['5989@3']);
	});

	it('ran examples 2, 3 and 4 without an error, writing photos and files into CommerceConnect and reporting the PIM’s changes', async () => {
		const cc = env.sandbox.commerceconnect;
		const items = () => [...cc.items.values()];
		const tagged = (/** @type {string} */ tag) => items().filter((item) => item.tag_list.includes(tag));
		// Workflow 2: the seed photos that were never deleted are image items of STOCK-PHOTOS.
		const seedPhotos = env.sandbox.panthermedia.events.filter((e) => e.type === 'new').slice(1, 3);
		for (const photo of seedPhotos) {
			const [item] = tagged(`panthermedia-${photo.id}`);
			expect(item).toMatchObject({ product_id: SANDBOX_PRODUCTS.stockPhotos.id, media_item_type: 'ImageMediaItem' });
		}
		// Workflow 3: the seed assets' files (the DAM's Scorch files, reported as changed PDFs) were
		// uploaded to SHEET-MUSIC under their own names, as File media items described as what they are.
		for (const assetId of ['00123456', '00234567']) {
			const uploads = tagged(`hal-leonard-${assetId}`);
			expect(uploads.length).toBeGreaterThanOrEqual(1);
			expect(uploads[0]).toMatchObject({
				product_id: SANDBOX_PRODUCTS.sheetMusic.id,
				media_item_type: 'FileMediaItem',
				description: `Hal Leonard asset ${assetId}: SCORCH file HL_SCORCH_${assetId}.sco (the DAM reported HL_DDS_${assetId.padStart(16, '0')}.pdf changed)`,
			});
			expect(uploads[0].asset).toMatchObject({
				fileName: `HL_SCORCH_${assetId}.sco`,
				contentType: 'application/x-scorch',
			});
			expect(/** @type {{ bytes: Buffer }} */ (uploads[0].asset).bytes.length).toBeGreaterThan(0);
		}
		// Workflow 4: it emitted media items that workflow 1 created. Workflow 1 replaces a product's
		// items when the product changes (the last time just now, after the restart), and workflow 4
		// reads a change at its own minute poll at least 9 s later: wait for a poll that reports
		// items the PIM holds now.
		const reportedByWorkflow4 = async () => {
			const fromWorkflow1 = new Set(tagged('psrestful-hit').map((item) => item.id));
			const reported = [];
			for (const { execution } of await env.executions(workflows[3].id))
				reported.push(...emitted(execution, 'CommerceConnect Trigger').map((item) => /** @type {number} */ (item.id)));
			return reported.some((id) => fromWorkflow1.has(id));
		};
		await expect(
			waitFor(reportedByWorkflow4, {
				what: 'example 4 to report an item of example 1 that the PIM holds',
				timeoutMs: NEXT_POLL_MS,
				intervalMs: 2000,
			}),
		).resolves.toBe(true);
		// No example failed anywhere.
		for (const workflow of workflows) {
			const statuses = (await env.executions(workflow.id)).map(({ summary }) => statusOf(summary));
			expect({ workflow: workflow.name, failed: statuses.filter((s) => s !== 'success') }).toEqual({
				workflow: workflow.name,
				failed: [],
			});
			expect(statuses.length).toBeGreaterThan(0);
		}
	});

	it('emitted every PSRESTful change exactly once and CommerceConnect holds exactly the supplier’s media', async () => {
		// One more minute-schedule poll must not repeat anything (it would be a new execution).
		await expect(collect({ timeoutMs: 75_000 })).rejects.toThrow(/no new execution/);
		expect(emittedByWorkflow1.slice().sort()).toEqual(changesOf(env.sandbox).sort());
		expectPimMatchesSupplier(env.sandbox);
	});
});

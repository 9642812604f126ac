// @ts-check
'use strict';
/**
 * The editor journey in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) on the `npm start` demo — n8n 2.x with this package, the four sandbox
 * providers, the demo's owner, credentials and example workflows — doing what a user does:
 *
 *   - signs in and finds the four examples published;
 *   - tests every credential: passes, and fails in the provider's own words for a wrong key;
 *   - builds a sync by clicks: PSRESTful Trigger from the node creator's search, the credential,
 *     a supplier from the list loaded from PSRESTful, Fetch Test Event; then CommerceConnect →
 *     Sync Product Media with product and media mapped by typed expressions; runs the step,
 *     publishes, and sees the PIM change through the CommerceConnect sandbox's own HTTP API;
 *   - opens every action and trigger of every node from the node creator: no error notification,
 *     every list loaded from an API arrives;
 *   - and sends nothing off the machine but n8n's own lookup of the package on the npm registry.
 *
 * Screenshots go to artifacts/screenshots/ (a CI artifact); E2E_DOC_IMAGES=1 also refreshes the
 * ones in docs/images/. E2E_BROWSER=skip skips this file (a machine without Chromium; see
 * scripts/install-chromium.js, which `npm run test:e2e` runs first).
 */
const fs = require('node:fs');
const path = require('node:path');

const { browserTestSkipped, findChromium, howToInstall } = require('../../scripts/lib/chromium');
const { CREDENTIAL_NAMES, DEMO_OWNER, EXAMPLES, loadExample } = require('../../scripts/n8n/lib/demo');
const { loadSandboxMemory } = require('../../scripts/n8n/lib/demo-state');
const { userFolderFor } = require('../../scripts/n8n/lib/n8n-process');
const { REPO, resolveLine } = require('../../scripts/n8n/lib/runtimes');
const { CommerceConnectMock } = require('../../sandbox/commerceconnect');
const { SANDBOX_PRODUCTS } = require('../../sandbox/sandbox');
const { Editor, SCREENSHOTS } = require('./editor');
const { wrongCredentials } = require('./expectations');
const { NpmStart } = require('./npm-start-process');
const { waitFor } = require('./process-tree');

const PROFILE = 'e2e-browser';

/** The sync tag of the workflow the test builds: its media items in the PIM, and no one else's. */
const SYNC_TAG = 'browser-test';

/** @typedef {import('n8n-workflow').INodeTypeDescription} INodeTypeDescription */
/** @typedef {import('n8n-workflow').INodeProperties} INodeProperties */
/** @typedef {import('n8n-workflow').INodePropertyOptions} INodePropertyOptions */
/** @typedef {import('../../sandbox/sandbox').SandboxCredentials} SandboxCredentials */

/**
 * A media item as CommerceConnect's list answers it (the fields this test reads).
 * @typedef {{ id: number, product_id: number, url: string, tag_list: string[] }} PimMediaItem
 */

/**
 * What the node creator must offer for one provider, from the built package's descriptions.
 * @typedef {object} ProviderNodes
 * @property {string} name  the action node's display name: what the creator's search finds
 * @property {Array<{ action: string, resource: string, operation: string }>} actions  one per operation
 * @property {number} triggers  the trigger node's entries: one per event it can start on, else one
 * @property {string[]} listParameters  parameters whose options are loaded from the provider's API
 */

/**
 * The package's nodes by provider, read from dist/ (what n8n loaded).
 * @returns {ProviderNodes[]}
 */
function providerNodes() {
	const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
	/** @type {INodeTypeDescription[]} */
	const descriptions = pkg.n8n.nodes.map((/** @type {string} */ file) => {
		const exports = require(path.join(REPO, file));
		const NodeType = /** @type {new () => { description: INodeTypeDescription }} */ (
			Object.values(exports).find((value) => typeof value === 'function')
		);
		return new NodeType().description;
	});
	/** @param {INodeProperties} property */
	const optionsOf = (property) => /** @type {INodePropertyOptions[]} */ (property.options ?? []);
	/** @param {INodeTypeDescription} description */
	const listParameters = (description) =>
		description.properties
			.filter((property) => property.typeOptions?.loadOptionsMethod)
			.map((property) => property.name);
	return descriptions
		.filter((description) => !description.group.includes('trigger'))
		.map((description) => {
			const trigger = descriptions.find((candidate) => candidate.displayName === `${description.displayName} Trigger`);
			if (!trigger) throw new Error(`${description.displayName} has no trigger`);
			const resource = description.properties.find((property) => property.name === 'resource');
			const actions = optionsOf(/** @type {INodeProperties} */ (resource)).flatMap((r) =>
				description.properties
					.filter(
						(property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(r.value),
					)
					.flatMap((property) =>
						optionsOf(property).map((o) => ({ action: String(o.action), resource: r.name, operation: o.name })),
					),
			);
			const events = trigger.properties.find((property) => ['event', 'events'].includes(property.name));
			return {
				name: description.displayName,
				actions,
				triggers: events ? optionsOf(events).length : 1,
				listParameters: [...new Set([...listParameters(description), ...listParameters(trigger)])],
			};
		});
}

const describeInBrowser = browserTestSkipped() ? describe.skip : describe;

describeInBrowser('the editor in a browser, on the npm start demo', () => {
	const runtime = resolveLine('2.x');
	/** @type {NpmStart} */
	let demo;
	/** @type {Editor} */
	let editor;
	/** @type {{ url: string, authorization: string }} the CommerceConnect sandbox's API */
	let pim;
	/** Set by the journey: the workflow it published, and the PIM's synced media right after its manual run. */
	/** @type {{ workflowPath: string, itemsFromTestEvent: number, afterManualRun: PimMediaItem[] }} */
	const journey = { workflowPath: '', itemsFromTestEvent: 0, afterManualRun: [] };
	const started = Date.now();

	/**
	 * Media items in the PIM that carry a tag, read from the CommerceConnect sandbox's HTTP API.
	 * @param {string} tag
	 * @returns {Promise<PimMediaItem[]>}
	 */
	const pimMedia = async (tag) => {
		/** @type {PimMediaItem[]} */
		const items = [];
		for (let page = 1; ; page++) {
			const response = await fetch(`${pim.url}/api/v2/media_items?per_page=100&page=${page}`, {
				headers: { authorization: pim.authorization },
			});
			expect(response.status).toBe(200);
			const body = /** @type {{ total_pages: number, entries: PimMediaItem[] }} */ (await response.json());
			items.push(...body.entries.filter((item) => item.tag_list.includes(tag)));
			if (page >= body.total_pages) return items;
		}
	};

	beforeAll(async () => {
		const chromium = findChromium();
		if (!chromium) throw new Error(howToInstall());
		fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
		// The user's demo, in a profile of its own and from scratch; sandbox changes every 15 s so
		// the published workflow has a change to sync within its first minute.
		demo = new NpmStart(PROFILE, ['--fresh', '--change-every', '15']);
		const url = await demo.ready();
		const identity = loadSandboxMemory(userFolderFor(runtime, PROFILE)).identity;
		if (!identity?.ports.commerceconnect) throw new Error('npm start saved no sandbox identity');
		// The sandbox's own Authorization header, with the token npm start gave it.
		const cc = new CommerceConnectMock();
		cc.token = identity.keys.commerceconnect;
		pim = { url: `http://127.0.0.1:${identity.ports.commerceconnect}`, authorization: cc.authorization };
		editor = await Editor.launch({ executablePath: chromium.path, baseUrl: url });
	});

	afterEach(async () => {
		// A failed step must not leave a panel over the canvas for the next test.
		await editor?.closeOverlays();
	});

	afterAll(async () => {
		await editor?.close();
		if (demo) {
			// As a user stops it; whatever is left after a minute is killed.
			process.kill(demo.pid, 'SIGTERM');
			/** @type {NodeJS.Timeout | undefined} */
			let timer;
			await Promise.race([demo.exited, new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]);
			clearTimeout(timer);
			demo.killAll();
		}
		// The run time is a figure the README quotes.
		console.log(`Browser end-to-end test: ${((Date.now() - started) / 1000).toFixed(0)} s`);
	});

	it('signs in as the demo’s owner and finds the four example workflows published', async () => {
		await editor.login(DEMO_OWNER.email, DEMO_OWNER.password);
		const cards = editor.page.getByTestId('resources-list-item-workflow');
		for (const file of EXAMPLES) {
			const card = cards.filter({
				has: editor.page.getByTestId('workflow-card-name').getByText(loadExample(file).name),
			});
			await card.waitFor();
			expect(await card.getByTestId('workflow-card-publish-indicator').innerText()).toBe('Published');
		}
		await editor.screenshot('overview');
	});

	it.each(/** @type {Array<[keyof SandboxCredentials, string]>} */ (Object.entries(CREDENTIAL_NAMES)))(
		'tests the %s credential: passes as the demo set it, fails in the provider’s words for a wrong key',
		async (type, name) => {
			await editor.openCredential(name);
			expect(await editor.credentialTest('success')).toBe('');
			const [[field, wrong]] = Object.entries(wrongCredentials[type].change);
			await editor.fillCredentialField(field, wrong);
			expect(await editor.retestCredentialUntil('failure')).toMatch(wrongCredentials[type].message);
			await editor.screenshot(`credential-${type}-wrong-key`);
			await editor.discardCredentialChanges();
			// Nothing was saved: the credential still passes.
			await editor.openCredential(name);
			expect(await editor.credentialTest('success')).toBe('');
			await editor.closeCredential();
		},
	);

	it('builds PSRESTful Trigger → Sync Product Media by clicks, fetches a test event, runs the step and publishes; the PIM gets the media', async () => {
		const { page } = editor;
		const ndv = editor.ndv();
		await editor.newWorkflow();
		await editor.renameWorkflow('Browser test: HIT media → PIM');

		// The trigger, found by search.
		await page.getByTestId('canvas-add-button').click();
		await editor.searchNodes('PSRESTful');
		await editor.openCreatorNode('PSRESTful');
		const triggers = await editor.creatorCategory('Triggers');
		// Today "On new PSRESTful event" (issue 15 item 6 renames it): taken by place, not by name.
		await triggers.items.first().click();
		await editor.ndvShows('PSRESTful Trigger');

		// The credential: the demo's, picked from the list.
		await ndv.getByTestId('node-credentials-select').click();
		await editor.option(CREDENTIAL_NAMES.psRestfulApi).click();
		expect(await ndv.getByTestId('node-credentials-select').locator('input').inputValue()).toBe(
			CREDENTIAL_NAMES.psRestfulApi,
		);

		// A supplier from the list PSRESTful (the sandbox) sends: Supplier's "From list" mode.
		const suppliers = await editor.listEntries('supplierCode');
		expect(suppliers).toEqual(expect.arrayContaining(['Hit Promotional Products (HIT)', 'PCNA (PCNA)']));
		await editor.chooseFromList('supplierCode', 'Hit Promotional Products (HIT)');
		expect(await editor.shownValue('supplierCode')).toBe('Hit Promotional Products (HIT)');
		await editor.parameter('includeMediaContent').click();
		await editor.parameter('mediaType').waitFor();
		expect(await editor.parameter('includeMediaContent').getByRole('switch').isChecked()).toBe(true);
		// The demo polls every minute; the trigger's own default asks PSRESTful at most once an hour.
		await editor.setNumberOption('syncOptions', 'Minimum Minutes Between Polls', 'minIntervalMinutes', 0);

		await ndv.getByTestId('node-execute-button').filter({ hasText: 'Fetch Test Event' }).click();
		journey.itemsFromTestEvent = await editor.outputItemCount();
		expect(journey.itemsFromTestEvent).toBeGreaterThanOrEqual(1);
		await ndv.getByTestId('output-panel').getByText('HIT').first().waitFor();
		// The schema view shows an item's fields at a glance; back to the table for the next panel.
		await ndv.getByTestId('output-panel').getByTestId('radio-button-schema').click();
		await ndv.getByTestId('output-panel').getByText('productId').first().waitFor();
		await editor.screenshot('psrestful-trigger-panel', { docImage: true });
		await ndv.getByTestId('output-panel').getByTestId('radio-button-table').click();
		await editor.closeNdv();

		// The action after it, from the trigger's "+".
		await editor.canvasNode('PSRESTful Trigger').getByTestId('canvas-handle-plus').click();
		await editor.searchNodes('CommerceConnect');
		await editor.openCreatorNode('CommerceConnect');
		const cc = /** @type {ProviderNodes} */ (providerNodes().find((provider) => provider.name === 'CommerceConnect'));
		const sync = cc.actions.find((action) => action.operation === 'Sync Product Media');
		if (!sync) throw new Error('CommerceConnect has no Sync Product Media operation');
		const actions = await editor.creatorCategory('Actions');
		await actions.items.filter({ hasText: sync.action }).click();
		await editor.ndvShows(sync.action);
		expect(await editor.shownValue('operation')).toBe('Sync Product Media');
		expect(await ndv.getByTestId('node-credentials-select').locator('input').inputValue()).toBe(
			CREDENTIAL_NAMES.commerceConnectApi,
		);

		// Product and media mapped by typed expressions, previewed with the trigger's first item.
		await editor.choose('productBy', 'Code');
		expect(await editor.typeExpression('productCode', '$json.productId', /^\d+$/)).toMatch(/^\d+$/);
		await editor.parameter('syncTag').locator('input').fill(SYNC_TAG);
		expect(await editor.typeExpression('mediaList', '$json.media', /media\.example\.com\/HIT\//)).toContain(
			'https://media.example.com/HIT/',
		);
		await ndv.getByTestId('tab-params').click(); // closes the expression's autocomplete

		await ndv.getByTestId('node-execute-button').click();
		expect(await editor.outputItemCount()).toBe(journey.itemsFromTestEvent);
		await ndv.getByTestId('output-panel').getByText(SYNC_TAG).first().waitFor();
		await editor.screenshot('sync-product-media-panel', { docImage: true });
		await editor.closeNdv();

		// The PIM, through the sandbox's API: one synced media item per product of the test event.
		journey.afterManualRun = await pimMedia(SYNC_TAG);
		const hitProducts = SANDBOX_PRODUCTS.supplierProducts.map((product) => product.id);
		expect(journey.afterManualRun).toHaveLength(journey.itemsFromTestEvent);
		for (const item of journey.afterManualRun) {
			expect(hitProducts).toContain(item.product_id);
			expect(item.url).toMatch(new RegExp(`^https://media\\.example\\.com/HIT/${item.product_id}/`));
		}
		await editor.screenshot('canvas', { docImage: true });

		// Publish (n8n 2.x's word for activate).
		await page.getByTestId('workflow-open-publish-modal-button').click();
		await page.getByTestId('workflowPublish-modal').getByTestId('workflow-publish-button').click();
		await page.getByTestId('workflow-active-version-indicator').waitFor();
		const published = page.getByTestId('activation-modal');
		await published.getByText('Workflow published').waitFor();
		await published.getByRole('button', { name: 'Got it' }).click();
		journey.workflowPath = new URL(page.url()).pathname;
		expect(journey.workflowPath).toMatch(/^\/workflow\/\w+$/);
	});

	/** Whether the workflow the panel checks add their nodes to is open. */
	let panelsWorkflow = false;

	it.each(providerNodes().map((provider) => [provider.name, provider]))(
		'offers every action and trigger of %s in the node creator; every operation’s panel opens without an error',
		async (_name, provider) => {
			if (!panelsWorkflow) await editor.newWorkflow();
			panelsWorkflow = true;

			// The node creator lists exactly the package's operations, and one entry per trigger event.
			await editor.searchNodes(provider.name);
			await editor.openCreatorNode(provider.name);
			const triggers = await editor.creatorCategory('Triggers');
			expect(triggers.count).toBe(provider.triggers);
			expect(await triggers.items.count()).toBe(provider.triggers);
			const actions = await editor.creatorCategory('Actions');
			expect(actions.count).toBe(provider.actions.length);
			expect((await actions.items.allInnerTexts()).map((text) => text.trim()).sort()).toEqual(
				provider.actions.map((action) => action.action).sort(),
			);

			/**
			 * What the open panel must be free of: an error notification, a list that did not load.
			 * @param {number} since  Date.now() before the panel opened or changed
			 * @param {number} loadsBefore  editor.optionLoads.length then
			 */
			const expectPanelClean = async (since, loadsBefore) => {
				for (const name of provider.listParameters) {
					if (
						await editor
							.parameter(name)
							.or(editor.ndv().getByTestId(`resource-locator-${name}`))
							.isVisible()
					)
						expect(await editor.listEntries(name)).not.toEqual([]);
				}
				expect(await editor.ndv().innerText()).not.toMatch(/Error fetching options|Could not load/i);
				// A list field (not a resource locator) is loaded as soon as the panel opens, before n8n
				// has set the credential ("Node does not have any credentials set"); none may fail.
				const failedLoads = editor.optionLoads.slice(loadsBefore).filter((load) => load.status !== 200);
				expect({ panel: await editor.ndv().getByTestId('node-title-container').innerText(), failedLoads }).toEqual({
					panel: expect.any(String),
					failedLoads: [],
				});
				expect(await editor.notifications(since)).toEqual([]);
			};

			// The trigger (its events only preset a parameter of the same panel).
			let since = Date.now();
			let loadsBefore = editor.optionLoads.length;
			await triggers.items.first().click();
			await editor.ndvShows(`${provider.name} Trigger`);
			await editor.parameter('firstRun').waitFor(); // every trigger's Start From
			await expectPanelClean(since, loadsBefore);
			const slug = provider.name.replace(/\W+/g, '-').toLowerCase();
			await editor.screenshot(`panel-${slug}-trigger`);
			await editor.closeNdv();

			// The action node from its first action, then every operation as a user switches to it.
			await editor.searchNodes(provider.name);
			await editor.openCreatorNode(provider.name);
			const [first] = provider.actions;
			since = Date.now();
			loadsBefore = editor.optionLoads.length;
			await (await editor.creatorCategory('Actions')).items.filter({ hasText: first.action }).first().click();
			await editor.ndvShows(first.action);
			for (const action of provider.actions) {
				if (action !== first) {
					since = Date.now();
					loadsBefore = editor.optionLoads.length;
				}
				if ((await editor.shownValue('resource')) !== action.resource) await editor.choose('resource', action.resource);
				if ((await editor.shownValue('operation')) !== action.operation)
					await editor.choose('operation', action.operation);
				expect({
					resource: await editor.shownValue('resource'),
					operation: await editor.shownValue('operation'),
				}).toEqual({ resource: action.resource, operation: action.operation });
				await expectPanelClean(since, loadsBefore);
			}
			await editor.screenshot(`panel-${slug}`);
			await editor.closeNdv();
		},
	);

	it('the published workflow syncs the next supplier change into the PIM; its execution shows it', async () => {
		expect(journey.workflowPath).not.toBe('');
		const before = new Set(journey.afterManualRun.map((item) => item.url));
		const newer = await waitFor(
			async () => {
				const fresh = (await pimMedia(SYNC_TAG)).filter((item) => !before.has(item.url));
				return fresh.length > 0 ? fresh : null;
			},
			{ what: `a media item tagged ${SYNC_TAG} from a newer supplier change`, timeoutMs: 180_000, intervalMs: 3000 },
		);
		const items = await pimMedia(SYNC_TAG);
		for (const item of newer) {
			const version = Number(/\/v(\d+)\.jpg$/.exec(item.url)?.[1] ?? 1);
			const earlier = journey.afterManualRun.find((old) => old.product_id === item.product_id);
			const earlierVersion = Number(/\/v(\d+)\.jpg$/.exec(earlier?.url ?? '')?.[1] ?? 1);
			expect(version).toBeGreaterThan(earlierVersion);
			// The sync replaced that product's media: only the newer one carries the tag now.
			expect(items.filter((other) => other.product_id === item.product_id).map((other) => other.url)).toEqual([
				item.url,
			]);
		}

		const { page } = editor;
		await editor.goto(`${journey.workflowPath}/executions`);
		const list = page.getByTestId('current-executions-list');
		await list
			.getByText(/Succeeded/)
			.first()
			.waitFor();
		// The newest execution, opened at the address a click on its card leads to: n8n shows hover
		// cards over that list (they took the click in a CI run), and a click through them would
		// test the hover cards, not the execution.
		const card = await list.locator('[data-test-id^="execution-details-"]').first().getAttribute('data-test-id');
		const executionId = String(card).replace('execution-details-', '');
		expect(executionId).toMatch(/^\d+$/);
		await editor.goto(`${journey.workflowPath}/executions/${executionId}`);
		await page.getByTestId('execution-preview-label').waitFor();
		expect(await page.getByTestId('execution-preview-label').innerText()).toMatch(/Succeeded/);
		await page.getByTestId('execution-preview-host').getByText('Sync the media of a product').waitFor();
		await editor.screenshot('execution', { docImage: true });
	});

	it('sends nothing off this machine but n8n’s own lookups of the package on the npm registry, and n8n answers no error but its known ones', () => {
		// n8n's editor asks the npm registry about a community node when its panel opens (the
		// "community node" tab); the test blocked those requests. Nothing else left 127.0.0.1.
		for (const url of editor.external) expect(url).toMatch(/^https:\/\/registry\.npmjs\.org\/n8n-nodes-media-sync$/);
		// Before sign-in n8n answers 401 to its own login check; the editor asks for node parameter
		// schemas n8n has only for its built-in nodes (404 for community nodes). Lists of options
		// (dynamic node parameters) are checked panel by panel above.
		for (const error of editor.httpErrors.filter((e) => !e.url.includes('/rest/dynamic-node-parameters/'))) {
			expect(`${error.status} ${error.method} ${new URL(error.url).pathname}`).toMatch(
				/^(401 GET \/rest\/login|404 GET \/schemas\/n8n-nodes-media-sync\.\w+\/1\.0\.0\.json)$/,
			);
		}
		expect(editor.screenshots.length).toBeGreaterThanOrEqual(4);
	});
});

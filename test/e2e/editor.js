// @ts-check
// Some functions below run in the page (an init script, page.evaluate): typed with the DOM's types.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
'use strict';
/**
 * n8n's editor in a real, headless Chromium (playwright-core driving the system's browser), as a
 * user meets it: what the browser end-to-end test reads and clicks. Elements are found by role,
 * label, text or n8n's own `data-test-id`s (the ones n8n's Playwright suite uses), never by
 * position; every wait is for a condition.
 *
 * Also recorded, for the test to check: every notification (toast) the editor shows, every
 * request the editor tried to send off this machine (blocked here, so a test never depends on
 * the internet), and every HTTP error n8n answered.
 */
const fs = require('node:fs');
const path = require('node:path');

const { chromium, selectors } = require('playwright-core');

const { REPO } = require('../../scripts/n8n/lib/runtimes');

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */

/** Where screenshots go: a CI artifact, ignored by git. */
const SCREENSHOTS = path.join(REPO, 'artifacts', 'screenshots');

/** The screenshots the README and docs show, copied to docs/images/ when E2E_DOC_IMAGES=1. */
const DOC_IMAGES = path.join(REPO, 'docs', 'images');

/**
 * A toast the editor showed.
 * @typedef {{ at: number, text: string, error: boolean }} Notification
 */

/**
 * Installed in every page before n8n's own scripts: keeps every notification the editor shows,
 * even one that disappears before anybody looks. Element Plus renders them as
 * `.el-notification` (role "alert"); an error one carries an `el-notification--error` icon.
 */
function recordNotifications() {
	/** @type {Array<{ at: number, text: string, error: boolean }>} */
	const seen = [];
	Object.defineProperty(window, '__mediaSyncNotifications', { value: seen });
	const observe = () =>
		new MutationObserver((mutations) => {
			for (const mutation of mutations) {
				for (const node of mutation.addedNodes) {
					if (!(node instanceof HTMLElement)) continue;
					const found = node.matches('.el-notification') ? [node] : [...node.querySelectorAll('.el-notification')];
					for (const element of found) {
						seen.push({
							at: Date.now(),
							text: /** @type {HTMLElement} */ (element).innerText.trim(),
							error: element.querySelector('.el-notification--error') !== null,
						});
					}
				}
			}
		}).observe(document.documentElement, { childList: true, subtree: true });
	if (document.documentElement) observe();
	else document.addEventListener('DOMContentLoaded', observe);
}

class Editor {
	/**
	 * @param {Browser} browser
	 * @param {BrowserContext} context
	 * @param {Page} page
	 * @param {string} baseUrl  n8n's editor, http://127.0.0.1:<port>
	 */
	constructor(browser, context, page, baseUrl) {
		this.browser = browser;
		this.context = context;
		this.page = page;
		this.baseUrl = baseUrl;
		/** @type {string[]} requests to other hosts than n8n's, blocked */
		this.external = [];
		/** @type {Array<{ status: number, method: string, url: string }>} n8n's answers with status ≥ 400 */
		this.httpErrors = [];
		/** @type {Array<{ status: number, body: string }>} answers to loadOptions requests (lists loaded from an API) */
		this.optionLoads = [];
		/** @type {string[]} paths of the screenshots taken */
		this.screenshots = [];
	}

	/**
	 * Starts Chromium (headless) on n8n's editor. The browser's own traffic stays on this machine:
	 * any request to another host is blocked and recorded.
	 * @param {{ executablePath: string, baseUrl: string }} options
	 * @returns {Promise<Editor>}
	 */
	static async launch({ executablePath, baseUrl }) {
		// n8n marks its elements with data-test-id (not Playwright's default data-testid).
		selectors.setTestIdAttribute('data-test-id');
		const browser = await chromium.launch({
			executablePath,
			headless: true,
			// Root in a container (CI) has no user namespaces for Chromium's sandbox; /dev/shm is small there.
			args: ['--no-sandbox', '--disable-dev-shm-usage'],
		});
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
		await context.addInitScript(recordNotifications);
		const page = await context.newPage();
		const editor = new Editor(browser, context, page, baseUrl);
		const own = new URL(baseUrl).host;
		await context.route(
			(url) => url.host !== own && url.protocol !== 'data:' && url.protocol !== 'blob:',
			async (route) => {
				editor.external.push(route.request().url());
				await route.abort('blockedbyclient');
			},
		);
		page.on('response', (response) => {
			if (response.status() >= 400 && new URL(response.url()).host === own)
				editor.httpErrors.push({ status: response.status(), method: response.request().method(), url: response.url() });
		});
		const isOptionLoad = (/** @type {import('playwright-core').Request} */ request) =>
			request.url().includes('/rest/dynamic-node-parameters/options');
		page.on('requestfailed', (request) => {
			if (isOptionLoad(request)) editor.optionLoads.push({ status: 0, body: request.failure()?.errorText ?? 'failed' });
		});
		page.on('requestfinished', async (request) => {
			if (!isOptionLoad(request)) return;
			const response = await request.response();
			editor.optionLoads.push({ status: response?.status() ?? 0, body: (await response?.text()) ?? '' });
		});
		page.setDefaultTimeout(60_000);
		return editor;
	}

	async close() {
		await this.browser.close();
	}

	/**
	 * @param {string} pathName  e.g. "/home/credentials"
	 */
	async goto(pathName) {
		await this.page.goto(`${this.baseUrl}${pathName}`);
	}

	/**
	 * Signs in through n8n's sign-in form.
	 * @param {string} email
	 * @param {string} password
	 */
	async login(email, password) {
		await this.goto('/signin');
		const form = this.page.getByTestId('auth-form');
		await form.getByLabel('Email').fill(email);
		await form.getByLabel('Password').fill(password);
		await form.getByRole('button', { name: 'Sign in' }).click();
		await this.page.waitForURL((url) => !url.pathname.startsWith('/signin'));
	}

	/**
	 * Every notification shown since `since` (Date.now() of this machine; the browser runs here).
	 * @param {number} [since]
	 * @returns {Promise<Notification[]>}
	 */
	async notifications(since = 0) {
		/** @type {Notification[]} */
		const all = await this.page.evaluate(
			() =>
				/** @type {{ __mediaSyncNotifications?: Notification[] }} */ (/** @type {unknown} */ (window))
					.__mediaSyncNotifications ?? [],
		);
		return all.filter((notification) => notification.at >= since);
	}

	/**
	 * Saves a screenshot of the page (or of one element) to artifacts/screenshots/<name>.png; with
	 * E2E_DOC_IMAGES=1, the ones named in `docImage` also to docs/images/.
	 * @param {string} name
	 * @param {{ docImage?: boolean }} [options]
	 */
	async screenshot(name, { docImage = false } = {}) {
		fs.mkdirSync(SCREENSHOTS, { recursive: true });
		if (docImage) {
			// What a reader should see: no hover tooltip, no "executed successfully" toast (they
			// close themselves after a few seconds; an error one would stay and be seen).
			await this.page.mouse.move(1000, 8);
			await this.page
				.getByRole('alert')
				.filter({ visible: true })
				.first()
				.waitFor({ state: 'hidden', timeout: 15_000 })
				.catch(() => {});
		}
		const file = path.join(SCREENSHOTS, `${name}.png`);
		await this.page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
		this.screenshots.push(file);
		if (docImage && process.env.E2E_DOC_IMAGES === '1') {
			fs.mkdirSync(DOC_IMAGES, { recursive: true });
			fs.copyFileSync(file, path.join(DOC_IMAGES, `${name}.png`));
		}
	}

	// --- Workflows ------------------------------------------------------------------------------

	/** A new, empty workflow in the editor. */
	async newWorkflow() {
		await this.goto('/workflow/new');
		await this.page.getByTestId('canvas-add-button').waitFor();
	}

	/**
	 * Renames the open workflow through its name in the header.
	 * @param {string} name
	 */
	async renameWorkflow(name) {
		const title = this.page.getByTestId('workflow-name-input');
		await title.click();
		const input = title.getByTestId('inline-edit-input');
		await input.fill(name);
		await input.press('Enter');
		await title.getByTestId('inline-edit-preview').filter({ hasText: name }).waitFor();
	}

	/** @param {string} name */
	canvasNode(name) {
		return this.page.getByTestId('canvas-node').filter({ hasText: name });
	}

	// --- The node creator -----------------------------------------------------------------------

	creator() {
		return this.page.getByTestId('node-creator');
	}

	/**
	 * Opens the node creator with the canvas's "+" and searches.
	 * @param {string} text
	 */
	async searchNodes(text) {
		if (!(await this.creator().isVisible())) await this.page.getByTestId('node-creator-plus-button').click();
		await this.page.getByTestId('node-creator-search-bar').fill(text);
	}

	/**
	 * A node of the search results, by its exact name, clicked: opens its actions and triggers.
	 * @param {string} name
	 */
	async openCreatorNode(name) {
		await this.creator().getByTestId('node-creator-item-name').getByText(name, { exact: true }).first().click();
		await this.creator().getByText('Node details').waitFor();
	}

	/**
	 * A category of the open node's actions panel ("Actions (7)", "Triggers (2)"), expanded.
	 * @param {'Actions' | 'Triggers'} category
	 * @returns {Promise<{ count: number, items: Locator }>}  the number in its title, and its items
	 */
	async creatorCategory(category) {
		const header = this.page
			.getByTestId('node-creator-category-item')
			.filter({ hasText: new RegExp(`^${category} \\(\\d+\\)$`) });
		const title = await this.creator().locator(header).innerText();
		const container = this.creator().locator('[data-category-collapsed]').filter({ has: header });
		if ((await container.getAttribute('data-category-collapsed')) === 'true') await header.click();
		const items = container.locator('[data-test-id="item-iterator-item"][data-keyboard-nav-type="action"]');
		return { count: Number(/\((\d+)\)/.exec(title)?.[1]), items };
	}

	// --- The node details view (NDV) ------------------------------------------------------------

	ndv() {
		return this.page.getByTestId('ndv');
	}

	/**
	 * Waits until the open panel is the node of that name.
	 * @param {string | RegExp} name
	 */
	async ndvShows(name) {
		await this.ndv()
			.getByTestId('node-title-container')
			.getByTestId('inline-edit-preview')
			.filter({ hasText: name })
			.waitFor();
	}

	/** @param {string} name  the parameter's internal name */
	parameter(name) {
		return this.ndv().getByTestId(`parameter-input-${name}`);
	}

	/**
	 * The value a select parameter shows.
	 * @param {string} name
	 */
	async shownValue(name) {
		const locator = this.ndv().getByTestId(`resource-locator-${name}`);
		// A resource locator's first input is its mode ("From list"); the value is in rlc-input.
		if (await locator.isVisible())
			return await locator
				.locator('input[data-test-id="rlc-input"], [data-test-id="rlc-input"] input')
				.first()
				.inputValue();
		return await this.parameter(name).locator('input').first().inputValue();
	}

	/**
	 * An option of an open select, by its name (its first line; the second is its description).
	 * @param {string | RegExp} option
	 */
	option(option) {
		const options = this.page.getByRole('option').filter({ visible: true });
		return typeof option === 'string'
			? options.filter({ has: this.page.getByText(option, { exact: true }) })
			: options.filter({ hasText: option });
	}

	/**
	 * Opens a select parameter and picks an option by its shown name.
	 * @param {string} name
	 * @param {string | RegExp} option
	 */
	async choose(name, option) {
		await this.parameter(name).click();
		await this.option(option).first().click();
	}

	/**
	 * The entries of a list the panel loads from the provider's API: a select whose options are
	 * loaded (today's PSRESTful Supplier), or a resource locator's "From list" mode. Opened as a
	 * user opens it, read, and closed again; throws n8n's own words when the list did not load.
	 * @param {string} name
	 * @returns {Promise<string[]>}
	 */
	async listEntries(name) {
		const locator = this.ndv().getByTestId(`resource-locator-${name}`);
		if (await locator.isVisible()) {
			// "From list" mode: the list loads when opened, with the credential already set.
			await locator.getByTestId('rlc-input').click();
			const items = this.page.getByTestId('rlc-item').filter({ visible: true });
			const error = this.page.getByText(/Error (fetching|loading)/).filter({ visible: true });
			await items.first().or(error.first()).waitFor();
			if (await error.first().isVisible()) throw new Error(`${name}: ${await error.first().innerText()}`);
			const texts = await items.allInnerTexts();
			await this.ndv().getByTestId('tab-params').click();
			return texts;
		}
		// While the list loads, n8n disables the field; a failed load stays disabled, with n8n's
		// words ("Error fetching options from …") as its text.
		const field = this.parameter(name).locator('input').first();
		await this.page.waitForFunction(
			(input) =>
				!(/** @type {HTMLInputElement} */ (input).disabled) ||
				/^Error/.test(/** @type {HTMLInputElement} */ (input).value),
			await field.elementHandle(),
		);
		const shown = await field.inputValue();
		if (await field.isDisabled()) throw new Error(`${name}: ${shown}`);
		await this.parameter(name).click();
		const options = this.page.getByRole('option').filter({ visible: true });
		await options.first().waitFor();
		const texts = (await options.allInnerTexts()).map((text) => text.split('\n')[0]);
		await this.parameter(name).click();
		await options.first().waitFor({ state: 'hidden' });
		return texts;
	}

	/**
	 * Picks an entry of a list loaded from the provider's API (see listEntries).
	 * @param {string} name
	 * @param {string} entry  its shown name
	 */
	async chooseFromList(name, entry) {
		const locator = this.ndv().getByTestId(`resource-locator-${name}`);
		if (await locator.isVisible()) {
			await locator.getByTestId('rlc-input').click();
			await this.page.getByTestId('rlc-item').filter({ visible: true }).filter({ hasText: entry }).click();
			return;
		}
		await this.choose(name, entry);
	}

	/**
	 * Types an expression into a parameter as a user does: switches the field to Expression, then
	 * types (the editor closes the braces itself). Resolves once the editor's preview of the result
	 * matches `preview` (it is computed after a short delay), with that text.
	 * @param {string} name
	 * @param {string} expression  without the braces, e.g. "$json.productId"
	 * @param {RegExp} preview
	 * @returns {Promise<string>}
	 */
	async typeExpression(name, expression, preview) {
		await this.parameter(name).click();
		await this.ndv()
			.getByTestId(`${name}-parameter-input-options-container`)
			.getByTestId('radio-button-expression')
			.click();
		const editor = this.parameter(name).getByTestId('inline-expression-editor-input');
		await editor.click();
		await this.page.keyboard.type(`{{${expression}`);
		await editor.getByText(`{{ ${expression} }}`).waitFor();
		const output = this.page.getByTestId('inline-expression-editor-output').filter({ visible: true });
		await output
			.filter({ hasText: preview })
			.waitFor({ timeout: 30_000 })
			.catch(async () => {
				throw new Error(`{{ ${expression} }} previews as "${await output.innerText()}", not ${preview}`);
			});
		return await output.innerText();
	}

	/**
	 * Adds an option of a collection parameter ("Add option") and sets a number in it.
	 * @param {string} collection  the collection's name, e.g. "syncOptions"
	 * @param {string} option  the option's shown name
	 * @param {string} name  the option's internal name
	 * @param {number} value
	 */
	async setNumberOption(collection, option, name, value) {
		await this.parameter(collection).or(this.ndv().getByTestId('collection-parameter-add')).first().click();
		await this.option(option).click();
		const input = this.parameter(name).locator('input');
		await input.fill(String(value));
		await input.press('Tab');
		await this.page.waitForFunction(
			([selector, wanted]) =>
				/** @type {HTMLInputElement | null} */ (document.querySelector(selector))?.value === wanted,
			[`[data-test-id="parameter-input-${name}"] input`, String(value)],
		);
	}

	/**
	 * The output panel's item count ("3 items"), once the node has run.
	 * @returns {Promise<number>}
	 */
	async outputItemCount() {
		const count = this.ndv().getByTestId('output-panel').getByTestId('ndv-items-count');
		await count.waitFor();
		const text = await count.innerText();
		const match = /(\d+) items?/.exec(text);
		if (!match) throw new Error(`Output panel says "${text}"`);
		return Number(match[1]);
	}

	/** After a failed step: closes whatever is open over the canvas (a panel, the node creator, a modal). */
	async closeOverlays() {
		if (await this.ndv().isVisible()) await this.closeNdv();
		if (await this.creator().isVisible()) await this.page.keyboard.press('Escape');
		if (await this.credentialModal().isVisible())
			await this.credentialModal().getByRole('button', { name: 'Close this dialog' }).click();
		const confirm = this.page.getByRole('dialog').filter({ hasText: 'Close without saving?' });
		if (await confirm.isVisible()) await confirm.getByRole('button', { name: 'Close', exact: true }).click();
	}

	async closeNdv() {
		await this.ndv().getByTestId('ndv-close-button').click();
		await this.ndv().waitFor({ state: 'hidden' });
	}

	// --- Credentials ----------------------------------------------------------------------------

	credentialModal() {
		return this.page.getByTestId('editCredential-modal');
	}

	/**
	 * Opens a credential from Overview → Credentials.
	 * @param {string} name
	 */
	async openCredential(name) {
		if (!new URL(this.page.url()).pathname.startsWith('/home/credentials')) {
			// From the overview a user clicks its Credentials tab (no page load); from elsewhere, the address.
			const tab = this.page.getByTestId('tab-CredentialsView');
			if (await tab.isVisible()) await tab.click();
			else await this.goto('/home/credentials');
		}
		await this.page
			.getByTestId('resources-list-item')
			.filter({ hasText: name })
			.getByText(name, { exact: true })
			.click();
		await this.credentialModal().waitFor();
	}

	/**
	 * Waits for the credential test's outcome in the modal (n8n tests a credential when it is
	 * opened, saved, or "Retry" is clicked) and returns what n8n shows for a failed one: the
	 * error's details, in the provider's words.
	 * @param {'success' | 'failure'} expected
	 * @returns {Promise<string>} the failure's details ('' for a success)
	 */
	async credentialTest(expected, timeoutMs = 30_000) {
		const modal = this.credentialModal();
		const banner =
			expected === 'success'
				? modal.getByTestId('credentials-config-container-test-success')
				: modal.locator('.el-tag').filter({ hasText: 'Couldn’t connect with these settings' });
		await banner.waitFor({ timeout: timeoutMs }).catch(async () => {
			throw new Error(`Expected the credential test's ${expected}; the modal shows:\n${await modal.innerText()}`);
		});
		if (expected === 'success') return '';
		const more = banner.getByText('More details');
		if (await more.isVisible()) await more.click();
		return (await banner.innerText()).replace(/^Couldn’t connect with these settings\s*Retry\s*/, '').trim();
	}

	/**
	 * Retests the credential with what the form holds now (not saved).
	 */
	async retestCredential() {
		await this.credentialModal().getByRole('button', { name: 'Retry' }).click();
	}

	/**
	 * Tests the open credential again until n8n shows the expected outcome, and returns it as
	 * {@link credentialTest} does. A Retry clicked while the editor has not yet taken a field's new
	 * value in tests the old one (seen on a busy machine): the click is repeated, up to `attempts`.
	 * @param {'success' | 'failure'} expected
	 * @returns {Promise<string>}
	 */
	async retestCredentialUntil(expected, attempts = 4) {
		for (let attempt = 1; ; attempt++) {
			await this.retestCredential();
			try {
				return await this.credentialTest(expected, 10_000);
			} catch (error) {
				if (attempt >= attempts) throw error;
			}
		}
	}

	/**
	 * Replaces a credential field's value in the open modal (not saved).
	 * @param {string} name  the field's internal name
	 * @param {string} value
	 */
	async fillCredentialField(name, value) {
		const input = this.credentialModal().getByTestId(`parameter-input-${name}`).locator('input, textarea').first();
		await input.fill(value);
		await input.press('Tab'); // leave the field, as a user does, so the editor takes the value
		await this.page.waitForFunction(
			([selector, wanted]) =>
				/** @type {HTMLInputElement | null} */ (document.querySelector(selector))?.value === wanted,
			[`[data-test-id="editCredential-modal"] [data-test-id="parameter-input-${name}"] input`, value],
		);
	}

	/** Closes the credential modal after a change, throwing the change away ("Close without saving?"). */
	async discardCredentialChanges() {
		await this.credentialModal().getByRole('button', { name: 'Close this dialog' }).click();
		const confirm = this.page.getByRole('dialog').filter({ hasText: 'Close without saving?' });
		await confirm.getByRole('button', { name: 'Close', exact: true }).click();
		await this.credentialModal().waitFor({ state: 'hidden' });
	}

	/** Closes the credential modal (nothing changed). */
	async closeCredential() {
		await this.credentialModal().getByRole('button', { name: 'Close this dialog' }).click();
		await this.credentialModal().waitFor({ state: 'hidden' });
	}
}

module.exports = { Editor, SCREENSHOTS, DOC_IMAGES };

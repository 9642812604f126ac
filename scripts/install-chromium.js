#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Makes sure the browser end-to-end test has a Chromium (run by `npm run test:e2e` before Jest):
 * reports the one found, installs Debian's `chromium` package when none is and this is root with
 * apt-get (a clean CI container), and otherwise fails with what to do. E2E_BROWSER=skip skips
 * the check, and the browser test with it.
 *
 *   node scripts/install-chromium.js
 */
const { browserTestSkipped, ensureChromium, SKIP_VARIABLE } = require('./lib/chromium');
const { log } = require('./n8n/lib/util');

try {
	if (browserTestSkipped()) {
		log(`${SKIP_VARIABLE}=skip: no Chromium needed; the browser end-to-end test is skipped`);
	} else {
		const chromium = ensureChromium(log);
		log(`Browser for the end-to-end test: ${chromium.version} (${chromium.path})`);
	}
} catch (error) {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
}

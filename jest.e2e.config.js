// @ts-check
/**
 * End-to-end tests (`npm run test:e2e`): the package inside real n8n processes (2.x and the last
 * 1.x) against the sandbox servers, `npm start` signalled by pid, and the editor in a headless
 * Chromium (browser.e2e.js). The script builds the package, installs the pinned n8n runtimes and
 * makes sure Chromium is there (scripts/install-chromium.js) first.
 * @type {import('jest').Config}
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.js'],
	transform: {
		// The sandbox is TypeScript next to the mocks it reuses: transpiled by the same loader that
		// `npm start` uses, so the end-to-end tests run the sandbox exactly as the demo does.
		'^.+\\.ts$': '<rootDir>/scripts/lib/typescript-loader.js',
	},
	testTimeout: 5 * 60 * 1000,
	// Both files start an n8n; one at a time on a 2-core machine.
	maxWorkers: 1,
};

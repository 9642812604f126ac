// @ts-check
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	setupFiles: ['<rootDir>/test/harness/env.ts'],
	transform: {
		// Type-checking runs separately (`tsc --noEmit` in `npm run lint`); tests only transpile.
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
	},
	testTimeout: 60000,
	// n8n-core keeps DI singletons and timers; run each file in its own module registry.
	resetModules: false,
};

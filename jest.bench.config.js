// @ts-check
/** Benchmarks: real n8n-core contexts against the loopback mocks; they print figures and assert nothing about time. */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	roots: ['<rootDir>/bench'],
	testMatch: ['**/*.bench.ts'],
	testTimeout: 30 * 60 * 1000,
};

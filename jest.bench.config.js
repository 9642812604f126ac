/** Benchmarks: real n8n-core contexts against the loopback mocks; they print figures and assert nothing about time. */
const base = require('./jest.config');

module.exports = {
	...base,
	roots: ['<rootDir>/bench'],
	testMatch: ['**/*.bench.ts'],
	testTimeout: 30 * 60 * 1000,
};

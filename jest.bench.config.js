// @ts-check
/**
 * Benchmarks: real n8n-core contexts against the loopback mocks; they print figures and assert nothing about time.
 * Queue mode (real n8n main + workers, PostgreSQL, Redis) has its own: `npm run bench:queue` (scripts/n8n/bench-queue.js).
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	roots: ['<rootDir>/bench'],
	testMatch: ['**/*.bench.ts'],
	testTimeout: 30 * 60 * 1000,
};

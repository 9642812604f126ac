// @ts-check
/** Fault soak (`npm run soak`): every trigger polled for thousands of cycles with faults; bounded in time. */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	roots: ['<rootDir>/test/soak'],
	testMatch: ['**/*.soak.ts'],
	testTimeout: 60 * 60 * 1000,
};

// @ts-check
/**
 * Runs a TypeScript module of this repository in a fresh Node.js process, through the project's
 * TypeScript loader (transpile only): `fork('bench/child/run-ts.js', ['bench/upload-client.ts'])`.
 * Used where a benchmark needs a process of its own, e.g. to measure one side's memory alone.
 */
const { resolve } = require('node:path');

const { registerTypeScript } = require('../../scripts/lib/typescript-loader');

registerTypeScript();
require(resolve(process.argv[2]));

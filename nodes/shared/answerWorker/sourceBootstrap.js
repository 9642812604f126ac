'use strict';
/**
 * Starts the answer worker from the TypeScript sources (tests, benchmarks: no build step). Never
 * used by the package, which runs the compiled worker.js directly; this file is not compiled and
 * not shipped. Transpiles each .ts module as it is loaded (no type check), as ts-jest does.
 */
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { workerData } = require('node:worker_threads');

const entry = workerData.entry;
const ts = createRequire(entry)('typescript');

require.extensions['.ts'] = (module, filename) => {
	const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
		fileName: filename,
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
	});
	module._compile(outputText, filename);
};

require(entry);

/**
 * Runs a TypeScript module of this repository in a fresh Node.js process (transpile only, like
 * the tests' ts-jest): `fork('bench/child/run-ts.js', ['bench/upload-client.ts'])`. Used where a
 * benchmark needs a process of its own, e.g. to measure one side's memory alone.
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
		fileName: filename,
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
	});
	module._compile(outputText, filename);
};

require(resolve(process.argv[2]));

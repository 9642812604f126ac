// @ts-check
'use strict';
/**
 * The one way this repository's JavaScript loads its TypeScript (the sandbox and the mocks it
 * reuses, benchmark clients): each file is transpiled on load with the `typescript` devDependency,
 * without a type check — `npm run lint` type-checks — and without ts-node, so a plain `node` (20
 * or 24) runs it.
 *
 * Two entry points over the same transpiler:
 *   - registerTypeScript(): lets `require()` of this process load `.ts` files (`npm start`,
 *     benchmark child processes);
 *   - this module as a Jest transformer (`transform` in jest.e2e.config.js), because Jest resolves
 *     and compiles modules itself and never consults `require.extensions`.
 *
 * Output is CommonJS with the module, target and interop settings of the project's tsconfig.json,
 * so loaded code behaves as the type checker and the unit tests (ts-jest) see it. An inline
 * source map lets Jest, and Node with --enable-source-maps, point stack traces at TypeScript lines.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ts = require('typescript');

const TSCONFIG = path.resolve(__dirname, '..', '..', 'tsconfig.json');

/** @type {import('typescript').CompilerOptions | undefined} */
let compilerOptions;

/** tsconfig.json's settings that shape the emitted JavaScript, read once. */
function emitOptions() {
	if (compilerOptions) return compilerOptions;
	const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
	if (error) throw new Error(`${TSCONFIG}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
	const { module, target, esModuleInterop } = config.compilerOptions ?? {};
	const converted = ts.convertCompilerOptionsFromJson({ module, target, esModuleInterop }, path.dirname(TSCONFIG));
	if (converted.errors.length > 0)
		throw new Error(`${TSCONFIG}: ${ts.flattenDiagnosticMessageText(converted.errors[0].messageText, '\n')}`);
	compilerOptions = { ...converted.options, inlineSourceMap: true, inlineSources: true };
	return compilerOptions;
}

/**
 * One TypeScript file's text as CommonJS JavaScript (with an inline source map).
 * @param {string} source
 * @param {string} fileName  absolute path, named in the source map and in syntax errors
 * @returns {string}
 */
function transpileTypeScript(source, fileName) {
	return ts.transpileModule(source, { fileName, compilerOptions: emitOptions() }).outputText;
}

/**
 * @typedef {NodeJS.Module & { _compile(code: string, fileName: string): void }} CompilableModule
 *   Node's CommonJS module object; `_compile` runs code as that module, which is what a
 *   `require.extensions` handler does with the text it made (Node's own types leave it out).
 */

/**
 * Lets `require()` load `.ts` files in this process. Idempotent, and it leaves a `.ts` handler
 * that is there already alone (e.g. ts-node's, when someone runs a script under it).
 */
function registerTypeScript() {
	// Deprecated in Node's docs but supported, and the hook `require()` consults on Node 20 as on 24
	// (Node 20's `module.register` hooks do not see `require()`).
	const extensions = require.extensions;
	if (extensions['.ts']) return;
	extensions['.ts'] = (module, fileName) => {
		/** @type {CompilableModule} */ (module)._compile(
			transpileTypeScript(fs.readFileSync(fileName, 'utf8'), fileName),
			fileName,
		);
	};
}

/** @type {string | undefined} */
let loaderKey;

/**
 * The Jest side. Jest caches a transformer's output under getCacheKey, so the key changes with
 * this loader, TypeScript's version and tsconfig.json's settings, not only with the file.
 * @type {import('@jest/transform').SyncTransformer}
 */
const jestTransformer = {
	process(sourceText, sourcePath) {
		return { code: transpileTypeScript(sourceText, sourcePath) };
	},
	getCacheKey(sourceText, sourcePath) {
		loaderKey ??= crypto
			.createHash('sha256')
			.update(fs.readFileSync(__filename))
			.update(ts.version)
			.update(JSON.stringify(emitOptions()))
			.digest('hex');
		return crypto.createHash('sha256').update(loaderKey).update(sourcePath).update(sourceText).digest('hex');
	},
};

module.exports = {
	transpileTypeScript,
	registerTypeScript,
	process: jestTransformer.process,
	getCacheKey: jestTransformer.getCacheKey,
};

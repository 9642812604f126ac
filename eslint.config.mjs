import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// n8n's own community-node lint rules (the config `n8n-node lint` uses), in the variant for
// packages that are not submitted to n8n Cloud. Cloud verification forbids runtime
// dependencies; this package's design requires two (fast-xml-parser for the XML providers,
// crypto-js for PantherMedia's request signature), so it targets self-hosted n8n.
export default [
	...configWithoutCloudSupport,
	{
		files: ['package.json'],
		rules: {
			// Runtime dependencies are fast-xml-parser and crypto-js, required by the design (see above).
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		// Tests, mocks and benchmarks are not shipped; they may log and use Node APIs freely.
		files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'no-console': 'off',
		},
	},
	{
		ignores: ['dist/**', 'node_modules/**', 'bench/out/**', '.n8n-runtime/**', '.sandbox/**', '*.js', '*.mjs'],
	},
];

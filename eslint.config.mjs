// @ts-check
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { globalIgnores } from 'eslint/config';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

// n8n's own community-node lint rules, composed as n8n's `n8n-node lint` (@n8n/node-cli 0.48,
// `configWithoutCloudSupport`) composes them: @n8n/eslint-plugin-community-nodes (recommended,
// self-hosted variant) plus eslint-plugin-n8n-nodes-base's community / credentials / nodes rule
// sets, on top of eslint and typescript-eslint recommended. Not taken over from that config:
// eslint-plugin-import-x, whose resolver needs platform binaries the npm registry used by CI
// does not serve (npm ci would fail on the lockfile).
//
// The self-hosted variant is used because n8n Cloud verification forbids runtime dependencies,
// and this package's design requires two (fast-xml-parser, crypto-js).
const communityRecommended = n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport;

export default tseslint.config(
	globalIgnores(['dist/**', 'node_modules/**', 'bench/out/**', '.n8n-runtime/**']),
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, tseslint.configs.recommended, communityRecommended],
		rules: {
			// As in n8n's config: spreading arguments is idiomatic in node code.
			'prefer-spread': 'off',
			'no-console': 'error',
		},
	},
	{
		plugins: { 'n8n-nodes-base': n8nNodesBase },
	},
	{
		files: ['package.json'],
		extends: [communityRecommended],
		rules: {
			...n8nNodesBase.configs.community.rules,
			// The two runtime dependencies are required by the design (see above).
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: { extraFileExtensions: ['.json'] },
		},
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Switched off in n8n's own config: superseded by @n8n/community-nodes/credential-documentation-url
			// and @n8n/community-nodes/credential-password-field, which stay on.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// Switched off in n8n's own config: these predate NodeConnectionTypes and min/max type options.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
	{
		// Tests, mocks and benchmarks are not shipped; they print their figures.
		files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'sandbox/**/*.ts'],
		rules: {
			'no-console': 'off',
		},
	},
	{
		// The repository's own JavaScript: scripts run by plain Node.js, the end-to-end tests and the
		// configuration files. Unknown names are the type checker's to report (tsconfig.scripts.json
		// checks every one of these files), as typescript-eslint advises for TypeScript, so no-undef
		// needs no list of Node.js and Jest globals.
		files: ['**/*.js', '**/*.mjs'],
		extends: [js.configs.recommended],
		languageOptions: { sourceType: 'commonjs', ecmaVersion: 'latest' },
		rules: {
			'no-undef': 'off',
			// `const { a, ...rest } = x` is how these scripts drop fields from a copy.
			'no-unused-vars': ['error', { ignoreRestSiblings: true }],
		},
	},
	{
		files: ['**/*.mjs'],
		languageOptions: { sourceType: 'module' },
	},
);

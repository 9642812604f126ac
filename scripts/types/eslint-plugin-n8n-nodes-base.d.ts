// eslint-plugin-n8n-nodes-base publishes no types; this is the part eslint.config.mjs uses, so the
// lint configuration is type-checked with the rest of the JavaScript.
declare module 'eslint-plugin-n8n-nodes-base' {
	import type { ESLint, Linter } from 'eslint';

	const plugin: ESLint.Plugin & {
		configs: Record<'all' | 'community' | 'credentials' | 'nodes', { rules: Linter.RulesRecord }>;
	};
	export = plugin;
}

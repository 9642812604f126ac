// @ts-check
// The n8n-nodes-starter's Prettier settings (tabs, single quotes, trailing commas), with the
// line width this package's longer type signatures read best at.
/** @type {import('prettier').Config} */
module.exports = {
	semi: true,
	trailingComma: 'all',
	bracketSpacing: true,
	useTabs: true,
	tabWidth: 2,
	arrowParens: 'always',
	singleQuote: true,
	quoteProps: 'as-needed',
	endOfLine: 'lf',
	printWidth: 120,
};

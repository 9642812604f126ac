// @ts-check
// Copies node and credential icons (SVG/PNG) and codex files into dist/, next to the compiled
// JavaScript, where n8n looks for them.
const path = require('node:path');
const { task, src, dest, parallel } = require('gulp');

function copyIcons() {
	const nodeIcons = src(path.resolve('nodes', '**', '*.{png,svg}'), { encoding: false }).pipe(
		dest(path.resolve('dist', 'nodes')),
	);
	return nodeIcons;
}

function copyCredentialIcons() {
	return src(path.resolve('credentials', '**', '*.{png,svg}'), { encoding: false, allowEmpty: true }).pipe(
		dest(path.resolve('dist', 'credentials')),
	);
}

function copyCodex() {
	return src(path.resolve('nodes', '**', '*.node.json')).pipe(dest(path.resolve('dist', 'nodes')));
}

task('build:icons', parallel(copyIcons, copyCredentialIcons, copyCodex));

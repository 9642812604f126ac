import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ICredentialType, INodeType } from 'n8n-workflow';

/**
 * Loads every node and credential the package declares in package.json's `n8n` section, from
 * the TypeScript sources. A test therefore fails when package.json lists a file that does not
 * exist or a class whose name does not match its file.
 */
const root = join(__dirname, '..', '..');

interface PackageN8n {
	nodes: string[];
	credentials: string[];
}

function declared(): PackageN8n {
	const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { n8n: PackageN8n };
	return pkg.n8n;
}

function sourcePath(distPath: string): string {
	return join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

function loadClass<T>(distPath: string): T {
	const file = sourcePath(distPath);
	const className = distPath
		.split('/')
		.pop()!
		.replace(/\.(node|credentials)\.js$/, '');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(file) as Record<string, new () => T>;
	const Ctor = mod[className];
	if (typeof Ctor !== 'function') throw new Error(`${file} does not export class ${className}`);
	return new Ctor();
}

let nodes: Map<string, INodeType> | undefined;
let credentials: Map<string, ICredentialType> | undefined;

/** Node types by their description name (e.g. "psRestfulTrigger"). */
export function nodeTypes(): Map<string, INodeType> {
	if (!nodes) {
		nodes = new Map();
		for (const path of declared().nodes) {
			const node = loadClass<INodeType>(path);
			nodes.set(node.description.name, node);
		}
	}
	return nodes;
}

/** Credential types by name (e.g. "psRestfulApi"). */
export function credentialTypes(): Map<string, ICredentialType> {
	if (!credentials) {
		credentials = new Map();
		for (const path of declared().credentials) {
			const credential = loadClass<ICredentialType>(path);
			credentials.set(credential.name, credential);
		}
	}
	return credentials;
}

export function declaredPaths(): PackageN8n {
	return declared();
}

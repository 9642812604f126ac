import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { credentialTypes, declaredPaths, nodeTypes } from '../harness/registry';

const root = join(__dirname, '..', '..');
interface PackageJson {
	name: string;
	keywords: string[];
	license: string;
	files: string[];
	dependencies: Record<string, string>;
	peerDependencies: Record<string, string>;
	n8n: { n8nNodesApiVersion: number };
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

function iconPaths(icon: unknown): string[] {
	if (!icon) return [];
	if (typeof icon === 'string') return [icon];
	return Object.values(icon as Record<string, string>);
}

describe('package', () => {
	it('is an n8n community package that ships only dist/', () => {
		expect(pkg.name).toBe('n8n-nodes-media-sync');
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
		expect(pkg.files).toEqual(['dist']);
		expect(Object.keys(pkg.dependencies).sort()).toEqual(['crypto-js', 'fast-xml-parser']);
		expect(pkg.peerDependencies).toHaveProperty('n8n-workflow');
		expect(pkg.license).toBe('MIT');
	});

	it('declares every node and credential in the source tree', () => {
		const sources = (dir: string, suffix: string): string[] =>
			readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
				.filter((f) => f.endsWith(suffix))
				.map((f) => `dist/${dir}/${f.replace(/\.ts$/, '.js')}`);
		expect([...declaredPaths().nodes].sort()).toEqual(sources('nodes', '.node.ts').sort());
		expect([...declaredPaths().credentials].sort()).toEqual(sources('credentials', '.credentials.ts').sort());
	});

	it('gives every node an icon (light and dark), a codex file and documentation', () => {
		for (const path of declaredPaths().nodes) {
			const source = join(root, path.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
			const codex = JSON.parse(readFileSync(source.replace(/\.ts$/, '.json'), 'utf8'));
			const type = [...nodeTypes().values()].find((t) => `n8n-nodes-media-sync.${t.description.name}` === codex.node);
			expect(type).toBeDefined();
			const icons = iconPaths(type!.description.icon);
			expect(icons).toHaveLength(2);
			for (const icon of icons) expect(existsSync(join(dirname(source), icon.replace('file:', '')))).toBe(true);
			expect(codex.resources.primaryDocumentation[0].url).toMatch(/^https:\/\//);
		}
		for (const credential of credentialTypes().values()) {
			const icons = iconPaths(credential.icon);
			expect(icons).toHaveLength(2);
			for (const icon of icons) expect(existsSync(join(root, 'credentials', icon.replace('file:', '')))).toBe(true);
			expect(credential.documentationUrl).toMatch(/^https:\/\//);
			// Tested by every node that uses it, through the package's transport; never declaratively
			// (n8n's declarative test follows redirects with the credential attached).
			expect(credential.test).toBeUndefined();
			const users = [...nodeTypes().values()].filter((n) =>
				n.description.credentials?.some((c) => c.name === credential.name),
			);
			expect(users.length).toBeGreaterThan(0);
			for (const node of users) {
				const entry = node.description.credentials!.find((c) => c.name === credential.name)!;
				expect(typeof entry.testedBy).toBe('string');
				expect(typeof node.methods?.credentialTest?.[entry.testedBy as string]).toBe('function');
			}
		}
	});

	it('makes action nodes usable as AI tools and triggers pure polling triggers', () => {
		for (const type of nodeTypes().values()) {
			const d = type.description as INodeTypeDescription;
			if (d.polling) {
				expect(d.inputs).toEqual([]);
				expect(d.displayName).toMatch(/Trigger$/);
				expect(type.poll).toBeDefined();
			} else {
				expect(d.usableAsTool).toBe(true);
				expect(type.execute).toBeDefined();
			}
		}
	});
});

describe('examples', () => {
	const files = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.json'));

	it.each(files)('%s uses only existing nodes, parameters and connections', (file) => {
		const workflow = JSON.parse(readFileSync(join(root, 'examples', file), 'utf8')) as {
			nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
			connections: Record<string, { main: Array<Array<{ node: string }>> }>;
		};
		const names = new Set(workflow.nodes.map((n) => n.name));
		for (const node of workflow.nodes) {
			if (!node.type.startsWith('n8n-nodes-media-sync.')) continue;
			const type = nodeTypes().get(node.type.replace('n8n-nodes-media-sync.', ''));
			expect(type).toBeDefined();
			const known = new Set((type!.description.properties as INodeProperties[]).map((p) => p.name));
			for (const parameter of Object.keys(node.parameters)) {
				if (parameter === 'pollTimes') continue; // added by n8n to every polling node
				expect({ node: node.name, parameter, known: known.has(parameter) }).toEqual({
					node: node.name,
					parameter,
					known: true,
				});
			}
		}
		for (const [from, outputs] of Object.entries(workflow.connections)) {
			expect(names.has(from)).toBe(true);
			for (const link of outputs.main.flat()) expect(names.has(link.node)).toBe(true);
		}
	});
});

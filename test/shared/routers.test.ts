import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { INodeProperties, INodePropertyOptions, INodeType } from 'n8n-workflow';

import type { OperationTable } from '../../nodes/shared/execute';

/**
 * Every action node's description against its router: each resource / operation a user can pick
 * has a handler, and each handler an option. The nodes come from package.json, so a new node is
 * checked without touching this file.
 */

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };

/** Loads a module by path at collection time (describe.each needs the nodes before any test runs). */
function load<T>(file: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- the paths come from package.json
	return require(file) as T;
}

interface ActionNode {
	file: string;
	node: INodeType;
	operations: OperationTable<unknown>;
}

function sourceOf(distFile: string): string {
	return path.join(root, distFile.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
}

function loadNode(file: string): INodeType {
	const exported = load<Record<string, new () => INodeType>>(file);
	const classes = Object.values(exported).filter((value) => typeof value === 'function');
	expect(classes).toHaveLength(1);
	return new classes[0]();
}

const nodeFiles = pkg.n8n.nodes.map(sourceOf);
const actionNodes: ActionNode[] = nodeFiles
	.filter((file) => !file.endsWith('Trigger.node.ts'))
	.map((file) => {
		const router = path.join(path.dirname(file), 'actions', 'router.ts');
		const { operations } = load<{ operations: OperationTable<unknown> }>(router);
		return { file: path.relative(root, file), node: loadNode(file), operations };
	});

function values(property: INodeProperties | undefined): string[] {
	return (property?.options ?? []).map((option) => String((option as INodePropertyOptions).value)).sort();
}

/** The options of `operation` shown for a resource, from the description alone. */
function operationsOf(properties: INodeProperties[], resource: string): string[] {
	const fields = properties.filter(
		(p) => p.name === 'operation' && (p.displayOptions?.show?.resource ?? []).includes(resource),
	);
	expect(fields).toHaveLength(1);
	return values(fields[0]);
}

describe('action nodes: descriptions and routers agree', () => {
	it('finds every action node of package.json with a router', () => {
		expect(actionNodes.map((a) => a.file).sort()).toEqual(
			nodeFiles
				.filter((f) => !f.endsWith('Trigger.node.ts'))
				.map((f) => path.relative(root, f))
				.sort(),
		);
		for (const file of nodeFiles) expect(existsSync(file)).toBe(true);
	});

	describe.each(actionNodes.map((a) => [a.file, a] as const))('%s', (_file, { node, operations }) => {
		const { properties } = node.description;

		it('has a handler for each resource and a resource for each handler', () => {
			expect(values(properties.find((p) => p.name === 'resource'))).toEqual(Object.keys(operations).sort());
		});

		it('has a handler for each operation and an operation for each handler', () => {
			for (const [resource, handlers] of Object.entries(operations)) {
				expect({ resource, operations: operationsOf(properties, resource) }).toEqual({
					resource,
					operations: Object.keys(handlers).sort(),
				});
				// A plain operation, or one whose items may run side by side (`ParallelOperation`).
				for (const handler of Object.values(handlers))
					expect(typeof (typeof handler === 'function' ? handler : handler.execute)).toBe('function');
			}
		});

		it('scopes every field to operations that exist', () => {
			for (const property of properties) {
				const show = property.displayOptions?.show ?? {};
				if (property.name === 'resource' || property.name === 'operation' || !show.operation) continue;
				const resources = (show.resource ?? Object.keys(operations)) as string[];
				const known = resources.flatMap((r) => Object.keys(operations[r] ?? {}));
				for (const operation of show.operation)
					expect({ field: property.name, operation }).toEqual({
						field: property.name,
						operation: known.includes(String(operation)) ? operation : '(no such operation)',
					});
			}
		});
	});
});

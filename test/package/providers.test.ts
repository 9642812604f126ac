import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { credentialTypes, nodeTypes } from '../harness/registry';
import { withMock } from '../harness/servers';
import { PROVIDERS, PROVIDER_LIST, type Provider } from '../../sandbox/providers';
import { MockServer } from '../../sandbox/server';
import { SOAK_CASES } from '../soak/adapters';

/**
 * The providers as package.json declares them (one credential each, and the nodes that use it)
 * against what the repository has for each: its entry in the registry (sandbox/providers.ts),
 * its mock in sandbox/, its docs page, its soak adapter and its example workflow. A provider
 * added to package.json fails here until every one of them exists; CONTRIBUTING.md lists them.
 */
const root = join(__dirname, '..', '..');
const PACKAGE_PREFIX = 'n8n-nodes-media-sync.';

interface DeclaredProvider {
	/** The credential type package.json declares. */
	credentialType: string;
	/** Node types (description names) that use it. */
	nodes: { action: string[]; trigger: string[] };
}

/** One provider per declared credential, with the declared nodes that use it. */
function declaredProviders(): DeclaredProvider[] {
	const providers = [...credentialTypes().keys()].map((credentialType) => ({
		credentialType,
		nodes: { action: [] as string[], trigger: [] as string[] },
	}));
	for (const [name, node] of nodeTypes()) {
		// A node belongs to the provider whose credential it uses first (the CommerceConnect node
		// used in an example workflow belongs to CommerceConnect, whatever the trigger is).
		const credential = node.description.credentials?.[0]?.name;
		const provider = providers.find((p) => p.credentialType === credential);
		if (!provider) throw new Error(`node ${name} uses no credential that package.json declares (${credential})`);
		provider.nodes[node.description.polling ? 'trigger' : 'action'].push(name);
	}
	return providers;
}

const declared = declaredProviders();

/** The registry's entry for a declared provider, or a failure that says what to add. */
function entryFor(provider: DeclaredProvider): Provider {
	const entry = PROVIDER_LIST.find((p) => p.credentialType === provider.credentialType);
	if (!entry)
		throw new Error(
			`package.json declares the credential ${provider.credentialType}, but sandbox/providers.ts has no provider with that credentialType`,
		);
	return entry;
}

const file = (path: string) => join(root, path);

describe('providers: package.json against the registry', () => {
	it('declares one credential per registry entry, and each entry’s action node and trigger', () => {
		expect(declared.map((p) => p.credentialType).sort()).toEqual(PROVIDER_LIST.map((p) => p.credentialType).sort());
		for (const provider of PROVIDER_LIST) {
			expect({
				id: provider.id,
				nodes: declared.find((p) => p.credentialType === provider.credentialType)?.nodes,
			}).toEqual({
				id: provider.id,
				nodes: { action: [provider.nodeTypes.action], trigger: [provider.nodeTypes.trigger] },
			});
		}
	});

	it('keys every entry by its own id', () => {
		for (const [id, provider] of Object.entries(PROVIDERS)) expect(provider.id).toBe(id);
	});
});

describe.each(declared.map((provider) => [provider.credentialType, provider] as const))(
	'the provider with credential %s',
	(_credentialType, provider) => {
		it('has its entry in sandbox/providers.ts', () => {
			expect(entryFor(provider).credentialType).toBe(provider.credentialType);
		});

		it('has its mock in sandbox/<id>.ts, serving on 127.0.0.1', async () => {
			const entry = entryFor(provider);
			expect(existsSync(file(`sandbox/${entry.id}.ts`))).toBe(true);
			const mock = entry.createMock();
			expect(mock.server).toBeInstanceOf(MockServer);
			await withMock(mock, async (_mock, baseUrl) => {
				expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
				// The registry's credentials point the nodes at this mock.
				expect(JSON.stringify(entry.credentials(mock))).toContain(`127.0.0.1:${new URL(baseUrl).port}`);
			});
		});

		it('has its docs page, docs/<id>.md, titled with its name', () => {
			const entry = entryFor(provider);
			expect(entry.docs).toBe(`docs/${entry.id}.md`);
			expect(existsSync(file(entry.docs))).toBe(true);
			expect(readFileSync(file(entry.docs), 'utf8').split('\n')[0]).toBe(`# ${entry.name}`);
		});

		it('has its soak adapter, test/soak/adapters/<id>.ts, with runs in npm run soak', () => {
			const entry = entryFor(provider);
			expect(existsSync(file(`test/soak/adapters/${entry.id}.ts`))).toBe(true);
			const cases = SOAK_CASES[entry.id];
			expect(cases.length).toBeGreaterThan(0);
			for (const soak of cases) expect(soak.provider).toBe(entry.id);
		});

		it('has its example workflow in examples/, built on its trigger and credential', () => {
			const entry = entryFor(provider);
			expect(entry.example).toMatch(/^examples\/[^/]+\.json$/);
			expect(existsSync(file(entry.example))).toBe(true);
			const workflow = JSON.parse(readFileSync(file(entry.example), 'utf8')) as {
				nodes: Array<{ type: string; credentials?: Record<string, unknown> }>;
			};
			const trigger = workflow.nodes.find((n) => n.type === `${PACKAGE_PREFIX}${entry.nodeTypes.trigger}`);
			expect(trigger).toBeDefined();
			expect(Object.keys(trigger!.credentials ?? {})).toEqual([entry.credentialType]);
		});
	},
);

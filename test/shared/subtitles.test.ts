import type { INodePropertyOptions, INodeType } from 'n8n-workflow';

import { nodeSubtitle } from '../harness/n8n';
import { nodeTypes } from '../harness/registry';

/**
 * The triggers' canvas subtitles, resolved as the editor resolves them: words a user reads, never
 * internal option values, and nothing misleading when a field is not set yet.
 */
describe('trigger subtitles on the canvas', () => {
	it.each([
		['psRestfulTrigger', {}, ''],
		['psRestfulTrigger', { supplierCode: { __rl: true, mode: 'list', value: 'HIT' } }, 'Supplier HIT'],
		['psRestfulTrigger', { supplierCode: 'PCNA' }, 'Supplier PCNA'],
		['pantherMediaTrigger', {}, 'new, changed, deleted media'],
		['pantherMediaTrigger', { events: ['deleted'] }, 'deleted media'],
		['halLeonardDamTrigger', {}, 'Files and metadata'],
		['halLeonardDamTrigger', { events: ['modifiedFile'] }, 'Modified files'],
		['halLeonardDamTrigger', { events: ['assetMetadata'] }, 'Asset metadata'],
		['commerceConnectTrigger', {}, 'New or changed media items'],
		['commerceConnectTrigger', { event: 'created' }, 'New media items'],
	])('%s with %j reads "%s"', (type, parameters, expected) => {
		expect(nodeSubtitle({ type, parameters })).toBe(expected);
	});
});

/**
 * The node creator names a trigger's entries after its Event / Events / Trigger On field (n8n's
 * editor looks for exactly those labels; without one it shows "On new <node> event").
 */
describe('trigger names in the node creator', () => {
	it.each(['psRestfulTrigger', 'pantherMediaTrigger', 'halLeonardDamTrigger', 'commerceConnectTrigger'])(
		'%s lists its events as sentences',
		(type) => {
			const { properties } = (nodeTypes().get(type) as INodeType).description;
			const field = properties.find((p) => ['event', 'events', 'trigger on'].includes(p.displayName.toLowerCase()));
			const actions = (field?.options ?? []).map((o) => (o as INodePropertyOptions).action);
			expect(actions.length).toBeGreaterThan(0);
			for (const action of actions) expect(action).toMatch(/^On [a-z]+( [a-z]+)+$/);
		},
	);
});

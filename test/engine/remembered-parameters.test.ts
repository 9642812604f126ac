import type { IDataObject, IExecuteFunctions, INodeType } from 'n8n-workflow';

import { rememberParameters } from '../../nodes/shared/rememberedParameters';
import { executeNode, registerTestNodeType } from '../harness/n8n';

/**
 * What a remembering context keeps, on n8n-core's real execute context. Each parameter's
 * expression draws the next number from the input item's own counter, so a read that is worked
 * out again gives a new value and one taken from memory gives the old one.
 */
let observe: (ctx: IExecuteFunctions) => IDataObject = () => ({});

const probe: INodeType = {
	description: {
		displayName: 'Remember Probe',
		name: 'rememberProbe',
		group: ['transform'],
		version: 1,
		description: 'Reads parameters through a remembering context',
		defaults: { name: 'Remember Probe' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [
			{ displayName: 'Value', name: 'value', type: 'string', default: '' },
			{ displayName: 'Fields', name: 'fields', type: 'json', default: '{}' },
		],
	},
	async execute(this: IExecuteFunctions) {
		return [[{ json: observe(this) }]];
	},
};
registerTestNodeType(probe);

// Each item draws from its own list: n8n's data proxy hands the same array to every read of one run.
const counting = (value: string) =>
	executeNode({ type: 'rememberProbe', parameters: { value, fields: '={{ { n: $json.draws.shift() } }}' } }, [
		{ json: { draws: [1, 2, 3, 4, 5, 6] } },
		{ json: { draws: [11, 12, 13, 14, 15, 16] } },
	]);
const DRAW = '={{ $json.draws.shift() }}';

describe('rememberParameters', () => {
	it('works a parameter out once per item; a read with a fallback gets the kept value', async () => {
		observe = (ctx) => {
			const { context } = rememberParameters(ctx);
			return {
				first: context.getNodeParameter('value', 0) as number,
				again: context.getNodeParameter('value', 0) as number,
				withFallback: context.getNodeParameter('value', 0, 'fallback') as number,
				otherItem: context.getNodeParameter('value', 1) as number,
			};
		};
		const { output } = await counting(DRAW);
		expect(output[0][0].json).toEqual({ first: 1, again: 1, withFallback: 1, otherItem: 11 });
	});

	it('forgets an item when told, and keeps nothing from a read with a fallback, with options, or of an object', async () => {
		observe = (ctx) => {
			const { context, forget } = rememberParameters(ctx);
			const first = context.getNodeParameter('value', 0) as number;
			forget(0);
			const afterForget = context.getNodeParameter('value', 0) as number;
			const fallbackOnly = [
				context.getNodeParameter('value', 1, 0) as number,
				context.getNodeParameter('value', 1, 0) as number,
			];
			const withOptions = [
				context.getNodeParameter('value', 1, undefined, { skipValidation: true }) as number,
				context.getNodeParameter('value', 1, undefined, { skipValidation: true }) as number,
			];
			const objects = [
				(context.getNodeParameter('fields', 0) as IDataObject).n,
				(context.getNodeParameter('fields', 0) as IDataObject).n,
			];
			return { first, afterForget, fallbackOnly, withOptions, objects };
		};
		const { output } = await counting(DRAW);
		expect(output[0][0].json).toEqual({
			first: 1,
			afterForget: 2,
			fallbackOnly: [11, 12],
			withOptions: [13, 14],
			objects: [3, 4],
		});
	});

	it('passes everything else to the node run’s own context', async () => {
		observe = (ctx) => {
			const { context } = rememberParameters(ctx);
			return {
				node: context.getNode().name,
				items: context.getInputData().length,
				continueOnFail: context.continueOnFail(),
				helpers: typeof context.helpers.httpRequestWithAuthentication,
			};
		};
		const { output } = await counting('plain');
		expect(output[0][0].json).toEqual({ node: 'Node', items: 2, continueOnFail: false, helpers: 'function' });
	});
});

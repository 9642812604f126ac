import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { NodeOperationError } from 'n8n-workflow';

import { asNodeError } from './transport/errors';

/**
 * Runs an operation once per input item, the way n8n users expect from an action node:
 * every output item is paired with the input it came from, and with "Continue On Fail" a
 * failing item yields an error item instead of stopping the run.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	run: (itemIndex: number, item: INodeExecutionData) => Promise<INodeExecutionData[] | IDataObject[] | IDataObject>,
): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const result = await run(itemIndex, items[itemIndex]);
			for (const entry of Array.isArray(result) ? result : [result]) {
				out.push(toItem(entry, itemIndex));
			}
		} catch (error) {
			if (ctx.continueOnFail()) {
				out.push({
					json: {
						error: errorMessage(error),
						...(errorDescription(error) ? { errorDescription: errorDescription(error) } : {}),
					},
					pairedItem: { item: itemIndex },
				});
				continue;
			}
			const nodeError = asNodeError(ctx.getNode(), error, itemIndex);
			// Tell n8n which item failed when the error does not say so yet.
			if (nodeError.context.itemIndex === undefined) nodeError.context.itemIndex = itemIndex;
			throw nodeError;
		}
	}
	return out;
}

function toItem(entry: INodeExecutionData | IDataObject, itemIndex: number): INodeExecutionData {
	if (isExecutionData(entry)) return { ...entry, pairedItem: entry.pairedItem ?? { item: itemIndex } };
	return { json: entry, pairedItem: { item: itemIndex } };
}

function isExecutionData(entry: unknown): entry is INodeExecutionData {
	return (
		typeof entry === 'object' &&
		entry !== null &&
		'json' in entry &&
		typeof (entry as { json: unknown }).json === 'object'
	);
}

function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function errorDescription(error: unknown): string | undefined {
	const description = (error as { description?: unknown })?.description;
	return typeof description === 'string' && description !== '' ? description : undefined;
}

/** One operation of an action node: runs for one input item with the node run's shared client. */
export type Operation<Client> = (
	this: IExecuteFunctions,
	client: Client,
	itemIndex: number,
) => Promise<INodeExecutionData[] | IDataObject[] | IDataObject>;

/** A node's resources and, for each, the names of its operations (each node's `node.type.ts`). */
export type ResourceMap = Record<string, string>;

/**
 * Operations by resource, then by operation name, as the node's parameters name them. Typed by the
 * node's {@link ResourceMap}, a table that misses or adds an operation does not compile; a test
 * holds the node's description to the same table.
 */
export type OperationTable<Client, Map extends ResourceMap = ResourceMap> = {
	[Resource in keyof Map]: Record<Map[Resource], Operation<Client>>;
};

/**
 * The router of every action node: for each input item, reads `resource` and `operation` and runs
 * the matching operation with the client shared by the whole run (paired items, Continue On Fail).
 */
export async function routeOperations<Client>(
	ctx: IExecuteFunctions,
	client: Client,
	operations: OperationTable<Client>,
): Promise<INodeExecutionData[]> {
	return await forEachItem(ctx, async (itemIndex) => {
		const resource = ctx.getNodeParameter('resource', itemIndex) as string;
		const operation = ctx.getNodeParameter('operation', itemIndex) as string;
		const run = operations[resource]?.[operation];
		if (!run) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The operation "${operation}" of resource "${resource}" is not supported`,
				{ itemIndex },
			);
		}
		return await run.call(ctx, client, itemIndex);
	});
}

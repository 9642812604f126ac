import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { NodeOperationError } from 'n8n-workflow';

import { type Attempt, settle } from './attempt';
import { rememberParameters } from './rememberedParameters';
import { asNodeError } from './transport/errors';

type ItemResult = INodeExecutionData[] | IDataObject[] | IDataObject;

/**
 * How an operation's items may run side by side (opt-in per operation; see {@link ParallelOperation}).
 */
export interface ItemConcurrency {
	/** Items in progress at once, at most; 1 runs them one after another, as without this. */
	limit: number;
	/**
	 * What an item touches (a product, a media item): one key or several. Items sharing a key run
	 * one after another, in input order; items without one, or with no key in common, may run
	 * side by side. A key that cannot be worked out (a product code that matches nothing) fails
	 * that item.
	 */
	key?: (itemIndex: number) => Promise<ItemKeys> | ItemKeys;
	/**
	 * Every item runs, also after one failed; without Continue On Fail the first failure (in input
	 * order) is thrown once all have run, saying how many others failed. For operations whose
	 * items are independent and whose later items must not be lost to an earlier one's failure.
	 */
	finishAll?: boolean;
}

export type ItemKeys = string | readonly string[] | undefined;

/**
 * Runs an operation once per input item, the way n8n users expect from an action node:
 * every output item is paired with the input it came from, and with "Continue On Fail" a
 * failing item yields an error item instead of stopping the run.
 *
 * With a {@link ItemConcurrency} limit above 1, items run side by side, and the output is still in
 * input order. Without Continue On Fail, a failing item stops the run the way it does one at a
 * time, as far as that is possible: every item before it still runs, no item after it starts
 * (up to limit − 1 after it may already have run), and the error of the first failing item in
 * input order is thrown.
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	run: (itemIndex: number, item: INodeExecutionData) => Promise<ItemResult>,
	concurrency?: ItemConcurrency,
): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const limit = Math.min(items.length, Math.max(1, Math.floor(concurrency?.limit ?? 1)));
	const keepGoing = ctx.continueOnFail() || concurrency?.finishAll === true;
	const outcomes =
		limit > 1
			? await runSideBySide(items, limit, run, concurrency?.key, keepGoing)
			: await runInTurn(items, run, keepGoing);

	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < outcomes.length; itemIndex++) {
		const outcome = outcomes[itemIndex];
		if (outcome === undefined) continue; // not run: an earlier item failed
		if (outcome.ok) {
			for (const entry of Array.isArray(outcome.value) ? outcome.value : [outcome.value]) {
				out.push(toItem(entry, itemIndex));
			}
			continue;
		}
		const { error } = outcome;
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
		if (concurrency?.finishAll) {
			const failed = outcomes.filter((entry) => entry && !entry.ok).length;
			const others = `${failed - 1} other of the ${outcomes.length} items failed too; every other item ran to the end.`;
			nodeError.description = [nodeError.description, failed > 1 ? others : 'Every other item ran to the end.']
				.filter(Boolean)
				.join(' ');
		}
		throw nodeError;
	}
	return out;
}

/** One item after the other; the first failure ends the run unless failures continue. */
async function runInTurn(
	items: INodeExecutionData[],
	run: (itemIndex: number, item: INodeExecutionData) => Promise<ItemResult>,
	continueOnFail: boolean,
): Promise<Array<Attempt<ItemResult> | undefined>> {
	const outcomes: Array<Attempt<ItemResult> | undefined> = new Array(items.length);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		outcomes[itemIndex] = await settle(async () => await run(itemIndex, items[itemIndex]));
		if (!outcomes[itemIndex]!.ok && !continueOnFail) break;
	}
	return outcomes;
}

/**
 * Up to `limit` items at once. First every item's key is worked out (also `limit` at a time);
 * then items start in input order as slots free up, an item with a key only when every earlier
 * item with that key has finished. Bounded: each item runs once, and the loop ends when none
 * is running and none can start.
 */
async function runSideBySide(
	items: INodeExecutionData[],
	limit: number,
	run: (itemIndex: number, item: INodeExecutionData) => Promise<ItemResult>,
	keyOf: ItemConcurrency['key'],
	continueOnFail: boolean,
): Promise<Array<Attempt<ItemResult> | undefined>> {
	const outcomes: Array<Attempt<ItemResult> | undefined> = new Array(items.length);
	const keys: string[][] = Array.from({ length: items.length }, () => []);
	if (keyOf) {
		const found = await mapAll(items.length, limit, async (itemIndex) => await keyOf(itemIndex));
		found.forEach((entry, itemIndex) => {
			if (entry.ok) keys[itemIndex] = [...new Set(entry.value === undefined ? [] : [entry.value].flat())];
			else outcomes[itemIndex] = entry; // fails in its turn, like any other failure
		});
	}

	// For each key, the items sharing it that have not finished, in input order: an item may
	// start when it heads the queue of every key it has.
	const queues = new Map<string, number[]>();
	const waitingFor: number[] = new Array(items.length).fill(0);
	const ready = new MinHeap();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		for (const key of keys[itemIndex]) {
			const queue = queues.get(key);
			if (queue) {
				queue.push(itemIndex);
				waitingFor[itemIndex]++;
			} else queues.set(key, [itemIndex]);
		}
		if (waitingFor[itemIndex] === 0) ready.push(itemIndex);
	}

	let firstFailure = Infinity;
	let running = 0;
	// Resolved whenever an item finishes: the loop below then starts what can start.
	let finished: () => void = () => undefined;
	const start = (itemIndex: number) => {
		running++;
		void (async () => {
			outcomes[itemIndex] ??= await settle(async () => await run(itemIndex, items[itemIndex]));
			if (!outcomes[itemIndex]!.ok && !continueOnFail) firstFailure = Math.min(firstFailure, itemIndex);
			for (const key of keys[itemIndex]) {
				const queue = queues.get(key)!;
				queue.shift(); // this item, the head
				const next = queue[0];
				if (next !== undefined && --waitingFor[next] === 0) ready.push(next);
			}
			running--;
			finished();
		})();
	};
	for (;;) {
		const anyFinished = new Promise<void>((resolve) => (finished = resolve));
		while (running < limit && ready.size > 0 && ready.peek()! < firstFailure) start(ready.pop()!);
		if (running === 0) break;
		await anyFinished;
	}
	return outcomes;
}

/** `task` for 0 … count − 1, at most `limit` at once; every outcome, in index order. */
async function mapAll<R>(count: number, limit: number, task: (index: number) => Promise<R>): Promise<Attempt<R>[]> {
	const outcomes: Attempt<R>[] = new Array(count);
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			outcomes[index] = await settle(async () => await task(index));
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
	return outcomes;
}

/** The smallest item index first: items start in input order whenever they can. */
class MinHeap {
	private readonly values: number[] = [];

	get size(): number {
		return this.values.length;
	}

	peek(): number | undefined {
		return this.values[0];
	}

	push(value: number): void {
		const values = this.values;
		values.push(value);
		for (let i = values.length - 1; i > 0;) {
			const parent = (i - 1) >> 1;
			if (values[parent] <= values[i]) break;
			[values[parent], values[i]] = [values[i], values[parent]];
			i = parent;
		}
	}

	pop(): number | undefined {
		const values = this.values;
		const top = values[0];
		const last = values.pop();
		if (values.length > 0 && last !== undefined) {
			values[0] = last;
			for (let i = 0; ;) {
				const left = 2 * i + 1;
				const right = left + 1;
				let smallest = i;
				if (left < values.length && values[left] < values[smallest]) smallest = left;
				if (right < values.length && values[right] < values[smallest]) smallest = right;
				if (smallest === i) break;
				[values[smallest], values[i]] = [values[i], values[smallest]];
				i = smallest;
			}
		}
		return top;
	}
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
export type Operation<Client> = (this: IExecuteFunctions, client: Client, itemIndex: number) => Promise<ItemResult>;

/**
 * An operation whose items may run side by side (writes to an API that takes several requests
 * at once). Opt-in: an operation given as a plain function runs its items one after another.
 */
export interface ParallelOperation<Client> {
	execute: Operation<Client>;
	/** Items at once for this run, from the node's option (read once, from the first item). */
	concurrency(this: IExecuteFunctions): number;
	/** What an item touches (see {@link ItemConcurrency.key}); items with the same key never overlap. */
	key?(this: IExecuteFunctions, client: Client, itemIndex: number): Promise<ItemKeys> | ItemKeys;
	/** Every item runs even after one failed (see {@link ItemConcurrency.finishAll}). */
	finishAll?: boolean;
}

export type OperationEntry<Client> = Operation<Client> | ParallelOperation<Client>;

/** A node's resources and, for each, the names of its operations (each node's `node.type.ts`). */
export type ResourceMap = Record<string, string>;

/**
 * Operations by resource, then by operation name, as the node's parameters name them. Typed by the
 * node's {@link ResourceMap}, a table that misses or adds an operation does not compile; a test
 * holds the node's description to the same table.
 */
export type OperationTable<Client, Map extends ResourceMap = ResourceMap> = {
	[Resource in keyof Map]: Record<Map[Resource], OperationEntry<Client>>;
};

export interface RouteOptions {
	/**
	 * Called once, before the first item, when the run's operation runs side by side (a
	 * {@link ParallelOperation} whose concurrency is above 1), with that concurrency: the client
	 * limits its requests in flight to it, and an operation may run one item's requests side by side.
	 */
	onConcurrency?(limit: number): void;
}

/**
 * The router of every action node: for each input item, reads `resource` and `operation` and runs
 * the matching operation with the client shared by the whole run (paired items, Continue On Fail).
 * A {@link ParallelOperation} runs its items side by side when every item asks for it (the
 * resource and operation cannot come from expressions, so they do).
 */
export async function routeOperations<Client>(
	ctx: IExecuteFunctions,
	client: Client,
	operations: OperationTable<Client>,
	options: RouteOptions = {},
): Promise<INodeExecutionData[]> {
	const find = (itemIndex: number): OperationEntry<Client> => {
		const resource = ctx.getNodeParameter('resource', itemIndex) as string;
		const operation = ctx.getNodeParameter('operation', itemIndex) as string;
		const entry = operations[resource]?.[operation];
		if (!entry) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The operation "${operation}" of resource "${resource}" is not supported`,
				{ itemIndex },
			);
		}
		return entry;
	};
	const parallel = sharedParallelEntry(ctx, find);
	if (!parallel) {
		return await forEachItem(ctx, async (itemIndex) => {
			const entry = find(itemIndex);
			const execute = typeof entry === 'function' ? entry : entry.execute;
			return await execute.call(ctx, client, itemIndex);
		});
	}
	let concurrency: ItemConcurrency | undefined;
	// An item's run reads again what its key read: it takes those values (rememberedParameters.ts).
	let runContext = ctx;
	let forget: (itemIndex: number) => void = () => undefined;
	const limit = parallel.concurrency.call(ctx);
	if (limit > 1) {
		options.onConcurrency?.(limit);
		const key = parallel.key;
		if (key) {
			const remembered = rememberParameters(ctx);
			runContext = remembered.context;
			forget = remembered.forget;
		}
		concurrency = {
			limit,
			...(key ? { key: async (itemIndex: number) => await key.call(runContext, client, itemIndex) } : {}),
		};
	}
	if (parallel.finishAll) concurrency = { limit: 1, ...concurrency, finishAll: true };
	// Every item runs this operation (sharedParallelEntry read each item's resource and operation).
	return await forEachItem(
		ctx,
		async (itemIndex) => {
			try {
				return await parallel.execute.call(runContext, client, itemIndex);
			} finally {
				forget(itemIndex);
			}
		},
		concurrency,
	);
}

/** The parallel operation every item runs, if they all run the same one. */
function sharedParallelEntry<Client>(
	ctx: IExecuteFunctions,
	find: (itemIndex: number) => OperationEntry<Client>,
): ParallelOperation<Client> | undefined {
	const count = ctx.getInputData().length;
	let shared: OperationEntry<Client> | undefined;
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		let entry: OperationEntry<Client>;
		try {
			entry = find(itemIndex);
		} catch {
			return undefined; // that item's own run reports it
		}
		if (typeof entry === 'function' || (shared !== undefined && entry !== shared)) return undefined;
		shared = entry;
	}
	return shared as ParallelOperation<Client>;
}

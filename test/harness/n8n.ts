/**
 * Runs this package's nodes inside n8n-core's own execution contexts, on a real n8n Workflow:
 * parameters and expressions resolve as in n8n, credentials reach requests only through each
 * credential type's `authenticate`, HTTP goes over the network through n8n's request helpers,
 * binary data goes through n8n's binary-data service, and static data follows n8n's saving rules.
 * Nothing of `this.helpers` is stubbed.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { BinaryDataService, CredentialTestContext, ExecuteContext, LoadOptionsContext, PollContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	ICredentialType,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
	INodeListSearchResult,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	NodeExecutionHint,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { ICredentialsHelper, NodeHelpers, Workflow, createRunExecutionData } from 'n8n-workflow';

import { credentialTypes, nodeTypes } from './registry';

// ---------------------------------------------------------------------------------------------
// Logging: n8n-core reads its logger from the DI container; capture what nodes log.

export interface LogLine {
	level: 'error' | 'warn' | 'info' | 'debug';
	message: string;
	meta?: unknown;
}

export const logLines: LogLine[] = [];

class CapturingLogger {
	error(message: string, meta?: unknown) {
		logLines.push({ level: 'error', message, meta });
	}
	warn(message: string, meta?: unknown) {
		logLines.push({ level: 'warn', message, meta });
	}
	info(message: string, meta?: unknown) {
		logLines.push({ level: 'info', message, meta });
	}
	debug(message: string, meta?: unknown) {
		logLines.push({ level: 'debug', message, meta });
	}
	scoped() {
		return this;
	}
}
Container.set(Logger, new CapturingLogger() as unknown as Logger);

let binaryReady: Promise<void> | undefined;
/** n8n-core's binary-data service, in filesystem mode under the test's private user folder. */
export async function ensureBinaryData(): Promise<void> {
	binaryReady ??= Container.get(BinaryDataService).init();
	await binaryReady;
}

// ---------------------------------------------------------------------------------------------
// Credentials: an ICredentialsHelper that applies each credential type's own `authenticate`.

export type CredentialStore = Record<string, ICredentialDataDecryptedObject>;

export class TestCredentialsHelper extends ICredentialsHelper {
	/** How many times a credential was decrypted (n8n's getDecrypted), across every helper. */
	static decryptions = 0;

	constructor(private readonly store: CredentialStore) {
		super();
	}

	private type(name: string): ICredentialType {
		const type = credentialTypes().get(name);
		if (!type) throw new Error(`Unknown credential type ${name}`);
		return type;
	}

	getParentTypes(name: string): string[] {
		return this.type(name).extends ?? [];
	}

	/** Same semantics as n8n's CredentialsHelper.authenticate: function, or generic expressions. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.type(typeName);
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate.type !== 'generic') throw new Error(`Unsupported authenticate type ${authenticate.type}`);
		requestOptions.headers ??= {};
		for (const [outerKey, pairs] of Object.entries(authenticate.properties)) {
			const target = ((requestOptions as unknown as Record<string, IDataObject>)[outerKey] ??= {});
			for (const [key, value] of Object.entries(pairs as IDataObject)) {
				const resolve = (text: string) =>
					text.startsWith('=')
						? String(
								workflow.expression.getSimpleParameterValue(
									node,
									text,
									'internal',
									{ $credentials: credentials },
									undefined,
									'',
								) ?? '',
							)
						: text;
				target[resolve(key)] = resolve(String(value));
			}
		}
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used in tests');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: unknown,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		TestCredentialsHelper.decryptions++;
		const data = this.store[type];
		if (!data) throw new Error(`No test credentials of type ${type}`);
		// Defaults of the credential type fill what the test leaves out, as n8n does.
		const withDefaults: ICredentialDataDecryptedObject = {};
		for (const property of this.type(type).properties) {
			if (property.default !== undefined && property.type !== 'notice') {
				withDefaults[property.name] = property.default as ICredentialDataDecryptedObject[string];
			}
		}
		return { ...withDefaults, ...data };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.type(type).properties;
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}
}

// ---------------------------------------------------------------------------------------------
// Workflow plumbing.

const registryNodeTypes: INodeTypes = {
	getByName: (type: string) => nodeTypeByName(type),
	getByNameAndVersion: (type: string, version?: number) =>
		NodeHelpers.getVersionedNodeType(nodeTypeByName(type), version),
	getKnownTypes: () => ({}),
};

function nodeTypeByName(type: string): INodeType | IVersionedNodeType {
	const found = nodeTypes().get(type) ?? extraTypes.get(type);
	if (!found) throw new Error(`Unknown node type ${type}`);
	return found;
}
const extraTypes = new Map<string, INodeType>();

/** Adds a node type that only tests use (e.g. a simulated provider's trigger). */
export function registerTestNodeType(type: INodeType): void {
	extraTypes.set(type.description.name, type);
}

export interface NodeSetup {
	/** Node type name as in its description, e.g. "psRestfulTrigger". */
	type: string;
	parameters: INodeParameters;
	credentials?: CredentialStore;
	name?: string;
	continueOnFail?: boolean;
	timezone?: string;
}

function buildNode(setup: NodeSetup): INode {
	const type = nodeTypeByName(setup.type) as INodeType;
	const version = Array.isArray(type.description.version)
		? type.description.version[type.description.version.length - 1]
		: type.description.version;
	const credentials: INode['credentials'] = {};
	for (const name of Object.keys(setup.credentials ?? {}))
		credentials[name] = { id: `cred-${name}`, name: `Test ${name}` };
	return {
		id: `node-${setup.type}`,
		name: setup.name ?? 'Node',
		type: setup.type,
		typeVersion: version,
		position: [0, 0],
		parameters: setup.parameters,
		credentials,
		...(setup.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
}

let workflowCounter = 0;

function buildWorkflow(
	node: INode,
	staticData: IDataObject,
	timezone?: string,
	id = `wf-test-${++workflowCounter}`,
): Workflow {
	return new Workflow({
		id,
		name: 'Test workflow',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: registryNodeTypes,
		staticData,
		settings: timezone ? { timezone } : {},
	});
}

function additionalData(credentials: CredentialStore): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new TestCredentialsHelper(credentials),
		executionId: `exec-${Math.random().toString(36).slice(2, 10)}`,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		variables: {},
		currentNodeExecutionIndex: 0,
	} as unknown as IWorkflowExecuteAdditionalData;
}

const deepCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// ---------------------------------------------------------------------------------------------
// Polling triggers.

export interface PollOptions {
	mode?: WorkflowExecuteMode;
	/** n8n 2.x's poll budget as PollContext reports it. */
	pollBudgetMs?: number;
}

/**
 * One trigger node of an active workflow in one n8n instance, across polls and restarts.
 *
 * It keeps n8n's two copies of static data apart: the in-memory one of the running process
 * (which keeps whatever a poll left, even after a null return or an error) and the saved one
 * in the database (written when a poll emits items, or — with durable poll cursors — also when
 * it returns null). `restart()` drops the process and starts from the saved copy.
 */
export class PollHarness {
	saved: IDataObject = {};

	private workflow: Workflow;

	private readonly node: INode;

	/** One workflow id per harness, kept across restarts (the engine's overlap guard keys on it). */
	private readonly workflowId = `wf-poll-${++workflowCounter}`;

	constructor(
		private readonly setup: NodeSetup,
		private readonly behaviour: { durableCursors?: boolean } = {},
	) {
		this.node = buildNode(setup);
		this.workflow = buildWorkflow(this.node, {}, setup.timezone, this.workflowId);
	}

	/** Runs one poll the way n8n's poll executor does and applies n8n's saving rules. */
	async poll(options: PollOptions = {}): Promise<INodeExecutionData[][] | null> {
		const mode = options.mode ?? 'trigger';
		const context = new PollContext(
			this.workflow,
			this.node,
			additionalData(this.setup.credentials ?? {}),
			mode,
			mode === 'manual' ? 'manual' : 'activate',
			undefined,
			undefined,
			undefined,
			undefined,
			undefined,
			options.pollBudgetMs !== undefined ? () => options.pollBudgetMs! : undefined,
		);
		const type = nodeTypeByName(this.setup.type) as INodeType;
		if (!type.poll) throw new Error(`${this.setup.type} has no poll()`);
		const result = await type.poll.call(context);
		if (mode !== 'manual' && (result !== null || this.behaviour.durableCursors)) {
			this.saved = deepCopy(this.workflow.staticData as IDataObject);
		}
		return result;
	}

	/** n8n restarts: the in-memory workflow is gone, static data comes back from the database. */
	restart(): void {
		this.workflow = buildWorkflow(this.node, deepCopy(this.saved), this.setup.timezone, this.workflowId);
	}

	/** The node's static data as the running process sees it. */
	get memoryState(): IDataObject {
		return (this.workflow.staticData as IDataObject)[`node:${this.node.name}`] as IDataObject;
	}

	/** The node's static data as saved in the database. */
	get savedState(): IDataObject | undefined {
		return this.saved[`node:${this.node.name}`] as IDataObject | undefined;
	}

	/** Changes a node parameter (the user edits the workflow). */
	setParameter(name: string, value: INodeParameters[string]): void {
		this.node.parameters[name] = value;
	}
}

// ---------------------------------------------------------------------------------------------
// Action nodes.

export interface ExecuteResult {
	output: INodeExecutionData[][];
	hints: NodeExecutionHint[];
}

export async function executeNode(
	setup: NodeSetup,
	input: INodeExecutionData[] = [{ json: {} }],
): Promise<ExecuteResult> {
	await ensureBinaryData();
	const node = buildNode(setup);
	const workflow = buildWorkflow(node, {}, setup.timezone);
	const inputData = { main: [input] };
	const executeData: IExecuteData = { node, data: inputData, source: { main: [{ previousNode: 'Input' }] } };
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData(setup.credentials ?? {}),
		'manual',
		createRunExecutionData(),
		0,
		input,
		inputData,
		executeData,
		[],
	);
	const type = nodeTypeByName(setup.type) as INodeType;
	if (!type.execute) throw new Error(`${setup.type} has no execute()`);
	const output = (await type.execute.call(context)) as INodeExecutionData[][];
	return { output, hints: (context as unknown as { hints: NodeExecutionHint[] }).hints ?? [] };
}

/**
 * An action node of an active workflow, executed again and again the way n8n runs production
 * executions (started by a trigger): each execution loads the workflow's static data from the
 * database (n8n's WorkflowRunner and queue-mode JobProcessor do, `loadStaticData`), and whatever
 * it changed is saved with it — on success and on failure alike (n8n-core's WorkflowExecute hands
 * changed static data to the `workflowExecuteAfter` hook either way; n8n saves it unless the mode
 * is manual). Two executions started together both start from the same saved copy.
 */
export class ActionHarness {
	saved: IDataObject = {};

	/** Executions that ended with an error (static data saved all the same). */
	failures = 0;

	private readonly node: INode;

	private readonly workflowId = `wf-action-${++workflowCounter}`;

	constructor(
		private readonly setup: NodeSetup,
		private readonly mode: WorkflowExecuteMode = 'trigger',
	) {
		this.node = buildNode(setup);
	}

	async execute(input: INodeExecutionData[] = [{ json: {} }]): Promise<ExecuteResult> {
		await ensureBinaryData();
		const workflow = buildWorkflow(this.node, deepCopy(this.saved), this.setup.timezone, this.workflowId);
		const inputData = { main: [input] };
		const executeData: IExecuteData = {
			node: this.node,
			data: inputData,
			source: { main: [{ previousNode: 'Input' }] },
		};
		const context = new ExecuteContext(
			workflow,
			this.node,
			additionalData(this.setup.credentials ?? {}),
			this.mode,
			createRunExecutionData(),
			0,
			input,
			inputData,
			executeData,
			[],
		);
		const type = nodeTypeByName(this.setup.type) as INodeType;
		if (!type.execute) throw new Error(`${this.setup.type} has no execute()`);
		let succeeded = false;
		try {
			const output = (await type.execute.call(context)) as INodeExecutionData[][];
			succeeded = true;
			return { output, hints: (context as unknown as { hints: NodeExecutionHint[] }).hints ?? [] };
		} finally {
			if (!succeeded) this.failures++;
			const staticData = workflow.staticData as IDataObject & { __dataChanged?: boolean };
			if (this.mode !== 'manual' && staticData.__dataChanged === true) this.saved = deepCopy(staticData);
		}
	}

	/** The node's static data as saved with the last execution that changed it. */
	get savedState(): IDataObject | undefined {
		return this.saved[`node:${this.node.name}`] as IDataObject | undefined;
	}

	/** Changes a node parameter (the user edits the workflow). */
	setParameter(name: string, value: INodeParameters[string]): void {
		this.node.parameters[name] = value;
	}
}

/**
 * A node's canvas subtitle as the editor shows it: the description's subtitle expression, resolved
 * against the node's parameters with their defaults filled in.
 */
export function nodeSubtitle(setup: NodeSetup): string {
	const type = nodeTypeByName(setup.type) as INodeType;
	const node = buildNode(setup);
	node.parameters =
		NodeHelpers.getNodeParameters(type.description.properties, setup.parameters, true, false, node, type.description) ??
		{};
	const workflow = buildWorkflow(node, {});
	return String(
		workflow.expression.getSimpleParameterValue(node, type.description.subtitle ?? '', 'internal', {}) ?? '',
	);
}

/** Calls a node's list-search method, as the editor does to fill a resource locator's list. */
export async function listSearch(setup: NodeSetup, method: string, filter?: string): Promise<INodeListSearchResult> {
	const node = buildNode(setup);
	const workflow = buildWorkflow(node, {});
	const context = new LoadOptionsContext(workflow, node, additionalData(setup.credentials ?? {}), 'parameters');
	const type = nodeTypeByName(setup.type) as INodeType;
	const fn = type.methods?.listSearch?.[method];
	if (!fn) throw new Error(`${setup.type} has no listSearch.${method}`);
	return await fn.call(context, filter);
}

/** Makes a binary input item through n8n's binary-data service (filesystem mode). */
export async function binaryItem(
	data: Buffer,
	fileName: string,
	mimeType: string,
	json: IDataObject = {},
	property = 'data',
): Promise<INodeExecutionData> {
	await ensureBinaryData();
	const workflow = buildWorkflow(buildNode({ type: [...nodeTypes().keys()][0], parameters: {} }), {});
	const node = workflow.getNode('Node')!;
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData({}),
		'manual',
		createRunExecutionData(),
		0,
		[],
		{ main: [[]] },
		{ node, data: { main: [[]] }, source: null },
		[],
	);
	const binary = await context.helpers.prepareBinaryData(data, fileName, mimeType);
	return { json, binary: { [property]: binary } };
}

// ---------------------------------------------------------------------------------------------
// Credential tests, the way n8n's CredentialsTester runs them.

export async function testCredential(
	typeName: string,
	data: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	const type = credentialTypes().get(typeName);
	if (!type) throw new Error(`Unknown credential type ${typeName}`);
	const helper = new TestCredentialsHelper({ [typeName]: data });
	const decrypted = await helper.getDecrypted({} as IWorkflowExecuteAdditionalData, {}, typeName);
	const credentialsDecrypted: ICredentialsDecrypted = {
		id: 'cred-test',
		name: 'Test',
		type: typeName,
		data: decrypted,
	};

	// Every credential of the package is tested by its nodes (`testedBy`), never declaratively: n8n's
	// own test follows redirects with the credential attached.
	if (type.test) throw new Error(`${typeName} has a declarative test; credentials are tested by their nodes`);

	// Tested by a node through `testedBy`: call the node's credentialTest method.
	for (const node of nodeTypes().values()) {
		const entry = node.description.credentials?.find((c) => c.name === typeName && typeof c.testedBy === 'string');
		const fn = entry ? node.methods?.credentialTest?.[entry.testedBy as string] : undefined;
		if (fn) {
			const context = new CredentialTestContext(additionalData({ [typeName]: data }));
			return await (fn as ICredentialTestFunction).call(context, credentialsDecrypted);
		}
	}
	throw new Error(`No credential test for ${typeName}`);
}

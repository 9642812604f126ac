import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { executeNode } from '../harness/n8n';
import type { CommerceConnectMock } from '../../sandbox/commerceconnect';

export function fixture<T = Record<string, unknown>>(name: string): T {
	return JSON.parse(
		readFileSync(join(__dirname, '..', '..', 'sandbox', 'fixtures', 'commerceconnect', name), 'utf8'),
	) as T;
}

export function credentialsFor(mock: CommerceConnectMock, baseUrl: string, token = mock.token) {
	return { commerceConnectApi: { email: mock.email, apiToken: token, baseUrl } };
}

/** Runs the CommerceConnect action node (resource Media Item) against the mock. */
export async function runNode(
	mock: CommerceConnectMock,
	baseUrl: string,
	parameters: Record<string, unknown>,
	input: INodeExecutionData[] = [{ json: {} }],
	options: { continueOnFail?: boolean; token?: string; baseUrl?: string } = {},
) {
	return await executeNode(
		{
			type: 'commerceConnect',
			parameters: { resource: 'mediaItem', ...parameters } as never,
			credentials: credentialsFor(mock, options.baseUrl ?? baseUrl, options.token),
			continueOnFail: options.continueOnFail,
		},
		input,
	);
}

export const json = (result: Awaited<ReturnType<typeof runNode>>) => result.output[0].map((item) => item.json);

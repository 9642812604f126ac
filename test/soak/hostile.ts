import { seededRandom } from '../../sandbox/random';
import { MockServer } from '../../sandbox/server';

/**
 * What a hostile provider does now and then, added to every scenario's fault mix at a low rate:
 * a redirect to another origin whose address is built from the request (so it carries the key),
 * and a `Date` header from year 2100. The other origin is a trap: every request reaching it was a
 * credential (or at least a request) leaving the provider's host, so `leaked()` must stay 0.
 * (Drip-fed answers ride on `SlowAnswers`; ignored cursors and unreadable rows are the mocks' own
 * `hostile` settings, where a provider has them.)
 */
export class HostileMix {
	readonly trap = new MockServer(() => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'trap' }));

	private readonly random: () => number;

	constructor(
		seed: number,
		/** Share of requests answered by each kind. */
		private readonly rate = 0.005,
	) {
		this.random = seededRandom(seed * 104_729 + 7);
	}

	async start(): Promise<void> {
		await this.trap.start();
	}

	async stop(): Promise<void> {
		await this.trap.stop();
	}

	/** Installs the rare faults on a provider's server. */
	install(server: MockServer): void {
		server.rareFaults = {
			random: this.random,
			faults: [
				{
					rate: this.rate,
					fault: {
						kind: 'redirect',
						status: 307,
						location: (request) =>
							`${this.trap.baseUrl}/moved?${new URLSearchParams({ path: request.rawPath, key: String(request.headers['x-api-key'] ?? request.headers.authorization ?? request.text) })}`,
					},
				},
				{ rate: this.rate, fault: { kind: 'headers', headers: { date: 'Fri, 01 Jan 2100 00:00:00 GMT' } } },
			],
		};
	}

	/** Rare faults off, for the drain phase. */
	uninstall(server: MockServer): void {
		server.rareFaults = undefined;
	}

	/** Requests that reached the other origin: each one a leak. */
	leaked(): number {
		return this.trap.requests.length;
	}
}

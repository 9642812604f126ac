import { timing } from '../../nodes/shared/transport/timing';
import { logLines } from './n8n';

/**
 * How much of the start of a secret counts as leaked: a server can echo a secret in any letter
 * case, and a text cut to an excerpt can keep the first part of one.
 */
const LEAK_PREFIX = 8;

/**
 * Asserts that no secret appears anywhere in an error: message, description, the sanitized
 * error response, context, cause, its JSON form, and every line the node logged — in any letter
 * case, and not even its first {@link LEAK_PREFIX} characters.
 */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
	const e = error as Record<string, unknown> & Error;
	const views = [
		String(e?.message),
		String(e?.description ?? ''),
		safeJson(e?.errorResponse),
		safeJson(e?.context),
		safeJson(e?.cause),
		safeJson((e as { toJSON?: () => unknown })?.toJSON?.()),
		safeJson(e),
		String(e?.stack ?? ''),
		logLines.map((l) => `${l.message} ${safeJson(l.meta)}`).join('\n'),
	];
	for (const secret of secrets) {
		const probe = secret.slice(0, LEAK_PREFIX).toLowerCase();
		for (const view of views) {
			const at = view.toLowerCase().indexOf(probe);
			if (at >= 0) {
				throw new Error(`secret "${secret.slice(0, 4)}…" leaked in: …${view.slice(Math.max(0, at - 150), at + 150)}…`);
			}
		}
	}
}

function safeJson(value: unknown): string {
	try {
		return JSON.stringify(value) ?? '';
	} catch {
		return String(value);
	}
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
	try {
		await fn();
	} catch (error) {
		return error as Error & Record<string, unknown>;
	}
	throw new Error('expected an error, but none was thrown');
}

/**
 * Records the backoff delays the transport asks for and skips the waiting, so retry tests run
 * fast and can check the delays. Returns the recorded delays; `restore()` puts the real sleep back.
 */
export function recordSleeps(): { delays: number[]; restore: () => void } {
	const original = timing.sleep;
	const delays: number[] = [];
	timing.sleep = async (ms: number) => {
		delays.push(ms);
	};
	return { delays, restore: () => (timing.sleep = original) };
}

/**
 * {@link recordSleeps} around every test of the enclosing block (or file): the transport's waits
 * are skipped, and `delays` are the ones the current test asked for.
 */
export function useRecordedSleeps(): { readonly delays: number[] } {
	let sleeps: ReturnType<typeof recordSleeps> | undefined;
	beforeEach(() => {
		sleeps = recordSleeps();
	});
	afterEach(() => {
		sleeps?.restore();
		sleeps = undefined;
	});
	return {
		get delays() {
			if (!sleeps) throw new Error('useRecordedSleeps: read the delays inside a test');
			return sleeps.delays;
		},
	};
}

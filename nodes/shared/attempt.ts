/**
 * Runs `fn` and returns its value or what it threw, so a caller decides outside a catch block
 * (n8n's lint forbids some work inside one, and a parser reads better as a branch). Free of
 * n8n-workflow: the answer readers that run in the answer worker use it too.
 */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function attempt<T>(fn: () => T): Attempt<T> {
	try {
		return { ok: true, value: fn() };
	} catch (error) {
		return { ok: false, error };
	}
}

/** `JSON.parse` as an {@link Attempt}. */
export function parseJsonText(text: string): Attempt<unknown> {
	return attempt(() => JSON.parse(text) as unknown);
}

/** Awaits `fn` and returns its value or what it threw (or rejected with), as an {@link Attempt}. */
export async function settle<T>(fn: () => T | Promise<T>): Promise<Attempt<T>> {
	try {
		return { ok: true, value: await fn() };
	} catch (error) {
		return { ok: false, error };
	}
}

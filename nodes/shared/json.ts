/**
 * Nesting depth of data a provider sends. JSON.parse reads any depth, but everything after it —
 * hashing an item, n8n saving an execution, JSON.stringify — recurses, and overflows the stack on
 * an item nested 100,000 deep. No media item is nested that deep: data deeper than this is a
 * broken or hostile record, reported and skipped before anything recurses into it.
 */
export const MAX_NESTING = 64;

/** Whether `value` nests deeper than `limit` levels (arrays and objects), counted without recursion. */
export function nestsDeeperThan(value: unknown, limit: number = MAX_NESTING): boolean {
	const stack: Array<[unknown, number]> = [[value, 0]];
	while (stack.length > 0) {
		const [current, depth] = stack.pop()!;
		if (!current || typeof current !== 'object') continue;
		if (depth >= limit) return true;
		for (const child of Object.values(current as Record<string, unknown>)) {
			if (child && typeof child === 'object') stack.push([child, depth + 1]);
		}
	}
	return false;
}

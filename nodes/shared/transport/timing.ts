/**
 * The transport's only contact with time passing. Tests and benchmarks replace `sleep` to
 * record the backoff delays the transport asks for (and skip waiting), without touching
 * anything on the network path.
 */
export const timing = {
	sleep: async (ms: number): Promise<void> => {
		await new Promise((resolve) => setTimeout(resolve, ms));
	},
	random: (): number => Math.random(),
};

/** Resolves in the event loop's next turn, after the I/O that is ready now has been handled. */
export async function nextTurn(): Promise<void> {
	await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Prints benchmark figures on stdout (not through jest's console, which decorates every line). */
export function report(line: string): void {
	process.stdout.write(`${line}\n`);
}

export function ms(value: number): string {
	return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

import { fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `module` (a TypeScript file of bench/) in a fresh Node.js process, sends it `job` and
 * returns its one answer `{ ok, figures | error }`.
 */
export async function runInChild<J, F>(module: string, job: J): Promise<F> {
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- benchmark tooling, not part of the package: runs one of this repository's bench modules in a fresh process
	const child = fork(join(__dirname, 'run-ts.js'), [join(__dirname, '..', module)], {
		// BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the child there (open it in Chrome DevTools).
		execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const answer = new Promise<{ ok: boolean; figures?: F; error?: string }>((resolve, reject) => {
		child.once('message', (message) => resolve(message as never));
		child.once('exit', (code) => reject(new Error(`${module} exited (${code}) without an answer`)));
	});
	child.send(job as never);
	const message = await answer;
	if (!message.ok) throw new Error(`${module} failed: ${message.error}`);
	return message.figures!;
}

// The service as its users run it: `src/main.ts` (or a CLI) in a child process, with its output kept for
// assertions and error messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './servers.js';

/**
 * Runs `command` in a child process with its output kept. `exited` resolves to its exit code (-1 when killed by
 * a signal). `detached` puts it in a process group of its own, for a command that starts others (npm).
 */
export function launch(command: string, args: string[], env: Record<string, string>, options: { cwd?: string; detached?: boolean } = {}) {
  const child = spawn(command, args, { ...options, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exited, output: () => output };
}

/**
 * Runs a TypeScript entry point in node with tsx's loader: the child is the service process itself (the tsx
 * binary would run it in a grandchild, out of reach of a signal sent to the child).
 */
export function run(script: string, args: string[], env: Record<string, string>) {
  return launch(process.execPath, ['--import', 'tsx', script, ...args], env);
}

/** Waits until `path` of the service at `url` answers 200; throws with its output if it exits or takes a minute. */
export async function whenReady(proc: ReturnType<typeof launch>, url: string, path = '/readyz'): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`service exited: ${proc.output()}`);
    const ready = await fetch(`${url}${path}`).then((r) => r.ok, () => false);
    if (ready) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`service did not become ready: ${proc.output()}`);
}

/** `npm start` on a free port, once /readyz answers 200. */
export async function startMain(env: Record<string, string>) {
  const port = await freePort();
  const proc = run('src/main.ts', [], { ...env, PORT: String(port) });
  const url = `http://localhost:${port}`;
  await whenReady(proc, url);
  return { ...proc, url };
}

/** SIGTERM, and waits for the exit. */
export async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

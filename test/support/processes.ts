// The service as its users run it: `src/main.ts` (or a CLI) in a child process, with its output kept for
// assertions and error messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './servers.js';

/**
 * Runs a TypeScript entry point in node with tsx's loader: the child is the service process itself (the tsx
 * binary would run it in a grandchild, out of reach of a signal sent to the child). `exited` resolves to its
 * exit code (-1 when killed by a signal).
 */
export function run(script: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exited, output: () => output };
}

/** `npm start` on a free port, once /readyz answers 200. */
export async function startMain(env: Record<string, string>) {
  const port = await freePort();
  const proc = run('src/main.ts', [], { ...env, PORT: String(port) });
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`service exited: ${proc.output()}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { ...proc, url };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`service did not become ready: ${proc.output()}`);
}

/** SIGTERM, and waits for the exit. */
export async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

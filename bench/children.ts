// Node child processes of the bench (the service and the raw baseline): started as compiled JavaScript, as
// `npm start` runs the service (scripts/start.mjs and its bundle in dist/service/; the baseline is bundled into
// dist/ with the same esbuild), so that neither pays for a loader that production does not run; their output kept (a tail for error messages, warnings and errors counted), ready once GET /readyz answers 200,
// stopped gracefully (SIGTERM, so that --cpu-prof gets to write its profile), and killed if the bench dies.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/servers.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const TAIL_CHARS = 16 * 1024;

export interface NodeChild {
  name: string;
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The last lines it printed. */
  tail(lines?: number): string;
  /** Log lines at pino level warn (40) or above, and anything else it wrote to stderr. */
  problems(): string[];
  /** Throws, with how it exited and its last output, if it is no longer running. */
  assertRunning(during: string): void;
  /** SIGTERM, then SIGKILL if it has not exited in time. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The bench may die of anything: never leave a service or baseline running behind it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

let serviceBuilt = false;

/**
 * The JavaScript that runs `script`: for the service, scripts/start.mjs, which `npm start` runs (its bundle
 * built here once per bench run, before any service starts); for anything else (the baseline), one bundle of it
 * beside it in dist/ (its packages left to node_modules).
 */
async function compiled(script: string): Promise<string> {
  if (script === 'src/main.ts') {
    if (!serviceBuilt) {
      const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
      if (built.status !== 0) throw new Error(`node scripts/build.mjs exited with ${built.status}: the service could not be built`);
      serviceBuilt = true;
    }
    return 'scripts/start.mjs';
  }
  const outfile = `dist/bench-${script.replace(/^.*\//, '').replace(/\.ts$/, '.js')}`;
  await build({ entryPoints: [script], outfile, absWorkingDir: REPO_ROOT, bundle: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'warning' });
  return outfile;
}

/** Starts `node [nodeFlags] <script, compiled>` in the repository root and waits for its /readyz. */
export async function startNodeChild(options: {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  nodeFlags?: string[];
  /** Warnings the bench causes on purpose (AUTH=off): not counted as problems. */
  expected?: RegExp;
}): Promise<NodeChild> {
  installExitHook();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), await compiled(options.script)], {
    cwd: REPO_ROOT,
    // One process unless told otherwise: server mode would start one worker per core (WORKERS), and the
    // figures compare one process with the baseline's one process.
    env: { WORKERS: '1', ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let log = '';
  const problems: string[] = [];
  const keep = (chunk: Buffer, stderr: boolean) => {
    const text = chunk.toString('utf8');
    log = (log + text).slice(-TAIL_CHARS);
    for (const line of text.split('\n')) {
      if (!line.trim() || options.expected?.test(line)) continue;
      const level = /^\{.*"level":(\d+)/.exec(line)?.[1];
      if ((level !== undefined && Number(level) >= 40) || (level === undefined && stderr)) problems.push(line);
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => keep(chunk, false));
  child.stderr!.on('data', (chunk: Buffer) => keep(chunk, true));
  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = signal ? `killed by ${signal}` : `exit code ${code}`;
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      exitStatus = `failed to spawn: ${error.message}`;
      live.delete(child);
      resolve();
    });
  });

  const url = `http://127.0.0.1:${options.port}`;
  const tail = (lines = 30) => log.trimEnd().split('\n').slice(-lines).join('\n') || '(no output)';
  const stop = async () => {
    if (exitStatus !== undefined) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS, true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitStatus !== undefined) {
      throw new Error(`${options.name} exited before it was ready (${exitStatus})\n--- last output of ${options.name} ---\n${tail()}`);
    }
    if (await isReady(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} not ready after ${READY_TIMEOUT_MS} ms\n--- last output of ${options.name} ---\n${tail()}`);
    }
    await sleep(100);
  }
  const assertRunning = (during: string) => {
    if (exitStatus === undefined) return;
    throw new Error(`${options.name} exited during ${during} (${exitStatus})\n--- last output of ${options.name} ---\n${tail()}`);
  };
  return { name: options.name, pid: child.pid ?? 0, url, tail, problems: () => [...problems], assertRunning, stop };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The service (`src/main.ts`) as the bench runs it: AUTH=off, warnings only, writes of up to 10,000 rows, and
 * one process (WORKERS=1) unless `env` says otherwise, since every figure but the workers scenario's is one
 * process's (the CPU meter follows its pid).
 */
export async function startService(options: { env: Record<string, string>; nodeFlags?: string[] }): Promise<NodeChild> {
  return startNodeChild({
    name: 'service',
    script: 'src/main.ts',
    port: await freePort(),
    env: { AUTH: 'off', LOG_LEVEL: 'warn', MAX_WRITE_BATCH: '10000', WORKERS: '1', ...options.env },
    nodeFlags: [...startFlags(), ...(options.nodeFlags ?? [])],
    // AUTH=off is on purpose: the service's warning about it is no problem here.
    expected: /AUTH IS OFF|npm run keys -- create|auth is off/,
  });
}

/** The node flags `npm start` runs the service with (package.json's start script): the bench runs the same. */
function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { scripts: { start: string } };
  const match = /\bnode((?:\s+--\S+)*)\s+scripts\/start\.mjs\b/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script does not run \`node [flags] scripts/start.mjs\`: ${scripts.start}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

// The `start` scenario: how long `npm start` takes to serve, and how much memory the service holds once idle,
// in embedded mode (PGlite under DATA_DIR), on a fresh data directory (first start: migrations) and again on
// the same directory (every later start).
//
// It runs `npm start` itself, in the repository, as a user does (whatever the start script is and whatever
// npm runs before it), with PORT and DATA_DIR set and no DATABASE_URL or Redis, and times from the spawn to
// the first 200 on GET /healthz. Idle RSS is then read from /proc after BENCH_IDLE_SECONDS of no requests: the
// sum over every process the start script runs (tsx's launcher and the service, or the service alone), not
// npm's own process, which is reported beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/support/servers.js';
import { REPO_ROOT } from './children.js';
import type { TargetCheck } from './format.js';

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/** How often /healthz is asked while the service starts: the resolution of the time to ready. */
const POLL_MS = 25;

export interface ProcessMemory {
  pid: number;
  command: string;
  rssBytes: number;
}

export interface StartRun {
  dataDirectory: 'fresh' | 'existing';
  /** From spawning `npm start` to the first 200 on /healthz. */
  readyMs: number;
  /** Sum of the RSS of every process under npm, after the idle wait. */
  idleRssBytes: number;
  processes: ProcessMemory[];
  /** npm's own process (the parent of the start script), not counted above. */
  npmRssBytes: number;
}

export interface StartResult {
  command: string;
  idleSeconds: number;
  runs: StartRun[];
}

export const START_TARGETS = { existingReadyMs: 2_000, freshReadyMs: 6_000, idleRssBytes: 300 * 1024 * 1024 };

/** A fresh start, then a start on the directory it left, each stopped before the next. */
export async function benchStart(idleSeconds: number, progress: (message: string) => void): Promise<StartResult> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'bench-start-'));
  const dataDir = path.join(parent, 'data');
  try {
    const runs: StartRun[] = [];
    for (const dataDirectory of ['fresh', 'existing'] as const) {
      progress(`start: npm start on a ${dataDirectory} data directory (${dataDir})`);
      const run = await startOnce(dataDir, dataDirectory, idleSeconds);
      progress(`start: ${dataDirectory}: ready in ${(run.readyMs / 1000).toFixed(2)} s, idle RSS ${mb(run.idleRssBytes)} MB after ${idleSeconds} s`);
      runs.push(run);
    }
    return { command: 'npm start', idleSeconds, runs };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

export function checkStartTargets(result: StartResult): TargetCheck[] {
  return result.runs.flatMap((run) => {
    const readyTarget = run.dataDirectory === 'fresh' ? START_TARGETS.freshReadyMs : START_TARGETS.existingReadyMs;
    return [
      { what: `start, ${run.dataDirectory} data directory: time to ready (s)`, target: `≤ ${readyTarget / 1000}`, value: run.readyMs / 1000, met: run.readyMs <= readyTarget },
      {
        what: `start, ${run.dataDirectory} data directory: idle RSS (MB)`,
        target: `≤ ${mb(START_TARGETS.idleRssBytes)}`,
        value: run.idleRssBytes / 1024 / 1024,
        met: run.idleRssBytes <= START_TARGETS.idleRssBytes,
      },
    ];
  });
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function startOnce(dataDir: string, dataDirectory: StartRun['dataDirectory'], idleSeconds: number): Promise<StartRun> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir };
  // Embedded mode: nothing of the server mode the caller may have exported.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'REDIS_CLUSTER_NODES']) delete env[name];
  const started = performance.now();
  // Its own process group, so that whatever npm starts can be killed with it if it does not stop.
  const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = () => {
    try {
      process.kill(-npm.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_192);
  };
  npm.stdout!.on('data', keep);
  npm.stderr!.on('data', keep);
  const exited = new Promise<string>((resolve) => npm.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)));
  let exitStatus: string | undefined;
  void exited.then((status) => (exitStatus = status));
  try {
    const readyMs = await untilHealthy(`http://127.0.0.1:${port}/healthz`, started, () => exitStatus);
    await sleep(idleSeconds * 1000);
    if (exitStatus !== undefined) throw new Error(`exited while idle (${exitStatus})`);
    const processes = await descendants(npm.pid!);
    return {
      dataDirectory,
      readyMs,
      idleRssBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0),
      processes,
      npmRssBytes: await rssBytes(npm.pid!),
    };
  } catch (error) {
    throw new Error(`npm start (${dataDirectory} data directory): ${error instanceof Error ? error.message : String(error)}\n--- last output ---\n${output.trimEnd()}`);
  } finally {
    await stop(npm, exited, () => exitStatus !== undefined);
    killGroup();
    process.off('exit', killGroup);
  }
}

async function untilHealthy(url: string, started: number, exitStatus: () => string | undefined): Promise<number> {
  for (;;) {
    const status = exitStatus();
    if (status !== undefined) throw new Error(`exited before /healthz answered (${status})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`/healthz did not answer 200 within ${READY_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** SIGTERM to npm (it passes the signal on to the start script, which stops gracefully), SIGKILL to all if it hangs. */
async function stop(npm: ChildProcess, exited: Promise<string>, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  npm.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS, true)]);
  if (timedOut) process.kill(-npm.pid!, 'SIGKILL');
  await exited;
}

/** Every process below `root` (not `root` itself), from /proc. */
async function descendants(root: number): Promise<ProcessMemory[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state, then the parent pid.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (pid: number): number[] => [...parents].filter(([, parent]) => parent === pid).flatMap(([child]) => [child, ...below(child)]);
  return Promise.all(
    below(root).map(async (pid) => ({
      pid,
      command: (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim().slice(0, 200),
      rssBytes: await rssBytes(pid),
    })),
  );
}

/** VmRSS of one process (0 once it is gone). */
async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

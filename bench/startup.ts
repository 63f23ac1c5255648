// Time to ready and idle memory of the embedded service, as a user starts it: runs a start command (default
// `npm start`) on a free port, in embedded mode, and reports how long it takes until GET /healthz answers 200,
// and the resident memory of the whole process tree (npm, the shell, the service) once it has idled.
// Two runs: a fresh DATA_DIR (the database is created and migrated) and the same DATA_DIR again (existing).
// Self-contained (node built-ins only) and Linux-only (memory is read from /proc).
//
//   npx tsx bench/startup.ts                          # `npm start`, 3 runs of each, medians
//   STARTUP_RUNS=5 npx tsx bench/startup.ts
//   npx tsx bench/startup.ts node dist/main.js        # any other start command
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** How long the service idles before its memory is read: long enough for start-up garbage to be collected. */
const IDLE_MS = 3_000;
const READY_TIMEOUT_MS = 60_000;

export interface StartupFigures {
  readyMs: number;
  /** CPU time (user + system, every thread) the process tree spent until ready: unlike readyMs, barely moved by other load on the machine. */
  readyCpuMs: number;
  /** Resident memory of the process tree the command started, after IDLE_MS of idling, in MB. */
  idleRssMb: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The pid and every descendant of it, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 2nd field after the command name, which may itself hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while the table was read.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // utime, stime, cutime, cstime: fields 14 to 17, the 12th to 15th after the command name. The last two
      // hold what exited children spent (the prestart build, a nested npm), each counted once, by its parent.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // Gone.
    }
  }
  return Math.round((ticks * 1000) / TICKS_PER_SECOND);
}

function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return Math.round(kb / 1024);
}

async function stopTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The command runs in a process group of its own: npm forwards signals, but a shell between may not.
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
}

/** Starts `command` in embedded mode on `dataDir` and measures it. */
export async function measureStartup(command: string[], dataDir: string): Promise<StartupFigures> {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', REDIS_CLUSTER_NODES: '', AUTH: 'off', LOG_LEVEL: 'warn' };
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}:\n${stderr}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`not ready after ${READY_TIMEOUT_MS} ms:\n${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = Math.round(performance.now() - started);
    const readyCpuMs = cpuMs(processTree(child.pid!));
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { readyMs, readyCpuMs, idleRssMb: rssMb(processTree(child.pid!)) };
  } finally {
    await stopTree(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv.length > 2 ? process.argv.slice(2) : ['npm', 'start', '--silent'];
  const runs = Number(process.env.STARTUP_RUNS ?? 3);
  const fresh: StartupFigures[] = [];
  const existing: StartupFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-startup-'));
    try {
      fresh.push(await measureStartup(command, dataDir));
      existing.push(await measureStartup(command, dataDir));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    console.error(`run ${i + 1}: fresh ${JSON.stringify(fresh.at(-1))}, existing ${JSON.stringify(existing.at(-1))}`);
  }
  const summary = (figures: StartupFigures[]) =>
    `ready ${median(figures.map((f) => f.readyMs))} ms (CPU ${median(figures.map((f) => f.readyCpuMs))} ms), idle RSS ${median(figures.map((f) => f.idleRssMb))} MB`;
  console.log(`${command.join(' ')} (median of ${runs}, embedded)`);
  console.log(`  fresh DATA_DIR:    ${summary(fresh)}`);
  console.log(`  existing DATA_DIR: ${summary(existing)}`);
}

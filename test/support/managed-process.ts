// Child processes of the test harness (servers and tools), their log tails for error messages, and the
// cleanup that leaves nothing behind: graceful (stopAll) and last-resort (process exit), temp dirs included.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const STARTUP_TIMEOUT_MS = 30_000;
const LOG_TAIL_BYTES = 32 * 1024;

export interface RunAs {
  uid: number;
  gid: number;
}

interface SpawnOptions {
  cwd: string;
  runAs?: RunAs | undefined;
  /**
   * Signal sent from the synchronous process-exit handler, where there is no time to
   * wait. Postgres gets SIGQUIT (immediate shutdown: the postmaster takes its backends
   * down with it, which a SIGKILL would not do); Redis gets SIGKILL.
   */
  emergencySignal: NodeJS.Signals;
}

/** A spawned server or tool, with the tail of its stdout+stderr kept for error messages. */
export class ManagedProcess {
  readonly child: ChildProcess;
  /** Resolves once the process has exited (or failed to spawn at all) and its output is in. */
  readonly exited: Promise<void>;
  private log = '';
  private exitDescription: string | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    private readonly options: SpawnOptions,
  ) {
    this.child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
    // Always drain both pipes: a server blocks once a pipe buffer is full.
    const append = (chunk: Buffer) => {
      this.log += chunk.toString('utf8');
      if (this.log.length > LOG_TAIL_BYTES) this.log = this.log.slice(-LOG_TAIL_BYTES);
    };
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    liveProcesses.add(this);
    installExitHandlers();
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `killed by ${signal}` : `exit code ${code}`;
        liveProcesses.delete(this);
        // 'exit' can come before the last output is read ('close'), and that last line is
        // usually the one saying why it died. Don't wait forever though: a grandchild
        // (a Postgres backend) could keep the pipe open a little longer.
        void Promise.race([closed, sleep(1_000, undefined, { ref: false })]).then(() => resolve());
      });
      this.child.once('error', (err) => {
        // e.g. ENOENT/EACCES: the process never ran, so no 'exit' will follow.
        this.exitDescription = `failed to spawn: ${err.message}`;
        liveProcesses.delete(this);
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitDescription === undefined;
  }

  /** Last `lines` lines of output, for error messages. */
  tail(lines = 40): string {
    const text = this.log.trimEnd().split('\n').slice(-lines).join('\n');
    return text || '(no output)';
  }

  /** An Error describing what happened, with the log tail. */
  failure(what: string): Error {
    const status = this.exitDescription ? ` (${this.exitDescription})` : '';
    return new Error(`${this.name}: ${what}${status}\n--- last output of ${this.name} ---\n${this.tail()}`);
  }

  /** Sends `signal` and waits for exit; escalates to SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    // ref: false, so a pending timer never keeps the process alive after the exit.
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(timeoutMs, true, { ref: false })]);
    if (timedOut && this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Synchronous last resort, for the process-exit handler. */
  killNow(): void {
    if (this.running) this.child.kill(this.options.emergencySignal);
  }
}

/** Runs a command to completion; throws with its output tail if it does not exit 0. */
export async function run(name: string, command: string, args: string[], options: Omit<SpawnOptions, 'emergencySignal'>): Promise<void> {
  const proc = new ManagedProcess(name, command, args, { ...options, emergencySignal: 'SIGKILL' });
  await proc.exited;
  if (proc.child.exitCode !== 0) throw proc.failure('failed');
}

/**
 * Polls `ready()` until it returns true. Fails fast, with the server's log tail, if the
 * server exits meanwhile, and fails after `timeoutMs` otherwise.
 */
export async function waitUntilReady(proc: ManagedProcess, what: string, ready: () => Promise<boolean>, timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.running && (await ready())) return;
    if (!proc.running) {
      await proc.exited;
      throw proc.failure(`exited before ${what}`);
    }
    if (Date.now() > deadline) throw proc.failure(`not ${what} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------
// Cleanup: graceful (stopAll) and last-resort (process exit)

const liveProcesses = new Set<ManagedProcess>();
const tempDirs = new Set<string>();
export const liveServers = new Set<{ stop(): Promise<void> }>();

/** Gracefully stops every server the harness started in this process that is still up. */
export async function stopAll(): Promise<void> {
  await Promise.all([...liveServers].map((server) => server.stop()));
}

let exitHandlersInstalled = false;

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', killEverythingNow);
  // Node does not run 'exit' handlers when a signal kills the process, so catch the usual
  // ones too. If nobody else handles the signal, re-raise it once we are done so the
  // process still dies of it (a listener would otherwise cancel the default action).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killEverythingNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function killEverythingNow(): void {
  for (const proc of liveProcesses) proc.killNow();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a server that is still dying may be writing into it.
    }
  }
  tempDirs.clear();
}

export async function makeTempDir(prefix: string, root = os.tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(root, prefix));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------
// Binaries

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

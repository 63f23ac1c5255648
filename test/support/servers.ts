/**
 * Test harness: starts REAL PostgreSQL and Redis servers (standalone and cluster) for the
 * test suite, from the binaries the Debian packages install: no mocks, no docker.
 *
 * Every server lives in its own fresh temp dir and listens on 127.0.0.1 on a free port
 * chosen at run time, so a run never touches (nor is confused by) a system service on the
 * default ports 5432/6379, and several runs can share a machine.
 *
 * Every child process is tracked: `stopAll()` stops them gracefully, and a process 'exit'
 * (or SIGINT/SIGTERM/SIGHUP) handler kills whatever is still running and removes the temp
 * dirs, so a crashed test run leaves no servers behind. The one case nothing can cover is
 * the Node process itself being SIGKILLed.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, rm, statfs } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface PostgresServer {
  /** Admin url: `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth, no password). */
  url: string;
  port: number;
  /** Fast shutdown, then removes the data directory. Idempotent. */
  stop(): Promise<void>;
  /** Fast shutdown keeping the data directory: the database is down until start(). Idempotent. */
  halt(): Promise<void>;
  /** Starts a halted server again on the SAME port with the same data (no-op if running). */
  start(): Promise<void>;
}

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Stops the server and waits until it has exited (and its port is closed). Idempotent. */
  stop(): Promise<void>;
  /**
   * Starts it again on the SAME port (no-op if running). There is no persistence, so the
   * restarted server is empty, like a cache that crashed.
   */
  start(): Promise<void>;
}

export interface RedisCluster {
  /** One `127.0.0.1:PORT` per master. */
  nodes: string[];
  /** Stops every node and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const CLUSTER_SLOTS = 16384;
const STARTUP_TIMEOUT_MS = 30_000;
const LOG_TAIL_BYTES = 32 * 1024;

// ---------------------------------------------------------------------------------------
// Ports

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` DISTINCT free ports: all listeners are held open until every port is known, so
 * the kernel cannot hand out the same port twice (it may if each one is closed at once).
 */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, HOST, () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * A port from freePort() can still be taken by someone else before our server binds it.
 * That race is rare but real on a busy machine, so start-ups that chose their own port
 * retry on "Address already in use". `attempt` must clean up after itself when it throws.
 */
async function retryOnPortClash<T>(attempt: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= attempts || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Child processes

interface RunAs {
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
class ManagedProcess {
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
async function run(name: string, command: string, args: string[], options: Omit<SpawnOptions, 'emergencySignal'>): Promise<void> {
  const proc = new ManagedProcess(name, command, args, { ...options, emergencySignal: 'SIGKILL' });
  await proc.exited;
  if (proc.child.exitCode !== 0) throw proc.failure('failed');
}

/**
 * Polls `ready()` until it returns true. Fails fast, with the server's log tail, if the
 * server exits meanwhile, and fails after `timeoutMs` otherwise.
 */
async function waitUntilReady(proc: ManagedProcess, what: string, ready: () => Promise<boolean>, timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
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
const liveServers = new Set<{ stop(): Promise<void> }>();

/** Gracefully stops every server this module started in this process that is still up. */
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

async function makeTempDir(prefix: string, root = os.tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(root, prefix));
  tempDirs.add(dir);
  return dir;
}

async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------
// Binaries

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Debian keeps the PostgreSQL server binaries in /usr/lib/postgresql/VERSION/bin, off the
 * PATH (only client wrappers such as psql are on it), so look there too, newest first.
 */
function postgresBinary(name: string): string {
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no such directory: fall through to the error below
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const candidate = path.join(root, version, 'bin', name);
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(`PostgreSQL's ${name} is neither on PATH nor in ${root}/*/bin: install the postgresql package`);
}

function redisBinary(name: 'redis-server' | 'redis-cli'): string {
  const found = findOnPath(name) ?? ['/usr/bin', '/usr/local/bin'].map((d) => path.join(d, name)).find(isExecutable);
  if (!found) {
    throw new Error(`${name} not found on PATH: install the ${name === 'redis-cli' ? 'redis-tools' : 'redis-server'} package`);
  }
  return found;
}

/**
 * Postgres refuses to run as root (initdb and postgres both exit with an error), and CI
 * runs as root. So when we are root, run them as the `postgres` OS user that the Debian
 * package creates. We use spawn's uid/gid options rather than `runuser`/`su`: that way the
 * child IS the postmaster, so our SIGINT (fast shutdown) reaches it directly instead of
 * going through runuser's own signal handling, and its exit is the postmaster's exit.
 */
function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('Running as root, but there is no `postgres` OS user to run PostgreSQL as (Postgres refuses to run as root): install the postgresql package');
  }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/**
 * Where Postgres data dirs go: TEST_PG_TMPDIR if set, else /dev/shm when it is a tmpfs
 * with room to spare, else os.tmpdir(). Even with fsync=off, CREATE DATABASE (which copies
 * template1, ~7.5 MB) measured ~220 ms on the ext4 /tmp of our machines and ~35 ms on
 * tmpfs, and tests create a database each.
 */
async function postgresTempRoot(): Promise<string> {
  if (process.env.TEST_PG_TMPDIR) return process.env.TEST_PG_TMPDIR;
  try {
    const shm = await statfs('/dev/shm');
    accessSync('/dev/shm', fsConstants.W_OK | fsConstants.X_OK);
    // Docker's default /dev/shm is only 64 MiB; require far more than a cluster needs.
    if (shm.bavail * shm.bsize >= 1024 ** 3) return '/dev/shm';
  } catch {
    // no /dev/shm
  }
  return os.tmpdir();
}

/**
 * True once the server on `url` accepts connections AND is ours (serves `dataDir`), not
 * some other server that happens to hold the port while ours fails to bind it.
 */
async function postgresAcceptsConnections(url: string, dataDir: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  // A connection that fails later must not crash the process with an unhandled 'error'.
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0]?.data_directory === dataDir;
  } catch {
    // refused while starting, or "the database system is starting up"
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Starts a throwaway PostgreSQL server: fresh initdb in a temp dir, 127.0.0.1 on a free
 * port, unix socket in the temp dir, durability switched off for speed.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const runAs = postgresRunAs();
  const initdb = postgresBinary('initdb');
  const postgres = postgresBinary('postgres');

  const dir = await makeTempDir('pg-', await postgresTempRoot());
  try {
    // The postgres user must own the temp dir: initdb creates the data dir in it and the
    // server puts its unix socket there. (It also needs to be able to traverse the parent
    // dir: /dev/shm and /tmp are world-writable, a TMPDIR under /root would not do.)
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    const dataDir = path.join(dir, 'data');
    // --locale=C: fast, and identical on every machine whatever locales it has.
    await run('initdb', initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], { cwd: dir, runAs });

    return await retryOnPortClash(async () => {
      const port = await freePort();
      const url = `postgres://postgres@${HOST}:${port}/postgres`;
      // Run `postgres` itself in the foreground (not `pg_ctl start`): we own the process,
      // see its log on stderr, and notice at once if it dies.
      const launch = async () => {
        const proc = new ManagedProcess(`postgres :${port}`, postgres, [
          '-D', dataDir,
          '-p', String(port),
          '-c', `listen_addresses=${HOST}`,
          '-c', `unix_socket_directories=${dir}`,
          // A test database is disposable: trade durability for speed.
          '-c', 'fsync=off',
          '-c', 'synchronous_commit=off',
          '-c', 'full_page_writes=off',
          '-c', 'max_connections=200',
        ], { cwd: dir, runAs, emergencySignal: 'SIGQUIT' });
        try {
          await waitUntilReady(proc, 'accepting connections', () => postgresAcceptsConnections(url, dataDir));
        } catch (err) {
          await proc.stop('SIGQUIT');
          throw err;
        }
        return proc;
      };
      let proc = await launch();

      let stopped = false;
      const server: PostgresServer = {
        url,
        port,
        async stop() {
          if (stopped) return;
          stopped = true;
          liveServers.delete(server);
          await proc.stop('SIGINT', 15_000); // SIGINT = "fast" shutdown: rolls back open transactions
          await removeTempDir(dir);
        },
        async halt() {
          await proc.stop('SIGINT', 15_000);
        },
        async start() {
          if (stopped) throw new Error(`postgres :${port} was stopped for good: start a new one`);
          if (!proc.running) proc = await launch();
        },
      };
      liveServers.add(server);
      return server;
    });
  } catch (err) {
    await removeTempDir(dir);
    throw err;
  }
}

/**
 * Creates a database with a unique name (`name`, default "test", plus a random suffix) on
 * the server behind `adminUrl`, and returns its url. Gives each test an isolated database.
 */
export async function createDatabase(adminUrl: string, name = 'test'): Promise<string> {
  // Keep within Postgres' 63-byte identifier limit, and lower case so the name works
  // unquoted in psql too.
  const base = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 48) || 'test';
  const database = `${base}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

// ---------------------------------------------------------------------------------------
// Redis

/** Sends one command to the Redis at 127.0.0.1:port on a short-lived connection. */
async function redisCall(port: number, command: string, ...args: string[]): Promise<unknown> {
  const client = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    connectTimeout: 2_000,
    retryStrategy: () => null, // one attempt: the caller does the polling
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {}); // surfaced through the promises below
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/**
 * True once OUR redis-server answers on `port`: it must report our child's pid, or else a
 * server already on that port (say, a stale one on a port given to startRedis) would pass
 * for ours while ours is failing to bind.
 */
async function redisIsUp(port: number, pid: number | undefined): Promise<boolean> {
  try {
    if ((await redisCall(port, 'PING')) !== 'PONG') return false;
    const info = parseInfo(String(await redisCall(port, 'INFO', 'server')));
    return info.get('process_id') === String(pid);
  } catch {
    return false;
  }
}

function spawnRedis(port: number, dir: string, extraArgs: string[] = []): ManagedProcess {
  return new ManagedProcess(`redis-server :${port}`, redisBinary('redis-server'), [
    '--port', String(port),
    '--bind', HOST,
    '--dir', dir,
    '--daemonize', 'no',
    // No persistence: nothing is written to disk, ever.
    '--save', '',
    '--appendonly', 'no',
    ...extraArgs,
  ], { cwd: dir, emergencySignal: 'SIGKILL' });
}

/** Spawns redis-server and waits for PING; on failure it is killed and the error thrown. */
async function launchRedis(port: number, dir: string, extraArgs: string[] = []): Promise<ManagedProcess> {
  const proc = spawnRedis(port, dir, extraArgs);
  try {
    await waitUntilReady(proc, 'answering PING', () => redisIsUp(port, proc.child.pid));
    return proc;
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
}

/**
 * Starts a standalone redis-server on 127.0.0.1 (on `opts.port`, or a free port), with no
 * persistence. The returned server can be stopped and started again on the same port.
 */
export async function startRedis(opts: { port?: number } = {}): Promise<RedisServer> {
  let proc: ManagedProcess | undefined;
  let dir: string | undefined;

  const launch = async (port: number) => {
    dir = await makeTempDir('redis-');
    try {
      proc = await launchRedis(port, dir);
    } catch (err) {
      await removeTempDir(dir);
      dir = undefined;
      throw err;
    }
  };

  let port: number;
  if (opts.port !== undefined) {
    port = opts.port;
    await launch(port);
  } else {
    port = await retryOnPortClash(async () => {
      const candidate = await freePort();
      await launch(candidate);
      return candidate;
    });
  }

  const server: RedisServer = {
    url: `redis://${HOST}:${port}`,
    port,
    async stop() {
      liveServers.delete(server);
      const [p, d] = [proc, dir];
      proc = undefined;
      dir = undefined;
      // SIGTERM: with persistence off Redis exits at once; SIGKILL if it does not.
      if (p) await p.stop('SIGTERM', 5_000);
      if (d) await removeTempDir(d);
    },
    async start() {
      if (proc?.running) return;
      if (proc) await server.stop(); // it died on its own: clean up first
      await launch(port);
      liveServers.add(server);
    },
  };
  liveServers.add(server);
  return server;
}

/** Parses `INFO` / `CLUSTER INFO` output into a map. */
function parseInfo(text: string): Map<string, string> {
  const info = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) info.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return info;
}

/**
 * `CLUSTER SLOTS` reduced to a canonical string "start-end@masterPort,...", sorted by start
 * slot, or undefined unless the ranges cover all 16384 slots without gaps or overlaps.
 */
function slotMap(reply: unknown): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const ranges = (reply as unknown[][])
    .map((entry) => ({ start: Number(entry[0]), end: Number(entry[1]), master: Number((entry[2] as unknown[])[1]) }))
    .sort((a, b) => a.start - b.start);
  let next = 0;
  for (const r of ranges) {
    if (r.start !== next) return undefined;
    next = r.end + 1;
  }
  if (next !== CLUSTER_SLOTS) return undefined;
  return ranges.map((r) => `${r.start}-${r.end}@${r.master}`).join(',');
}

/**
 * True once every node reports cluster_state:ok with all slots assigned and all nodes
 * known, and all nodes return the same complete slot map. `redis-cli --cluster create`
 * returns before the nodes have finished gossiping, so a client connecting right then
 * could still see a partial view; this waits that out.
 */
async function clusterConverged(ports: number[]): Promise<boolean> {
  try {
    const maps = new Set<string>();
    for (const port of ports) {
      const info = parseInfo(String(await redisCall(port, 'CLUSTER', 'INFO')));
      if (
        info.get('cluster_state') !== 'ok' ||
        info.get('cluster_slots_assigned') !== String(CLUSTER_SLOTS) ||
        info.get('cluster_slots_ok') !== String(CLUSTER_SLOTS) ||
        info.get('cluster_known_nodes') !== String(ports.length) ||
        info.get('cluster_size') !== String(ports.length)
      ) {
        return false;
      }
      const map = slotMap(await redisCall(port, 'CLUSTER', 'SLOTS'));
      if (map === undefined) return false;
      maps.add(map);
    }
    return maps.size === 1;
  } catch {
    return false;
  }
}

/**
 * Starts a Redis Cluster of `opts.masters` (default 3, the minimum redis-cli accepts)
 * masters and no replicas, each in its own temp dir on free ports, and waits until every
 * node agrees that all 16384 slots are covered.
 */
export async function startRedisCluster(opts: { masters?: number } = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`);

  return retryOnPortClash(async () => {
    // Each node needs two ports: clients, and the cluster bus. The bus port defaults to
    // port+10000, which nobody checked was free (or even <= 65535), so pick it too.
    const ports = await freePorts(2 * masters);
    const nodes = Array.from({ length: masters }, (_, i) => ({ port: ports[2 * i]!, busPort: ports[2 * i + 1]!, dir: '', proc: undefined as ManagedProcess | undefined }));

    const stopNodes = async () => {
      await Promise.all(nodes.map(async (node) => {
        // SIGKILL: a cluster node saves nodes.conf on a clean shutdown, which nobody needs.
        await node.proc?.stop('SIGKILL');
        if (node.dir) await removeTempDir(node.dir);
      }));
    };

    try {
      await Promise.all(nodes.map(async (node) => {
        node.dir = await makeTempDir('redis-cluster-');
        node.proc = await launchRedis(node.port, node.dir, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(node.dir, 'nodes.conf'),
          '--cluster-port', String(node.busPort),
          '--cluster-node-timeout', '5000',
        ]);
      }));

      const addresses = nodes.map((n) => `${HOST}:${n.port}`);
      await run('redis-cli --cluster create', redisBinary('redis-cli'), ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { cwd: nodes[0]!.dir });

      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      while (!(await clusterConverged(nodes.map((n) => n.port)))) {
        const dead = nodes.find((n) => !n.proc!.running);
        if (dead) {
          await dead.proc!.exited;
          throw dead.proc!.failure('exited while the cluster was forming');
        }
        if (Date.now() > deadline) {
          throw new Error(`Redis Cluster on ${addresses.join(' ')} did not converge (cluster_state:ok, all ${CLUSTER_SLOTS} slots, same slot map on every node) within ${STARTUP_TIMEOUT_MS} ms`);
        }
        await sleep(100);
      }

      let stopped = false;
      const cluster: RedisCluster = {
        nodes: addresses,
        async stop() {
          if (stopped) return;
          stopped = true;
          liveServers.delete(cluster);
          await stopNodes();
        },
      };
      liveServers.add(cluster);
      return cluster;
    } catch (err) {
      await stopNodes();
      throw err;
    }
  });
}

// A standalone redis-server for the tests (no persistence, a free port), which a test can stop and start again,
// and the one-command client the harness polls Redis with.
import path from 'node:path';
import { Redis } from 'ioredis';
import { findOnPath, isExecutable, liveServers, makeTempDir, ManagedProcess, removeTempDir, waitUntilReady } from './managed-process.js';
import { freePort, HOST, retryOnPortClash } from './ports.js';

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

export function redisBinary(name: 'redis-server' | 'redis-cli'): string {
  const found = findOnPath(name) ?? ['/usr/bin', '/usr/local/bin'].map((d) => path.join(d, name)).find(isExecutable);
  if (!found) {
    throw new Error(`${name} not found on PATH: install the ${name === 'redis-cli' ? 'redis-tools' : 'redis-server'} package`);
  }
  return found;
}

/** Sends one command to the Redis at 127.0.0.1:port on a short-lived connection. */
export async function redisCall(port: number, command: string, ...args: string[]): Promise<unknown> {
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
export async function launchRedis(port: number, dir: string, extraArgs: string[] = []): Promise<ManagedProcess> {
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
export function parseInfo(text: string): Map<string, string> {
  const info = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) info.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return info;
}

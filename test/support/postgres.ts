// A throwaway PostgreSQL server for the tests (fresh initdb in a temp dir, a free port, durability off), and a
// database of its own for each test.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, readdirSync } from 'node:fs';
import { chown, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findOnPath, isExecutable, liveServers, makeTempDir, ManagedProcess, removeTempDir, run, waitUntilReady, type RunAs } from './managed-process.js';
import { freePort, HOST, retryOnPortClash } from './ports.js';

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

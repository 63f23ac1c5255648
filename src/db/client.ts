// One registry database, two engines: PostgreSQL (server mode, node-postgres pool) and PGlite (embedded mode,
// real Postgres compiled to WASM, in-process). Both speak the same SQL and run the same migrations; code above
// this file sees one drizzle database and one way to listen for notifications.
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { seedFromTemplate } from './pglite-template.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Db;
  /** The connection pool, in server mode. */
  readonly pool?: pg.Pool;
  /** Calls `onMessage` for every NOTIFY on `channel` until the returned function is called. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Rows of a raw SQL statement, whichever engine runs it. */
export async function queryRows<T>(db: Db | Tx, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}

const CONNECT_TIMEOUT_MS = 2_000;

/**
 * node-postgres, loaded by server mode only: embedded mode, which `npm start` runs by default, never needs it,
 * and loading it took about 90 ms of that start (profile of `node dist/main.js`, 2026-11-26).
 */
const nodePostgres = async () => (await import('pg')).default;

export async function connectPostgres(url: string): Promise<Database> {
  const [pg, { drizzle: drizzleNodePg }] = await Promise.all([nodePostgres(), import('drizzle-orm/node-postgres')]);
  // An unreachable database fails a query within seconds instead of holding the request (and the API key
  // check in front of every request) until the operating system gives up on the connection. The pool keeps
  // node-postgres's own size (10 connections).
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => {});
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  const listeners: PostgresListener[] = [];
  return {
    kind: 'postgres',
    db,
    pool,
    async listen(channel, onMessage) {
      const listener = new PostgresListener(url, channel, onMessage);
      listeners.push(listener);
      await listener.start();
      return () => listener.stop();
    },
    async close() {
      await Promise.all(listeners.map((l) => l.stop()));
      await pool.end();
    },
  };
}

/**
 * The buffer pool of the embedded database. PGlite's 128 MB (Postgres's server default) is touched at start
 * and stays resident: ~130 MB of a ~300 MB idle process. An embedded database is small and its files sit in
 * the operating system's cache anyway.
 */
const PGLITE_SHARED_BUFFERS = '16MB';

/** PGlite in `dataDir` (in memory without one). */
export async function openPglite(dataDir?: string): Promise<Database> {
  const unlock = dataDir === undefined ? async () => {} : await lockDataDir(dataDir);
  const client = await (dataDir === undefined ? Promise.resolve(false) : seedFromTemplate(dataDir))
    .then(() => PGlite.create(dataDir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`] }))
    .catch(async (error: unknown) => {
      await unlock();
      throw error;
    });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    async listen(channel, onMessage) {
      const unlisten = await client.listen(channel, onMessage);
      // Once the database is closed the listener is gone with it: nothing left to undo.
      return () => (client.closed ? Promise.resolve() : unlisten());
    },
    async close() {
      await client.close();
      await unlock();
    },
  };
}

/**
 * LISTEN needs a connection of its own that stays open, outside the pool. If it drops, it reconnects and
 * reports a notification with an empty payload, so a cache that listens drops what it may have missed.
 */
class PostgresListener {
  private client?: pg.Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onMessage: (payload: string) => void,
  ) {}

  async start(): Promise<void> {
    const pg = await nodePostgres();
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onMessage(message.payload ?? '');
    });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    this.client = client;
  }

  private reconnect(broken: pg.Client): void {
    if (this.stopped || this.client !== broken || this.retry) return;
    this.client = undefined;
    broken.removeAllListeners();
    broken.end().catch(() => {});
    const attempt = () => {
      this.retry = undefined;
      if (this.stopped) return;
      this.start().then(
        () => this.onMessage(''),
        () => (this.retry = setTimeout(attempt, 1000)),
      );
    };
    this.retry = setTimeout(attempt, 100);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }
}

/** The SQLSTATE of a database error, through drizzle's wrapping. */
export function sqlState(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** `select 1`: the database answers (within `timeoutMs`, when given). */
export async function ping(db: Db, timeoutMs?: number): Promise<void> {
  if (timeoutMs === undefined) {
    await db.execute(sql`select 1`);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.execute(sql`select 1`),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

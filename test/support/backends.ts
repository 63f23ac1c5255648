// Where a test service keeps its registry and its online values: ONE list of the backends the tests run on,
// and the subsets the tests need taken from it. Each open() gives a fresh, migrated registry database of its
// own (on the shared PostgreSQL server, or an in-memory PGlite) and the settings that point a service at the
// backend's online store.
import { inject } from 'vitest';
import { connectPostgres, openPglite, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createDatabase } from './servers.js';

export interface Backend {
  /** As test titles name it. */
  name: string;
  /** The registry database's engine. */
  registry: 'pglite' | 'postgres';
  /** The online store's engine: the registry database itself, or a Redis. */
  store: 'pglite' | 'postgres' | 'redis' | 'redis cluster';
  /** The masters a batched store call may touch: at most one round trip each. */
  nodes: number;
  open(): Promise<OpenedBackend>;
}

export interface OpenedBackend {
  /** A fresh, migrated registry database (the caller closes it). */
  database: Database;
  /** Its URL on PostgreSQL, for a second connection. */
  url?: string;
  /** The settings naming this backend's stores, for a service (or a second instance) on them. */
  env: Record<string, string>;
}

/** A fresh, migrated database on the shared PostgreSQL server, and its URL (for a second connection). */
export async function freshPostgres(): Promise<{ url: string; database: Database }> {
  const url = await createDatabase(inject('postgresUrl'));
  const database = await connectPostgres(url);
  await migrate(database);
  return { url, database };
}

/** A fresh, migrated in-memory PGlite database. */
export async function freshPglite(): Promise<Database> {
  const database = await openPglite();
  await migrate(database);
  return database;
}

/** A registry on PostgreSQL, with `store` naming the online store beside it. */
async function onPostgres(store: Record<string, string> = {}): Promise<OpenedBackend> {
  const { database, url } = await freshPostgres();
  return { database, url, env: { DATABASE_URL: url, ...store } };
}

/** Every backend: embedded PGlite, PostgreSQL, Redis, Redis Cluster (the last two over a PostgreSQL registry). */
export const backends: Backend[] = [
  { name: 'embedded PGlite', registry: 'pglite', store: 'pglite', nodes: 1, open: async () => ({ database: await freshPglite(), env: {} }) },
  { name: 'PostgreSQL', registry: 'postgres', store: 'postgres', nodes: 1, open: () => onPostgres() },
  { name: 'Redis', registry: 'postgres', store: 'redis', nodes: 1, open: () => onPostgres({ REDIS_URL: inject('redisUrl') }) },
  {
    name: 'Redis Cluster',
    registry: 'postgres',
    store: 'redis cluster',
    nodes: 3,
    open: () => onPostgres({ REDIS_CLUSTER_NODES: inject('redisClusterNodes').join(',') }),
  },
];

/**
 * Every registry engine (PostgreSQL and PGlite), each keeping its online values in itself: the backends whose
 * store is their registry database, titled by the engine.
 */
export const registryBackends: Backend[] = backends.filter((b) => b.store === b.registry).map((b) => ({ ...b, name: b.registry }));

/** The quickest backend, for tests of the service rather than of its stores: PGlite, in memory. */
export const embedded: Backend = backends.find((b) => b.store === 'pglite')!;

// Test helpers for running real service instances: a fresh database per suite on each registry backend
// (the shared PostgreSQL server, or an in-memory PGlite), instances on free ports, and a GraphQL client.
import { sql } from 'drizzle-orm';
import { expect, inject } from 'vitest';
import { startService, type Service } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectPostgres, openPglite, queryRows, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createDatabase } from './servers.js';

export interface Backend {
  name: 'postgres' | 'pglite';
  /** A fresh, migrated database of this backend. */
  open(): Promise<Database>;
}

/** A fresh, migrated database on the shared PostgreSQL server, and its URL (for a second connection). */
export async function freshPostgres(): Promise<{ url: string; database: Database }> {
  const url = await createDatabase(inject('postgresUrl'));
  const database = await connectPostgres(url);
  await migrate(database);
  return { url, database };
}

export const backends: Backend[] = [
  {
    name: 'postgres',
    open: async () => (await freshPostgres()).database,
  },
  {
    name: 'pglite',
    open: freshPglite,
  },
];

export interface OnlineBackend {
  name: string;
  open(): Promise<{ database: Database; env: Record<string, string> }>;
}

/** Every online store: embedded PGlite, PostgreSQL, Redis, Redis Cluster (each over a fresh registry database). */
export const onlineBackends: OnlineBackend[] = [
  {
    name: 'embedded PGlite',
    open: async () => {
      return { database: await freshPglite(), env: {} };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const { database, url } = await freshPostgres();
      return { database, env: { DATABASE_URL: url } };
    },
  },
  {
    name: 'Redis',
    open: async () => {
      const { database, url } = await freshPostgres();
      return { database, env: { DATABASE_URL: url, REDIS_URL: inject('redisUrl') } };
    },
  },
  {
    name: 'Redis Cluster',
    open: async () => {
      const { database, url } = await freshPostgres();
      return { database, env: { DATABASE_URL: url, REDIS_CLUSTER_NODES: inject('redisClusterNodes').join(',') } };
    },
  },
];

/** A service instance on a free port over `database` (which the caller closes). */
export function startTestService(database: Database, env: Record<string, string> = {}): Promise<Service> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', AUTH: 'off', ...env });
  return startService(config, { database });
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
}

/** POSTs one GraphQL operation; `key` becomes a bearer token. */
export async function gql<T = Record<string, any>>(
  service: { url: string },
  query: string,
  variables?: Record<string, unknown>,
  key?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** POSTs one GraphQL operation that must succeed, and returns its data. */
export async function gqlOk<T = Record<string, any>>(service: { url: string }, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gql<T>(service, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

/** A fresh, migrated in-memory PGlite database. */
export async function freshPglite(): Promise<Database> {
  const database = await openPglite();
  await migrate(database);
  return database;
}

/** The codes of a response's errors, in order. */
export const codes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((e) => e.extensions?.code);

/**
 * Every table the registry writes, as counts and digests of versions (with status and sunset) and bindings:
 * "a refused request wrote nothing" is this unchanged.
 */
export async function registryState(database: Database) {
  const [row] = await queryRows<Record<string, number | string>>(
    database.db,
    sql`select
      (select count(*)::int from entities) as entities,
      (select count(*)::int from features) as features,
      (select count(*)::int from producers) as producers,
      (select count(*)::int from consumers) as consumers,
      (select count(*)::int from audit_log) as audit,
      (select coalesce(string_agg(feature || version || status || coalesce(sunset_at::text, ''), ',' order by feature, version), '') from feature_versions) as versions,
      (select coalesce(string_agg(producer || feature || version, ',' order by producer, feature, version), '') from producer_bindings) as producer_bindings,
      (select coalesce(string_agg(consumer || feature || version, ',' order by consumer, feature), '') from consumer_bindings) as consumer_bindings`,
  );
  return row;
}

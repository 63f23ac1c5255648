// Test helpers for running real service instances: a service on a backend for a describe block (withService),
// instances on free ports, a GraphQL client, and the registry's state.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { startService, type Service } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { queryRows, type Database } from '../../src/db/client.js';
import type { OpenedBackend } from './backends.js';

/**
 * A service instance on a free port over `database` (which the caller closes). Its logs are silent unless
 * TEST_LOG_LEVEL says otherwise (TEST_LOG_LEVEL=error shows what an internal error was).
 */
export function startTestService(database: Database, env: Record<string, string> = {}): Promise<Service> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', AUTH: 'off', ...env });
  return startService(config, { database });
}

/** What a test reads of its describe block's service: set by the fixture's beforeAll. */
export interface ServiceFixture {
  readonly service: Service;
  readonly database: Database;
  /** The settings naming the backend's stores (not the fixture's own `env`), for a second instance on them. */
  readonly env: Record<string, string>;
}

export interface ServiceOptions {
  /** Settings on top of the backend's. */
  env?: Record<string, string>;
  /** Runs on the fresh database before the service starts: say, to create the API keys it will find. */
  beforeStart?(database: Database): Promise<void>;
}

/**
 * A test service on `backend` for the enclosing describe block: a beforeAll opens a fresh database and starts
 * the service over it; an afterAll closes the service, then the database. Hooks run in the order they are declared (and afterAll ones in reverse), so a test's own
 * beforeAll after this one finds the service running, and its own afterAll runs before this one.
 */
export function withService(backend: { open(): Promise<OpenedBackend> }, options: ServiceOptions = {}): ServiceFixture {
  let opened: OpenedBackend | undefined;
  let service: Service | undefined;
  beforeAll(async () => {
    opened = await backend.open();
    await options.beforeStart?.(opened.database);
    service = await startTestService(opened.database, { ...opened.env, ...options.env });
  });
  afterAll(async () => {
    await service?.close();
    await opened?.database.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('withService: the service has not started yet; read it in a test or a later hook');
    return value;
  };
  return {
    get service() {
      return started(service);
    },
    get database() {
      return started(opened).database;
    },
    get env() {
      return started(opened).env;
    },
  };
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

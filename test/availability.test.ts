// Honest availability: /readyz names the backing store that does not answer (503) and is ready again once it
// answers; every store error is counted in feature_registry_store_errors_total, and logged without flooding:
// the first error in full, then one summary per 10 s. On a Redis the test stops and restarts, and on a Redis
// Cluster one of whose masters stops answering for a while.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createDatabase, startPostgres, startRedis, startRedisCluster } from './support/servers.js';
import { freshPostgres } from './support/backends.js';
import { codes, gql } from './support/service.js';

interface Outage {
  env: Record<string, string>;
  /** The store stops answering. */
  down(): Promise<void>;
  /** It answers again (or will, shortly). */
  up(): Promise<void>;
  stop(): Promise<void>;
  /** REDIS_COMMAND_TIMEOUT, where the outage is a server that hangs rather than one that refuses. */
  commandTimeoutMs?: number;
}

const PAUSE_MS = 6_000;
const SETUP = `mutation {
  registerEntity(name: "user", keyName: "user_id") { name }
  registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
}`;
const READ = `{ featureValues(ref: "ctr@1", entityKeys: ${JSON.stringify(Array.from({ length: 50 }, (_, i) => `u${i}`))}) { rows { entityKey } } }`;

const outages = [
  {
    store: 'redis',
    async start(): Promise<Outage> {
      const server = await startRedis();
      return { env: { REDIS_URL: server.url }, down: () => server.stop(), up: () => server.start(), stop: () => server.stop() };
    },
  },
  {
    store: 'redis cluster',
    async start(): Promise<Outage> {
      const cluster = await startRedisCluster({ masters: 3 });
      const [host, port] = cluster.nodes[0]!.split(':');
      const admin = new Redis(Number(port), host!);
      return {
        env: { REDIS_CLUSTER_NODES: cluster.nodes.join(','), REDIS_COMMAND_TIMEOUT: '2s' },
        commandTimeoutMs: 2_000,
        // The master takes connections but answers nothing: the hung-server case a command timeout is for.
        down: async () => void (await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL')),
        up: async () => {},
        stop: async () => {
          admin.disconnect();
          await cluster.stop();
        },
      };
    },
  },
];

/** The sum of a counter's series whose labels include `labels`, from /metrics. */
async function counterSum(service: Service, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe.each(outages)('with the online store on $store', ({ start }) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('readyz names the store while it is down and is ready again after; store errors are counted and logged, first in full then summarized', async () => {
    const outage = await start();
    cleanup.push(() => outage.stop());
    const pg = await freshPostgres();
    const database: Database = pg.database;
    cleanup.push(() => database.close());
    const log: { level: number; msg: string; [field: string]: unknown }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void log.push(JSON.parse(line)) });
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', AUTH: 'off', DATABASE_URL: pg.url, ...outage.env });
    const service = await startService(config, { database, logger });
    cleanup.push(() => service.close());
    const readyz = async () => {
      const response = await fetch(`${service.url}/readyz`);
      return { status: response.status, body: await response.json() };
    };

    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await gql(service, SETUP)).errors).toBeUndefined();
    expect(codes(await gql(service, READ))).toEqual([]);
    const errorsBefore = await counterSum(service, 'feature_registry_store_errors_total', 'store="online"');
    const logBefore = log.length;

    await outage.down();
    expect(await readyz()).toEqual({ status: 503, body: { status: 'not ready', down: [`online store ${service.store.name}`] } });
    expect(service.store.name).toMatch(/^redis (cluster )?127\.0\.0\.1:\d+/);
    // Keys on every shard, so some live on the master that hangs.
    const started = performance.now();
    const read = await gql(service, READ);
    const took = performance.now() - started;
    expect(codes(read)).toEqual(['UNAVAILABLE']);
    // A hung server holds a command for REDIS_COMMAND_TIMEOUT, no longer (and not the old fixed 500 ms).
    if (outage.commandTimeoutMs) expect(took).toBeGreaterThanOrEqual(outage.commandTimeoutMs - 50);
    expect((await readyz()).status).toBe(503);

    expect(await counterSum(service, 'feature_registry_store_errors_total', 'store="online"')).toBeGreaterThanOrEqual(errorsBefore + 2);
    expect(await counterSum(service, 'feature_registry_store_errors_total', 'operation="ready"')).toBeGreaterThanOrEqual(2);
    const failures = () => log.slice(logBefore).filter((line) => line.level >= 50 && String(line.store).startsWith('redis'));
    // The first error in full, with its cause...
    expect(failures()[0]).toMatchObject({ msg: expect.stringMatching(/^online store redis .*: \w+ failed$/), err: expect.objectContaining({ message: expect.stringMatching(/unavailable/) }) });
    // ...then the others only counted, until the summary of the spell's first 10 s.
    await expect.poll(() => failures().length, { timeout: 15_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    expect(failures()[1]).toMatchObject({ msg: expect.stringMatching(/\d+ more failed calls in the last 10 s$/), errors: expect.any(Number), byOperation: expect.any(Object) });

    await outage.up();
    await expect.poll(async () => (await readyz()).status, { timeout: 20_000, interval: 250 }).toBe(200);
    expect((await readyz()).body).toEqual({ status: 'ready' });
  }, 90_000);
});

describe('with the registry database down', () => {
  it('readyz names the database (and the online store that lives in it), and the database errors are counted', async () => {
    const server = await startPostgres();
    const url = await createDatabase(server.url, 'availability');
    const database = await connectPostgres(url);
    await migrate(database);
    const service = await startService(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', AUTH: 'off', DATABASE_URL: url }), { database });
    try {
      const response = await fetch(`${service.url}/readyz`);
      expect(await response.json()).toEqual({ status: 'ready' });
      await server.stop();
      const down = await fetch(`${service.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'not ready', down: [`database postgres ${new URL(url).host}`, 'online store postgres'] });
      expect(await counterSum(service, 'feature_registry_store_errors_total', 'store="database",operation="ping"')).toBe(1);
      expect(await counterSum(service, 'feature_registry_store_errors_total', 'store="online",operation="ready"')).toBe(1);
    } finally {
      await service.close();
      await database.close();
      await server.stop();
    }
  }, 60_000);
});

/**
 * Tests the test harness itself (test/support/servers.ts and globalSetup.ts) against the
 * real servers it starts, so that a broken harness fails here, plainly, rather than as
 * puzzling failures in the service's own tests.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, startRedis, type RedisServer } from './support/servers.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL', () => {
  it('accepts connections on the provided admin url', async () => {
    const url = inject('postgresUrl');
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('runs with the speed settings and UTF8', async () => {
    const [settings] = await query<Record<string, string>>(
      inject('postgresUrl'),
      "SELECT current_setting('fsync') AS fsync, current_setting('max_connections') AS max_connections, current_setting('server_encoding') AS encoding",
    );
    expect(settings).toEqual({ fsync: 'off', max_connections: '200', encoding: 'UTF8' });
  });

  it('createDatabase gives a fresh, connectable, uniquely named database', async () => {
    const admin = inject('postgresUrl');
    const [a, b] = await Promise.all([createDatabase(admin, 'Harness Test'), createDatabase(admin, 'Harness Test')]);
    expect(a).not.toBe(b);
    for (const url of [a, b]) {
      const name = new URL(url).pathname.slice(1);
      expect(name).toMatch(/^harness_test_[0-9a-f]{12}$/);
      expect(await query(url, 'SELECT current_database() AS db')).toEqual([{ db: name }]);
      // Isolated: nothing but the catalog in it.
      expect(await query(url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ n: 0 }]);
    }
  });
});

describe('Redis (standalone)', () => {
  it('SET/GET work on the provided url', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      await redis.set('harness:key', 'value');
      expect(await redis.get('harness:key')).toBe('value');
    } finally {
      redis.disconnect();
    }
  });
});

describe('Redis Cluster', () => {
  const nodes = inject('redisClusterNodes').map((node) => {
    const [host, port] = node.split(':');
    return { host: host!, port: Number(port) };
  });

  it('covers all 16384 slots across 3 masters, and keys in different slots work', async () => {
    expect(nodes).toHaveLength(3);
    const cluster = new Redis.Cluster(nodes);
    try {
      // CLUSTER SLOTS: [[start, end, [masterHost, masterPort, id, ...], ...replicas], ...]
      const slots = (await cluster.cluster('SLOTS')).map(([start, end, master]) => ({ start, end, master: `${master![0]}:${master![1]}` }));
      const covered = slots.reduce((sum, { start, end }) => sum + end - start + 1, 0);
      expect(covered).toBe(16384);
      const masters = new Set(slots.map(({ master }) => master));
      expect([...masters].sort()).toEqual([...inject('redisClusterNodes')].sort());

      const masterOf = (slot: number) => slots.find(({ start, end }) => slot >= start && slot <= end)!.master;
      const keys = Array.from({ length: 12 }, (_, i) => `harness:cluster:${i}`);
      const keySlots = await Promise.all(keys.map(async (key) => Number(await cluster.cluster('KEYSLOT', key))));
      // These keys are spread over every master, so each SET/GET goes to a different node.
      expect(new Set(keySlots.map(masterOf)).size).toBe(3);

      await Promise.all(keys.map((key) => cluster.set(key, `value of ${key}`)));
      expect(await Promise.all(keys.map((key) => cluster.get(key)))).toEqual(keys.map((key) => `value of ${key}`));
    } finally {
      cluster.disconnect();
    }
  });
});

describe('startRedis', () => {
  let server: RedisServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('can be stopped (commands then fail) and started again on the same port', async () => {
    server = await startRedis();
    const { port, url } = server;
    // A client like the service's: no offline queue, so commands fail fast while Redis is
    // down; it keeps reconnecting in the background.
    const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.set('harness:restart', '1');
      expect(await client.ping()).toBe('PONG');

      await server.stop();
      await expect(client.ping()).rejects.toThrow();
      // And a brand-new connection is refused.
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => {});
      await expect(probe.connect()).rejects.toThrow();
      probe.disconnect();

      await server.start();
      expect(server.port).toBe(port);
      expect(server.url).toBe(url);
      await expect.poll(() => client.ping().catch((err: unknown) => String(err)), { timeout: 10_000 }).toBe('PONG');
      // No persistence: the restarted server is empty.
      expect(await client.get('harness:restart')).toBeNull();
    } finally {
      client.disconnect();
    }
  });
});

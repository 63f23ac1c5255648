// Hot keys: bounded-memory counting, detection within one window and cooling, the hot-entity cache and its
// invalidation across two instances, shard replication on a real Redis Cluster, and the metrics.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Service } from '../src/app.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { HeavyHitters } from '../src/hotkeys/sketch.js';
import { placeReplicas, RedisOnlineStore, slotOf as calculateSlot } from '../src/online/redis/index.js';
import { createDatabase, startRedis, startRedisCluster, type RedisCluster, type RedisServer } from './support/servers.js';
import { embedded, freshPostgres } from './support/backends.js';
import { seed, type Seed } from './support/seed.js';
import { gql, startTestService, withService } from './support/service.js';

/** Item views, written by views_job and read by feed; `maxAge` tells two registries' definitions apart. */
const SETUP = (maxAge = '1h'): Seed => ({
  entities: [{ name: 'item', keyName: 'item_id' }],
  features: [{ feature: 'views', entity: 'item', owner: 'growth', valueType: 'INT64', maxAge }],
  producers: [{ name: 'views_job', owner: 'growth', refs: ['views@1'] }],
  consumers: [{ name: 'feed', owner: 'search', refs: ['views@1'] }],
});
const READ = (keys: string[]) =>
  `{ onlineFeatures(consumer: "feed", entityKeys: ${JSON.stringify(keys)}) { rows { entityKey features { value servedFrom } } } }`;
const WRITE = (key: string, value: number, eventTime: number) =>
  `mutation { writeFeatureValues(producer: "views_job", rows: [{ ref: "views@1", entityKey: "${key}", value: ${value}, eventTime: "${new Date(eventTime).toISOString()}" }]) { accepted superseded } }`;
const HOT = '{ hotKeys(limit: 5) { entity entityKey readsPerSecond share since cached replicated } }';
// Fast windows, so a test sees a key turn hot and cool within seconds.
const FAST = { HOT_KEY_WINDOW: '3s', HOT_KEY_SHARE: '0.2', HOT_KEY_MIN_RATE: '5' };

/** Reads `hot` in most requests and a rotating cold key in the rest, for `ms`. */
async function readSkewed(service: Service, hot: string, ms: number) {
  const until = Date.now() + ms;
  for (let i = 0; Date.now() < until; i++) {
    await gql(service, READ(i % 4 === 3 ? [`cold_${i}`] : [hot]));
  }
}

describe('counting in bounded memory', () => {
  it('keeps the heavy hitters of a skewed stream and a fixed size for 1,000,000 distinct keys', () => {
    const hitters = new HeavyHitters(64);
    for (let round = 0; round < 200; round++) {
      for (let k = 0; k < 5; k++) hitters.add(`hot:${k}`, 10 - k);
      for (let k = 0; k < 50; k++) hitters.add(`warm:${round}:${k}`);
    }
    expect(hitters.top(5).map((h) => h.key)).toEqual(['hot:0', 'hot:1', 'hot:2', 'hot:3', 'hot:4']);
    expect(hitters.top(1)[0]!.count).toBeGreaterThanOrEqual(2000);

    const before = process.memoryUsage().heapUsed;
    const flood = new HeavyHitters(256);
    for (let i = 0; i < 1_000_000; i++) flood.add(`distinct:${i}`);
    expect(flood.size).toBe(256);
    expect(flood.total).toBe(1_000_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('keeps, after every add, the candidates a scan for the smallest would keep', () => {
    // A sketch wide enough for exact counts, and weights that make ties rare: the candidates are then fully
    // determined (a newcomer replaces the smallest when it beats it) and equal to a plain list's.
    const hitters = new HeavyHitters(16, 1 << 16, 4);
    const model = new Map<string, number>();
    const exact = new Map<string, number>();
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20_000; i++) {
      const key = `k${Math.floor(random() ** 2 * 200)}`;
      const weight = 1 + Math.floor(random() * 1_000_000);
      hitters.add(key, weight);
      const count = (exact.get(key) ?? 0) + weight;
      exact.set(key, count);
      if (model.has(key) || model.size < 16) model.set(key, count);
      else {
        const [smallest, least] = [...model].reduce((a, b) => (b[1] < a[1] ? b : a));
        if (count > least) {
          model.delete(smallest);
          model.set(key, count);
        }
      }
      if (i % 997 === 0 || i === 19_999) {
        expect(hitters.top()).toEqual([...model].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count));
      }
    }
    expect(hitters.size).toBe(16);
  });
});

describe('replica placement', () => {
  it('puts each copy on a master other than the primary’s and the other copies’', () => {
    const masters = ['a', 'b', 'c'];
    const masterOf = (hash: string) => masters[Math.floor((calculateSlot(hash) / 16384) * 3)];
    for (const key of ['item:1', 'item:viral', 'user:42']) {
      const copies = placeReplicas(key, 2, masterOf);
      expect(copies).toHaveLength(2);
      expect(new Set([`fr:{${key}}`, ...copies].map(masterOf)).size).toBe(3);
    }
    expect(placeReplicas('item:1', 5, masterOf)).toHaveLength(2);
  });
});

describe('hot-key detection and the hot-entity cache', () => {
  const fixture = withService(embedded, { env: FAST });

  beforeAll(async () => {
    await seed(fixture.service, SETUP());
    await gql(fixture.service, WRITE('viral', 1, Date.now() - 1000));
  });

  it('detects a key that turns hot within one window, caches it, and lets it go once it cools', async () => {
    expect((await gql(fixture.service, HOT)).data!.hotKeys.filter((k: any) => k.since)).toEqual([]);
    await readSkewed(fixture.service, 'viral', 3_000);
    const hot = (await gql(fixture.service, HOT)).data!.hotKeys[0];
    expect(hot).toMatchObject({ entity: 'item', entityKey: 'viral', cached: true, replicated: false });
    expect(hot.share).toBeGreaterThan(0.5);
    expect(hot.readsPerSecond).toBeGreaterThan(5);
    expect(new Date(hot.since).getTime()).toBeGreaterThan(Date.now() - 5_000);

    const served = (await gql(fixture.service, READ(['viral', 'viral']))).data!.onlineFeatures.rows.map((r: any) => r.features[0]);
    expect(served).toEqual([{ value: 1, servedFrom: 'CACHE' }, { value: 1, servedFrom: 'CACHE' }]);
    const metrics = await (await fetch(`${fixture.service.url}/metrics`)).text();
    expect(metrics).toMatch(/^feature_registry_hot_keys 1$/m);
    expect(metrics).toMatch(/^feature_registry_hot_cache_hits_total [1-9]/m);
    expect(metrics).toMatch(/^feature_registry_values_served_total\{served_from="CACHE"\} [1-9]/m);
    expect(metrics).toMatch(/^feature_registry_store_commands_total\{shard="postgres"\} [1-9]/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total /m);
    expect(metrics).not.toMatch(/viral/);

    // A write to the hot key reaches the next read at once: the cache is dropped, not waited out.
    await gql(fixture.service, WRITE('viral', 2, Date.now()));
    await expect.poll(async () => (await gql(fixture.service, READ(['viral']))).data!.onlineFeatures.rows[0].features[0].value, { timeout: 2_000, interval: 20 }).toBe(2);

    // Cooling: nobody reads it for a window.
    await expect
      .poll(async () => (await gql(fixture.service, HOT)).data!.hotKeys.find((k: any) => k.entityKey === 'viral')?.since ?? null, { timeout: 10_000, interval: 250 })
      .toBeNull();
    expect((await gql(fixture.service, READ(['viral']))).data!.onlineFeatures.rows[0].features[0].servedFrom).toBe('STORE');
  }, 30_000);
});

describe('two instances on one Redis', () => {
  let redis: RedisServer;
  let databases: Database[] = [];
  let a: Service;
  let b: Service;

  beforeAll(async () => {
    redis = await startRedis();
    const url = await createDatabase(inject('postgresUrl'));
    databases = [await connectPostgres(url), await connectPostgres(url)];
    await migrate(databases[0]!);
    // A long cache bound, so that only an invalidation (not expiry) can explain a fresh read.
    const env = { ...FAST, DATABASE_URL: url, REDIS_URL: redis.url, HOT_CACHE_BOUND: '60s' };
    a = await startTestService(databases[0]!, env);
    b = await startTestService(databases[1]!, env);
    await seed(a, SETUP('2h'));
    await gql(a, WRITE('viral', 1, Date.now() - 1000));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const d of databases) await d.close();
    await redis?.stop();
  });

  it('merges both instances’ counts, and a write through one drops the other’s cached value', async () => {
    await Promise.all([readSkewed(a, 'viral', 2_500), readSkewed(b, 'viral', 2_500)]);
    await expect.poll(async () => (await gql(b, HOT)).data!.hotKeys[0]?.cached, { timeout: 5_000 }).toBe(true);
    expect((await gql(b, READ(['viral']))).data!.onlineFeatures.rows[0].features[0]).toEqual({ value: 1, servedFrom: 'CACHE' });
    await gql(a, WRITE('viral', 2, Date.now()));
    await expect
      .poll(async () => (await gql(b, READ(['viral']))).data!.onlineFeatures.rows[0].features[0].value, { timeout: 3_000, interval: 20 })
      .toBe(2);
  }, 30_000);
});

describe('shard replication on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let database: Database;
  let service: Service;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const pg = await freshPostgres();
    database = pg.database;
    const url = pg.url;
    service = await startTestService(database, { ...FAST, DATABASE_URL: url, REDIS_CLUSTER_NODES: cluster.nodes.join(',') });
    await seed(service, SETUP());
    const [host, port] = cluster.nodes[0]!.split(':');
    client = new Cluster([{ host: host!, port: Number(port) }]);
    await gql(service, WRITE('viral', 10, Date.now() - 5_000));
  });
  afterAll(async () => {
    client?.disconnect();
    await service?.close();
    await database?.close();
    await cluster?.stop();
  });

  const masterOf = (key: string) => client.slots[calculateSlot(key)]![0];

  it('copies a hot key to other masters, guards every copy, spreads reads, and drops the copies when it cools', async () => {
    await readSkewed(service, 'viral', 3_000);
    const store = service.store as RedisOnlineStore;
    await expect.poll(() => store.replicated.has('item:viral'), { timeout: 5_000 }).toBe(true);
    const copies = store.copiesOf('item:viral');
    expect(copies).toHaveLength(3);
    await client.ping();
    expect(new Set(copies.map(masterOf)).size).toBe(3);
    for (const copy of copies) expect(await client.hget(copy, 'views@1')).toMatch(/\|10$/);

    // A newer event lands on every copy; a late one on none.
    expect((await gql(service, WRITE('viral', 11, Date.now() - 1_000))).data!.writeFeatureValues).toEqual({ accepted: 1, superseded: 0 });
    expect((await gql(service, WRITE('viral', 9, Date.now() - 60_000))).data!.writeFeatureValues).toEqual({ accepted: 0, superseded: 1 });
    for (const copy of copies) expect(await client.hget(copy, 'views@1')).toMatch(/\|11$/);

    // Reads that miss the cache spread over the copies.
    const before = Object.fromEntries(store.commandsPerNode);
    const sources = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const loaded = await store.read([{ entity: 'item', entityKey: 'viral', ref: 'views@1' }]);
      expect(loaded[0]!.value).toBe('11');
      sources.add(loaded[0]!.replica ? 'REPLICA' : 'STORE');
    }
    expect(sources).toEqual(new Set(['STORE', 'REPLICA']));
    const grew = [...store.commandsPerNode].filter(([shard, n]) => n > (before[shard] ?? 0)).length;
    expect(grew).toBe(3);

    await expect.poll(() => store.replicated.has('item:viral'), { timeout: 15_000, interval: 250 }).toBe(false);
    for (const copy of copies.slice(1)) expect(await client.exists(copy)).toBe(0);
    expect(await client.exists(copies[0]!)).toBe(1);
  }, 60_000);
});

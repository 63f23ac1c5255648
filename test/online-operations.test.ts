// How the online path behaves around it: Redis going away and coming back, two instances sharing one registry
// (a rebind through one reaches the other's cache), and who may write as which producer.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Service } from '../src/app.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { startRedis, type RedisServer } from './support/servers.js';
import { freshPostgres } from './support/backends.js';
import { createKeys } from './support/keys.js';
import { codes, gql, startTestService } from './support/service.js';

const SETUP = `mutation {
  registerEntity(name: "user", keyName: "user_id") { name }
  v1: registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
  v2: registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "2h" }) { created }
  activateFeatureVersion(ref: "ctr@2", force: true, reason: "test") { status }
  registerProducer(name: "ctr_job", owner: "growth") { name }
  bindProducer(producer: "ctr_job", refs: ["ctr@1", "ctr@2"]) { name }
  registerConsumer(name: "ranker", owner: "search") { name }
  bindConsumer(consumer: "ranker", refs: ["ctr@1"]) { name }
}`;
const WRITE = (ref: string, value: number) =>
  `mutation { writeFeatureValues(producer: "ctr_job", rows: [{ ref: "${ref}", entityKey: "u1", value: ${value}, eventTime: "${new Date(Date.now() - 1000).toISOString()}" }]) { accepted rejected errors { code } } }`;
const READ = '{ onlineFeatures(consumer: "ranker", entityKeys: ["u1"]) { rows { features { ref value flags } } } }';

describe('when Redis goes away', () => {
  let redis: RedisServer;
  let database: Database;
  let service: Service;

  beforeAll(async () => {
    redis = await startRedis();
    const pg = await freshPostgres();
    database = pg.database;
    service = await startTestService(database, { DATABASE_URL: pg.url, REDIS_URL: redis.url });
    expect((await gql(service, SETUP)).errors).toBeUndefined();
    expect((await gql(service, WRITE('ctr@1', 0.5))).data).toEqual({ writeFeatureValues: { accepted: 1, rejected: 0, errors: [] } });
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
    await redis?.stop();
  });

  it('fails reads and writes fast with UNAVAILABLE naming the store, keeps the registry answering, and recovers', async () => {
    await redis.stop();
    for (const request of [READ, WRITE('ctr@1', 0.7)]) {
      const started = performance.now();
      const response = await gql(service, request);
      const took = performance.now() - started;
      expect(codes(response)).toEqual(['UNAVAILABLE']);
      expect(response.errors![0]!.message).toMatch(/online store redis .* is unavailable/);
      expect(took).toBeLessThan(1000);
    }
    expect((await gql(service, '{ feature(name: "ctr") { versions { ref } } }')).data).toEqual({
      feature: { versions: [{ ref: 'ctr@1' }, { ref: 'ctr@2' }] },
    });

    await redis.start();
    // The restarted Redis is empty (no persistence in tests): the value is MISSING, but the read works.
    await expect
      .poll(async () => (await gql(service, READ)).data?.onlineFeatures?.rows[0].features[0].flags, { timeout: 15_000, interval: 200 })
      .toEqual(['MISSING']);
    expect((await gql(service, WRITE('ctr@1', 0.9))).data).toEqual({ writeFeatureValues: { accepted: 1, rejected: 0, errors: [] } });
    expect((await gql(service, READ)).data!.onlineFeatures.rows[0].features[0]).toEqual({ ref: 'ctr@1', value: 0.9, flags: [] });
  }, 60_000);
});

describe('two instances sharing a registry and a Redis', () => {
  let database: Database;
  let other: Database;
  let a: Service;
  let b: Service;

  beforeAll(async () => {
    const pg = await freshPostgres();
    database = pg.database;
    other = await connectPostgres(pg.url);
    const env = { DATABASE_URL: pg.url, REDIS_URL: inject('redisUrl') };
    [a, b] = await Promise.all([startTestService(database, env), startTestService(other, env)]);
    // Entity and feature names are fresh per run: the Redis is shared with other test files.
    expect((await gql(a, SETUP.replaceAll('"user"', '"user_two_instances"'))).errors).toBeUndefined();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.close();
    await other?.close();
  });

  it('serves through one what was written through the other, and follows a rebind made through the other', async () => {
    await gql(a, WRITE('ctr@1', 1.5));
    await gql(a, WRITE('ctr@2', 2.5));
    expect((await gql(b, READ)).data!.onlineFeatures.rows[0].features).toEqual([{ ref: 'ctr@1', value: 1.5, flags: [] }]);
    // b now holds the registry in its cache; a rebinds the consumer; b's cache hears of it and drops its copy.
    await gql(a, 'mutation { bindConsumer(consumer: "ranker", refs: ["ctr@2"]) { name } }');
    await expect
      .poll(async () => (await gql(b, READ)).data!.onlineFeatures.rows[0].features, { timeout: 5_000, interval: 20 })
      .toEqual([{ ref: 'ctr@2', value: 2.5, flags: [] }]);
    // A deprecation through b shows on a's reads at once (b's own change) and on b's.
    await gql(b, `mutation { deprecateFeatureVersion(ref: "ctr@2", sunsetAt: "${new Date(Date.now() + 3_600_000).toISOString()}") { status } }`);
    await expect
      .poll(async () => (await gql(a, READ)).data!.onlineFeatures.rows[0].features[0].flags, { timeout: 5_000, interval: 20 })
      .toEqual(['DEPRECATED_VERSION']);
  });
});

describe('who may write', () => {
  let database: Database;
  let service: Service;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    const pg = await freshPostgres();
    database = pg.database;
    await createKeys(database.db, {
      admin: ['platform', 'admin'],
      growthProducer: ['growth', 'producer'],
      adsProducer: ['ads', 'producer'],
      growthReader: ['growth', 'reader'],
    }, keys);
    service = await startTestService(database, { DATABASE_URL: pg.url, AUTH: 'on' });
    expect((await gql(service, SETUP, undefined, keys.admin)).errors).toBeUndefined();
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  it("lets a producer key write for its team's producers only; readers read", async () => {
    expect((await gql(service, WRITE('ctr@1', 1), undefined, keys.growthProducer)).data).toEqual({
      writeFeatureValues: { accepted: 1, rejected: 0, errors: [] },
    });
    expect(codes(await gql(service, WRITE('ctr@1', 2), undefined, keys.adsProducer))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(service, WRITE('ctr@1', 3), undefined, keys.growthReader))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(service, WRITE('ctr@1', 4)))).toEqual(['UNAUTHENTICATED']);
    expect((await gql(service, READ, undefined, keys.growthReader)).data!.onlineFeatures.rows[0].features[0].value).toBe(1);
  });
});

// API keys while PostgreSQL is down and Redis is up: keys seen before keep reading online values (AUTH_GRACE),
// a key never seen gets 503 UNAVAILABLE at once, and once the database is back a key revoked meanwhile is
// refused within the remember time. A PostgreSQL server of the test's own, stopped and started again.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import { Authenticator } from '../src/auth/authenticator.js';
import { createApiKey, revokeApiKey } from '../src/auth/keys.js';
import { loadConfig } from '../src/config.js';
import { CodedError } from '../src/core/errors.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createDatabase, startPostgres, startRedis, type PostgresServer, type RedisServer } from './support/servers.js';
import { codes, gql, startTestService } from './support/service.js';

const SETUP = `mutation {
  registerEntity(name: "user", keyName: "user_id") { name }
  registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
  registerProducer(name: "ctr_job", owner: "growth") { name }
  bindProducer(producer: "ctr_job", refs: ["ctr@1"]) { name }
  registerConsumer(name: "ranker", owner: "search") { name }
  bindConsumer(consumer: "ranker", refs: ["ctr@1"]) { name }
  writeFeatureValues(producer: "ctr_job", rows: [{ ref: "ctr@1", entityKey: "u1", value: 0.25, eventTime: "${new Date().toISOString()}" }]) { accepted }
}`;
const READ = '{ onlineFeatures(consumer: "ranker", entityKeys: ["u1"]) { rows { features { value } } } }';
const REMEMBER_MS = 5_000;

describe('API keys while PostgreSQL is down', () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let database: Database;
  let service: Service;
  /** The same, with a grace shorter than the outage. */
  let strict: Service;
  const keys: Record<string, { id: number; key: string }> = {};

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const url = await createDatabase(postgres.url);
    database = await connectPostgres(url);
    await migrate(database);
    for (const name of ['admin', 'reader', 'revoked', 'unseen'] as const) {
      keys[name] = await createApiKey(database.db, name === 'admin' ? 'platform' : 'search', name === 'admin' ? 'admin' : 'reader');
    }
    service = await startTestService(database, { DATABASE_URL: url, REDIS_URL: redis.url, AUTH: 'on' });
    strict = await startTestService(database, { DATABASE_URL: url, REDIS_URL: redis.url, AUTH: 'on', AUTH_GRACE: '2s' });
    const setup = await gql(service, SETUP, undefined, keys.admin!.key);
    expect(setup.errors).toBeUndefined();
    for (const name of ['reader', 'revoked'] as const) {
      expect((await gql(service, READ, undefined, keys[name]!.key)).data).toEqual({ onlineFeatures: { rows: [{ features: [{ value: 0.25 }] }] } });
    }
    expect((await gql(strict, READ, undefined, keys.reader!.key)).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await strict?.close();
    await service?.close();
    await database?.close();
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it('keeps serving keys it has seen, refuses unseen ones with 503, and applies revocations once the database is back', async () => {
    await postgres.halt();
    // Past the remember time: every verdict now needs the database, which does not answer.
    await new Promise((r) => setTimeout(r, REMEMBER_MS + 500));
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const read = await gql(service, READ, undefined, keys.reader!.key);
      expect(read.status).toBe(200);
      expect(read.data).toEqual({ onlineFeatures: { rows: [{ features: [{ value: 0.25 }] }] } });
      expect(performance.now() - started).toBeLessThan(2_500);
    }
    const unseen = await gql(service, READ, undefined, keys.unseen!.key);
    expect(unseen.status).toBe(503);
    expect(codes(unseen)).toEqual(['UNAVAILABLE']);
    expect(unseen.errors![0]!.message).toMatch(/database is unreachable/);
    // Past AUTH_GRACE a verdict no longer stands: the key cannot be checked.
    const expired = await gql(strict, READ, undefined, keys.reader!.key);
    expect(expired.status).toBe(503);
    expect(codes(expired)).toEqual(['UNAVAILABLE']);
    // A key seen before keeps its verdict for /metrics too.
    expect((await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${keys.reader!.key}` } })).status).toBe(200);

    await postgres.start();
    await revokeApiKey(database.db, keys.revoked!.id);
    const revokedAt = Date.now();
    await expect
      .poll(async () => (await gql(service, READ, undefined, keys.revoked!.key)).status, { timeout: REMEMBER_MS + 2_000, interval: 200 })
      .toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(REMEMBER_MS + 2_000);
    // Everything else recovers by itself, within seconds of the database coming back.
    for (const [instance, key] of [[service, keys.unseen!.key], [service, keys.reader!.key], [strict, keys.reader!.key]] as const) {
      await expect
        .poll(async () => {
          const response = await gql(instance, READ, undefined, key);
          return `${response.status} ${JSON.stringify(response.errors ?? [])}`;
        }, { timeout: 5_000, interval: 250 })
        .toBe('200 []');
    }
  }, 60_000);
});

describe('a database that accepts connections but never answers', () => {
  it('fails the key check within seconds (503), not when the operating system gives up', async () => {
    // A listener that takes the connection and says nothing: what a hung or black-holed server looks like.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const database = await connectPostgres(`postgres://postgres@127.0.0.1:${(silent.address() as net.AddressInfo).port}/none`);
    try {
      const authenticator = new Authenticator(database.db, true, { graceMs: loadConfig({}).authGraceMs });
      const started = performance.now();
      const error = await authenticator.authenticate('Bearer frk_anything').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodedError);
      expect((error as CodedError).code).toBe('UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await database.close();
      silent.close();
    }
  });
});

describe('AUTH_GRACE', () => {
  it('is a duration, 10 minutes unless set', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(loadConfig({}).authGraceMs).toBe(600_000);
    expect(loadConfig({ AUTH_GRACE: '1h' }).authGraceMs).toBe(3_600_000);
    expect(() => loadConfig({ AUTH_GRACE: 'forever' })).toThrow(/AUTH_GRACE/);
  });
});

// Value distributions over time: fed by the write path, aggregated in memory, added up in PostgreSQL across
// instances, and returned per bucket by valueDistribution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { binBounds, valueBin } from '../src/monitoring/value-bins.js';
import { freshPostgres } from './support/backends.js';
import { codes, gql, startTestService } from './support/service.js';

const HOUR = 3_600_000;
const DISTRIBUTION = `query ($ref: String!, $from: DateTime, $to: DateTime) {
  valueDistribution(ref: $ref, from: $from, to: $to) {
    start end count nullCount min max mean stddev integralShare p50 p90 p99 histogram { lower upper count }
  }
}`;

describe('histogram bins', () => {
  it('put every value in a bin whose bounds hold it, 5% wide, signed', () => {
    for (const x of [0.0001, 0.37, 1, 2.5, 999, 123456789, -0.5, -42]) {
      const [lower, upper] = binBounds(valueBin(x));
      expect(x).toBeGreaterThan(lower * (1 - 1e-12));
      expect(x).toBeLessThanOrEqual(upper * (1 + 1e-12));
      expect(Math.abs(upper - lower)).toBeLessThanOrEqual(Math.abs(x) * 0.05 + 1e-12);
    }
    expect(valueBin(0)).toBe(0);
    expect(Math.sign(valueBin(-3))).toBe(-1);
  });
});

describe('value distributions', () => {
  let database: Database;
  let other: Database;
  let a: Service;
  let b: Service;
  const bucket = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

  beforeAll(async () => {
    const pg = await freshPostgres();
    database = pg.database;
    other = await connectPostgres(pg.url);
    a = await startTestService(database, { DATABASE_URL: pg.url });
    b = await startTestService(other, { DATABASE_URL: pg.url });
    const setup = await gql(a, `mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      f: registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h", nullable: true }) { created }
      registerProducer(name: "job", owner: "growth") { name }
      bindProducer(producer: "job", refs: ["ctr@1"]) { name }
    }`);
    expect(setup.errors).toBeUndefined();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.close();
    await other?.close();
  });

  const write = (service: Service, values: (number | null)[], hourStart: number, keyPrefix: string) =>
    gql(service, 'mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "job", rows: $rows) { accepted rejected } }', {
      rows: values.map((value, i) => ({ ref: 'ctr@1', entityKey: `${keyPrefix}${i}`, value, eventTime: new Date(hourStart + 60_000 + i).toISOString() })),
    });

  it('adds up both instances’ figures per bucket: count, nulls, min, max, mean, stddev, quantiles, histogram', async () => {
    // Bucket 1: 1..100 through a (with two nulls), 101..200 through b. Bucket 2: ten values of 0.5.
    const first = Array.from({ length: 100 }, (_, i) => i + 1);
    expect((await write(a, [...first, null, null], bucket, 'a')).data!.writeFeatureValues).toEqual({ accepted: 102, rejected: 0 });
    expect((await write(b, first.map((x) => x + 100), bucket, 'b')).data!.writeFeatureValues).toEqual({ accepted: 100, rejected: 0 });
    await write(a, Array(10).fill(0.5), bucket + HOUR, 'c');
    await a.services.distributions.flush();
    await b.services.distributions.flush();

    const response = await gql(a, DISTRIBUTION, { ref: 'ctr@1', from: new Date(bucket).toISOString() });
    expect(response.errors).toBeUndefined();
    const [one, two] = response.data!.valueDistribution;
    expect(one).toMatchObject({
      start: new Date(bucket).toISOString(),
      end: new Date(bucket + HOUR).toISOString(),
      count: 200,
      nullCount: 2,
      min: 1,
      max: 200,
      mean: 100.5,
      integralShare: 1,
    });
    expect(one.stddev).toBeCloseTo(Math.sqrt((200 * 200 - 1) / 12), 6);
    expect(one.p50).toBeGreaterThan(100 * 0.95);
    expect(one.p50).toBeLessThan(101 * 1.05);
    expect(one.p99).toBeGreaterThan(198 * 0.95);
    expect(one.histogram.reduce((s: number, h: { count: number }) => s + h.count, 0)).toBe(200);
    expect(two).toMatchObject({ count: 10, nullCount: 0, min: 0.5, max: 0.5, mean: 0.5, stddev: 0, integralShare: 0 });

    const onlyFirst = await gql(a, DISTRIBUTION, { ref: 'ctr@1', from: new Date(bucket).toISOString(), to: new Date(bucket + HOUR).toISOString() });
    expect(onlyFirst.data!.valueDistribution).toHaveLength(1);
  });

  it('refuses unknown versions and bad times', async () => {
    expect(codes(await gql(a, DISTRIBUTION, { ref: 'nope@1' }))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(a, DISTRIBUTION, { ref: 'ctr@1', from: 'last tuesday' }))).toEqual(['BAD_USER_INPUT']);
  });
});

// One request within every limit must not take the service down, on every online store: online reads are
// priced by keys × the consumer's pinned versions and capped at MAX_VALUES_PER_REQUEST over all their aliases
// (refused before anything runs, and again by the reader itself), `alerts` is evaluated once however many
// aliases ask for it, and /healthz keeps answering within a second while the largest allowed request runs.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import { backends } from './support/backends.js';
import { codes, gql, gqlOk, startTestService, withService } from './support/service.js';
import { createValueLoader } from '../src/graphql/loaders.js';

const PINNED = 200;

/** Runs `work` while polling /healthz every 50 ms; returns its result and the slowest health answer. */
async function whileHealthChecked<T>(service: Service, work: () => Promise<T>): Promise<{ result: T; slowestHealthMs: number; checks: number }> {
  let done = false;
  let slowestHealthMs = 0;
  let checks = 0;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(`${service.url}/healthz`);
      expect(response.status).toBe(200);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
      checks++;
      await sleep(50);
    }
  })();
  try {
    return { result: await work(), slowestHealthMs, checks };
  } finally {
    done = true;
    await probe;
  }
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

/** `aliases` copies of one onlineFeatures read of `$keys` for `$consumer`. */
const aliasedRead = (aliases: number, selection = 'rows { features { value } }') =>
  `query ($consumer: String!, $keys: [String!]!) { ${Array.from({ length: aliases }, (_, i) => `a${i}: onlineFeatures(consumer: $consumer, entityKeys: $keys) { ${selection} }`).join(' ')} }`;

describe.each(backends)('online read limits on $name', (backend) => {
  const fixture = withService(backend);
  const s = randomBytes(4).toString('hex');
  const wide = `wide_${s}`;
  const narrow = `narrow_${s}`;

  beforeAll(async () => {
    const registrations = Array.from(
      { length: PINNED },
      (_, i) => `f${i}: registerFeatureVersion(input: { feature: "f${i}_${s}", entity: "user_${s}", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }`,
    );
    await gqlOk(fixture.service, `mutation { registerEntity(name: "user_${s}", keyName: "user_id") { name } ${registrations.join(' ')} }`);
    const refs = Array.from({ length: PINNED }, (_, i) => `f${i}_${s}@1`);
    await gqlOk(
      fixture.service,
      `mutation ($refs: [String!]!, $few: [String!]!) {
        wide: registerConsumer(name: "${wide}", owner: "search") { name }
        pinWide: bindConsumer(consumer: "${wide}", refs: $refs) { name }
        narrow: registerConsumer(name: "${narrow}", owner: "search") { name }
        pinNarrow: bindConsumer(consumer: "${narrow}", refs: $few) { name }
        registerProducer(name: "job_${s}", owner: "growth") { name }
        bindProducer(producer: "job_${s}", refs: $few) { name }
      }`,
      { refs, few: refs.slice(0, 10) },
    );
    const eventTime = new Date().toISOString();
    const rows = keys(1000).flatMap((entityKey) => refs.slice(0, 10).map((ref, i) => ({ ref, entityKey, value: i, eventTime })));
    const written = await gqlOk(fixture.service, 'mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "job_' + s + '", rows: $rows) { accepted } }', { rows });
    expect(written.writeFeatureValues.accepted).toBe(10_000);
  }, 120_000);

  it('refuses 45 aliases × 1,000 keys of a consumer pinned to 200 features before reading anything', async () => {
    const { result: refused, slowestHealthMs } = await whileHealthChecked(fixture.service, () =>
      // `__typename` is the selection that once cost 45,000 and then loaded 9,000,000 values.
      gql(fixture.service, aliasedRead(45, '__typename'), { consumer: wide, keys: keys(1000) }),
    );
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors![0]!.message).toMatch(/reads 9000000 online values .*at most 100000 .*MAX_VALUES_PER_REQUEST/);
    expect(refused.errors![0]!.extensions).toMatchObject({ values: 9_000_000, maxValues: 100_000 });
    expect(refused.data).toBeUndefined();
    expect(slowestHealthMs).toBeLessThan(1_000);
    expect((await fetch(`${fixture.service.url}/healthz`)).status).toBe(200);
  });

  it('counts values over every alias and every read field of a request', async () => {
    // Each alias alone fits (300 × 200 = 60,000); together they do not.
    const refused = await gql(fixture.service, aliasedRead(2), { consumer: wide, keys: keys(300) });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ values: 120_000 });
    const mixed = await gql(
      fixture.service,
      `query ($keys: [String!]!) {
        onlineFeatures(consumer: "${wide}", entityKeys: $keys) { flagCounts { flag count } }
        ${Array.from({ length: 2 }, (_, i) => `v${i}: featureValues(ref: "f0_${s}@1", entityKeys: $keys) { flagCounts { flag } }`).join(' ')}
      }`,
      { keys: keys(497) },
    );
    expect(codes(mixed)).toEqual(['BAD_USER_INPUT']);
    expect(mixed.errors![0]!.extensions).toMatchObject({ values: 497 * 200 + 2 * 497 });
  });

  it('prices reads by the consumer\'s pins and registry-wide lists by what the registry holds', async () => {
    const tight = await startTestService(fixture.database, { ...fixture.env, MAX_QUERY_COST: '20000' });
    try {
      const selection = 'rows { entityKey features { ref value flags } }';
      expect((await gql(tight, aliasedRead(1, selection), { consumer: narrow, keys: keys(500) })).status).toBe(200);
      const refused = await gql(tight, aliasedRead(1, selection), { consumer: wide, keys: keys(500) });
      expect(refused.status).toBe(400);
      expect(codes(refused)).toEqual(['QUERY_TOO_COSTLY']);

      // `features` is priced by the 200 features the registry holds, not by an assumed 10.
      const features = (aliases: number) => `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: features { name }`).join(' ')} }`;
      expect((await gql(tight, features(90))).status).toBe(200);
      const tooMany = await gql(tight, features(100));
      expect(tooMany.status).toBe(400);
      expect(codes(tooMany)).toEqual(['QUERY_TOO_COSTLY']);
      expect(tooMany.errors![0]!.extensions).toMatchObject({ cost: 100 * (1 + PINNED) });
    } finally {
      await tight.close();
    }
  });

  it('serves a read just under the limit while /healthz answers within a second', async () => {
    // 450 keys × 200 pinned features = 90,000 values, under MAX_VALUES_PER_REQUEST (100,000).
    const { result, slowestHealthMs, checks } = await whileHealthChecked(fixture.service, () =>
      gql(fixture.service, aliasedRead(1, 'rows { entityKey features { value } }'), { consumer: wide, keys: keys(450) }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.status).toBe(200);
    const rows = result.data!.a0.rows;
    expect(rows).toHaveLength(450);
    expect(rows[7].entityKey).toBe('u7');
    expect(rows[7].features).toHaveLength(PINNED);
    // The producer wrote the first ten features of each key.
    expect(rows[7].features.filter((f: { value: unknown }) => f.value !== null)).toHaveLength(10);
    expect(checks).toBeGreaterThan(0);
    expect(slowestHealthMs).toBeLessThan(1_000);
  });

  it('evaluates alerts once for 50 aliases with /healthz answering meanwhile, and prices 199 out', async () => {
    const alerts = (aliases: number) => `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: alerts { kind subject }`).join(' ')} }`;
    const { result, slowestHealthMs } = await whileHealthChecked(fixture.service, async () => {
      const started = performance.now();
      const response = await gql(fixture.service, alerts(50));
      return { response, ms: performance.now() - started };
    });
    expect(result.response.errors).toBeUndefined();
    expect(Object.keys(result.response.data!)).toHaveLength(50);
    expect(result.ms).toBeLessThan(10_000);
    expect(slowestHealthMs).toBeLessThan(1_000);
    // Each alias may list two alerts per version, one per consumer binding (210 here) and 100 hot keys.
    const priced = await gql(fixture.service, alerts(199));
    expect(codes(priced)).toEqual(['QUERY_TOO_COSTLY']);
    expect(priced.errors![0]!.extensions).toMatchObject({ cost: 199 * (1 + 2 * (2 * PINNED + (PINNED + 10) + 100)) });
  });

  it('is refused by the reader itself when a request reads past the limit another way', async () => {
    // The estimate before execution and the reader count the same values; the reader's own count is what holds
    // if pins change in between. One request's loader, two reads of 60,000 values each.
    const { reader } = fixture.service.services;
    const loader = createValueLoader(reader);
    await reader.onlineFeatures(wide, { entityKeys: keys(300) }, loader);
    await expect(reader.onlineFeatures(wide, { entityKeys: keys(300) }, loader)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { values: 120_000, maxValues: 100_000 },
    });
  });
});

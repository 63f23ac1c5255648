// Input that cannot corrupt, through the GraphQL API on every online store (embedded PGlite, PostgreSQL, Redis,
// the shared 3-master Redis Cluster): entity keys and every other client string are checked once, the same way
// for every store; bad rows are rejected by index while the rest of the batch applies; bad arguments are
// BAD_USER_INPUT and write nothing; what is hashed is what is stored; distributions of values near the largest
// double stay finite; event times keep milliseconds; a hot key holding `}` is replicated on Redis Cluster.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Cluster } from 'ioredis';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { RedisOnlineStore } from '../src/online/redis/index.js';
import { canonicalDefinition, definitionHash } from '../src/registry/definition.js';
import { backends, freshPglite } from './support/backends.js';
import { codes, gql, gqlOk, startTestService, withService } from './support/service.js';

import { slotOf as calculateSlot } from '../src/online/redis/index.js';

const WRITE = `mutation ($producer: String!, $rows: [FeatureValueInput!]!) {
  writeFeatureValues(producer: $producer, rows: $rows) { accepted superseded rejected errors { index code message } }
}`;
const VALUES = `query ($ref: String!, $keys: [String!]!) {
  featureValues(ref: $ref, entityKeys: $keys) { rows { entityKey features { value eventTime } } }
}`;
const READ = `query ($consumer: String!, $keys: [String!]!) {
  onlineFeatures(consumer: $consumer, entityKeys: $keys) { rows { entityKey features { value } } }
}`;
const REGISTER = `mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { created version { ref status description definitionHash } } }`;

/** Fast hot-key windows (the shared cluster's read counts are shared with other test files: a low share). */
const FAST_HOT_KEYS = { HOT_KEY_WINDOW: '3s', HOT_KEY_SHARE: '0.01', HOT_KEY_MIN_RATE: '5' };

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** `levels` objects nested in one another. */
function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe.each(backends)('input that cannot corrupt, on $name', (backend) => {
  const fixture = withService(backend, { env: FAST_HOT_KEYS });
  // Names unique to this suite: the Redis servers are shared by every test file.
  const s = randomBytes(4).toString('hex');
  const entity = `user_${s}`;
  const producer = `job_${s}`;
  const consumer = `model_${s}`;
  const num = `num_${s}@1`;
  const text = `text_${s}@1`;
  const tags = `tags_${s}@1`;

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  const write = async (rows: Record<string, unknown>[]) => (await ok(WRITE, { producer, rows })).writeFeatureValues;
  const valuesOf = async (ref: string, keys: string[]) =>
    (await ok(VALUES, { ref, keys })).featureValues.rows.map((r: { features: { value: unknown }[] }) => r.features[0]!.value);
  const auditCount = async () => Number((await queryRows<{ n: string }>(fixture.database.db, sql`select count(*) as n from audit_log`))[0]!.n);

  beforeAll(async () => {
    await ok(`mutation {
      registerEntity(name: "${entity}", keyName: "user_id", description: "a user") { name }
      registerProducer(name: "${producer}", owner: "growth") { name }
    }`);
    for (const [ref, valueType] of [[num, 'FLOAT64'], [text, 'STRING'], [tags, 'STRING_LIST']] as const) {
      await ok(REGISTER, { input: { feature: ref.split('@')[0], entity, owner: 'growth', valueType, maxAge: '1h' } });
    }
    await ok(`mutation {
      bindProducer(producer: "${producer}", refs: ["${num}", "${text}", "${tags}"]) { name }
      registerConsumer(name: "${consumer}", owner: "search") { name }
      bindConsumer(consumer: "${consumer}", refs: ["${num}"]) { name }
    }`);
  });

  describe('entity keys', () => {
    it('a batch with bad keys applies the others and rejects each bad one with its index', async () => {
      const t = ago(1_000);
      const result = await write([
        { ref: num, entityKey: 'k0', value: 0, eventTime: t },
        { ref: num, entityKey: 'k\u00001', value: 1, eventTime: t }, // NUL
        { ref: num, entityKey: 'k2', value: 2, eventTime: t },
        { ref: num, entityKey: '', value: 3, eventTime: t }, // empty
        { ref: num, entityKey: 'x'.repeat(257), value: 4, eventTime: t }, // 257 bytes
        { ref: num, entityKey: 'tab\tkey', value: 5, eventTime: t }, // control character
        { ref: num, entityKey: 'é'.repeat(128), value: 6, eventTime: t }, // exactly 256 bytes of UTF-8
        { ref: num, entityKey: 'é'.repeat(129), value: 7, eventTime: t }, // 258 bytes
      ]);
      expect(result).toMatchObject({ accepted: 3, superseded: 0, rejected: 5 });
      expect(result.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
        [1, 'BAD_USER_INPUT'],
        [3, 'BAD_USER_INPUT'],
        [4, 'BAD_USER_INPUT'],
        [5, 'BAD_USER_INPUT'],
        [7, 'BAD_USER_INPUT'],
      ]);
      expect(result.errors[0].message).toBe('row 1: entityKey contains a NUL character');
      expect(result.errors[2].message).toBe('row 4: entityKey is longer than 256 bytes of UTF-8');
      expect(await valuesOf(num, ['k0', 'k2', 'é'.repeat(128)])).toEqual([0, 2, 6]);
    });

    it('refuses lone surrogates of both kinds, so distinct keys never collide', async () => {
      const t = ago(1_000);
      const result = await write([
        { ref: num, entityKey: '\ud800', value: 1, eventTime: t },
        { ref: num, entityKey: '\udc00', value: 2, eventTime: t },
        { ref: num, entityKey: 'a\ud800b', value: 3, eventTime: t },
        { ref: num, entityKey: '\ufffd', value: 4, eventTime: t },
        { ref: num, entityKey: '\ud83d\ude42', value: 5, eventTime: t }, // a surrogate pair: a well-formed emoji
      ]);
      expect(result).toMatchObject({ accepted: 2, rejected: 3 });
      expect(result.errors.map((e: { index: number }) => e.index)).toEqual([0, 1, 2]);
      expect(result.errors[0].message).toMatch(/lone surrogate/);
      expect(await valuesOf(num, ['\ufffd', '🙂'])).toEqual([4, 5]);
    });

    it('a bad read key is BAD_USER_INPUT naming its index, and nothing is read', async () => {
      const trips = fixture.service.store.roundTrips;
      const cases: [string, Record<string, unknown>, string][] = [
        [VALUES, { ref: num, keys: ['k0', 'k2', 'bad\u0000'] }, 'entityKeys[2] contains a NUL character'],
        [VALUES, { ref: num, keys: ['\udc00'] }, 'entityKeys[0] is not well-formed UTF-16 (a lone surrogate)'],
        [READ, { consumer, keys: ['k0', randomBytes(1_500).toString('hex')] }, 'entityKeys[1] is longer than 256 bytes of UTF-8'],
        [READ, { consumer, keys: ['k0', 'k2', 'k3', ''] }, 'entityKeys[3] is empty'],
        [READ, { consumer, keys: ['line\nbreak'] }, 'entityKeys[0] contains a control character'],
      ];
      for (const [query, variables, message] of cases) {
        const response = await gql(fixture.service, query, variables);
        expect(response.status).toBeLessThan(500);
        expect(codes(response)).toEqual(['BAD_USER_INPUT']);
        expect(response.errors![0]!.message).toBe(message);
        expect(response.data).toBeNull();
      }
      expect(fixture.service.store.roundTrips).toBe(trips);
    });
  });

  describe('strings in values', () => {
    it('refuses NUL and lone surrogates in STRING and STRING_LIST values, and keeps other control characters', async () => {
      const t = ago(1_000);
      const data = 'bell\u0007 escape\u001b[0m\ttab\nline\u007f';
      const result = await write([
        { ref: text, entityKey: 'v0', value: 'a\u0000b', eventTime: t },
        { ref: text, entityKey: 'v1', value: '\ud800', eventTime: t },
        { ref: text, entityKey: 'v2', value: data, eventTime: t },
        { ref: tags, entityKey: 'v3', value: ['ok', '\udc00'], eventTime: t },
        { ref: tags, entityKey: 'v4', value: ['ok', '\u0001', data], eventTime: t },
      ]);
      expect(result).toMatchObject({ accepted: 2, rejected: 3 });
      expect(result.errors.map((e: { index: number; message: string }) => [e.index, e.message])).toEqual([
        [0, `row 0: value for ${text} (STRING): the string contains a NUL character`],
        [1, `row 1: value for ${text} (STRING): the string is not well-formed UTF-16 (a lone surrogate)`],
        [3, `row 3: value for ${tags} (STRING_LIST): item 1 of the list is not well-formed UTF-16 (a lone surrogate)`],
      ]);
      expect(await valuesOf(text, ['v0', 'v1', 'v2'])).toEqual([null, null, data]);
      expect(await valuesOf(tags, ['v3', 'v4'])).toEqual([null, ['ok', '\u0001', data]]);
    });
  });

  describe('registry strings', () => {
    it('descriptions, reasons and aggregations with NUL or lone surrogates are BAD_USER_INPUT, and nothing is written', async () => {
      const draft = (await ok(REGISTER, { input: { feature: `num_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '2h' } }))
        .registerFeatureVersion.version.ref as string;
      const audits = await auditCount();
      const feature = (extra: Record<string, unknown>) => ({ feature: `bad_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', ...extra });
      const refused: [string, Record<string, unknown>][] = [
        ['mutation ($d: String) { registerEntity(name: "other_' + s + '", keyName: "id", description: $d) { name } }', { d: 'a\u0000' }],
        ['mutation ($d: String) { registerEntity(name: "' + entity + '", keyName: "user_id", description: $d) { name } }', { d: '\ud800' }],
        ['mutation ($d: String) { registerProducer(name: "p2_' + s + '", owner: "growth", description: $d) { name } }', { d: 'x\u0000y' }],
        ['mutation ($d: String) { registerConsumer(name: "c2_' + s + '", owner: "growth", description: $d) { name } }', { d: '\udc00' }],
        [REGISTER, { input: feature({ description: 'clicks\u0000' }) }],
        [REGISTER, { input: feature({ aggregation: { function: 'mean', source: 'clicks\u0000' } }) }],
        [REGISTER, { input: feature({ aggregation: { function: 'mean', 'sou\u0000rce': 'clicks' } }) }],
        [REGISTER, { input: feature({ aggregation: { function: 'mean', args: ['ok', '\udc00'] } }) }],
        [REGISTER, { input: feature({ aggregation: { metadata: { note: '\ud800' } } }) }],
        ['mutation ($r: String) { activateFeatureVersion(ref: "' + draft + '", force: true, reason: $r) { status } }', { r: 'ok\u0000' }],
        ['mutation ($r: String) { deprecateFeatureVersion(ref: "' + draft + '", sunsetAt: "2099-01-01T00:00:00Z", reason: $r) { status } }', { r: '\ud800' }],
        ['mutation ($d: String) { registerEntity(name: "other_' + s + '", keyName: "id", description: $d) { name } }', { d: 'x'.repeat(10_000_000) }],
        // Year 0 is a valid JavaScript time but no PostgreSQL timestamp.
        ['mutation ($t: DateTime!) { deprecateFeatureVersion(ref: "' + draft + '", sunsetAt: $t) { status } }', { t: '0000-01-01T00:00:00Z' }],
        ['mutation ($r: String) { activateFeatureVersion(ref: "' + draft + '", force: true, reason: $r) { status } }', { r: 'why '.repeat(2_000) }],
      ];
      for (const [query, variables] of refused) {
        const response = await gql(fixture.service, query, variables);
        expect(codes(response), query).toEqual(['BAD_USER_INPUT']);
        expect(response.status).toBeLessThan(500);
      }
      expect(await auditCount()).toBe(audits);
      const after = await ok(`{
        other: entity(name: "other_${s}") { name }
        user: entity(name: "${entity}") { description }
        p2: producer(name: "p2_${s}") { name }
        c2: consumer(name: "c2_${s}") { name }
        bad: feature(name: "bad_${s}") { name }
        draft: featureVersion(ref: "${draft}") { status }
      }`);
      expect(after).toEqual({ other: null, user: { description: 'a user' }, p2: null, c2: null, bad: null, draft: { status: 'DRAFT' } });
    });

    it('refuses a 3,000-level nested aggregation before anything recurses, sent as a variable or as a literal', async () => {
      const variable = await gql(fixture.service, REGISTER, { input: { feature: `deep_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', aggregation: nested(3_000) } });
      expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
      expect(variable.errors![0]!.message).toBe('aggregation nests deeper than 16 levels');

      const literal = (levels: number) =>
        gql(fixture.service, `mutation { registerFeatureVersion(input: { feature: "deep_${s}", entity: "${entity}", owner: "growth", valueType: FLOAT64, maxAge: "1h",
          aggregation: ${'{ a: '.repeat(levels)}"leaf"${' }'.repeat(levels)} }) { created } }`);
      const shallow = await literal(100);
      expect(shallow.status).toBe(400);
      expect(shallow.errors![0]!.message).toMatch(/JSON literal nests deeper than 64 levels/);
      const deep = await literal(3_000);
      expect(deep.status).toBeGreaterThanOrEqual(400);
      expect(deep.status).toBeLessThan(500);
      expect(codes(deep)).not.toContain('INTERNAL_SERVER_ERROR');

      const fine = await gql(fixture.service, REGISTER, { input: { feature: `deep_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', aggregation: nested(15) } });
      expect(fine.data!.registerFeatureVersion.created).toBe(true);
    });

    it('lookups and bindings by a malformed name or ref are BAD_USER_INPUT, never an internal error', async () => {
      for (const bad of ['a\u0000', '\ud800', 'A', '']) {
        const lookups: [string, Record<string, unknown>][] = [
          ['query ($n: String!) { entity(name: $n) { name } }', { n: bad }],
          ['query ($n: String!) { feature(name: $n) { name } }', { n: bad }],
          ['query ($n: String!) { producer(name: $n) { name } }', { n: bad }],
          ['query ($n: String!) { consumer(name: $n) { name } }', { n: bad }],
          ['query ($r: String!) { featureVersion(ref: $r) { ref } }', { r: `${bad}@1` }],
          ['query ($r: String!) { eventLag(ref: $r) { samples } }', { r: `${bad}@1` }],
          ['query ($r: String!) { valueDistribution(ref: $r) { count } }', { r: `${bad}@1` }],
          [VALUES, { ref: `${bad}@1`, keys: ['k0'] }],
          [READ, { consumer: bad, keys: ['k0'] }],
          [WRITE, { producer: bad, rows: [{ ref: num, entityKey: 'k', value: 1, eventTime: ago(1) }] }],
          ['mutation ($p: String!, $r: [String!]!) { bindProducer(producer: $p, refs: $r) { name } }', { p: bad, r: [num] }],
          ['mutation ($p: String!, $r: [String!]!) { bindProducer(producer: $p, refs: $r) { name } }', { p: producer, r: [`${bad}@1`] }],
          ['mutation ($c: String!, $r: [String!]!) { bindConsumer(consumer: $c, refs: $r) { name } }', { c: bad, r: [num] }],
        ];
        for (const [query, variables] of lookups) {
          const response = await gql(fixture.service, query, variables);
          expect(codes(response), `${query} ${JSON.stringify(variables)}`).toEqual(['BAD_USER_INPUT']);
        }
      }
      // Well-formed but unknown: null, as before.
      expect(await ok(`{ entity(name: "nobody_${s}") { name } featureVersion(ref: "nothing_${s}@1") { ref } }`)).toEqual({ entity: null, featureVersion: null });
    });

    it('hashes what it stores: a description is trimmed once, and the stored definition hashes to the stored hash', async () => {
      const input = { feature: `described_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', aggregation: { source: 'x\ny', function: 'mean' } };
      const first = (await ok(REGISTER, { input: { ...input, description: '  clicks per view\n' } })).registerFeatureVersion;
      const again = (await ok(REGISTER, { input: { ...input, description: 'clicks per view' } })).registerFeatureVersion;
      expect(first).toMatchObject({ created: true, version: { description: 'clicks per view' } });
      expect(again).toEqual({ ...first, created: false });
      const [row] = await queryRows<{ description: string; aggregation: Record<string, unknown>; definition_hash: string; value_type: string; window: string | null; max_age: string }>(
        fixture.database.db,
        sql`select description, aggregation, definition_hash, value_type, "window", max_age from feature_versions where feature = ${input.feature}`,
      );
      const stored = canonicalDefinition({ ...input, valueType: row!.value_type, window: row!.window, maxAge: row!.max_age, aggregation: row!.aggregation, description: row!.description });
      expect(row!.description).toBe('clicks per view');
      expect(definitionHash(stored)).toBe(row!.definition_hash);

      // Three descriptions that differ only by a lone surrogate would hash differently but all be stored as
      // U+FFFD: they are refused instead.
      for (const description of ['d\ud800', 'd\ud801', 'd\udc00']) {
        expect(codes(await gql(fixture.service, REGISTER, { input: { ...input, feature: `surrogate_${s}`, description } }))).toEqual(['BAD_USER_INPUT']);
      }
      expect(await ok(`{ feature(name: "surrogate_${s}") { name } }`)).toEqual({ feature: null });
    });
  });

  it('keeps valueDistribution mean and stddev finite for FLOAT64 values near the largest double', async () => {
    const big = `big_${s}`;
    const ref = (await ok(REGISTER, { input: { feature: big, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '1h' } })).registerFeatureVersion.version.ref;
    await ok(`mutation { bindProducer(producer: "${producer}", refs: ["${ref}"]) { name } }`);
    const t = ago(1_000);
    // Two flushes, so that the database adds one instance's sums to the other's (where a double would overflow).
    expect(await write([1.7e308, 1.7e308].map((value, i) => ({ ref, entityKey: `b${i}`, value, eventTime: t })))).toMatchObject({ accepted: 2 });
    await fixture.service.services.distributions.flush();
    expect(await write([1.7e308, -1.7e308].map((value, i) => ({ ref, entityKey: `c${i}`, value, eventTime: t })))).toMatchObject({ accepted: 2 });
    await fixture.service.services.distributions.flush();
    const response = await gql(fixture.service, `{ valueDistribution(ref: "${ref}") { count min max mean stddev } }`);
    expect(response.errors).toBeUndefined();
    const [bucket] = response.data!.valueDistribution;
    expect(bucket).toMatchObject({ count: 4, min: -1.7e308, max: 1.7e308 });
    // Mean 0.85e308; population variance (3·0.85² + 2.55²)/4 · 1e616 = 2.1675e616.
    expect(bucket.mean / 0.85e308).toBeCloseTo(1, 12);
    expect(bucket.stddev / (Math.sqrt(2.1675) * 1e308)).toBeCloseTo(1, 12);
  });

  it('keeps event times to the millisecond: a later event within the same millisecond is superseded', async () => {
    const millisecond = ago(5_000).slice(0, 23); // 2026-11-26T12:00:00.123
    const first = await write([{ ref: num, entityKey: 'same_ms', value: 1, eventTime: `${millisecond}100Z` }]);
    const second = await write([{ ref: num, entityKey: 'same_ms', value: 2, eventTime: `${millisecond}900Z` }]);
    expect([first, second]).toMatchObject([{ accepted: 1 }, { accepted: 0, superseded: 1 }]);
    const [row] = (await ok(VALUES, { ref: num, keys: ['same_ms'] })).featureValues.rows;
    expect(row.features[0]).toEqual({ value: 1, eventTime: `${millisecond}Z` });
    const next = new Date(new Date(`${millisecond}Z`).getTime() + 1).toISOString();
    expect(await write([{ ref: num, entityKey: 'same_ms', value: 3, eventTime: next }])).toMatchObject({ accepted: 1 });
  });

  it.runIf(backend.name === 'Redis Cluster')('replicates a hot key holding `}` to other masters, each copy on the slot chosen for it', async () => {
    const key = `a}b{c}_${s}`;
    expect(await write([{ ref: num, entityKey: key, value: 42, eventTime: ago(1_000) }])).toMatchObject({ accepted: 1 });
    const store = fixture.service.store as RedisOnlineStore;
    const entityKey = `${entity}:${key}`;
    const until = Date.now() + 20_000;
    for (let i = 0; !store.replicated.has(entityKey) && Date.now() < until; i++) {
      await gql(fixture.service, READ, { consumer, keys: [i % 4 === 3 ? `cold_${i}` : key] });
    }
    expect(store.replicated.has(entityKey)).toBe(true);
    const copies = store.copiesOf(entityKey);
    expect(copies).toHaveLength(3);
    const [host, port] = inject('redisClusterNodes')[0]!.split(':');
    const client = new Cluster([{ host: host!, port: Number(port) }]);
    try {
      await client.ping();
      const masterOf = (hashKey: string) => client.slots[calculateSlot(hashKey)]![0];
      expect(new Set(copies.map(masterOf)).size).toBe(3);
      for (const copy of copies) expect(await client.hget(copy, num)).toMatch(/\|42$/);
    } finally {
      client.disconnect();
    }
  }, 40_000);
});

describe('MAX_ENTITY_KEY_BYTES', () => {
  it('sets the longest entity key for writes and reads alike', async () => {
    const database = await freshPglite();
    const service = await startTestService(database, { MAX_ENTITY_KEY_BYTES: '8' });
    try {
      await gqlOk(service, `mutation {
        registerEntity(name: "user", keyName: "user_id") { name }
        registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
        registerProducer(name: "job", owner: "growth") { name }
        bindProducer(producer: "job", refs: ["ctr@1"]) { name }
      }`);
      const rows = ['8 bytes!', '9 bytes!!', 'ééé'].map((entityKey) => ({ ref: 'ctr@1', entityKey, value: 1, eventTime: ago(1_000) }));
      const written = (await gqlOk(service, WRITE, { producer: 'job', rows })).writeFeatureValues;
      expect(written).toMatchObject({ accepted: 2, rejected: 1, errors: [{ index: 1, message: 'row 1: entityKey is longer than 8 bytes of UTF-8' }] });
      const read = await gql(service, VALUES, { ref: 'ctr@1', keys: ['8 bytes!', '9 bytes!!'] });
      expect(read.errors![0]!.message).toBe('entityKeys[1] is longer than 8 bytes of UTF-8');
    } finally {
      await service.close();
      await database.close();
    }
  });
});

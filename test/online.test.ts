// Online values through the GraphQL API, on every online store: embedded PGlite, PostgreSQL, Redis and a
// 3-master Redis Cluster. Validated writes, the late-event guard (a shuffled replay, alone and with concurrent
// writers), batched reads in request order, every read flag present and absent, event lag.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { gql, gqlOk, withService } from './support/service.js';
import { randomSeed, shuffle } from './support/shuffle.js';

const READ = `query ($consumer: String!, $keys: [String!]!) {
  onlineFeatures(consumer: $consumer, entityKeys: $keys) {
    rows { entityKey features { ref feature version value eventTime ageMs flags } }
    flagCounts { flag count }
  }
}`;
const VALUES = `query ($ref: String!, $keys: [String!]!) {
  featureValues(ref: $ref, entityKeys: $keys) { rows { entityKey features { ref value eventTime ageMs flags } } flagCounts { flag count } }
}`;
const WRITE = `mutation ($producer: String!, $rows: [FeatureValueInput!]!) {
  writeFeatureValues(producer: $producer, rows: $rows) { accepted superseded rejected errors { index code message } }
}`;

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe.each(backends)('online values on $name', (backend) => {
  const fixture = withService(backend, { env: { MAX_WRITE_BATCH: '2000' } });
  // Names unique to this suite: the Redis servers are shared by every test file.
  const s = randomBytes(4).toString('hex');
  const entity = `user_${s}`;
  const producer = `job_${s}`;

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);

  /** Registers version 1 of a feature (ACTIVE) and binds the producer to it; returns its ref. */
  async function feature(name: string, valueType: string, extra: Record<string, unknown> = {}): Promise<string> {
    const data = await ok(`mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref } } }`, {
      input: { feature: `${name}_${s}`, entity, owner: 'growth', valueType, maxAge: '1h', ...extra },
    });
    const ref = data.registerFeatureVersion.version.ref as string;
    await ok(`mutation ($refs: [String!]!) { bindProducer(producer: "${producer}", refs: $refs) { name } }`, { refs: [ref] });
    return ref;
  }

  async function consumer(name: string, refs: string[]): Promise<string> {
    await ok(`mutation { registerConsumer(name: "${name}_${s}", owner: "search") { name } }`);
    await ok(`mutation ($refs: [String!]!) { bindConsumer(consumer: "${name}_${s}", refs: $refs) { name } }`, { refs });
    return `${name}_${s}`;
  }

  const write = async (rows: Record<string, unknown>[], as = producer) => (await ok(WRITE, { producer: as, rows })).writeFeatureValues;
  const values = async (ref: string, keys: string[]) => (await ok(VALUES, { ref, keys })).featureValues;
  const read = async (consumerName: string, keys: string[]) => (await ok(READ, { consumer: consumerName, keys })).onlineFeatures;

  beforeAll(async () => {
    await ok(`mutation {
      registerEntity(name: "${entity}", keyName: "user_id") { name }
      registerProducer(name: "${producer}", owner: "growth") { name }
    }`);
  });

  describe('writes', () => {
    it('checks every row strictly against its version: bad rows are rejected by index, the others applied', async () => {
      const float = await feature('w_float', 'FLOAT64');
      const int = await feature('w_int', 'INT64');
      const list = await feature('w_list', 'FLOAT64_LIST');
      const tags = await feature('w_tags', 'STRING_LIST', { nullable: true });
      const bool = await feature('w_bool', 'BOOL');
      const text = await feature('w_text', 'STRING');
      const t = ago(1000);
      const rows = [
        { ref: float, entityKey: 'good_float', value: 0.25, eventTime: t }, // 0
        { ref: float, entityKey: 'bad_1', value: '0.25', eventTime: t }, // 1: a string is not a float
        { ref: int, entityKey: 'good_int', value: 42, eventTime: t }, // 2
        { ref: int, entityKey: 'bad_3', value: 4.5, eventTime: t }, // 3: not an integer
        { ref: int, entityKey: 'big_int', value: '9223372036854775807', eventTime: t }, // 4: INT64 max as a string
        { ref: int, entityKey: 'bad_5', value: '9223372036854775808', eventTime: t }, // 5: beyond INT64
        { ref: int, entityKey: 'bad_6', value: 2 ** 60, eventTime: t }, // 6: beyond 2^53 as a JSON number
        { ref: list, entityKey: 'good_list', value: [1, 2.5], eventTime: t }, // 7
        { ref: list, entityKey: 'bad_8', value: [1, 'two'], eventTime: t }, // 8
        { ref: tags, entityKey: 'null_tags', value: null, eventTime: t }, // 9: nullable
        { ref: float, entityKey: 'bad_10', value: null, eventTime: t }, // 10: not nullable
        { ref: bool, entityKey: 'bad_11', value: 1, eventTime: t }, // 11
        { ref: text, entityKey: 'bad_12', value: ['a'], eventTime: t }, // 12
        { ref: float, entityKey: 'bad_13', value: 1, eventTime: 'yesterday' }, // 13: not a time
        { ref: float, entityKey: 'bad_14', value: 1, eventTime: new Date(Date.now() + 3_600_000).toISOString() }, // 14: future
        { ref: float, entityKey: '', value: 1, eventTime: t }, // 15: empty key
        { ref: `nothing_${s}@1`, entityKey: 'bad_16', value: 1, eventTime: t }, // 16: unknown version
        { ref: 'not a ref', entityKey: 'bad_17', value: 1, eventTime: t }, // 17
        { ref: float, entityKey: 'good_late_skew', value: 0.5, eventTime: new Date(Date.now() + 5_000).toISOString() }, // 18: within skew
      ];
      const result = await write(rows);
      expect(result.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
        [1, 'BAD_USER_INPUT'],
        [3, 'BAD_USER_INPUT'],
        [5, 'BAD_USER_INPUT'],
        [6, 'BAD_USER_INPUT'],
        [8, 'BAD_USER_INPUT'],
        [10, 'BAD_USER_INPUT'],
        [11, 'BAD_USER_INPUT'],
        [12, 'BAD_USER_INPUT'],
        [13, 'BAD_USER_INPUT'],
        [14, 'BAD_USER_INPUT'],
        [15, 'BAD_USER_INPUT'],
        [16, 'NOT_FOUND'],
        [17, 'BAD_USER_INPUT'],
      ]);
      expect(result.errors[0].message).toMatch(/row 1: .*expected a finite number for FLOAT64, got the string "0.25"/);
      expect(result.errors.find((e: { index: number }) => e.index === 6).message).toMatch(/decimal strings/);
      expect(result.errors.find((e: { index: number }) => e.index === 14).message).toMatch(/in the future/);
      expect(result).toMatchObject({ accepted: 6, superseded: 0, rejected: 13 });

      const badKeys = rows.map((r) => r.entityKey).filter((k) => k.startsWith('bad_'));
      for (const ref of [float, int, list, bool, text]) {
        const read = await values(ref, badKeys);
        expect(read.rows.every((r: any) => r.features[0].flags.includes('MISSING')), ref).toBe(true);
      }
      expect((await values(int, ['big_int', 'good_int'])).rows.map((r: any) => r.features[0].value)).toEqual(['9223372036854775807', 42]);
      expect((await values(list, ['good_list'])).rows[0].features[0].value).toEqual([1, 2.5]);
      expect((await values(tags, ['null_tags'])).rows[0].features[0]).toMatchObject({ value: null, flags: [] });
    });

    it('refuses rows for versions the producer is not bound to, and RETIRED ones; DRAFT ones are shadow-written', async () => {
      const ref = await feature('w_bound', 'FLOAT64');
      await ok(`mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref status } } }`, {
        input: { feature: `w_bound_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '2h' },
      });
      const draft = ref.replace('@1', '@2');
      const unbound = await write([{ ref: draft, entityKey: 'k', value: 1, eventTime: ago(10) }]);
      expect(unbound.errors).toEqual([{ index: 0, code: 'FORBIDDEN', message: expect.stringMatching(/not bound to/) }]);
      await ok(`mutation { bindProducer(producer: "${producer}", refs: ["${draft}"]) { name } }`);
      expect(await write([{ ref: draft, entityKey: 'k', value: 1, eventTime: ago(10) }])).toMatchObject({ accepted: 1, rejected: 0 });

      await ok(`mutation { deprecateFeatureVersion(ref: "${ref}", sunsetAt: "2020-01-01T00:00:00Z") { status } }`);
      const retired = await write([{ ref, entityKey: 'k', value: 1, eventTime: ago(10) }]);
      expect(retired.errors).toEqual([{ index: 0, code: 'CONFLICT', message: expect.stringMatching(/RETIRED/) }]);
    });

    it('refuses an unknown producer and an oversized batch whole, writing nothing', async () => {
      const ref = await feature('w_whole', 'FLOAT64');
      const unknown = await gql(fixture.service, WRITE, { producer: `nobody_${s}`, rows: [{ ref, entityKey: 'k', value: 1, eventTime: ago(10) }] });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const rows = Array.from({ length: 2001 }, (_, i) => ({ ref, entityKey: `k${i}`, value: 1, eventTime: ago(10) }));
      const huge = await gql(fixture.service, WRITE, { producer, rows });
      expect(huge.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(huge.errors?.[0]?.message).toMatch(/rows of writeFeatureValues has 2001 items; at most 2000/);
      expect((await values(ref, ['k0', 'k2000'])).flagCounts).toEqual([{ flag: 'MISSING', count: 2 }]);
    });

    it('never lets an older or equally old event replace a stored value', async () => {
      const ref = await feature('w_guard', 'FLOAT64');
      const t0 = Date.now() - 60_000;
      const at = (offset: number) => new Date(t0 + offset).toISOString();
      expect(await write([{ ref, entityKey: 'k', value: 2, eventTime: at(2000) }])).toMatchObject({ accepted: 1, superseded: 0 });
      expect(await write([{ ref, entityKey: 'k', value: 1, eventTime: at(1000) }])).toMatchObject({ accepted: 0, superseded: 1 });
      expect(await write([{ ref, entityKey: 'k', value: 9, eventTime: at(2000) }])).toMatchObject({ accepted: 0, superseded: 1 });
      // Within one batch, rows for one key resolve to the newest event.
      const batch = await write([
        { ref, entityKey: 'k', value: 4, eventTime: at(4000) },
        { ref, entityKey: 'k', value: 5, eventTime: at(5000) },
        { ref, entityKey: 'k', value: 3, eventTime: at(3000) },
      ]);
      expect(batch).toMatchObject({ accepted: 1, superseded: 2 });
      expect((await values(ref, ['k'])).rows[0].features[0]).toMatchObject({ value: 5, eventTime: at(5000) });
    });

    /**
     * `accepted` is the number of events newer than every event of their key that arrived before them: in an
     * earlier batch, or in the same batch (where only the newest row of a key can win).
     */
    function expectedAccepted(batches: { entityKey: string; t: number }[][]): number {
      const newest = new Map<string, number>();
      let accepted = 0;
      for (const batch of batches) {
        const batchNewest = new Map<string, number>();
        for (const e of batch) batchNewest.set(e.entityKey, Math.max(batchNewest.get(e.entityKey) ?? -Infinity, e.t));
        for (const [key, t] of batchNewest) {
          if (t > (newest.get(key) ?? -Infinity)) {
            accepted++;
            newest.set(key, t);
          }
        }
      }
      return accepted;
    }

    function replayEvents() {
      const base = Date.now() - 30 * 60_000;
      // 20,000 events with distinct event times over 1,000 keys; the value is the event's time, so the final
      // value of a key says which event won.
      return shuffle(Array.from({ length: 20_000 }, (_, i) => ({ entityKey: `key_${i % 1000}`, t: base + i })), randomSeed());
    }

    async function expectNewestEverywhere(ref: string, events: { entityKey: string; t: number }[]) {
      const newest = new Map<string, number>();
      for (const e of events) newest.set(e.entityKey, Math.max(newest.get(e.entityKey) ?? 0, e.t));
      const keys = [...newest.keys()];
      const read = await values(ref, keys);
      const wrong = read.rows.filter((r: any) => r.features[0].value !== newest.get(r.entityKey));
      expect(wrong.length, JSON.stringify(wrong.slice(0, 3))).toBe(0);
    }

    const toRows = (ref: string, events: { entityKey: string; t: number }[]) =>
      events.map((e) => ({ ref, entityKey: e.entityKey, value: e.t, eventTime: new Date(e.t).toISOString() }));

    it('leaves exactly the newest value for every key after a shuffled replay of 20,000 events', async () => {
      const ref = await feature('w_replay', 'INT64');
      const events = replayEvents();
      const batches = Array.from({ length: 20 }, (_, b) => events.slice(b * 1000, (b + 1) * 1000));
      let accepted = 0;
      let superseded = 0;
      for (const batch of batches) {
        const result = await write(toRows(ref, batch));
        expect(result.rejected).toBe(0);
        accepted += result.accepted;
        superseded += result.superseded;
      }
      expect(accepted).toBe(expectedAccepted(batches));
      expect(accepted + superseded).toBe(20_000);
      await expectNewestEverywhere(ref, events);
    }, 120_000);

    it('reaches the same final state with four concurrent writers', async () => {
      const ref = await feature('w_concurrent', 'INT64');
      const events = replayEvents();
      const writers = [0, 1, 2, 3].map((w) => events.filter((_, i) => i % 4 === w));
      const totals = await Promise.all(
        writers.map(async (share) => {
          let sum = 0;
          for (let b = 0; b < share.length; b += 1000) {
            const result = await write(toRows(ref, share.slice(b, b + 1000)));
            sum += result.accepted + result.superseded;
          }
          return sum;
        }),
      );
      expect(totals.reduce((a, b) => a + b)).toBe(20_000);
      await expectNewestEverywhere(ref, events);
    }, 120_000);
  });

  describe('reads', () => {
    it('answers in request order, duplicates included, in one store round trip per node', async () => {
      const refs = [await feature('r_a', 'FLOAT64'), await feature('r_b', 'STRING'), await feature('r_c', 'BOOL')];
      const model = await consumer('r_model', refs);
      const keys = Array.from({ length: 100 }, (_, i) => `rk_${i}`);
      await write(keys.flatMap((k, i) => [
        { ref: refs[0], entityKey: k, value: i / 2, eventTime: ago(1000) },
        { ref: refs[1], entityKey: k, value: `v${i}`, eventTime: ago(1000) },
        { ref: refs[2], entityKey: k, value: i % 2 === 0, eventTime: ago(1000) },
      ]));
      const asked = ['rk_7', 'rk_3', 'rk_7', 'missing_key', ...keys];
      await read(model, asked); // lag verdicts are looked up once and then remembered
      // Background work shares the store (hot-key counts every second, lag verdicts every 5 s): stop the one,
      // and take the fewest trips of three reads so that the other cannot be counted as the read's.
      await fixture.service.services.hotKeys.stop();
      let result: any;
      let trips = Infinity;
      for (let attempt = 0; attempt < 3; attempt++) {
        const before = fixture.service.store.roundTrips;
        result = await read(model, asked);
        trips = Math.min(trips, fixture.service.store.roundTrips - before);
      }
      expect(trips).toBeGreaterThanOrEqual(1);
      expect(trips).toBeLessThanOrEqual(backend.name === 'Redis Cluster' ? 3 : 1);

      expect(result.rows.map((r: any) => r.entityKey)).toEqual(asked);
      expect(result.rows[0].features).toEqual([
        { ref: refs[0], feature: `r_a_${s}`, version: 1, value: 3.5, eventTime: expect.any(String), ageMs: expect.any(Number), flags: [] },
        { ref: refs[1], feature: `r_b_${s}`, version: 1, value: 'v7', eventTime: expect.any(String), ageMs: expect.any(Number), flags: [] },
        { ref: refs[2], feature: `r_c_${s}`, version: 1, value: false, eventTime: expect.any(String), ageMs: expect.any(Number), flags: [] },
      ]);
      expect(result.rows[0].features[0].ageMs).toBeGreaterThanOrEqual(1000);
      expect(result.rows[2]).toEqual(result.rows[0]);
      expect(result.rows[3].features.map((f: any) => f.flags)).toEqual([['MISSING'], ['MISSING'], ['MISSING']]);
      expect(result.flagCounts).toEqual([{ flag: 'MISSING', count: 3 }]);
    });

    it('refuses unknown consumers and versions, and too many keys', async () => {
      const unknown = await gql(fixture.service, READ, { consumer: `nobody_${s}`, keys: ['a'] });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const ref = await gql(fixture.service, VALUES, { ref: `nothing_${s}@1`, keys: ['a'] });
      expect(ref.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const tooMany = await gql(fixture.service, VALUES, { ref: `nothing_${s}@1`, keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) });
      expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/entityKeys .* 1001 items; at most 1000/) });
    });
  });

  describe('flags', () => {
    const flagsOf = async (ref: string, key: string) => (await values(ref, [key])).rows[0].features[0].flags;

    it('MISSING: set with no stored value, absent once written', async () => {
      const ref = await feature('f_missing', 'FLOAT64');
      expect(await flagsOf(ref, 'k')).toEqual(['MISSING']);
      await write([{ ref, entityKey: 'k', value: 1, eventTime: ago(100) }]);
      expect(await flagsOf(ref, 'k')).toEqual([]);
    });

    it('STALE: set when the value is older than maxAge, absent within it', async () => {
      const ref = await feature('f_stale', 'FLOAT64', { maxAge: '10m' });
      await write([
        { ref, entityKey: 'old', value: 1, eventTime: ago(11 * 60_000) },
        { ref, entityKey: 'fresh', value: 1, eventTime: ago(9 * 60_000) },
      ]);
      const result = await values(ref, ['old', 'fresh']);
      expect(result.rows.map((r: any) => r.features[0].flags)).toEqual([['STALE'], []]);
      expect(result.rows[0].features[0].value).toBe(1);
      expect(result.rows[0].features[0].ageMs).toBeGreaterThan(11 * 60_000);
    });

    it('VERSION_MISMATCH: set when producers write another version but not the pinned one', async () => {
      const v1 = await feature('f_mismatch', 'FLOAT64');
      await ok(`mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref } } }`, {
        input: { feature: `f_mismatch_${s}`, entity, owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', window: '1d' },
      });
      const v2 = v1.replace('@1', '@2');
      await ok(`mutation { activateFeatureVersion(ref: "${v2}", force: true, reason: "test") { status } }`);
      await ok(`mutation { registerProducer(name: "v2_only_${s}", owner: "growth") { name } }`);
      await ok(`mutation { bindProducer(producer: "v2_only_${s}", refs: ["${v2}"]) { name } }`);
      const onV1 = await consumer('pinned_v1', [v1]);
      const onV2 = await consumer('pinned_v2', [v2]);
      // Both versions have a producer: no mismatch.
      expect((await read(onV1, ['k'])).rows[0].features[0].flags).toEqual(['MISSING']);

      const lonely = await feature('f_lonely', 'FLOAT64');
      await ok(`mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref } } }`, {
        input: { feature: `f_lonely_${s}`, entity, owner: 'growth', valueType: 'INT64', maxAge: '1h' },
      });
      const lonely2 = lonely.replace('@1', '@2');
      await ok(`mutation { activateFeatureVersion(ref: "${lonely2}", force: true, reason: "test") { status } }`);
      const stranded = await consumer('stranded', [lonely2]);
      const result = await read(stranded, ['k']);
      expect(result.rows[0].features[0].flags).toEqual(['MISSING', 'VERSION_MISMATCH']);
      expect(result.flagCounts).toEqual([{ flag: 'MISSING', count: 1 }, { flag: 'VERSION_MISMATCH', count: 1 }]);
      expect((await read(onV2, ['k'])).rows[0].features[0].flags).toEqual(['MISSING']);
      // featureValues has no consumer, so no pin to disagree with.
      expect(await flagsOf(lonely2, 'k')).toEqual(['MISSING']);
    });

    it('DEPRECATED_VERSION serves the value; RETIRED_VERSION does not', async () => {
      const ref = await feature('f_lifecycle', 'FLOAT64');
      const model = await consumer('lifecycle_model', [ref]);
      await write([{ ref, entityKey: 'k', value: 7, eventTime: ago(100) }]);
      expect((await read(model, ['k'])).rows[0].features[0]).toMatchObject({ value: 7, flags: [] });
      await ok(`mutation { deprecateFeatureVersion(ref: "${ref}", sunsetAt: "${new Date(Date.now() + 86_400_000).toISOString()}") { status } }`);
      expect((await read(model, ['k'])).rows[0].features[0]).toMatchObject({ value: 7, flags: ['DEPRECATED_VERSION'] });
      await ok(`mutation { deprecateFeatureVersion(ref: "${ref}", sunsetAt: "${ago(1000)}") { status } }`);
      const retired = await read(model, ['k']);
      expect(retired.rows[0].features[0]).toMatchObject({ value: null, eventTime: null, ageMs: null, flags: ['RETIRED_VERSION'] });
      expect(retired.flagCounts).toEqual([{ flag: 'RETIRED_VERSION', count: 1 }]);
    });

    it('PRODUCER_LAGGING: set when the p95 event lag exceeds the window, absent when it does not', async () => {
      const slow = await feature('f_slow', 'FLOAT64', { window: '1m' });
      const quick = await feature('f_quick', 'FLOAT64', { window: '1m' });
      await write(Array.from({ length: 50 }, (_, i) => ({ ref: slow, entityKey: `k${i}`, value: i, eventTime: ago(10 * 60_000 + i) })));
      await write(Array.from({ length: 50 }, (_, i) => ({ ref: quick, entityKey: `k${i}`, value: i, eventTime: ago(2_000 + i) })));
      expect(await flagsOf(slow, 'k1')).toEqual(['PRODUCER_LAGGING']);
      expect(await flagsOf(quick, 'k1')).toEqual([]);

      const lag = await ok(`{ slow: eventLag(ref: "${slow}") { ref samples p50Ms p95Ms p99Ms maxMs exceedsWindow } quick: eventLag(ref: "${quick}") { samples p95Ms exceedsWindow } }`);
      expect(lag.slow).toMatchObject({ ref: slow, samples: 50, exceedsWindow: true });
      expect(lag.slow.p50Ms).toBeGreaterThan(10 * 60_000 * 0.99);
      expect(lag.slow.p50Ms).toBeLessThan(10 * 60_000 * 1.02 + 5_000);
      expect(lag.slow.maxMs).toBeGreaterThanOrEqual(lag.slow.p99Ms);
      expect(lag.quick).toMatchObject({ samples: 50, exceedsWindow: false });
      expect(lag.quick.p95Ms).toBeLessThan(60_000);
    });

    it('counts late (superseded) rows in the event lag: they are the signal', async () => {
      const ref = await feature('f_late', 'FLOAT64', { window: '1m' });
      await write([{ ref, entityKey: 'k', value: 1, eventTime: ago(1000) }]);
      const late = await write([{ ref, entityKey: 'k', value: 0, eventTime: ago(30 * 60_000) }]);
      expect(late.superseded).toBe(1);
      const lag = await ok(`{ eventLag(ref: "${ref}") { samples maxMs } }`);
      expect(lag.eventLag.samples).toBe(2);
      expect(lag.eventLag.maxMs).toBeGreaterThan(29 * 60_000);
      expect((await ok(`{ eventLag(ref: "nothing_${s}@1") { samples } }`)).eventLag).toBeNull();
    });

    it('TYPE_MISMATCH: set for a stored value that does not fit the type (written around the API), absent otherwise', async () => {
      const ref = await feature('f_type', 'FLOAT64');
      await write([{ ref, entityKey: 'good', value: 1.5, eventTime: ago(100) }]);
      const now = Date.now();
      // Straight into the store, skipping the API's validation: as an old pipeline or a hand-fix would.
      const applied = await fixture.service.store.write(
        [
          { entity, entityKey: 'int_division', ref, value: '"3"', eventTime: now - 100, ingestTime: now },
          { entity, entityKey: 'garbage', ref, value: '{not json', eventTime: now - 100, ingestTime: now },
        ],
        [],
      );
      expect(applied).toEqual([true, true]);
      const result = await values(ref, ['good', 'int_division', 'garbage']);
      expect(result.rows.map((r: any) => [r.features[0].value, r.features[0].flags])).toEqual([
        [1.5, []],
        ['3', ['TYPE_MISMATCH']],
        ['{not json', ['TYPE_MISMATCH']],
      ]);
      expect(result.flagCounts).toEqual([{ flag: 'TYPE_MISMATCH', count: 2 }]);
    });
  });
});

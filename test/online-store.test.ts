// The OnlineStore contract, run against every engine: standalone Redis, Redis Cluster, PostgreSQL and PGlite.
// Every engine must round-trip values, refuse late events atomically (also under concurrent writers), batch
// its reads and writes into one round trip per node, and add up lag counts across instances. The Redis
// stores must also fail fast with UNAVAILABLE while Redis is down and recover by themselves, and the cluster
// store must route right again after a slot moves.
//
// Isolation: the shared Redis, the cluster and each database are shared by every test of an engine (and
// the Redis servers by other test files running in parallel), so nothing is ever flushed: every test uses
// entity names and feature refs of its own, random, so no test can see another's keys.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CodedError } from '../src/core/errors.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../src/config.js';
import { RedisOnlineStore, slotOf } from '../src/online/redis/index.js';
import { LAG_RETENTION_MS, type LagCounts, type OnlineStore, type StoredValue, type ValueWrite } from '../src/online/store.js';
import { valueKeyId, type ValueKey } from '../src/online/keys.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { PostgresOnlineStore } from '../src/online/postgres-store.js';
import { backends, type Backend } from './support/backends.js';
import { freePort, startRedis, startRedisCluster, type RedisServer } from './support/servers.js';
import { randomSeed, shuffle } from './support/shuffle.js';

interface StoreFactory {
  name: string;
  /**
   * A new store instance (its own client) on the engine's one server or database for this suite: two
   * instances see the same data, as two service instances would.
   */
  open(): Promise<OnlineStore>;
  /** One batched read or write may cost at most this many round trips: one per node. */
  nodes: number;
  /** Releases what open() set up for the suite (databases: the PostgreSQL store does not own its database). */
  cleanup?(): Promise<void>;
}

const READY_MS = 10_000;

const clusterNodes = () =>
  inject('redisClusterNodes').map((node) => {
    const [host, port] = node.split(':');
    return { host: host!, port: Number(port) };
  });

/** Opens something once, on first use, and shares it with every later open(). */
function shared<T>(create: () => Promise<T>): { get(): Promise<T>; current(): Promise<T> | undefined } {
  let value: Promise<T> | undefined;
  return { get: () => (value ??= create()), current: () => value };
}

/** The contract's view of a backend: its online store engine alone, titled by the engine. */
function storeOf(backend: Backend): StoreFactory {
  const { store: name, nodes } = backend;
  switch (backend.store) {
    case 'redis':
      return {
        name,
        nodes,
        async open() {
          const store = RedisOnlineStore.standalone(inject('redisUrl'), DEFAULT_COMMAND_TIMEOUT_MS);
          await store.ready(READY_MS);
          return store;
        },
      };
    case 'redis cluster':
      return {
        name,
        nodes,
        async open() {
          const store = RedisOnlineStore.cluster(clusterNodes(), DEFAULT_COMMAND_TIMEOUT_MS);
          await store.ready(READY_MS);
          return store;
        },
      };
    case 'postgres': {
      const database = shared(() => backend.open());
      const opened: Database[] = [];
      return {
        name,
        nodes,
        async open() {
          const connection = await connectPostgres((await database.get()).url!);
          opened.push(connection);
          const store = new PostgresOnlineStore(connection);
          await store.ready(READY_MS);
          return store;
        },
        async cleanup() {
          await Promise.all(opened.map((connection) => connection.close()));
          await (await database.current())?.database.close();
        },
      };
    }
    case 'pglite': {
      // PGlite is in-process: two instances share one Database.
      const database = shared(() => backend.open());
      return {
        name,
        nodes,
        async open() {
          const store = new PostgresOnlineStore((await database.get()).database);
          await store.ready(READY_MS);
          return store;
        },
        async cleanup() {
          await (await database.current())?.database.close();
        },
      };
    }
  }
}

const stores = backends.map(storeOf);

const unique = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/**
 * Splits events into batches of at most `size` with each key at most once per batch, keeping every key's
 * events in their given order (a key's next event goes into a later batch than its previous one).
 */
function batchesOf(events: readonly ValueWrite[], size: number): ValueWrite[][] {
  const batches: Map<string, ValueWrite>[] = [];
  const lastBatchOfKey = new Map<string, number>();
  let firstOpen = 0;
  for (const event of events) {
    const id = valueKeyId(event);
    let b = Math.max(firstOpen, (lastBatchOfKey.get(id) ?? -1) + 1);
    while ((batches[b]?.size ?? 0) >= size) b++;
    (batches[b] ??= new Map()).set(id, event);
    lastBatchOfKey.set(id, b);
    while ((batches[firstOpen]?.size ?? 0) >= size) firstOpen++;
  }
  return batches.map((batch) => [...batch.values()]);
}

const minuteBucket = (offset = 0) => Math.floor(Date.now() / 60_000) * 60_000 + offset * 60_000;

describe.each(stores)('OnlineStore contract: $name', (factory) => {
  const opened: OnlineStore[] = [];
  const open = async () => {
    const store = await factory.open();
    opened.push(store);
    return store;
  };
  let store: OnlineStore;

  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await factory.cleanup?.();
  });

  it('round-trips value, eventTime and ingestTime; unknown keys read as null; reads keep request order', async () => {
    const entity = unique('e');
    const ref = `${unique('f')}@1`;
    const other = `${unique('f')}@3`;
    const writes: ValueWrite[] = [
      { entity, entityKey: 'k1', ref, value: '0.25', eventTime: 1_700_000_000_123, ingestTime: 1_700_000_000_456 },
      // A `|` and braces in the value, and in the entity key, must not confuse the encoding or the key.
      { entity, entityKey: 'a:b{c}|d', ref, value: '{"s":"x|y}{:","n":[1,2]}', eventTime: 5, ingestTime: 6 },
      { entity, entityKey: 'k1', ref: other, value: '"ünïcödé ✓"', eventTime: 1_700_000_001_000, ingestTime: 1_700_000_002_000 },
      // JSON null is a stored value, not an absent one.
      { entity, entityKey: 'k2', ref, value: 'null', eventTime: 10, ingestTime: 20 },
    ];
    expect(await store.write(writes, [])).toEqual([true, true, true, true]);

    const stored = (w: ValueWrite): StoredValue => ({ value: w.value, eventTime: w.eventTime, ingestTime: w.ingestTime });
    const [k1, odd, k1Other, k2] = writes as [ValueWrite, ValueWrite, ValueWrite, ValueWrite];
    const read = await store.read([
      { entity, entityKey: 'k2', ref },
      { entity, entityKey: 'nobody', ref },
      { entity, entityKey: 'k1', ref },
      { entity, entityKey: 'k1', ref: `${unique('f')}@1` },
      { entity, entityKey: 'a:b{c}|d', ref },
      { entity, entityKey: 'k1', ref: other },
      { entity, entityKey: 'k2', ref },
      { entity, entityKey: 'k1', ref },
      { entity: unique('e'), entityKey: 'k1', ref },
    ]);
    expect(read).toEqual([stored(k2), null, stored(k1), null, stored(odd), stored(k1Other), stored(k2), stored(k1), null]);
    expect(await store.read([])).toEqual([]);
  });

  it('reads 1,200 features of one key and of three keys in one read (more than one script HMGET of fields)', async () => {
    const entity = unique('e');
    const refs = Array.from({ length: 1_200 }, (_, i) => `${unique('f')}_${i}@1`);
    const writes: ValueWrite[] = ['a', 'b'].flatMap((entityKey) =>
      refs.map((ref, i) => ({ entity, entityKey, ref, value: String(i), eventTime: 1_000 + i, ingestTime: 2_000 + i })),
    );
    expect((await store.write(writes, [])).every(Boolean)).toBe(true);
    const keys: ValueKey[] = ['a', 'nobody', 'b'].flatMap((entityKey) => refs.map((ref) => ({ entity, entityKey, ref })));
    const read = await store.read(keys);
    expect(read.map((v) => v?.value ?? null)).toEqual([...refs.map((_, i) => String(i)), ...refs.map(() => null), ...refs.map((_, i) => String(i))]);
    expect(read[1_199]).toEqual({ value: '1199', eventTime: 2_199, ingestTime: 3_199 });
  });

  it('keeps keys of two entities with the same entity key apart', async () => {
    const [user, item] = [unique('user'), unique('item')];
    const ref = `${unique('f')}@1`;
    expect(
      await store.write(
        [
          { entity: user, entityKey: '42', ref, value: '"user 42"', eventTime: 100, ingestTime: 100 },
          { entity: item, entityKey: '42', ref, value: '"item 42"', eventTime: 50, ingestTime: 50 },
        ],
        [],
      ),
    ).toEqual([true, true]);
    const read = await store.read([
      { entity: user, entityKey: '42', ref },
      { entity: item, entityKey: '42', ref },
    ]);
    expect(read.map((v) => v?.value)).toEqual(['"user 42"', '"item 42"']);
  });

  it('applies only writes newer than the stored value (the late-event guard)', async () => {
    const entity = unique('e');
    const [a, b, c] = [`${unique('f')}@1`, `${unique('f')}@1`, `${unique('f')}@2`];
    const at = (entityKey: string, ref: string, eventTime: number, value: string): ValueWrite => ({
      entity,
      entityKey,
      ref,
      value,
      eventTime,
      ingestTime: eventTime + 1_000,
    });
    expect(await store.write([at('k1', a, 2_000, '"A"')], [])).toEqual([true]);
    expect(await store.write([at('k1', a, 1_000, '"older"')], [])).toEqual([false]);
    expect(await store.write([at('k1', a, 2_000, '"same time"')], [])).toEqual([false]);
    expect(await store.read([{ entity, entityKey: 'k1', ref: a }])).toEqual([{ value: '"A"', eventTime: 2_000, ingestTime: 3_000 }]);
    expect(await store.write([at('k1', a, 2_001, '"newer"')], [])).toEqual([true]);
    expect(await store.read([{ entity, entityKey: 'k1', ref: a }])).toEqual([{ value: '"newer"', eventTime: 2_001, ingestTime: 3_001 }]);

    // Mixed outcomes in one batch, several refs of one entity key among them: each result lands on its write.
    expect(await store.write([at('k1', b, 5_000, '"B"')], [])).toEqual([true]);
    const results = await store.write(
      [
        at('k1', a, 1_500, '"late a"'),
        at('k2', a, 1, '"first k2"'),
        at('k1', b, 6_000, '"newer b"'),
        at('k1', c, 1, '"first c"'),
        at('k1', `${unique('f')}@9`, 7, '"other"'),
      ],
      [],
    );
    expect(results).toEqual([false, true, true, true, true]);
    const read = await store.read([
      { entity, entityKey: 'k1', ref: a },
      { entity, entityKey: 'k2', ref: a },
      { entity, entityKey: 'k1', ref: b },
      { entity, entityKey: 'k1', ref: c },
    ]);
    expect(read.map((v) => v?.value)).toEqual(['"newer"', '"first k2"', '"newer b"', '"first c"']);
  });

  describe('shuffled replay of 20,000 events over 1,000 keys', () => {
    const KEYS = 1_000;
    const EVENTS = 20_000;
    const BATCH = 1_000;

    /** Events with distinct event times, every key getting EVENTS / KEYS of them, in shuffled order. */
    function makeEvents(seed: number) {
      const entities = [unique('e'), unique('e')];
      const refs = [`${unique('f')}@1`, `${unique('f')}@2`, `${unique('g')}@1`, `${unique('h')}@4`];
      const keys: ValueKey[] = [];
      for (const entity of entities) {
        for (let k = 0; k < KEYS / entities.length / refs.length; k++) {
          for (const ref of refs) keys.push({ entity, entityKey: `key-${k}`, ref });
        }
      }
      expect(keys).toHaveLength(KEYS);
      // Event times: a shuffled permutation of distinct times, independent of the write order.
      const times = shuffle(
        Array.from({ length: EVENTS }, (_, i) => 1_700_000_000_000 + i * 7),
        seed * 3 + 1,
      );
      const events = Array.from({ length: EVENTS }, (_, i): ValueWrite => {
        const key = keys[i % KEYS]!;
        const eventTime = times[i]!;
        return { ...key, value: JSON.stringify({ event: i, t: eventTime }), eventTime, ingestTime: eventTime + 500 + (i % 97) };
      });
      const newest = new Map<string, ValueWrite>();
      for (const event of events) {
        const id = valueKeyId(event);
        if ((newest.get(id)?.eventTime ?? -Infinity) < event.eventTime) newest.set(id, event);
      }
      return { keys, events: shuffle(events, seed), newest };
    }

    async function expectNewestEverywhere(keys: ValueKey[], newest: Map<string, ValueWrite>) {
      const values = await store.read(keys);
      const wrong = keys.filter((key, i) => {
        const expected = newest.get(valueKeyId(key))!;
        const got = values[i];
        return got?.value !== expected.value || got.eventTime !== expected.eventTime || got.ingestTime !== expected.ingestTime;
      });
      expect(wrong.length, `keys not holding their newest value, e.g. ${JSON.stringify(wrong[0])}`).toBe(0);
    }

    /** Writes `events` in batches of distinct keys; returns each event with whether it was applied, in write order. */
    async function replay(writer: OnlineStore, events: readonly ValueWrite[]) {
      const written: { event: ValueWrite; applied: boolean }[] = [];
      for (const batch of batchesOf(events, BATCH)) {
        expect(new Set(batch.map(valueKeyId)).size).toBe(batch.length);
        const applied = await writer.write(batch, []);
        expect(applied).toHaveLength(batch.length);
        batch.forEach((event, i) => written.push({ event, applied: applied[i]! }));
      }
      return written;
    }

    it('one writer: every key ends with its newest value; exactly the events newer than all earlier ones apply', async () => {
      const seed = randomSeed();
      const { keys, events, newest } = makeEvents(seed);
      const written = await replay(store, events);
      expect(written).toHaveLength(EVENTS);

      // What must have been applied, from the order the test wrote them in.
      const newestSoFar = new Map<string, number>();
      let expectedApplied = 0;
      const mismatches: number[] = [];
      written.forEach(({ event, applied }, i) => {
        const id = valueKeyId(event);
        const shouldApply = event.eventTime > (newestSoFar.get(id) ?? -Infinity);
        if (shouldApply) {
          expectedApplied++;
          newestSoFar.set(id, event.eventTime);
        }
        if (applied !== shouldApply) mismatches.push(i);
      });
      const applied = written.filter((w) => w.applied).length;
      expect(mismatches.length, `seed ${seed}: applied flags wrong at write #${mismatches.slice(0, 5).join(', #')}…`).toBe(0);
      expect(applied).toBe(expectedApplied);
      expect(applied + written.filter((w) => !w.applied).length).toBe(EVENTS);
      // A shuffled replay must really have been out of order, or this test proves nothing.
      expect(applied).toBeGreaterThan(KEYS);
      expect(applied).toBeLessThan(EVENTS / 2);

      await expectNewestEverywhere(keys, newest);
    });

    it('4 concurrent writers: the final state is the same, newest value per key', async () => {
      const seed = randomSeed();
      const { keys, events, newest } = makeEvents(seed);
      const writers = [store, await open(), await open(), await open()];
      const shares = writers.map((_, w) => events.filter((_, i) => i % writers.length === w));
      const written = await Promise.all(writers.map((writer, w) => replay(writer, shares[w]!)));

      const all = written.flat();
      expect(all).toHaveLength(EVENTS);
      const applied = all.filter((w) => w.applied).length;
      // Each key's first write applies at least, and never more than every event.
      expect(applied).toBeGreaterThanOrEqual(KEYS);
      expect(applied).toBeLessThanOrEqual(EVENTS);
      // Each key's newest event cannot be superseded (event times are distinct), so it applied.
      const newestIds = new Set([...newest.values()]);
      expect(all.filter((w) => newestIds.has(w.event) && !w.applied)).toEqual([]);
      // Within one writer, whose writes are sequential, an applied event is newer than its own earlier ones.
      for (const mine of written) {
        const newestSoFar = new Map<string, number>();
        for (const { event, applied: ok } of mine) {
          const id = valueKeyId(event);
          if (ok) expect(event.eventTime).toBeGreaterThan(newestSoFar.get(id) ?? -Infinity);
          newestSoFar.set(id, Math.max(event.eventTime, newestSoFar.get(id) ?? -Infinity));
        }
      }

      await expectNewestEverywhere(keys, newest);
    });
  });

  it(`batches: a read of 100 keys and a write of 1,000 rows with lag counts cost one round trip per node (${factory.nodes} nodes)`, async () => {
    const entity = unique('e');
    const refs = [`${unique('f')}@1`, `${unique('f')}@2`];
    const rows: ValueWrite[] = Array.from({ length: 1_000 }, (_, i) => ({
      entity,
      entityKey: `key-${Math.floor(i / 2)}`,
      ref: refs[i % 2]!,
      value: String(i),
      eventTime: 1_000 + i,
      ingestTime: 2_000 + i,
    }));
    const lag: LagCounts[] = refs.flatMap((ref, r) =>
      [0, 1, 2].map((b) => ({ ref, bucketStart: minuteBucket(-b), bins: new Map([[r + b, 2], [7, 1]]) })),
    );

    // Not measured: a store may do housekeeping with its first write (the PostgreSQL store deletes expired lag
    // buckets at most once a minute, in a statement of its own). What is measured is the batching.
    await store.write([], [{ ref: refs[0]!, bucketStart: minuteBucket(-30), bins: new Map([[0, 1]]) }]);

    let before = store.roundTrips;
    const applied = await store.write(rows, lag);
    const writeTrips = store.roundTrips - before;
    expect(applied.every(Boolean)).toBe(true);
    expect(writeTrips).toBeGreaterThanOrEqual(1);
    expect(writeTrips).toBeLessThanOrEqual(factory.nodes);

    const keys = rows.slice(0, 100).map(({ entity, entityKey, ref }) => ({ entity, entityKey, ref }));
    before = store.roundTrips;
    const values = await store.read(keys);
    const readTrips = store.roundTrips - before;
    expect(values.map((v) => v?.value)).toEqual(rows.slice(0, 100).map((r) => r.value));
    expect(readTrips).toBeGreaterThanOrEqual(1);
    expect(readTrips).toBeLessThanOrEqual(factory.nodes);
  });

  it('adds up lag counts across instances and buckets; an unknown ref has none', async () => {
    const ref = `${unique('f')}@1`;
    const otherRef = `${unique('f')}@1`;
    const [b0, b1, b2] = [minuteBucket(-2), minuteBucket(-1), minuteBucket(0)];
    const second = await open();
    const bins = (entries: [number, number][]) => new Map(entries);

    await store.write([], [
      { ref, bucketStart: b0, bins: bins([[1, 2], [5, 1]]) },
      { ref: otherRef, bucketStart: b0, bins: bins([[1, 100]]) },
    ]);
    // Lag counts come with value writes too, in the same call.
    await second.write(
      [{ entity: unique('e'), entityKey: 'k', ref, value: '1', eventTime: 1, ingestTime: 2 }],
      [
        { ref, bucketStart: b0, bins: bins([[1, 3]]) },
        { ref, bucketStart: b1, bins: bins([[5, 4], [9, 1]]) },
        { ref, bucketStart: b2, bins: bins([]) },
      ],
    );
    await store.write([], [{ ref, bucketStart: b1, bins: bins([[9, 10]]) }]);

    const sorted = (m: Map<number, number>) => [...m.entries()].sort(([a], [b]) => a - b);
    expect(sorted(await store.lagCounts(ref, [b0]))).toEqual([[1, 5], [5, 1]]);
    expect(sorted(await second.lagCounts(ref, [b1]))).toEqual([[5, 4], [9, 11]]);
    expect(sorted(await second.lagCounts(ref, [b0, b1, b2]))).toEqual([[1, 5], [5, 5], [9, 11]]);
    expect(sorted(await store.lagCounts(otherRef, [b0, b1]))).toEqual([[1, 100]]);
    expect(await store.lagCounts(ref, [minuteBucket(5)])).toEqual(new Map());
    expect(await store.lagCounts(`${unique('f')}@1`, [b0, b1])).toEqual(new Map());
    expect(await store.lagCounts(ref, [])).toEqual(new Map());
  });

  it('adds read counts of every key even when one key is far too long to index (one bad key loses nothing)', async () => {
    // A bucket of this test's own: read counts of the shared Redis are shared by every test file.
    const bucket = minuteBucket(0) + 1 + Math.floor(Math.random() * 59_000);
    const hot = `${unique('e')}:hot`;
    const warm = `${unique('e')}:warm`;
    // Random, so that PostgreSQL cannot compress it below its index entry limit (about 2,700 bytes).
    const huge = `${unique('e')}:${randomBytes(1_600).toString('hex')}`;
    await store.addReadCounts(bucket, [{ key: hot, count: 7 }, { key: huge, count: 5 }, { key: warm, count: 3 }], 20);
    await store.addReadCounts(bucket, [{ key: hot, count: 1 }], 1);
    const { top, total } = await store.readCounts([bucket], 10);
    expect(total).toBe(21);
    expect(top.filter((r) => r.key !== huge)).toEqual([{ key: hot, count: 8 }, { key: warm, count: 3 }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Redis only: the key layout other tools rely on, and failing fast while Redis is down.

describe('RedisOnlineStore', () => {
  const closeLater: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(closeLater.splice(0).map((s) => s.close()));
  });
  /** A store on the shared standalone Redis, and a plain client to look at (or write around) what it keeps. */
  const standaloneAndRaw = async () => {
    const store = RedisOnlineStore.standalone(inject('redisUrl'), DEFAULT_COMMAND_TIMEOUT_MS);
    closeLater.push(store);
    await store.ready(READY_MS);
    const raw = new Redis(inject('redisUrl'));
    closeLater.push({ close: async () => void raw.disconnect() });
    return { store, raw };
  };

  it('stores one hash per entity key with compact fields, and expiring lag hashes tagged by ref', async () => {
    const { store, raw } = await standaloneAndRaw();
    const entity = unique('e');
    const ref = `${unique('f')}@2`;
    const bucket = minuteBucket();
    await store.write(
      [{ entity, entityKey: 'u1', ref, value: '{"a":1}', eventTime: 123, ingestTime: 456 }],
      [{ ref, bucketStart: bucket, bins: new Map([[3, 2]]) }],
    );
    expect(await raw.hgetall(`fr:{${entity}:u1}`)).toEqual({ [ref]: '123|456|{"a":1}' });
    const lagKey = `fr:lag:{${ref}}:${bucket}`;
    expect(await raw.hgetall(lagKey)).toEqual({ 3: '2' });
    const ttl = await raw.pttl(lagKey);
    expect(ttl).toBeGreaterThan(LAG_RETENTION_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(LAG_RETENTION_MS);
  });

  it('reads values written around the store: an RS (0x1E) in one is read as written, an empty one is refused', async () => {
    // The read joins a node's values with RS (hash-reads.ts), which the store never writes; a value holding one
    // makes the joined reply split wrongly, and the read falls back to an HMGET per hash.
    const { store, raw } = await standaloneAndRaw();
    const entity = unique('e');
    const [ref, other] = [`${unique('f')}@1`, `${unique('f')}@1`];
    await store.write([{ entity, entityKey: 'ok', ref, value: '1', eventTime: 1, ingestTime: 2 }], []);
    await raw.hset(`fr:{${entity}:odd}`, ref, '5|6|"a\x1eb\x1e"', other, '7|8|null');
    // Another entity's hash, asked for another field: a second group of the same call, read again as well.
    const [merchant, merchantRef] = [unique('e'), `${unique('f')}@1`];
    await store.write([{ entity: merchant, entityKey: 'm1', ref: merchantRef, value: '3', eventTime: 3, ingestTime: 4 }], []);
    const keys = (entityKey: string) => [{ entity, entityKey, ref }, { entity, entityKey, ref: other }];
    const merchantKey = { entity: merchant, entityKey: 'm1', ref: merchantRef };
    expect(await store.read([...keys('ok'), merchantKey, ...keys('odd'), ...keys('none')])).toEqual([
      { value: '1', eventTime: 1, ingestTime: 2 },
      null,
      { value: '3', eventTime: 3, ingestTime: 4 },
      { value: '"a\x1eb\x1e"', eventTime: 5, ingestTime: 6 },
      { value: 'null', eventTime: 7, ingestTime: 8 },
      null,
      null,
    ]);
    // Without the odd hash, both groups come back in the one joined reply.
    expect(await store.read([merchantKey, ...keys('ok')])).toEqual([
      { value: '3', eventTime: 3, ingestTime: 4 },
      { value: '1', eventTime: 1, ingestTime: 2 },
      null,
    ]);
    await raw.hset(`fr:{${entity}:empty}`, ref, '');
    await expect(store.read(keys('empty'))).rejects.toThrow(/does not hold <eventTime>\|<ingestTime>\|<value>/);
  });

  it('names the store without credentials', () => {
    const store = RedisOnlineStore.standalone('redis://user:secret@127.0.0.1:1', DEFAULT_COMMAND_TIMEOUT_MS);
    closeLater.push(store);
    expect(store.name).toBe('redis 127.0.0.1:1');
    const cluster = RedisOnlineStore.cluster([{ host: '127.0.0.1', port: 2 }, { host: '127.0.0.1', port: 3 }], DEFAULT_COMMAND_TIMEOUT_MS);
    closeLater.push(cluster);
    expect(cluster.name).toBe('redis cluster 127.0.0.1:2,127.0.0.1:3');
  });

  it('ready() rejects with UNAVAILABLE after its timeout when nothing listens, and close() does not hang', async () => {
    const store = RedisOnlineStore.standalone(`redis://127.0.0.1:${await freePort()}`, DEFAULT_COMMAND_TIMEOUT_MS);
    const t0 = Date.now();
    const error = await store.ready(300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodedError);
    expect((error as CodedError).code).toBe('UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(1_000);
    const t1 = Date.now();
    await store.close();
    expect(Date.now() - t1).toBeLessThan(500);
  });

  it('routes right again after a cluster slot moves to another master (one call fails, the next succeeds)', async () => {
    // A private cluster: moving a slot of the shared one would disturb other tests.
    const cluster = await startRedisCluster({ masters: 3 });
    const raws = cluster.nodes.map((node) => new Redis(node));
    closeLater.push({ close: async () => (raws.forEach((raw) => raw.disconnect()), cluster.stop()) });
    const store = RedisOnlineStore.cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })), DEFAULT_COMMAND_TIMEOUT_MS);
    closeLater.push(store);
    await store.ready(READY_MS);

    const entity = unique('e');
    const ref = `${unique('f')}@1`;
    const keys = Array.from({ length: 50 }, (_, i) => ({ entity, entityKey: `k${i}`, ref }));
    const write = (eventTime: number) => store.write(keys.map((key) => ({ ...key, value: String(eventTime), eventTime, ingestTime: eventTime })), []);
    expect((await write(1)).every(Boolean)).toBe(true);

    const ids = await Promise.all(raws.map((raw) => raw.cluster('MYID')));
    const ownerOf = async (slot: number) => (await raws[0]!.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to)![2]![2];
    /**
     * Moves `slot` to another master behind the client's back, with every key in it, as redis-cli --cluster
     * reshard would: a slot that still holds a key cannot be given away (the test's keys have random names, so
     * one of them may share the slot). Returns the slot's keys as they were found.
     */
    const moveSlot = async (slot: number, owner: string): Promise<string[]> => {
      const target = ids.find((id) => id !== owner)!;
      const [ownerRaw, targetRaw] = [raws[ids.indexOf(owner)]!, raws[ids.indexOf(target)]!];
      await targetRaw.cluster('SETSLOT', slot, 'IMPORTING', owner);
      await ownerRaw.cluster('SETSLOT', slot, 'MIGRATING', target);
      const inSlot = (await ownerRaw.cluster('GETKEYSINSLOT', slot, 1_000)) as string[];
      const targetPort = Number(cluster.nodes[ids.indexOf(target)]!.split(':')[1]);
      if (inSlot.length > 0) await ownerRaw.migrate('127.0.0.1', targetPort, '', 0, 5_000, 'KEYS', ...inSlot);
      for (const raw of raws) await raw.cluster('SETSLOT', slot, 'NODE', target);
      return inSlot;
    };

    // Move the slot of one more key (not written yet) to another master.
    const moved = { entity, entityKey: 'moved', ref };
    const slot = slotOf(`fr:{${entity}:moved}`);
    await moveSlot(slot, await ownerOf(slot));

    const withMoved = (eventTime: number) =>
      store.write([...keys, moved].map((key) => ({ ...key, value: String(eventTime), eventTime, ingestTime: eventTime })), []);
    const first = await withMoved(2).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The client may or may not have learnt of the move yet; if it had not, the call fails as UNAVAILABLE...
    if (first !== undefined) expect(first).toMatchObject({ code: 'UNAVAILABLE' });
    // ...and the next one is routed right.
    const applied = await withMoved(3);
    expect(applied.every(Boolean)).toBe(true);
    expect((await store.read([moved, ...keys])).map((v) => v?.value)).toEqual(Array(keys.length + 1).fill('3'));

    // A read meets a moved slot too: the key that moved is not the first of its node's call (hash-reads.ts), so
    // the node answers "non local key" rather than MOVED; the call fails as UNAVAILABLE and the next succeeds.
    const second = { entity, entityKey: 'moved-too', ref };
    await store.write([{ ...second, value: '4', eventTime: 4, ingestTime: 4 }], []);
    const secondSlot = slotOf(`fr:{${entity}:moved-too}`);
    const secondRanges = await raws[0]!.cluster('SLOTS');
    const secondOwner = await ownerOf(secondSlot);
    expect(await moveSlot(secondSlot, secondOwner)).toContain(`fr:{${entity}:moved-too}`);
    const sameNodeFirst = keys.filter((key) => {
      const s = slotOf(`fr:{${entity}:${key.entityKey}}`);
      return secondRanges.find(([from, to]) => s >= from && s <= to)![2]![2] === secondOwner;
    });
    expect(sameNodeFirst.length).toBeGreaterThan(0);
    const firstRead = await store.read([...sameNodeFirst, second]).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (firstRead !== undefined) expect(firstRead).toMatchObject({ code: 'UNAVAILABLE' });
    expect((await store.read([...sameNodeFirst, second])).map((v) => v?.value)).toEqual([...sameNodeFirst.map(() => '3'), '4']);
  });

  describe('while Redis is down', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('fails every call fast with UNAVAILABLE naming the store, and recovers by itself', async () => {
      const store = RedisOnlineStore.standalone(server.url, DEFAULT_COMMAND_TIMEOUT_MS);
      closeLater.push(store);
      await store.ready(READY_MS);
      const key = { entity: unique('e'), entityKey: 'k', ref: `${unique('f')}@1` };
      const write = { ...key, value: '1', eventTime: 10, ingestTime: 20 };
      expect(await store.write([write], [])).toEqual([true]);

      await server.stop();
      const calls: [string, () => Promise<unknown>][] = [
        ['read', () => store.read([key])],
        ['write', () => store.write([{ ...write, eventTime: 11 }], [{ ref: key.ref, bucketStart: minuteBucket(), bins: new Map([[1, 1]]) }])],
        ['lagCounts', () => store.lagCounts(key.ref, [minuteBucket()])],
        // Again, once the client has noticed and is reconnecting.
        ['read again', () => store.read([key])],
        ['write again', () => store.write([write], [])],
      ];
      for (const [what, call] of calls) {
        const t0 = Date.now();
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        const elapsed = Date.now() - t0;
        expect(error, what).toBeInstanceOf(CodedError);
        expect((error as CodedError).code, what).toBe('UNAVAILABLE');
        expect((error as CodedError).message, what).toContain(store.name);
        expect(elapsed, what).toBeLessThan(1_000);
      }
      await expect(store.ready(200)).rejects.toMatchObject({ code: 'UNAVAILABLE' });

      await server.start();
      const deadline = Date.now() + 10_000;
      let recovered: boolean[] | undefined;
      while (!recovered) {
        recovered = await store.write([{ ...write, eventTime: 12, value: '2' }], []).catch((e: unknown) => {
          expect((e as CodedError).code).toBe('UNAVAILABLE');
          if (Date.now() > deadline) throw new Error(`store did not recover within 10 s: ${String(e)}`);
          return new Promise<undefined>((resolve) => setTimeout(resolve, 100));
        });
      }
      // The restarted server is empty (no persistence): the write applies again.
      expect(recovered).toEqual([true]);
      expect(await store.read([key])).toEqual([{ value: '2', eventTime: 12, ingestTime: 20 }]);
      await store.ready(100);
    });
  });
});

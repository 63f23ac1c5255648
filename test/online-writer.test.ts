// ValueWriter, called directly on real stores (embedded PGlite, Redis), with real hot keys, value
// distributions and registry cache, on a clock the test moves: row-by-row rejection, the late-event guard
// within a batch and against the store, the future-skew limit and ingest time by the writer's clock, event lag,
// what reaches the value sink (applied values, DRAFT shadow writes), and the change published for a hot key.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { entityKeyOf } from '../src/online/keys.js';
import { directBackends, LIMITS, openOnlineParts, type OnlineParts } from './support/online-parts.js';

describe.each(directBackends)('ValueWriter on $name', (backend) => {
  let parts: OnlineParts;

  beforeAll(async () => {
    parts = await openOnlineParts(backend);
  });
  afterAll(async () => {
    await parts?.close();
  });

  const stored = async (ref: string, entityKey: string) => (await parts.service.store.read([{ entity: parts.entity, entityKey, ref }]))[0];

  it('applies the valid rows and rejects each bad one by index, with a code and a message', async () => {
    const ref = await parts.feature('checked', 'FLOAT64');
    const t = parts.clock.now - 1_000;
    const result = await parts.write([
      { ref, entityKey: 'good', value: 0.5, eventTime: t },
      { ref, entityKey: 'typed', value: 'half', eventTime: t },
      { ref: `nothing_${parts.suffix}@1`, entityKey: 'k', value: 1, eventTime: t },
      { ref: 'not a ref', entityKey: 'k', value: 1, eventTime: t },
      { ref, entityKey: 'timeless', value: 1, eventTime: Number.NaN },
    ]);
    expect(result).toMatchObject({ accepted: 1, superseded: 0, rejected: 4 });
    expect(result.errors.map((e) => [e.index, e.code])).toEqual([
      [1, 'BAD_USER_INPUT'],
      [2, 'NOT_FOUND'],
      [3, 'BAD_USER_INPUT'],
      [4, 'BAD_USER_INPUT'],
    ]);
    expect(result.errors[0]!.message).toBe(`row 1: value for ${ref} (FLOAT64): expected a finite number for FLOAT64, got the string "half"`);
    // Stored as validated, with the writer's clock as its ingest time.
    expect(await stored(ref, 'good')).toMatchObject({ value: '0.5', eventTime: t, ingestTime: parts.clock.now });
    expect(await stored(ref, 'typed')).toBeNull();
  });

  it('keeps the newest event of each key, within a batch and against what is stored', async () => {
    const ref = await parts.feature('newest', 'INT64');
    const t = parts.clock.now - 60_000;
    const batch = await parts.write([
      { ref, entityKey: 'k', value: 1, eventTime: t + 1 },
      { ref, entityKey: 'k', value: 3, eventTime: t + 3 },
      { ref, entityKey: 'k', value: 2, eventTime: t + 2 },
    ]);
    expect(batch).toMatchObject({ accepted: 1, superseded: 2, rejected: 0 });
    expect(await parts.write([{ ref, entityKey: 'k', value: 2, eventTime: t + 2 }])).toMatchObject({ accepted: 0, superseded: 1 });
    expect(await parts.write([{ ref, entityKey: 'k', value: 9, eventTime: t + 3 }])).toMatchObject({ accepted: 0, superseded: 1 });
    expect(await stored(ref, 'k')).toMatchObject({ value: '3', eventTime: t + 3 });
  });

  it('refuses events further ahead of its clock than the skew allows', async () => {
    const ref = await parts.feature('skew', 'BOOL');
    // A clock far from the machine's: only the writer's own clock can decide these.
    parts.clock.now = Date.UTC(2031, 0, 1);
    const result = await parts.write([
      { ref, entityKey: 'edge', value: true, eventTime: parts.clock.now + LIMITS.maxFutureSkewMs },
      { ref, entityKey: 'ahead', value: true, eventTime: parts.clock.now + LIMITS.maxFutureSkewMs + 1 },
    ]);
    expect(result).toMatchObject({ accepted: 1, rejected: 1 });
    expect(result.errors[0]!.message).toBe(
      `row 1: eventTime 2031-01-01T00:01:00.001Z is ${LIMITS.maxFutureSkewMs + 1} ms in the future (at most ${LIMITS.maxFutureSkewMs} ms of clock skew is accepted)`,
    );
    parts.clock.now = Date.now();
  });

  it('records the lag of every valid row at its ingest time, superseded ones included', async () => {
    const ref = await parts.feature('lag', 'FLOAT64');
    const t = parts.clock.now - 10_000;
    await parts.write([
      { ref, entityKey: 'a', value: 1, eventTime: t },
      { ref, entityKey: 'a', value: 1, eventTime: t },
      { ref, entityKey: 'b', value: 1, eventTime: t },
      { ref, entityKey: 'c', value: 'bad', eventTime: t },
    ]);
    const stats = await parts.eventLag.stats((await parts.service.services.registry.version(ref))!);
    expect(stats.samples).toBe(3);
    expect(stats.p50Ms! / 10_000).toBeCloseTo(1, 1);
  });

  it('hands the applied values to the value sink, and the keys of DRAFT shadow writes', async () => {
    const live = await parts.feature('sunk', 'FLOAT64');
    const draft = await parts.feature('sunk', 'FLOAT64', { maxAge: '2h' });
    expect(draft).toMatch(/@2$/);
    const t = Date.now() - 5_000;
    parts.clock.now = Date.now();
    const result = await parts.write([
      { ref: live, entityKey: 'a', value: 1.5, eventTime: t },
      { ref: live, entityKey: 'b', value: 2.5, eventTime: t },
      { ref: live, entityKey: 'b', value: 9.5, eventTime: t - 1 },
      { ref: draft, entityKey: 'a', value: 1.5, eventTime: t },
    ]);
    expect(result).toMatchObject({ accepted: 3, superseded: 1 });
    await parts.distributions.flush();
    const buckets = await parts.distributions.buckets(live);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(2);
    expect(buckets.map((b) => [b.min, b.max])).toEqual([[1.5, 2.5]]);
    const shadow = await queryRows<{ entity_key: string }>(parts.database.db, sql`select entity_key from shadow_keys where ref = ${draft}`);
    expect(shadow.map((r) => r.entity_key)).toEqual(['a']);
  });

  it('publishes a write to a hot key, so that every instance drops its cached copy', async () => {
    const ref = await parts.feature('published', 'INT64');
    const changed: string[][] = [];
    const stop = await parts.service.store.onChanges((keys) => changed.push(keys));
    try {
      parts.hotKeys.record(parts.entity, new Array<string>(5_000).fill('viral'));
      await parts.hotKeys.tick();
      const viral = entityKeyOf({ entity: parts.entity, entityKey: 'viral' });
      expect(parts.hotKeys.isHot(viral)).toBe(true);
      await parts.write([
        { ref, entityKey: 'viral', value: 1, eventTime: parts.clock.now - 10 },
        { ref, entityKey: 'quiet', value: 1, eventTime: parts.clock.now - 10 },
      ]);
      await expect.poll(() => changed.flat().filter((key) => key.startsWith(`${parts.entity}:`)), { timeout: 5_000 }).toEqual([viral]);
    } finally {
      await stop();
    }
  });
});

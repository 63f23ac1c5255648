// OnlineReader, called directly on real stores (embedded PGlite, Redis), with real hot keys, cache, verdicts
// and registry cache, on a clock the test moves: ages and STALE, MISSING, TYPE_MISMATCH, the lifecycle flags,
// the remembered PRODUCER_LAGGING verdict, a consumer's remembered read, the hot-entity cache's bound, and the
// per-request value count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValueLoader } from '../src/graphql/loaders.js';
import { entityKeyOf } from '../src/online/keys.js';
import type { OnlineValue } from '../src/online/reader.js';
import { JsonText } from '../src/online/values.js';
import { LAG_VERDICT_TTL_MS } from '../src/monitoring/verdicts.js';
import { CACHE_BOUND_MS, directBackends, LIMITS, openOnlineParts, type OnlineParts } from './support/online-parts.js';

const HOUR = 3_600_000;

const plain = (value: OnlineValue) => ({ ...value, value: value.value instanceof JsonText ? value.value.toJSON() : value.value });

describe.each(directBackends)('OnlineReader on $name', (backend) => {
  let parts: OnlineParts;

  beforeAll(async () => {
    parts = await openOnlineParts(backend);
  });
  afterAll(async () => {
    await parts?.close();
  });

  const values = (ref: string, keys: string[]) => parts.reader.featureValues(ref, keys, createValueLoader(parts.reader));
  // A value that fits is served as its stored text (JsonText); compared here as the value it stands for.
  const features = (result: Awaited<ReturnType<typeof values>>) => result.rows.map((row) => plain(row.features[0]!));

  it('serves each key its value and age by its clock, MISSING where none is stored, STALE past maxAge', async () => {
    const ref = await parts.feature('age', 'FLOAT64');
    const written = parts.clock.now - 1_000;
    expect(await parts.write([{ ref, entityKey: 'u1', value: 0.5, eventTime: written }])).toMatchObject({ accepted: 1 });

    const fresh = await values(ref, ['u1', 'nobody', 'u1']);
    expect(fresh.rows.map((r) => r.entityKey)).toEqual(['u1', 'nobody', 'u1']);
    expect(fresh.rows[0]!.features[0]!.value).toEqual(new JsonText('0.5'));
    expect(features(fresh)).toMatchObject([
      { ref, value: 0.5, eventTime: written, ageMs: 1_000, flags: [] },
      { ref, value: null, eventTime: null, ageMs: null, flags: ['MISSING'] },
      { ref, value: 0.5, ageMs: 1_000, flags: [] },
    ]);
    expect(fresh.flagCounts).toEqual([{ flag: 'MISSING', count: 1 }]);

    parts.clock.now += HOUR;
    const later = await values(ref, ['u1']);
    expect(features(later)).toMatchObject([{ value: 0.5, ageMs: HOUR + 1_000, flags: ['STALE'] }]);
    expect(later.flagCounts).toEqual([{ flag: 'STALE', count: 1 }]);
  });

  it('flags a stored value its version does not allow, and serves it as stored', async () => {
    const ref = await parts.feature('typed', 'FLOAT64');
    const at = parts.clock.now - 10;
    // Written around the API, as another writer of the store could.
    await parts.service.store.write(
      [
        { entity: parts.entity, entityKey: 'text', ref, value: '"seven"', eventTime: at, ingestTime: at },
        { entity: parts.entity, entityKey: 'broken', ref, value: '{not json', eventTime: at, ingestTime: at },
      ],
      [],
    );
    expect(features(await values(ref, ['text', 'broken']))).toMatchObject([
      { value: 'seven', flags: ['TYPE_MISMATCH'] },
      { value: '{not json', flags: ['TYPE_MISMATCH'] },
    ]);
  });

  it('serves a DEPRECATED version flagged, and stops serving it once its sunset passes by the clock', async () => {
    const ref = await parts.feature('sunset', 'INT64');
    await parts.write([{ ref, entityKey: 'u1', value: 7, eventTime: parts.clock.now - 5 }]);
    const sunsetAt = new Date(Date.now() + 2 * HOUR);
    await parts.ok(`mutation ($ref: String!, $at: DateTime!) { deprecateFeatureVersion(ref: $ref, sunsetAt: $at) { status } }`, { ref, at: sunsetAt });
    const reader = await parts.consumer('sunset_model', [ref]);
    const read = () => parts.reader.onlineFeatures(reader, { entityKeys: ['u1'] }, createValueLoader(parts.reader));

    expect((await read()).rows[0]!.features.map(plain)).toMatchObject([{ ref, value: 7, flags: ['DEPRECATED_VERSION'] }]);
    parts.clock.now = sunsetAt.getTime() + 1;
    expect((await read()).rows[0]!.features).toMatchObject([{ ref, value: null, eventTime: null, flags: ['RETIRED_VERSION'] }]);
  });

  it('flags PRODUCER_LAGGING from the event lag, a verdict remembered for a while by the clock', async () => {
    const ref = await parts.feature('lagging', 'FLOAT64', { window: '5m' });
    // The first read finds no lag and remembers it.
    expect(features(await values(ref, ['u1']))[0]!.flags).toEqual(['MISSING']);
    // Events ten minutes old: p95 lag beyond the 5-minute window.
    const rows = Array.from({ length: 20 }, (_, i) => ({ ref, entityKey: `k${i}`, value: i, eventTime: parts.clock.now - 10 * 60_000 }));
    expect(await parts.write(rows)).toMatchObject({ accepted: 20 });
    expect((await parts.eventLag.stats((await parts.service.services.registry.version(ref))!)).exceedsWindow).toBe(true);
    expect(features(await values(ref, ['k1']))[0]!.flags).toEqual([]);
    parts.clock.now += LAG_VERDICT_TTL_MS;
    expect(features(await values(ref, ['k1']))[0]!.flags).toEqual(['PRODUCER_LAGGING']);
  });

  it("works a consumer's read out again when a verdict expires, a producer moves on, or the expectations or features change", async () => {
    // The reader remembers what a consumer's read reads and how (pins, entities, plans) between reads: each of
    // the things that answer was worked out from, changed alone, must show in the next read.
    const lagging = await parts.feature('replan_lag', 'FLOAT64', { window: '5m' });
    const v1 = await parts.feature('replan_moved', 'FLOAT64');
    // A second version of the same feature, which the same producer is bound to and will write instead.
    const v2 = await parts.feature('replan_moved', 'FLOAT64', { window: '1d' });
    expect(v2).toBe(v1.replace('@1', '@2'));
    await parts.ok(`mutation { activateFeatureVersion(ref: "${v2}", force: true, reason: "test") { status } }`);
    const model = await parts.consumer('replan_model', [lagging, v1]);
    const [lagFeature, movedFeature] = [lagging.split('@')[0]!, v1.split('@')[0]!];
    const read = (request: { features?: string[] } = {}, expect?: { feature: string; definitionHash: string }[]) =>
      parts.reader.onlineFeatures(model, { entityKeys: ['k1'], ...request }, createValueLoader(parts.reader), expect);
    const flags = async (request?: { features?: string[] }, expect?: { feature: string; definitionHash: string }[]) =>
      Object.fromEntries((await read(request, expect)).rows[0]!.features.map((f) => [f.ref, f.flags]));

    expect(await flags()).toEqual({ [lagging]: ['MISSING'], [v1]: ['MISSING'] });

    // A producer moves on: v1 has not been written for longer than its budget (1 h) and v2 is written now. Two
    // reads after the clock moves (the first asks the expired verdicts again, the second is planned from them
    // and remembered), then the write: only the producers' last-write times changed.
    parts.clock.now += 2 * HOUR;
    expect(await flags()).toEqual({ [lagging]: ['MISSING'], [v1]: ['MISSING'] });
    expect(await flags()).toEqual({ [lagging]: ['MISSING'], [v1]: ['MISSING'] });
    expect(await parts.write([{ ref: v2, entityKey: 'k2', value: 1, eventTime: parts.clock.now - 5 }])).toMatchObject({ accepted: 1 });
    expect(await flags()).toEqual({ [lagging]: ['MISSING'], [v1]: ['MISSING', 'VERSION_MISMATCH'] });

    // A verdict expires: events ten minutes old put `lagging` beyond its 5-minute window; the remembered
    // verdict (no lag) holds until its TTL passes by the clock, and then the read says so.
    const late = Array.from({ length: 20 }, (_, i) => ({ ref: lagging, entityKey: `late${i}`, value: i, eventTime: parts.clock.now - 10 * 60_000 }));
    expect(await parts.write(late)).toMatchObject({ accepted: 20 });
    expect((await flags())[lagging]).toEqual(['MISSING']);
    parts.clock.now += LAG_VERDICT_TTL_MS;
    expect((await flags())[lagging]).toEqual(['MISSING', 'PRODUCER_LAGGING']);

    // The expectations: the pin's own definition, another one, and the pin's again.
    const hashOf = async (ref: string) => (await parts.service.services.registry.version(ref))!.definitionHash;
    const expectV1 = [{ feature: movedFeature, definitionHash: await hashOf(v1) }];
    const expectV2 = [{ feature: movedFeature, definitionHash: await hashOf(v2) }];
    const moved = { features: [movedFeature] };
    const [first, other, again] = [await read(moved, expectV1), await read(moved, expectV2), await read(moved, expectV1)];
    expect([first.warnings, again.warnings]).toEqual([[], []]);
    expect(other.warnings).toEqual([expect.objectContaining({ feature: movedFeature, flag: 'VERSION_MISMATCH' })]);
    // Said only for the features a read returns.
    expect((await read({ features: [lagFeature] }, expectV2)).warnings).toEqual([]);
    expect((await flags({}, expectV2))[v1]).toEqual(['MISSING', 'VERSION_MISMATCH']);

    // More subsets than a consumer's remembered reads (8), twice over: each read returns its own features.
    const subsets = [[lagFeature], [movedFeature], [lagFeature, movedFeature], [movedFeature, lagFeature]];
    for (let round = 0; round < 3; round++) {
      for (const [i, features] of subsets.entries()) {
        const expect_ = i % 2 === round % 2 ? expectV1 : expectV2;
        const result = await read({ features }, expect_);
        expect(result.rows[0]!.features.map((f) => f.feature)).toEqual(features);
        expect(result.warnings.map((w) => w.feature)).toEqual(expect_ === expectV2 && features.includes(movedFeature) ? [movedFeature] : []);
      }
    }
    // A feature the consumer is not pinned to is still refused, whatever was read before.
    await expect(read({ features: [lagFeature, 'unpinned'] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('serves a hot key from the hot-entity cache until its bound passes by the clock', async () => {
    const ref = await parts.feature('hot', 'BOOL');
    await parts.write([{ ref, entityKey: 'viral', value: true, eventTime: parts.clock.now - 5 }]);
    const key = { entity: parts.entity, entityKey: 'viral', ref, cacheForMs: CACHE_BOUND_MS };
    expect((await parts.reader.loadValues([key])).map((v) => v.servedFrom)).toEqual(['STORE']);

    parts.hotKeys.record(parts.entity, new Array<string>(5_000).fill('viral'));
    await parts.hotKeys.tick();
    expect(parts.hotKeys.isHot(entityKeyOf(key))).toBe(true);
    // The first read of a hot key fetches and caches it; the next is served from the cache.
    const [fetched] = await parts.reader.loadValues([key]);
    expect(fetched).toMatchObject({ servedFrom: 'STORE', stored: { value: 'true' } });
    const [cached] = await parts.reader.loadValues([key]);
    expect(cached).toEqual({ servedFrom: 'CACHE', stored: fetched!.stored });
    parts.clock.now += CACHE_BOUND_MS;
    expect((await parts.reader.loadValues([key])).map((v) => v.servedFrom)).toEqual(['STORE']);
  });

  it('counts every read of one request against its value limit before reading', async () => {
    const ref = await parts.feature('counted', 'FLOAT64');
    const batch = createValueLoader(parts.reader);
    const keys = Array.from({ length: 600 }, (_, i) => `c${i}`);
    expect((await parts.reader.featureValues(ref, keys, batch)).rows).toHaveLength(600);
    expect(batch.values).toBe(600);
    await expect(parts.reader.featureValues(ref, keys, batch)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { values: 1_200, maxValues: LIMITS.maxValuesPerRequest },
    });
  });
});

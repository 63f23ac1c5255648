// Pure functions: durations, definitions, refs, configuration.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { compareDefinitions } from '../src/registry/compatibility.js';
import { canonicalDefinition, definitionHash } from '../src/registry/definition.js';
import { canonicalDuration, parseDuration } from '../src/core/durations.js';
import { effectiveStatus, FeatureProduction, humanDuration, parseRef, writeBudgetMs, type FeatureVersion } from '../src/registry/model.js';

describe('durations', () => {
  it.each([
    ['7d', '7d'],
    ['168h', '7d'],
    ['90m', '1h30m'],
    ['1h30m', '1h30m'],
    ['3600s', '1h'],
    ['1500ms', '1s500ms'],
    ['1d12h', '1d12h'],
  ])('%s is spelt %s', (input, canonical) => expect(canonicalDuration(input, 'window')).toBe(canonical));

  it.each(['', '7', 'd', '7 d', '1.5h', '-5m', '5y', '5min', 'PT5M', '0s', '0d0h', '3651d'])('refuses %j', (input) => {
    expect(() => parseDuration(input, 'maxAge')).toThrow(/maxAge/);
  });
});

describe('definitions', () => {
  const base = { feature: 'f', entity: 'e', owner: 'o', valueType: 'FLOAT64', maxAge: '1h' };
  it('hashes meaning, not spelling', () => {
    const a = canonicalDefinition({ ...base, window: '7d', aggregation: { a: 1, b: { c: 2, d: 3 } } });
    const b = canonicalDefinition({ ...base, window: '168h', aggregation: { b: { d: 3, c: 2 }, a: 1 } });
    expect(definitionHash(a)).toBe(definitionHash(b));
  });
  it('hashes every definition field', () => {
    const hash = (extra: object) => definitionHash(canonicalDefinition({ ...base, ...extra }));
    const hashes = new Set([
      hash({}),
      hash({ valueType: 'INT64' }),
      hash({ window: '1d' }),
      hash({ maxAge: '2h' }),
      hash({ aggregation: { f: 'sum' } }),
      hash({ description: 'x' }),
      hash({ aggregation: { f: [1, 2] } }),
      hash({ aggregation: { f: [2, 1] } }),
      hash({ nullable: true }),
    ]);
    expect(hashes.size).toBe(9);
    expect(hash({ nullable: false })).toBe(hash({}));
  });
});

describe('refs and status', () => {
  it('parses name@N and refuses anything else', () => {
    expect(parseRef('click_rate_7d@12')).toEqual({ feature: 'click_rate_7d', version: 12 });
    for (const bad of ['click_rate', '@1', 'x@0', 'x@-1', 'x@1.5', 'X@1', 'x@01', 'x@1 ']) expect(() => parseRef(bad)).toThrow(/not a feature version ref/);
  });
  it('turns DEPRECATED into RETIRED at its sunset', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(effectiveStatus('DEPRECATED', new Date('2026-01-02T00:00:00Z'), now)).toBe('DEPRECATED');
    expect(effectiveStatus('DEPRECATED', now, now)).toBe('RETIRED');
    expect(effectiveStatus('ACTIVE', null, now)).toBe('ACTIVE');
  });
});

describe('configuration', () => {
  it('defaults to embedded mode on port 4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, databaseUrl: undefined, logLevel: 'info', limits: { maxListLength: 1000 } });
    expect(config.dataDir).toMatch(/\/data$/);
  });
  it('reads the cluster nodes', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_CLUSTER_NODES: 'a:7000, b:7001' }).redisClusterNodes).toEqual([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ]);
  });
  it('reports every bad value at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', AUTH: 'maybe', LOG_LEVEL: 'loud', REDIS_CLUSTER_NODES: 'a:b', MAX_LIST_LENGTH: '0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'AUTH', 'LOG_LEVEL', 'REDIS_CLUSTER_NODES', 'MAX_LIST_LENGTH']) expect(problems).toContain(name);
    }
  });
  it('has the request limits and introspection of the README, and validates them', () => {
    expect(loadConfig({})).toMatchObject({
      limits: { maxValuesPerRequest: 100_000, maxQueryBytes: 100_000, maxQueryTokens: 10_000 },
      introspection: true,
    });
    expect(loadConfig({ INTROSPECTION: 'off', MAX_VALUES_PER_REQUEST: '5000' })).toMatchObject({ introspection: false, limits: { maxValuesPerRequest: 5000 } });
    try {
      loadConfig({ INTROSPECTION: 'no', MAX_VALUES_PER_REQUEST: '0', MAX_QUERY_BYTES: 'lots', MAX_QUERY_TOKENS: '-1' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['INTROSPECTION', 'MAX_VALUES_PER_REQUEST', 'MAX_QUERY_BYTES', 'MAX_QUERY_TOKENS']) expect(problems).toContain(name);
    }
  });
  it('refuses Redis without PostgreSQL, and both Redis kinds at once', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://x:6379' })).toThrow(/need DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', REDIS_CLUSTER_NODES: 'a:1' })).toThrow(/both set/);
  });
  it('reads the Redis command timeout and the shutdown grace as durations', () => {
    expect(loadConfig({})).toMatchObject({ shutdownGraceMs: 10_000, online: { redisCommandTimeoutMs: 500 } });
    expect(loadConfig({ SHUTDOWN_GRACE: '30s', REDIS_COMMAND_TIMEOUT: '2s' })).toMatchObject({ shutdownGraceMs: 30_000, online: { redisCommandTimeoutMs: 2_000 } });
    expect(() => loadConfig({ REDIS_COMMAND_TIMEOUT: '500' })).toThrow(/REDIS_COMMAND_TIMEOUT "500" is not a duration/);
    expect(() => loadConfig({ SHUTDOWN_GRACE: '1h' })).toThrow(/SHUTDOWN_GRACE="1h": at most 10m/);
  });
});

describe('compatibility of a new definition with the live one', () => {
  const base = { feature: 'f', entity: 'e', owner: 'o', valueType: 'INT64', maxAge: '1h', window: '7d', aggregation: { function: 'sum', source: 'clicks' } };
  const compare = (change: Record<string, unknown>) => compareDefinitions(canonicalDefinition(base), canonicalDefinition({ ...base, ...change }));

  it.each([
    [{}, 'IDENTICAL'],
    [{ window: '168h' }, 'IDENTICAL'],
    [{ description: 'clicks per week' }, 'COMPATIBLE'],
    [{ aggregation: { ...base.aggregation, metadata: { docs: 'https://wiki/clicks' } } }, 'COMPATIBLE'],
    [{ maxAge: '30m' }, 'COMPATIBLE'],
    [{ valueType: 'FLOAT64' }, 'WIDENING'],
    [{ maxAge: '2h' }, 'WIDENING'],
    [{ nullable: true }, 'WIDENING'],
    [{ valueType: 'STRING' }, 'BREAKING'],
    [{ window: '1d' }, 'BREAKING'],
    [{ aggregation: { function: 'mean', source: 'clicks' } }, 'BREAKING'],
    [{ valueType: 'FLOAT64', window: '1d', description: 'x' }, 'BREAKING'],
  ])('%j is %s', (change, expected) => expect(compare(change).compatibility).toBe(expected));

  it('names every change', () => {
    expect(compare({ valueType: 'FLOAT64', description: 'x' }).reasons).toEqual([
      'valueType INT64 → FLOAT64: every integer is still a valid value',
      'description changed',
    ]);
  });

  it('calls a narrowing of the type breaking', () => {
    const float = canonicalDefinition({ ...base, valueType: 'FLOAT64' });
    expect(compareDefinitions(float, canonicalDefinition(base))).toMatchObject({ compatibility: 'BREAKING', reasons: [expect.stringMatching(/FLOAT64 → INT64/)] });
  });
});

describe('who produces a feature (bindings that follow reality)', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const ago = (ms: number) => now.getTime() - ms;
  const version = (n: number, maxAge: string, window: string | null = null, status: FeatureVersion['status'] = 'ACTIVE') =>
    ({ ref: `ctr@${n}`, feature: 'ctr', version: n, status, maxAge, window }) as FeatureVersion;
  const v1 = version(1, '1h');
  const v2 = version(2, '1h');
  const HOUR = 3_600_000;
  const bound = (producer: string, ref: string, msAgo = 10 * HOUR) => ({ producer, ref, boundAt: new Date(ago(msAgo)) });
  const writes = (entries: [string, string, number][]) => {
    const map = new Map<string, Map<string, number>>();
    for (const [ref, producer, msAgo] of entries) map.set(ref, new Map([...(map.get(ref) ?? []), [producer, ago(msAgo)]]));
    return map;
  };

  it('budgets a version its maxAge, or its window when longer', () => {
    expect(writeBudgetMs(version(1, '1h'))).toBe(HOUR);
    expect(writeBudgetMs(version(1, '1h', '7d'))).toBe(7 * 24 * HOUR);
    expect(writeBudgetMs(version(1, '2h', '30m'))).toBe(2 * HOUR);
  });

  it('says how long ago in words people use', () => {
    expect([999, 45_000, 12 * 60_000, 3 * HOUR + 59 * 60_000, 50 * HOUR].map(humanDuration)).toEqual(['0 s', '45 s', '12 min', '3 h', '2 d']);
  });

  it('counts an idle producer as moved on only while another version is being written', () => {
    const idle = new FeatureProduction([v1, v2], [bound('job', 'ctr@1')], writes([['ctr@1', 'job', 3 * HOUR]]), now);
    expect(idle.bindings[0]!.movedOn).toBe(false);
    const moved = new FeatureProduction([v1, v2], [bound('job', 'ctr@1'), bound('job', 'ctr@2')], writes([['ctr@1', 'job', 3 * HOUR], ['ctr@2', 'job', 60_000]]), now);
    expect(moved.bindings.map((b) => b.movedOn)).toEqual([true, false]);
    expect(moved.produced.map((v) => v.ref)).toEqual(['ctr@2']);
    expect(moved.mismatch(v1)).toBe('job last wrote ctr@1 3 h ago and writes @2');
    expect(moved.mismatch(v2)).toBeNull();
  });

  it('names who writes the other version when the idle producer does not', () => {
    const production = new FeatureProduction([v1, v2], [bound('old_job', 'ctr@1'), bound('new_job', 'ctr@2')], writes([['ctr@1', 'old_job', 2 * HOUR], ['ctr@2', 'new_job', 0]]), now);
    expect(production.mismatch(v1)).toBe('old_job last wrote ctr@1 2 h ago; new_job writes @2');
    expect(new FeatureProduction([v1, v2], [bound('new_job', 'ctr@2')], writes([['ctr@2', 'new_job', 0]]), now).mismatch(v1)).toBe(
      'no producer is bound to ctr@1; producers write ctr@2',
    );
  });

  it('gives every binding, a new one after old writes too, one budget of grace', () => {
    const rebound = new FeatureProduction([v1, v2], [bound('job', 'ctr@1', 30 * 60_000), bound('job', 'ctr@2')], writes([['ctr@1', 'job', 5 * HOUR], ['ctr@2', 'job', 0]]), now);
    expect(rebound.bindings[0]).toMatchObject({ movedOn: false, lastWrittenAt: new Date(ago(5 * HOUR)) });
    const expired = new FeatureProduction([v1, v2], [bound('job', 'ctr@1', 2 * HOUR), bound('job', 'ctr@2')], writes([['ctr@2', 'job', 0]]), now);
    expect(expired.mismatch(v1)).toBe('job has not written ctr@1 since it was bound 2 h ago and writes @2');
  });

  it('leaves retired versions out of what is produced', () => {
    const retired = version(2, '1h', null, 'RETIRED');
    const production = new FeatureProduction([v1, retired], [bound('job', 'ctr@2')], writes([['ctr@2', 'job', 0]]), now);
    expect(production.produced).toEqual([]);
    expect(production.mismatch(v1)).toBeNull();
    // Written until it retired a minute ago: not idle, yet not produced.
    const pinnedRetired = new FeatureProduction([retired, version(3, '1h')], [bound('job', 'ctr@2'), bound('job', 'ctr@3')], writes([['ctr@2', 'job', 60_000], ['ctr@3', 'job', 0]]), now);
    expect(pinnedRetired.mismatch(retired)).toBe('no producer can write ctr@2 any more (retired); producers write ctr@3');
  });

  it('reads its flush and TTL settings as durations', () => {
    expect(loadConfig({}).producerWrites).toEqual({ flushMs: 5_000, ttlMs: 5_000 });
    expect(loadConfig({ PRODUCER_WRITES_FLUSH: '200ms', PRODUCER_WRITES_TTL: '1s' }).producerWrites).toEqual({ flushMs: 200, ttlMs: 1_000 });
    expect(() => loadConfig({ PRODUCER_WRITES_FLUSH: 'often', PRODUCER_WRITES_TTL: '2m' })).toThrow(/PRODUCER_WRITES_FLUSH[\s\S]*PRODUCER_WRITES_TTL/);
  });
});

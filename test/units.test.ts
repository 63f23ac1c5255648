// Pure functions: durations, definitions, refs, configuration.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { compareDefinitions } from '../src/registry/compatibility.js';
import { canonicalDefinition, definitionHash } from '../src/registry/definition.js';
import { canonicalDuration, parseDuration } from '../src/registry/durations.js';
import { effectiveStatus, parseRef } from '../src/registry/model.js';

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

// Environment → typed configuration, validated once at start. Every bad value is reported at once, with
// what was expected, so a misconfigured instance fails before it serves anything.
import path from 'node:path';
import { LAG_RETENTION_MS, READ_COUNT_RETENTION_MS } from './online/store.js';
import { formatDuration, parseDuration } from './registry/durations.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  port: number;
  /** Embedded mode keeps its PGlite database here. */
  dataDir: string;
  /** Server mode: PostgreSQL. Absent → embedded mode. */
  databaseUrl?: string;
  redisUrl?: string;
  redisClusterNodes?: { host: string; port: number }[];
  /** 'on' / 'off' when set; absent → decided by the mode (see auth/mode.ts). */
  auth?: 'on' | 'off';
  logLevel: LogLevel;
  limits: {
    /** Longest list a request may pass in any argument (entity keys, refs). */
    maxListLength: number;
    maxQueryDepth: number;
    maxQueryCost: number;
    /** Most rows one writeFeatureValues may carry; a larger batch is refused whole. */
    maxWriteBatch: number;
    /** Most online values one request may load, over all its onlineFeatures / featureValues fields together. */
    maxValuesPerRequest: number;
    /** Longest query text accepted, in UTF-8 bytes; a longer one is refused before it is parsed. */
    maxQueryBytes: number;
    /** Most lexical tokens the parser reads before it gives up on a query. */
    maxQueryTokens: number;
  };
  /** Whether the schema answers introspection queries (the playground needs them). */
  introspection: boolean;
  online: {
    /** How far in the future an eventTime may be (clock skew between producers and the service). */
    maxFutureSkewMs: number;
    /** The recent window eventLag and PRODUCER_LAGGING look at. */
    lagWindowMs: number;
  };
  monitoring: {
    /** Length of a value-distribution bucket. */
    distributionBucketMs: number;
    /** PSI of the latest bucket against the reference above which a version drifts. */
    driftThreshold: number;
  };
  hotKeys: {
    windowMs: number;
    shareThreshold: number;
    minReadsPerSecond: number;
    cacheBoundMs: number;
    cacheMaxEntries: number;
    replicas: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL: expected a postgres:// or postgresql:// URL`);
  }

  const redisUrl = nonEmpty(env.REDIS_URL);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL=${JSON.stringify(redisUrl)}: expected a redis:// or rediss:// URL`);
  }

  let redisClusterNodes: Config['redisClusterNodes'];
  const clusterRaw = nonEmpty(env.REDIS_CLUSTER_NODES);
  if (clusterRaw !== undefined) {
    redisClusterNodes = [];
    for (const part of clusterRaw.split(',').map((p) => p.trim())) {
      const match = /^([^\s:]+):(\d{1,5})$/.exec(part);
      if (!match || Number(match[2]) > 65535) {
        problems.push(`REDIS_CLUSTER_NODES: ${JSON.stringify(part)} is not host:port (expected e.g. "10.0.0.1:7000,10.0.0.2:7000")`);
      } else {
        redisClusterNodes.push({ host: match[1]!, port: Number(match[2]) });
      }
    }
  }
  if (redisUrl !== undefined && redisClusterNodes !== undefined) {
    problems.push('REDIS_URL and REDIS_CLUSTER_NODES are both set: choose one online store');
  }
  if ((redisUrl !== undefined || redisClusterNodes !== undefined) && databaseUrl === undefined) {
    problems.push('REDIS_URL / REDIS_CLUSTER_NODES need DATABASE_URL: Redis is the online store of server mode');
  }

  const authRaw = nonEmpty(env.AUTH);
  if (authRaw !== undefined && authRaw !== 'on' && authRaw !== 'off') {
    problems.push(`AUTH=${JSON.stringify(authRaw)}: expected "on" or "off"`);
  }

  const duration = (name: string, fallback: string, maxMs: number): number => {
    const raw = nonEmpty(env[name]) ?? fallback;
    try {
      const ms = parseDuration(raw, name);
      if (ms <= maxMs) return ms;
      problems.push(`${name}=${JSON.stringify(raw)}: at most ${formatDuration(maxMs)}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
    return parseDuration(fallback, name);
  };

  const fraction = (name: string, fallback: number): number => {
    const raw = nonEmpty(env[name]);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > 1) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a share between 0 and 1, e.g. 0.01`);
      return fallback;
    }
    return value;
  };

  const positive = (name: string, fallback: number): number => {
    const raw = nonEmpty(env[name]);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a positive number, e.g. 0.25`);
      return fallback;
    }
    return value;
  };

  const introspectionRaw = nonEmpty(env.INTROSPECTION) ?? 'on';
  if (introspectionRaw !== 'on' && introspectionRaw !== 'off') {
    problems.push(`INTROSPECTION=${JSON.stringify(introspectionRaw)}: expected "on" or "off"`);
  }

  const logLevel = (nonEmpty(env.LOG_LEVEL) ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const config: Config = {
    port: integer('PORT', 4000, 0, 65535),
    dataDir: path.resolve(nonEmpty(env.DATA_DIR) ?? './data'),
    databaseUrl,
    redisUrl,
    redisClusterNodes,
    auth: authRaw === 'on' || authRaw === 'off' ? authRaw : undefined,
    logLevel,
    limits: {
      maxListLength: integer('MAX_LIST_LENGTH', 1000, 1, 1_000_000),
      maxQueryDepth: integer('MAX_QUERY_DEPTH', 12, 2, 100),
      maxQueryCost: integer('MAX_QUERY_COST', 200_000, 100, 100_000_000),
      maxWriteBatch: integer('MAX_WRITE_BATCH', 10_000, 1, 1_000_000),
      maxValuesPerRequest: integer('MAX_VALUES_PER_REQUEST', 100_000, 1, 10_000_000),
      maxQueryBytes: integer('MAX_QUERY_BYTES', 100_000, 1_000, 16_000_000),
      maxQueryTokens: integer('MAX_QUERY_TOKENS', 10_000, 100, 10_000_000),
    },
    introspection: introspectionRaw !== 'off',
    online: {
      maxFutureSkewMs: duration('MAX_FUTURE_SKEW', '30s', 3_600_000),
      lagWindowMs: duration('LAG_WINDOW', '5m', LAG_RETENTION_MS),
    },
    monitoring: {
      distributionBucketMs: duration('DISTRIBUTION_BUCKET', '1h', 7 * 86_400_000),
      driftThreshold: positive('DRIFT_PSI', 0.25),
    },
    hotKeys: {
      windowMs: duration('HOT_KEY_WINDOW', '60s', READ_COUNT_RETENTION_MS / 2),
      shareThreshold: fraction('HOT_KEY_SHARE', 0.01),
      minReadsPerSecond: integer('HOT_KEY_MIN_RATE', 1, 0, 1_000_000),
      cacheBoundMs: duration('HOT_CACHE_BOUND', '1s', 60_000),
      cacheMaxEntries: integer('HOT_CACHE_MAX_ENTRIES', 100_000, 0, 10_000_000),
      replicas: integer('HOT_KEY_REPLICAS', 2, 0, 16),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

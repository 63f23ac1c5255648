// Environment → typed configuration, validated once at start. Every bad value is reported at once, with
// what was expected, so a misconfigured instance fails before it serves anything. This is the one place a
// default is written: the domain receives every setting as a parameter and never imports this file, so this
// file imports nothing above src/core.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { formatDuration, parseDuration } from './core/durations.js';
import { StartupError } from './core/errors.js';
import { hostName } from './core/host-names.js';
import { LAG_RETENTION_MS, READ_COUNT_RETENTION_MS } from './core/retention.js';

/** Longest entity key, in UTF-8 bytes, unless MAX_ENTITY_KEY_BYTES says otherwise. */
export const DEFAULT_MAX_ENTITY_KEY_BYTES = 256;

/** A Redis command that gets no answer within this long fails, unless REDIS_COMMAND_TIMEOUT says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 500;

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
  /** 'on' / 'off' when set; absent → decided by the mode (see decideAuth in app.ts). */
  auth?: 'on' | 'off';
  /** Listen address when set; absent → 127.0.0.1 while auth is off, 0.0.0.0 with auth on (see listenHost). */
  host?: string;
  /** Host names requests may be addressed to besides local ones (enforced always with auth off, when set with auth on). */
  allowedHosts: string[];
  /** A second port serving only /metrics, without a key, on the same address (for a scraper on a private network). */
  metricsPort?: number;
  /** How long a key seen before keeps its verdict while the database is unreachable. */
  authGraceMs: number;
  logLevel: LogLevel;
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are cut. */
  shutdownGraceMs: number;
  /** Processes serving PORT (node:cluster) in server mode; always 1 in embedded mode (PGlite is single-process). */
  workers: number;
  limits: {
    /** Longest list a request may pass in any argument (entity keys, refs). */
    maxListLength: number;
    maxQueryDepth: number;
    maxQueryCost: number;
    /** Most rows one writeFeatureValues may carry; a larger batch is refused whole. */
    maxWriteBatch: number;
    /** Longest entity key, in UTF-8 bytes (writes, reads, every argument that takes one). */
    maxEntityKeyBytes: number;
    /** Most online values one request may load, over all its onlineFeatures / featureValues fields together. */
    maxValuesPerRequest: number;
    /** Longest query text accepted, in UTF-8 bytes; a longer one is refused before it is parsed. */
    maxQueryBytes: number;
    /** Most lexical tokens the parser reads before it gives up on a query. */
    maxQueryTokens: number;
  };
  /** Whether the schema answers introspection queries (the playground needs them). */
  introspection: boolean;
  /** Whether repeat queries are served by the fast path (src/http/fast-path.ts) instead of going through Apollo. */
  fastPath: boolean;
  online: {
    /** How far in the future an eventTime may be (clock skew between producers and the service). */
    maxFutureSkewMs: number;
    /** The recent window eventLag and PRODUCER_LAGGING look at. */
    lagWindowMs: number;
    /** A Redis command unanswered for this long fails (UNAVAILABLE) instead of holding the request. */
    redisCommandTimeoutMs: number;
  };
  monitoring: {
    /** Length of a value-distribution bucket. */
    distributionBucketMs: number;
    /** PSI of the latest bucket against the reference above which a version drifts. */
    driftThreshold: number;
    /** How often buffered distribution figures and shadow writes are stored (not set from the environment). */
    flushMs: number;
    /** While a store keeps failing, one summary log line per this interval (not set from the environment). */
    storeErrorSummaryMs: number;
    /** What validating a DRAFT against the live version tolerates: ValidationThresholds, in monitoring/validation.ts,
     * says what each figure means (not set from the environment). */
    validation: { minSharedKeys: number; maxPsi: number; maxMeanShift: number; maxStddevRatio: number; maxNullRateChange: number; maxIntegralShareChange: number };
  };
  /** When each producer last wrote each version (what tells a producer that moved on). */
  producerWrites: {
    /** How often each instance adds its producers' write times to PostgreSQL. */
    flushMs: number;
    /** How long the verdicts reuse the write times read from PostgreSQL. */
    ttlMs: number;
  };
  hotKeys: {
    /** The sliding window the counts cover. */
    windowMs: number;
    /** A key is hot when it takes at least this share of all key reads in the window… */
    shareThreshold: number;
    /** …and at least this many reads per second (so a quiet service has no hot keys). */
    minReadsPerSecond: number;
    /** Longest a hot entity's value is served from the in-process cache. */
    cacheBoundMs: number;
    cacheMaxEntries: number;
    /** Replica copies of each hot key on other shards (Redis Cluster). */
    replicas: number;
    /** Heavy-hitter candidates each instance keeps between flushes (not set from the environment). */
    candidates: number;
    /** How often local counts are flushed and the cluster-wide view refreshed (not set from the environment). */
    tickMs: number;
  };
}

/** Every problem of a configuration, each saying what was expected. */
export class ConfigError extends StartupError {
  constructor(readonly problems: string[]) {
    super('INVALID_CONFIGURATION', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
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

  const host = nonEmpty(env.HOST)?.toLowerCase();
  if (host !== undefined && !isHostName(host) && net.isIP(host) === 0) {
    problems.push(`HOST=${JSON.stringify(host)}: expected an address to listen on, e.g. 127.0.0.1, 0.0.0.0 or ::`);
  }
  const allowedHosts = (nonEmpty(env.ALLOWED_HOSTS) ?? '')
    .split(',')
    .map(hostName)
    .filter((h) => h !== '');
  for (const name of allowedHosts) {
    if (!isHostName(name) && net.isIP(name) === 0) {
      problems.push(`ALLOWED_HOSTS: ${JSON.stringify(name)} is not a host name (expected names without port, e.g. "registry.internal,10.0.0.5")`);
    }
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

  const fastPathRaw = nonEmpty(env.FAST_PATH) ?? 'on';
  if (fastPathRaw !== 'on' && fastPathRaw !== 'off') {
    problems.push(`FAST_PATH=${JSON.stringify(fastPathRaw)}: expected "on" or "off"`);
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
    host,
    allowedHosts,
    metricsPort: nonEmpty(env.METRICS_PORT) === undefined ? undefined : integer('METRICS_PORT', 0, 0, 65535),
    authGraceMs: duration('AUTH_GRACE', '10m', 7 * 86_400_000),
    logLevel,
    shutdownGraceMs: duration('SHUTDOWN_GRACE', '10s', 600_000),
    workers: integer('WORKERS', databaseUrl === undefined ? 1 : os.availableParallelism(), 1, 1024),
    limits: {
      maxListLength: integer('MAX_LIST_LENGTH', 1000, 1, 1_000_000),
      maxQueryDepth: integer('MAX_QUERY_DEPTH', 12, 2, 100),
      maxQueryCost: integer('MAX_QUERY_COST', 200_000, 100, 100_000_000),
      maxWriteBatch: integer('MAX_WRITE_BATCH', 10_000, 1, 1_000_000),
      // At most 2 KiB: every stored key (online values, read counts, shadow keys) must fit a PostgreSQL btree
      // index entry (about 2.7 KB) with its entity name and ref.
      maxEntityKeyBytes: integer('MAX_ENTITY_KEY_BYTES', DEFAULT_MAX_ENTITY_KEY_BYTES, 1, 2048),
      maxValuesPerRequest: integer('MAX_VALUES_PER_REQUEST', 100_000, 1, 10_000_000),
      maxQueryBytes: integer('MAX_QUERY_BYTES', 100_000, 1_000, 16_000_000),
      maxQueryTokens: integer('MAX_QUERY_TOKENS', 10_000, 100, 10_000_000),
    },
    introspection: introspectionRaw !== 'off',
    fastPath: fastPathRaw !== 'off',
    online: {
      maxFutureSkewMs: duration('MAX_FUTURE_SKEW', '30s', 3_600_000),
      lagWindowMs: duration('LAG_WINDOW', '5m', LAG_RETENTION_MS),
      redisCommandTimeoutMs: duration('REDIS_COMMAND_TIMEOUT', formatDuration(DEFAULT_COMMAND_TIMEOUT_MS), 60_000),
    },
    monitoring: {
      distributionBucketMs: duration('DISTRIBUTION_BUCKET', '1h', 7 * 86_400_000),
      driftThreshold: positive('DRIFT_PSI', 0.25),
      flushMs: 5_000,
      storeErrorSummaryMs: 10_000,
      validation: {
        minSharedKeys: 20,
        maxPsi: 0.25,
        maxMeanShift: 0.5,
        maxStddevRatio: 2,
        maxNullRateChange: 0.05,
        maxIntegralShareChange: 0.2,
      },
    },
    producerWrites: {
      flushMs: duration('PRODUCER_WRITES_FLUSH', '5s', 60_000),
      ttlMs: duration('PRODUCER_WRITES_TTL', '5s', 60_000),
    },
    hotKeys: {
      windowMs: duration('HOT_KEY_WINDOW', '60s', READ_COUNT_RETENTION_MS / 2),
      shareThreshold: fraction('HOT_KEY_SHARE', 0.01),
      minReadsPerSecond: integer('HOT_KEY_MIN_RATE', 1, 0, 1_000_000),
      cacheBoundMs: duration('HOT_CACHE_BOUND', '1s', 60_000),
      cacheMaxEntries: integer('HOT_CACHE_MAX_ENTRIES', 100_000, 0, 10_000_000),
      replicas: integer('HOT_KEY_REPLICAS', 2, 0, 16),
      candidates: 256,
      tickMs: 1_000,
    },
  };
  if (config.metricsPort !== undefined && config.metricsPort !== 0 && config.metricsPort === config.port) {
    problems.push(`METRICS_PORT=${config.metricsPort} is PORT too: give the metrics their own port, or leave METRICS_PORT unset`);
  }
  if (config.workers > 1 && databaseUrl === undefined) {
    // Two processes opening one PGlite directory would corrupt it: embedded mode is one process, whatever is asked.
    problems.push(`WORKERS=${config.workers} needs DATABASE_URL: embedded mode (PGlite) runs in one process; leave WORKERS unset or 1`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A DNS name such as registry.internal (one label at least, letters, digits and hyphens). */
function isHostName(value: string): boolean {
  return value.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/.test(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

// The composition root: builds the domain services of one instance from its configuration and wires each
// folder into the others, so that no domain folder constructs another's objects. Everything started here is
// stopped by the `close` it returns, in the reverse order.
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { Authenticator } from './auth/authenticator.js';
import { ApiKeys } from './auth/keys.js';
import { ping, type Database } from './db/client.js';
import { migrationsApplied } from './db/migrate.js';
import type { Config } from './config.js';
import type { Services } from './graphql/context.js';
import { EventLag } from './online/event-lag.js';
import { PostgresOnlineStore } from './online/postgres-store.js';
import { OnlineReader } from './online/reader.js';
import { reportingFailures } from './online/failure-reporting.js';
import type { OnlineStore } from './online/store.js';
import { ValueWriter } from './online/writer.js';
import { RegistryCache } from './registry/cache.js';
import { Definitions } from './registry/plan.js';
import { Registry } from './registry/registry.js';
import { HotEntityCache } from './hotkeys/cache.js';
import { HotKeys } from './hotkeys/hot-keys.js';
import { ValueDistributions } from './monitoring/distributions.js';
import { Alerts } from './monitoring/alerts.js';
import { createMetrics, createObserverMetrics, registerSourceMetrics } from './monitoring/metrics.js';
import { StoreErrors, type StoreErrorReport } from './monitoring/store-errors.js';
import { ValidationGate, Validator } from './monitoring/validation.js';
import { MonitoredVerdicts } from './monitoring/verdicts.js';

/** The running domain of one instance: what the HTTP server serves, and how to stop it. */
export interface ServiceParts {
  services: Services;
  authenticator: Authenticator;
  /** The online store, reporting its failures to the log and the metrics. */
  store: OnlineStore;
  /** Prometheus metrics, served on /metrics. */
  metrics: MetricsRegistry;
  /** Names the backing stores that do not answer now (or lack migrations); empty when the instance can serve. */
  unavailable: () => Promise<string[]>;
  /** Stops what was started, stores the buffered figures; closes the store unless it was handed in. */
  close(): Promise<void>;
}

/**
 * The online store the configuration names: Redis, Redis Cluster, or else the registry's own database. The
 * Redis store (and ioredis, about 70 ms to load) is loaded only when it is named: the embedded start is timed.
 */
export async function openOnlineStore(config: Config, database: Database): Promise<OnlineStore> {
  if (!config.redisUrl && !config.redisClusterNodes) return new PostgresOnlineStore(database);
  const { RedisOnlineStore } = await import('./online/redis/index.js');
  if (config.redisUrl) return RedisOnlineStore.standalone(config.redisUrl, config.online.redisCommandTimeoutMs);
  return RedisOnlineStore.cluster(config.redisClusterNodes!, config.online.redisCommandTimeoutMs);
}

/** How long /readyz waits for each backing store: less than a probe's usual one-second timeout. */
const READY_CHECK_MS = 800;

/** The registry database as the log and /readyz name it (never with the URL's credentials). */
export function databaseName(config: Config, database: Database): string {
  if (database.kind === 'pglite') return 'embedded PGlite';
  return config.databaseUrl ? `postgres ${new URL(config.databaseUrl).host}` : 'postgres';
}

/** The backing stores that do not answer now, named (empty when the instance can serve). */
async function unavailableStores(database: Database, name: string, reportDatabase: StoreErrorReport, store: OnlineStore): Promise<string[]> {
  const [databaseDown, storeDown] = await Promise.all([
    ping(database.db, READY_CHECK_MS)
      .then(() => migrationsApplied(database))
      .then(
        (applied) => (applied ? null : `database ${name} (migrations not applied)`),
        (error: unknown) => {
          reportDatabase('ping', error);
          return `database ${name}`;
        },
      ),
    // A failure is reported by the store itself (see reportingFailures).
    store.ready(READY_CHECK_MS).then(
      () => null,
      () => `online store ${store.name}`,
    ),
  ]);
  return [databaseDown, storeDown].filter((down): down is string => down !== null);
}

/** Builds and starts the services over a migrated database; `store` replaces the configured online store. */
export async function createServices(
  config: Config,
  { database, logger, authEnabled, store: givenStore }: { database: Database; logger: Logger; authEnabled: boolean; store?: OnlineStore },
): Promise<ServiceParts> {
  const registryCache = new RegistryCache(database, config.producerWrites);
  await registryCache.start();
  const distributions = new ValueDistributions(database.db, config.monitoring.distributionBucketMs, config.monitoring.driftThreshold, config.monitoring.flushMs);
  const registry = new Registry(database.db, {
    onChange: () => registryCache.invalidate(),
    lastWrites: () => registryCache.writes.lastWrites(),
    activationGate: new ValidationGate(distributions),
  });
  const metrics = createMetrics();
  const storeErrors = new StoreErrors(logger, metrics, config.monitoring.storeErrorSummaryMs);
  const databaseLabel = databaseName(config, database);
  const databaseErrors = storeErrors.reporter('database', databaseLabel);
  const openedStore = givenStore ?? (await openOnlineStore(config, database));
  const store = reportingFailures(openedStore, storeErrors.reporter('online', openedStore.name));
  // The service starts without its online store if it must (the registry still answers); reads and writes
  // report UNAVAILABLE until the store is back. The failure is logged and counted like every store error.
  await store.ready(5_000).catch(() => {});
  const eventLag = new EventLag(store, config.online.lagWindowMs);
  const hotKeys = new HotKeys(store, {
    windowMs: config.hotKeys.windowMs,
    shareThreshold: config.hotKeys.shareThreshold,
    minReadsPerSecond: config.hotKeys.minReadsPerSecond,
    candidates: config.hotKeys.candidates,
    tickMs: config.hotKeys.tickMs,
    replicas: config.hotKeys.replicas,
  });
  const cache = new HotEntityCache(config.hotKeys.cacheMaxEntries, config.hotKeys.cacheBoundMs);
  hotKeys.onRefresh((hot) => cache.retain(hot));
  const stopChanges = await store.onChanges((keys) => cache.invalidate(keys)).catch((error: unknown) => {
    logger.error({ err: error }, 'cannot subscribe to online value changes: hot-entity caches expire by time only');
    return async () => {};
  });
  hotKeys.start();
  const observer = createObserverMetrics(metrics);
  distributions.start((error) => databaseErrors('flush distributions', error));
  const authenticator = new Authenticator(database.db, authEnabled, { graceMs: config.authGraceMs });
  const services: Services = {
    registry,
    definitions: new Definitions(registry),
    apiKeys: new ApiKeys(database.db, (id) => authenticator.forget(id)),
    registryCache,
    eventLag,
    hotKeys,
    cache,
    reader: new OnlineReader(
      store,
      registryCache,
      { hotSet: hotKeys, cache, verdicts: new MonitoredVerdicts(eventLag, distributions), observer },
      { maxValuesPerRequest: config.limits.maxValuesPerRequest, maxEntityKeyBytes: config.limits.maxEntityKeyBytes },
    ),
    distributions,
    validator: new Validator(database.db, registry, store, distributions, config.monitoring.validation),
    writer: new ValueWriter(
      store,
      registryCache,
      { hotSet: hotKeys, values: distributions, observer },
      {
        maxWriteBatch: config.limits.maxWriteBatch,
        maxFutureSkewMs: config.online.maxFutureSkewMs,
        maxEntityKeyBytes: config.limits.maxEntityKeyBytes,
      },
    ),
    alerts: new Alerts(registry, eventLag, distributions, hotKeys),
  };
  registerSourceMetrics(metrics, { store, hotKeys, cache, reader: services.reader, alerts: services.alerts });
  services.alerts.start();
  return {
    services,
    authenticator,
    store,
    metrics,
    unavailable: () => unavailableStores(database, databaseLabel, databaseErrors, store),
    async close() {
      services.alerts.stop();
      await hotKeys.stop();
      // The figures a failed last flush still holds are lost with the process: say so.
      await distributions.stop().catch((error: unknown) => logger.error({ err: error }, 'value distributions and shadow writes of the last seconds could not be stored'));
      await stopChanges();
      await registryCache.close();
      if (givenStore === undefined) await store.close();
      storeErrors.close();
    },
  };
}

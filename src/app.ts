// Assembles one service instance from its configuration: the database (PostgreSQL or embedded PGlite),
// migrations, the registry, authentication and the HTTP server. Instances hold no state of their own that
// another instance needs, so any number can run against one database.
import pino, { type Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { activeKeyCount } from './auth/keys.js';
import { connectPostgres, openPglite, ping, type Database } from './db/client.js';
import { migrate, migrationsApplied } from './db/migrate.js';
import type { Config } from './config.js';
import type { Services } from './graphql/context.js';
import { EventLag } from './online/event-lag.js';
import { PostgresOnlineStore } from './online/postgres-store.js';
import { OnlineReader } from './online/reader.js';
import { RedisOnlineStore } from './online/redis-store.js';
import type { OnlineStore } from './online/store.js';
import { ValueWriter } from './online/writer.js';
import { RegistryCache } from './registry/cache.js';
import { Registry } from './registry/registry.js';
import { HotEntityCache } from './hotkeys/cache.js';
import { DEFAULT_HOT_KEY_OPTIONS, HotKeys } from './hotkeys/hot-keys.js';
import { ValueDistributions } from './monitoring/distributions.js';
import { Alerts } from './monitoring/alerts.js';
import { createMetrics, createObserverMetrics, registerSourceMetrics } from './monitoring/metrics.js';
import { Validator } from './monitoring/validation.js';
import { startServer, type RunningServer } from './server.js';

export interface Service extends RunningServer {
  database: Database;
  store: OnlineStore;
  services: Services;
  authEnabled: boolean;
}

/** Opens the database the configuration names: PostgreSQL with DATABASE_URL, else PGlite under DATA_DIR. */
export function openDatabase(config: Config): Promise<Database> {
  return config.databaseUrl ? connectPostgres(config.databaseUrl) : openPglite(config.dataDir);
}

/** The online store the configuration names: Redis, Redis Cluster, or else the registry's own database. */
export function openOnlineStore(config: Config, database: Database): OnlineStore {
  if (config.redisUrl) return RedisOnlineStore.standalone(config.redisUrl);
  if (config.redisClusterNodes) return RedisOnlineStore.cluster(config.redisClusterNodes);
  return new PostgresOnlineStore(database);
}

/**
 * Auth is on in server mode unless AUTH=off, and in embedded mode once a key exists; AUTH=on forces it.
 * Embedded mode with no key is a laptop playground: nobody could authenticate anyway.
 */
export async function decideAuth(config: Config, database: Database): Promise<boolean> {
  if (config.auth !== undefined) return config.auth === 'on';
  if (config.databaseUrl) return true;
  return (await activeKeyCount(database.db)) > 0;
}

export async function startService(
  config: Config,
  options: { database?: Database; store?: OnlineStore; logger?: Logger } = {},
): Promise<Service> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const database = options.database ?? (await openDatabase(config));
  const ownsDatabase = options.database === undefined;
  try {
    await migrate(database);
    const authEnabled = await decideAuth(config, database);
    if (!authEnabled && config.logLevel !== 'silent') {
      // Plain text on stderr as well as the log line: whoever starts the service must not miss it.
      process.stderr.write(
        '\n!!! AUTH IS OFF: anyone who can reach this port can register, change and write anything.\n' +
          '!!! Create a key with `npm run keys -- create --team T --role admin` and restart to turn it on.\n\n',
      );
    }
    if (!authEnabled) logger.warn({ auth: false }, 'auth is off: every request acts as an anonymous admin');
    const registryCache = new RegistryCache(database);
    await registryCache.start();
    const registry = new Registry(database.db, { onChange: () => registryCache.invalidate() });
    const store = options.store ?? openOnlineStore(config, database);
    // The service starts without its online store if it must (the registry still answers); reads and writes
    // report UNAVAILABLE until the store is back.
    await store.ready(5_000).catch((error: unknown) => logger.error({ err: error, store: store.name }, 'online store not reachable at start'));
    const eventLag = new EventLag(store, config.online.lagWindowMs);
    const hotKeys = new HotKeys(store, {
      ...DEFAULT_HOT_KEY_OPTIONS,
      windowMs: config.hotKeys.windowMs,
      shareThreshold: config.hotKeys.shareThreshold,
      minReadsPerSecond: config.hotKeys.minReadsPerSecond,
      replicas: config.hotKeys.replicas,
    });
    const cache = new HotEntityCache(config.hotKeys.cacheMaxEntries, config.hotKeys.cacheBoundMs);
    hotKeys.onRefresh((hot) => cache.retain(hot));
    const stopChanges = await store.onChanges((keys) => cache.invalidate(keys)).catch((error: unknown) => {
      logger.error({ err: error }, 'cannot subscribe to online value changes: hot-entity caches expire by time only');
      return async () => {};
    });
    hotKeys.start();
    const metrics = createMetrics();
    const observer = createObserverMetrics(metrics);
    const distributions = new ValueDistributions(database.db, config.monitoring.distributionBucketMs, config.monitoring.driftThreshold);
    distributions.start();
    const services: Services = {
      registry,
      registryCache,
      eventLag,
      hotKeys,
      cache,
      reader: new OnlineReader(store, registryCache, eventLag, hotKeys, cache, distributions, { maxValuesPerRequest: config.limits.maxValuesPerRequest }, observer),
      distributions,
      validator: new Validator(database.db, registry, store, distributions),
      writer: new ValueWriter(
        store,
        registryCache,
        { maxWriteBatch: config.limits.maxWriteBatch, maxFutureSkewMs: config.online.maxFutureSkewMs },
        hotKeys,
        distributions,
        observer,
      ),
      alerts: new Alerts(registry, eventLag, distributions, hotKeys),
    };
    registerSourceMetrics(metrics, { store, hotKeys, cache, reader: services.reader, alerts: services.alerts });
    services.alerts.start();
    const server = await startServer({
      config,
      logger,
      services,
      authenticator: new Authenticator(database.db, authEnabled),
      metrics,
      ready: async () => {
        await ping(database.db);
        return migrationsApplied(database);
      },
    });
    logger.info(
      {
        url: `${server.url}/graphql`,
        mode: database.kind === 'pglite' ? `embedded (${config.dataDir})` : 'server',
        onlineStore: store.name,
        auth: authEnabled,
      },
      'feature registry listening',
    );
    return {
      ...server,
      database,
      store,
      services,
      authEnabled,
      async close() {
        await server.close();
        services.alerts.stop();
        await hotKeys.stop();
        await distributions.stop();
        await stopChanges();
        await registryCache.close();
        if (options.store === undefined) await store.close();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.close().catch(() => {});
    throw error;
  }
}

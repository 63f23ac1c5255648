// Assembles one service instance from its configuration: the database (PostgreSQL or embedded PGlite),
// migrations, the registry, authentication and the HTTP server. Instances hold no state of their own that
// another instance needs, so any number can run against one database.
import pino, { type Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { ApiKeys, keysEverCreated } from './auth/keys.js';
import { isLoopbackAddress } from './allowed-hosts.js';
import { connectPostgres, openPglite, ping, type Database } from './db/client.js';
import { migrate, migrationsApplied } from './db/migrate.js';
import type { Config } from './config.js';
import type { Services } from './graphql/context.js';
import { EventLag } from './online/event-lag.js';
import { PostgresOnlineStore } from './online/postgres-store.js';
import { OnlineReader } from './online/reader.js';
import { RedisOnlineStore } from './online/redis-store.js';
import { reportingFailures } from './online/failure-reporting.js';
import type { OnlineStore } from './online/store.js';
import { ValueWriter } from './online/writer.js';
import { RegistryCache } from './registry/cache.js';
import { Definitions } from './registry/plan.js';
import { Registry } from './registry/registry.js';
import { HotEntityCache } from './hotkeys/cache.js';
import { DEFAULT_HOT_KEY_OPTIONS, HotKeys } from './hotkeys/hot-keys.js';
import { ValueDistributions } from './monitoring/distributions.js';
import { Alerts } from './monitoring/alerts.js';
import { createMetrics, createObserverMetrics, registerSourceMetrics } from './monitoring/metrics.js';
import { StoreErrors, type StoreErrorReport } from './monitoring/store-errors.js';
import { ValidationGate, Validator } from './monitoring/validation.js';
import { MonitoredVerdicts } from './monitoring/verdicts.js';
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
  if (config.redisUrl) return RedisOnlineStore.standalone(config.redisUrl, config.online.redisCommandTimeoutMs);
  if (config.redisClusterNodes) return RedisOnlineStore.cluster(config.redisClusterNodes, config.online.redisCommandTimeoutMs);
  return new PostgresOnlineStore(database);
}

/**
 * Auth is on in server mode unless AUTH=off, and in embedded mode once a key has ever existed (revoked ones
 * count: keys are never deleted, so revoking the last one does not open the service); AUTH=on forces it.
 * Embedded mode with no key ever is a laptop playground: nobody could authenticate anyway.
 */
export async function decideAuth(config: Config, database: Database): Promise<boolean> {
  if (config.auth !== undefined) return config.auth === 'on';
  if (config.databaseUrl) return true;
  return (await keysEverCreated(database.db)) > 0;
}

/** HOST when set; else every interface with auth on, and loopback only while auth is off. */
export function listenHost(config: Config, authEnabled: boolean): string {
  return config.host ?? (authEnabled ? '0.0.0.0' : '127.0.0.1');
}

/** How long /readyz waits for each backing store: less than a probe's usual one-second timeout. */
const READY_CHECK_MS = 800;

/** The registry database as the log and /readyz name it (never with the URL's credentials). */
function databaseName(config: Config, database: Database): string {
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
    const host = listenHost(config, authEnabled);
    if (!authEnabled && !isLoopbackAddress(host)) {
      if (config.logLevel !== 'silent') {
        process.stderr.write(
          `!!! HOST=${host} WITH AUTH OFF: every machine that can reach this address may change anything.\n` +
            '!!! Requests are answered only when addressed to a local name or to one in ALLOWED_HOSTS.\n\n',
        );
      }
      logger.warn({ auth: false, host }, 'auth is off and the service listens beyond loopback');
    }
    const registryCache = new RegistryCache(database, config.producerWrites);
    await registryCache.start();
    const distributions = new ValueDistributions(database.db, config.monitoring.distributionBucketMs, config.monitoring.driftThreshold);
    const registry = new Registry(database.db, {
      onChange: () => registryCache.invalidate(),
      lastWrites: () => registryCache.writes.lastWrites(),
      activationGate: new ValidationGate(distributions),
    });
    const metrics = createMetrics();
    const storeErrors = new StoreErrors(logger, metrics);
    const databaseLabel = databaseName(config, database);
    const databaseErrors = storeErrors.reporter('database', databaseLabel);
    const openedStore = options.store ?? openOnlineStore(config, database);
    const store = reportingFailures(openedStore, storeErrors.reporter('online', openedStore.name));
    // The service starts without its online store if it must (the registry still answers); reads and writes
    // report UNAVAILABLE until the store is back. The failure is logged and counted like every store error.
    await store.ready(5_000).catch(() => {});
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
      validator: new Validator(database.db, registry, store, distributions),
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
    const server = await startServer({
      config,
      logger,
      services,
      authenticator,
      host,
      metrics,
      unavailable: () => unavailableStores(database, databaseLabel, databaseErrors, store),
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
        // The figures a failed last flush still holds are lost with the process: say so.
        await distributions.stop().catch((error: unknown) => logger.error({ err: error }, 'value distributions and shadow writes of the last seconds could not be stored'));
        await stopChanges();
        await registryCache.close();
        if (options.store === undefined) await store.close();
        if (ownsDatabase) await database.close();
        storeErrors.close();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.close().catch(() => {});
    throw error;
  }
}

// Starts one service instance from its configuration: the database (PostgreSQL or embedded PGlite), its
// migrations, the auth decision, the domain services (createServices in services.ts) and the HTTP server.
// Instances hold no state of their own that another instance needs, so any number can run against one database.
import pino, { type Logger } from 'pino';
import { keysEverCreated } from './auth/keys.js';
import { isLoopbackAddress } from './http/allowed-hosts.js';
import type { Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import type { Config } from './config.js';
import type { Services } from './graphql/context.js';
import type { OnlineStore } from './online/store.js';
import { startServer, type RunningServer } from './server.js';
import { createServices } from './services.js';

export interface Service extends RunningServer {
  database: Database;
  store: OnlineStore;
  services: Services;
  authEnabled: boolean;
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
    const parts = await createServices(config, { database, logger, authEnabled, store: options.store });
    const { services, store } = parts;
    const server = await startServer({
      config,
      logger,
      services,
      authenticator: parts.authenticator,
      host,
      metrics: parts.metrics,
      unavailable: parts.unavailable,
    }).catch(async (error: unknown) => {
      // A port is taken: stop what was started (timers, subscriptions) before reporting it.
      await parts.close().catch(() => {});
      throw error;
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
        await parts.close();
        if (ownsDatabase) await database.close();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.close().catch(() => {});
    throw error;
  }
}

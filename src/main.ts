// `npm start`: one service instance, configured from the environment.
// SIGTERM or SIGINT stops it gracefully: no new connections, requests in flight finish (for at most
// SHUTDOWN_GRACE), buffered monitoring figures are stored, the database and the DATA_DIR lock are released,
// then exit 0. A second signal exits at once.
import pino from 'pino';
import { startService } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
const logger = pino({ level: config.logLevel });

try {
  const service = await startService(config, { logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without finishing the stop');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: finishing requests in flight, then storing buffered figures');
    service.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error('the feature registry failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
}

// `npm start`: the service, configured from the environment. In server mode WORKERS processes share PORT
// (src/workers.ts); embedded mode is one process, since PGlite is.
// SIGTERM or SIGINT stops it gracefully: no new connections, requests in flight finish (for at most
// SHUTDOWN_GRACE), buffered monitoring figures are stored, the database and the DATA_DIR lock are released,
// then exit 0. A second signal exits at once.
// First: V8's GC settings must hold before the service's code is loaded (gc-tuning.ts says why).
import './gc-tuning.js';
import cluster from 'node:cluster';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { runWorkers, STOP_MESSAGE } from './workers.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
const logger = pino({ level: config.logLevel });

if (config.workers > 1 && cluster.isPrimary) {
  runWorkers(config, logger);
} else {
  await serve(config);
}

async function serve(config: Config): Promise<void> {
  /** The service once started; set right after the stop handlers are in place, before any signal can be handled. */
  let started: Promise<{ close(): Promise<void> }> | undefined;
  let stopping = false;
  /**
   * A signal, or the primary asking (it may do so after the same signal reached this worker directly). Its
   * handlers are in place before the service has started: a stop that comes meanwhile waits for the start and
   * then stops the service, where it used to be lost (the worker served on until the primary killed it) or to
   * kill the process before it released what it had opened.
   */
  const stop = (signal: NodeJS.Signals, fromPrimary = false) => {
    if (stopping) {
      if (fromPrimary) return;
      logger.warn({ signal }, 'second signal: exiting without finishing the stop');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: finishing requests in flight, then storing buffered figures');
    started!
      .then((service) => service.close())
      .then(
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
  // Node passes a signal's number as a second argument: only the name goes on.
  process.on('SIGINT', (signal) => stop(signal));
  process.on('SIGTERM', (signal) => stop(signal));
  if (cluster.isWorker) {
    process.on('message', (message) => {
      if (message === STOP_MESSAGE) stop('SIGTERM', true);
    });
    // The primary is gone (killed): a worker left behind would serve on unsupervised.
    process.on('disconnect', () => stop('SIGTERM', true));
  }
  // Said once the stop handlers are in place: whoever reads it may signal at once (the lifecycle test does).
  if (config.databaseUrl === undefined) {
    logger.info({ workers: 1 }, 'embedded mode runs in one process (PGlite is single-process): WORKERS needs DATABASE_URL');
  }
  // Loaded here: the primary of several workers only supervises, and needs none of the service's modules.
  started = import('./app.js').then(({ startService }) => startService(config, { logger }));
  try {
    await started;
  } catch (error) {
    console.error('the feature registry failed to start:', error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

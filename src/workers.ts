// Server mode on every core: the primary process forks WORKERS service instances with node:cluster, which
// share PORT (and METRICS_PORT): the primary accepts connections and hands them to the workers in turn. Each
// worker is a whole instance (src/main.ts); instances already coordinate through PostgreSQL and Redis, so
// workers need nothing from each other. The primary serves nothing itself: it starts, restarts and stops them.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/** The message the primary sends a worker to stop it (a signal may reach the worker directly as well). */
export const STOP_MESSAGE = 'feature-registry:stop';

/** Time a worker has to store its figures and release its connections once requests in flight are done or cut. */
const STOP_MARGIN_MS = 10_000;

/**
 * Runs `config.workers` workers until SIGTERM/SIGINT. A worker that dies after it was serving is logged and
 * replaced; one that dies before it ever listened means the service cannot start (port taken, database
 * unreachable, migrations refused): the primary stops the others and exits 1, as a single process would.
 */
export function runWorkers(config: Config, logger: Logger): void {
  const listening = new Set<Worker>();
  let stopping = false;
  let failed = false;

  const fork = () => cluster.fork();
  const exitWhenAllStopped = () => {
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    logger.info({ workers: config.workers }, 'stopped');
    process.exit(failed ? 1 : 0);
  };
  cluster.on('listening', (worker, address) => {
    // Each worker listens on PORT and, when set, METRICS_PORT: the first is the one that counts.
    if (listening.has(worker)) return;
    listening.add(worker);
    logger.info({ worker: worker.process.pid, port: address.port }, 'worker serving');
    // Asked to stop while it was starting (stopAll): now it has its stop handler.
    if (stopping) worker.send(STOP_MESSAGE);
  });
  cluster.on('exit', (worker, code, signal) => {
    const wasServing = listening.delete(worker);
    if (stopping) {
      if (code !== 0) failed = true;
      exitWhenAllStopped();
      return;
    }
    if (wasServing) {
      logger.error({ worker: worker.process.pid, code, signal }, 'worker died: starting another in its place');
      fork();
      return;
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'a worker failed to start: stopping the others');
    failed = true;
    stopAll('SIGTERM');
    exitWhenAllStopped();
  });

  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers without finishing the stop');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length, graceMs: config.shutdownGraceMs }, 'stopping the workers');
    // A worker still starting is asked once it listens (above): a message sent before its stop handler is in
    // place would be lost, and the worker would serve on until it was killed below.
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker) continue;
      if (!worker.isConnected()) worker.process.kill('SIGTERM');
      else if (listening.has(worker)) worker.send(STOP_MESSAGE);
    }
    // Each worker cuts requests still running after SHUTDOWN_GRACE; one that hangs past that and the margin is killed.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) {
        logger.error({ worker: worker?.process.pid }, 'worker did not stop in time: killed');
        worker?.process.kill('SIGKILL');
      }
      failed = true;
    }, config.shutdownGraceMs + STOP_MARGIN_MS).unref();
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);

  logger.info({ workers: config.workers }, 'server mode: starting workers on one port');
  for (let i = 0; i < config.workers; i++) fork();
}

/**
 * Test harness: starts REAL PostgreSQL and Redis servers (standalone and cluster) for the
 * test suite, from the binaries the Debian packages install: no mocks, no docker.
 *
 * Every server lives in its own fresh temp dir and listens on 127.0.0.1 on a free port
 * chosen at run time, so a run never touches (nor is confused by) a system service on the
 * default ports 5432/6379, and several runs can share a machine.
 *
 * Every child process is tracked: `stopAll()` stops them gracefully, and a process 'exit'
 * (or SIGINT/SIGTERM/SIGHUP) handler kills whatever is still running and removes the temp
 * dirs, so a crashed test run leaves no servers behind. The one case nothing can cover is
 * the Node process itself being SIGKILLed.
 *
 * This file is the harness's public face (globalSetup, tests and bench/ import it); the parts live beside it:
 * ports.ts (free ports), managed-process.ts (child processes, temp dirs, cleanup), postgres.ts, redis.ts and
 * cluster.ts.
 */
export { freePort } from './ports.js';
export { stopAll } from './managed-process.js';
export { createDatabase, startPostgres, type PostgresServer } from './postgres.js';
export { startRedis, type RedisServer } from './redis.js';
export { startRedisCluster, type RedisCluster } from './cluster.js';

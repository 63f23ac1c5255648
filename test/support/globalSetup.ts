/**
 * Vitest globalSetup: starts the real servers the whole test run shares (ONE PostgreSQL,
 * ONE standalone Redis, ONE 3-master Redis Cluster), hands their addresses to the tests
 * through vitest's provide/inject, and stops them when the run ends.
 *
 * In a test:
 *   import { inject } from 'vitest';
 *   const dbUrl = await createDatabase(inject('postgresUrl'), 'my_suite'); // isolated db
 *
 * Tests that need to stop/restart Redis must start their own with startRedis() rather
 * than touch the shared one.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres, startRedis, startRedisCluster, stopAll } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin url of the shared PostgreSQL server; use createDatabase() for a db of your own. */
    postgresUrl: string;
    /** `redis://127.0.0.1:PORT` of the shared standalone Redis. */
    redisUrl: string;
    /** `127.0.0.1:PORT` of each master of the shared Redis Cluster. */
    redisClusterNodes: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const timings: string[] = [];
  const timed = async <T>(what: string, start: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const server = await start();
    timings.push(`${what} ${Date.now() - t} ms`);
    return server;
  };

  // In parallel: the cluster (about 2 s, mostly redis-cli waiting for the nodes to meet)
  // and Postgres (initdb, about 1 s) dominate.
  const pending = [
    timed('postgres', startPostgres),
    timed('redis', () => startRedis()),
    timed('redis cluster', () => startRedisCluster({ masters: 3 })),
  ] as const;
  // Wait for all three even if one fails, so that none is left running, and report every
  // failure, not just the first.
  const failures = (await Promise.allSettled(pending)).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  if (failures.length > 0) {
    await stopAll();
    throw new Error(`test servers failed to start:\n\n${failures.map(String).join('\n\n')}`);
  }
  const [postgres, redis, cluster] = await Promise.all(pending);

  project.provide('postgresUrl', postgres.url);
  project.provide('redisUrl', redis.url);
  project.provide('redisClusterNodes', cluster.nodes);

  console.log(`[globalSetup] test servers up in ${Date.now() - t0} ms (${timings.join(', ')})`);

  return async () => {
    await Promise.all([postgres.stop(), redis.stop(), cluster.stop()]);
  };
}

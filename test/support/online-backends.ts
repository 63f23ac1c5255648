// The four online stores a service can run on, for tests that go through the GraphQL API on each: embedded
// PGlite, PostgreSQL, Redis and the shared 3-master Redis Cluster (the last two with PostgreSQL as registry).
import { inject } from 'vitest';
import { openPglite, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { freshPostgres } from './service.js';

export interface OnlineBackend {
  name: string;
  open(): Promise<{ database: Database; env: Record<string, string> }>;
}

export const onlineBackends: OnlineBackend[] = [
  {
    name: 'embedded PGlite',
    open: async () => {
      const database = await openPglite();
      await migrate(database);
      return { database, env: {} };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const { database, url } = await freshPostgres();
      return { database, env: { DATABASE_URL: url } };
    },
  },
  {
    name: 'Redis',
    open: async () => {
      const { database, url } = await freshPostgres();
      return { database, env: { DATABASE_URL: url, REDIS_URL: inject('redisUrl') } };
    },
  },
  {
    name: 'Redis Cluster',
    open: async () => {
      const { database, url } = await freshPostgres();
      return { database, env: { DATABASE_URL: url, REDIS_CLUSTER_NODES: inject('redisClusterNodes').join(',') } };
    },
  },
];

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts one real PostgreSQL, Redis and Redis Cluster for the whole run (see the file).
    globalSetup: ['./test/support/globalSetup.ts'],
    testTimeout: 30_000,
    // Hooks start servers and create databases: give them room on a slow CI machine.
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

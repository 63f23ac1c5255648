import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships index.js (CommonJS) and index.mjs with no "exports" map: Vite would hand our sources the
    // .mjs copy while Node gives every dependency (Apollo, graphql-tools) the .js one, and two copies of graphql
    // refuse each other's types. Point ours at the one Node picks, as in production.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
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

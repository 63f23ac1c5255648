// What `npm start` runs: scripts/start.mjs, which builds the one-file bundle (scripts/build.mjs) and runs it,
// not the sources the other tests run under tsx. A bundle can break what the sources do not (a package that
// finds its files by path, a module that finds the repository's files from its own location, node's own modules required from
// an ES module), so the bundle itself is started here: as the README's command in embedded mode, and on
// PostgreSQL and Redis with two workers, each serving a write and a read that go through every store.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, whenReady } from './support/processes.js';
import { createDatabase, freePort } from './support/servers.js';
import { gqlOk } from './support/service.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = path.join(ROOT, 'dist/service/main.js');
const STAMP = path.join(ROOT, 'dist/service/inputs.sha256');

const launched: ChildProcess[] = [];
afterAll(() =>
  launched.forEach((child) => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }),
);

/** Runs `command` in the repository, in a process group of its own (npm starts node under it). */
function inRepository(command: string, args: string[], env: Record<string, string>) {
  const proc = launch(command, args, env, { cwd: ROOT, detached: true });
  launched.push(proc.child);
  return proc;
}

const build = async () => {
  const built = inRepository(process.execPath, ['scripts/build.mjs'], {});
  expect(await built.exited, built.output()).toBe(0);
};

/** A feature written by a producer and read by a consumer: the registry's tables, the online store, the read path. */
async function writeAndRead(service: { url: string }) {
  await gqlOk(service, `mutation {
    registerEntity(name: "user", keyName: "user_id") { name }
    registerFeatureVersion(input: { feature: "clicks", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
    registerProducer(name: "pipeline", owner: "growth") { name }
    registerConsumer(name: "model", owner: "growth") { name }
    bindProducer(producer: "pipeline", refs: ["clicks@1"]) { name }
    bindConsumer(consumer: "model", refs: ["clicks@1"]) { name }
  }`);
  const written = await gqlOk(service, `mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "pipeline", rows: $rows) { accepted rejected } }`, {
    rows: [{ ref: 'clicks@1', entityKey: 'u1', value: 0.5, eventTime: new Date().toISOString() }],
  });
  expect(written.writeFeatureValues).toEqual({ accepted: 1, rejected: 0 });
  const read = await gqlOk(service, '{ onlineFeatures(consumer: "model", entityKeys: ["u1", "u2"]) { rows { entityKey features { value flags } } } }');
  expect(read.onlineFeatures.rows).toEqual([
    { entityKey: 'u1', features: [{ value: 0.5, flags: [] }] },
    { entityKey: 'u2', features: [{ value: null, flags: ['MISSING'] }] },
  ]);
}

describe('the bundle npm start runs', () => {
  beforeAll(build, 60_000);

  it('is rebuilt only when what it is built from changed', async () => {
    const { mtimeMs } = await fs.stat(BUNDLE);
    await build();
    expect((await fs.stat(BUNDLE)).mtimeMs).toBe(mtimeMs);
    // A bundle of other sources (as after an edit or a pull): its stamp no longer matches, and it is replaced.
    const stamp = await fs.readFile(STAMP, 'utf8');
    await fs.writeFile(STAMP, 'other sources');
    await build();
    expect((await fs.stat(BUNDLE)).mtimeMs).not.toBe(mtimeMs);
    expect(await fs.readFile(STAMP, 'utf8')).toBe(stamp);
  }, 60_000);

  it('serves as `npm start` in embedded mode: GraphQL, values, the playground; SIGTERM stops it', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'registry-npm-start-'));
    try {
      const port = await freePort();
      const service = inRepository('npm', ['start'], { PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', REDIS_CLUSTER_NODES: '', AUTH: '', WORKERS: '' });
      const url = `http://localhost:${port}`;
      await whenReady(service, url, '/healthz');
      await writeAndRead({ url });
      // The playground's renderer is loaded from node_modules on the first visit.
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/graphiql/i);
      process.kill(service.child.pid!, 'SIGTERM');
      expect(await service.exited, service.output()).toBe(0);
      expect(service.output()).toMatch(/"msg":"stopped"/);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('serves on PostgreSQL and Redis with two workers; SIGTERM stops them', async () => {
    const port = await freePort();
    const databaseUrl = await createDatabase(inject('postgresUrl'), 'npm_start');
    // Each worker runs scripts/start.mjs again (node:cluster forks it) and finds the bundle built.
    const service = inRepository(process.execPath, ['--max-semi-space-size=64', 'scripts/start.mjs'], {
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: inject('redisUrl'),
      AUTH: 'off',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      WORKERS: '2',
    });
    const url = `http://localhost:${port}`;
    await whenReady(service, url);
    await writeAndRead({ url });
    process.kill(service.child.pid!, 'SIGTERM');
    expect(await service.exited, service.output()).toBe(0);
  }, 90_000);
});

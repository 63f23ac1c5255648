// The process as an orchestrator sees it: SIGTERM stops it gracefully (requests in flight finish, buffered
// monitoring figures are stored, the database and DATA_DIR are released, exit 0), and DATA_DIR is held by an
// OS lock that does not depend on process ids (two containers sharing a volume both run as PID 1).
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { connectPostgres, openPglite, queryRows } from '../src/db/client.js';
import { run, startMain, stop } from './support/processes.js';
import { createDatabase, freePort } from './support/servers.js';
import { gqlOk } from './support/service.js';

const EMBEDDED = { DATABASE_URL: '', REDIS_URL: '', REDIS_CLUSTER_NODES: '', AUTH: 'off', LOG_LEVEL: 'warn' };
// Apollo installs its own signal handlers only outside tests: run the child as production does.
const PRODUCTION = { NODE_ENV: 'production' };

const children: ReturnType<typeof run>[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stop(c.child)));
});
afterAll(async () => {
  await Promise.all(dataDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tempDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'registry-lifecycle-'));
  dataDirs.push(dir);
  return dir;
}

async function started(env: Record<string, string>) {
  const service = await startMain(env);
  children.push(service);
  return service;
}

const rowsFor = (ref: string, n: number, scale = 1) =>
  Array.from({ length: n }, (_, i) => ({ ref, entityKey: `u${i}`, value: (i + 1) * scale, eventTime: new Date(Date.now() - 1000).toISOString() }));
const WRITE = 'mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "ctr_job", rows: $rows) { accepted rejected } }';

/** The settings of a fresh database of each mode, and how the test opens it once the service is gone. */
const modes = [
  {
    mode: 'embedded',
    async fresh() {
      const dataDir = await tempDataDir();
      // Opening takes the DATA_DIR lock: it succeeds only once the service has released it.
      return { env: { DATA_DIR: dataDir }, open: () => openPglite(dataDir) };
    },
  },
  {
    mode: 'server',
    async fresh() {
      const url = await createDatabase(inject('postgresUrl'), 'lifecycle');
      return { env: { DATABASE_URL: url }, open: () => connectPostgres(url) };
    },
  },
];

describe.each(modes)('SIGTERM in $mode mode', ({ fresh }) => {
  it('finishes the request in flight, stores the last value distributions and shadow writes, releases the database, exits 0', async () => {
    const { env, open } = await fresh();
    const service = await started({ ...EMBEDDED, ...PRODUCTION, ...env });
    await gqlOk(service, `mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerProducer(name: "ctr_job", owner: "growth") { name }
      registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { version { ref } }
      bindProducer(producer: "ctr_job", refs: ["ctr@1"]) { name }
    }`);
    await gqlOk(service, 'mutation { registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "2h" }) { version { ref } } }');
    await gqlOk(service, 'mutation { bindProducer(producer: "ctr_job", refs: ["ctr@2"]) { name } }');
    await gqlOk(service, WRITE, { rows: [...rowsFor('ctr@1', 50), ...rowsFor('ctr@2', 40)] });

    // A large write still in flight when the signal comes: it must finish, and its figures be stored too.
    const inFlight = gqlOk(service, WRITE, { rows: rowsFor('ctr@1', 5_000, 2).map((r) => ({ ...r, entityKey: `w${r.entityKey}` })) });
    await new Promise((r) => setTimeout(r, 200));
    service.child.kill('SIGTERM');
    expect((await inFlight).writeFeatureValues).toEqual({ accepted: 5_000, rejected: 0 });
    expect(await service.exited, service.output()).toBe(0);

    const database = await open();
    try {
      const counts = await queryRows<{ ref: string; n: number }>(database.db, sql`select ref, sum(count)::int as n from value_distributions group by ref order by ref`);
      expect(counts).toEqual([
        { ref: 'ctr@1', n: 5_050 },
        { ref: 'ctr@2', n: 40 },
      ]);
      const shadow = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from shadow_keys where ref = 'ctr@2'`);
      expect(shadow).toEqual([{ n: 40 }]);
      expect(await queryRows(database.db, sql`select ref from shadow_writes`)).toEqual([{ ref: 'ctr@2' }]);
    } finally {
      await database.close();
    }
  }, 120_000);
});

/** Waits until the process has printed a line matching `pattern`. */
async function printed(proc: ReturnType<typeof run>, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!pattern.test(proc.output())) {
    if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`never printed ${pattern}: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(modes)('SIGTERM while starting, in $mode mode', ({ mode, fresh }) => {
  it('stops the service once it has started, with exit 0, and releases the database', async () => {
    const { env, open } = await fresh();
    // Server mode: two workers, whatever the cores, so that the primary has workers to stop while they start.
    const workers = mode === 'server' ? '2' : '1';
    const proc = run('src/main.ts', [], { ...EMBEDDED, ...PRODUCTION, ...env, LOG_LEVEL: 'info', WORKERS: workers, PORT: String(await freePort()) });
    children.push(proc);
    // Each mode says so before it starts anything, with the process's stop handlers already in place.
    await printed(proc, /starting workers on one port|embedded mode runs in one process/);
    const signalled = performance.now();
    proc.child.kill('SIGTERM');
    // Before: a stop that came during the start killed the embedded process, and was lost by a starting worker,
    // which served on until the primary killed it after SHUTDOWN_GRACE and its margin (exit 1 after 20 s).
    expect(await proc.exited, proc.output()).toBe(0);
    expect(performance.now() - signalled).toBeLessThan(15_000);
    expect(proc.output()).toMatch(/"msg":"stopped"/);
    const database = await open();
    await database.close();
  }, 90_000);
});

/** A request that stays in flight: its body is announced but never finished. */
function stalledRequest(url: string): Promise<string> {
  const request = http.request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
  request.write('{"query":');
  return new Promise((resolve) => {
    request.on('error', (error) => resolve(error.message));
    request.on('response', (response) => resolve(`HTTP ${response.statusCode}`));
  });
}

describe('a request that does not finish', () => {
  it('holds the stop for SHUTDOWN_GRACE, no longer: its connection is cut, and the stop completes with exit 0', async () => {
    const dataDir = await tempDataDir();
    const service = await started({ ...EMBEDDED, ...PRODUCTION, DATA_DIR: dataDir, SHUTDOWN_GRACE: '1s' });
    const stalled = stalledRequest(service.url);
    await new Promise((r) => setTimeout(r, 200));
    const signalled = performance.now();
    service.child.kill('SIGTERM');
    expect(await service.exited, service.output()).toBe(0);
    const took = performance.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(8_000);
    expect(await stalled).toMatch(/socket hang up|ECONNRESET/);
  }, 120_000);

  it('while it holds the stop, a second signal exits at once without finishing it, and the DATA_DIR lock goes with the process all the same', async () => {
    const dataDir = await tempDataDir();
    const service = await started({ ...EMBEDDED, ...PRODUCTION, LOG_LEVEL: 'info', DATA_DIR: dataDir });
    void stalledRequest(service.url);
    await new Promise((r) => setTimeout(r, 200));
    service.child.kill('SIGTERM');
    await expect.poll(() => service.output(), { timeout: 10_000, interval: 50 }).toMatch(/"msg":"stopping/);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/second signal: exiting without finishing the stop/);
    const database = await openPglite(dataDir);
    await database.close();
  }, 120_000);
});

describe('the DATA_DIR lock', () => {
  it('is an OS lock: a lock file naming a live process does not block a start, and a live holder blocks one whatever the file says', async () => {
    const dataDir = await tempDataDir();
    const lockFile = path.join(dataDir, 'registry.lock');
    const env = { ...EMBEDDED, DATA_DIR: dataDir };
    const createKey = () => run('src/cli/keys.ts', ['create', '--team', 'ops', '--role', 'admin'], env);

    // Left behind by a container whose node ran as PID 1 (alive here too: it is init), or naming this very
    // process: nobody holds the lock, so the start goes ahead.
    await fs.writeFile(lockFile, '1');
    const first = await started(env);
    // The holder's file now lies, naming a process that does not exist: the lock still holds.
    await fs.writeFile(lockFile, '999999999');
    const refused = createKey();
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/DATA_DIR .* is in use by process 999999999 \(a running service\?\)/);

    // The holder dies without a chance to clean up: its lock dies with it, and the next process starts at once.
    first.child.kill('SIGKILL');
    await first.exited;
    await fs.writeFile(lockFile, String(process.pid));
    const next = createKey();
    expect(await next.exited, next.output()).toBe(0);
  }, 120_000);
});

describe('the DATA_DIR lock within one process', () => {
  it('refuses a second open of the same DATA_DIR while the first is open, and frees it on close', async () => {
    const dataDir = await tempDataDir();
    const first = await openPglite(dataDir);
    await expect(openPglite(dataDir)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`process ${process.pid} on `) });
    await first.close();
    const again = await openPglite(dataDir);
    await again.close();
  }, 60_000);
});

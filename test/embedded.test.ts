// The embedded default as a new user meets it: `npm start` with no configuration serves the registry from
// PGlite under DATA_DIR; the data survives a restart; a second process cannot open the same data directory;
// creating a key turns auth on; a bad setting stops the start with a clear message.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, startMain, stop } from './support/processes.js';
import { gql } from './support/service.js';

describe('embedded mode', () => {
  const children: ChildProcess[] = [];
  let dataDir: string;

  afterAll(async () => {
    await Promise.all(children.map(stop));
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts with no configuration, keeps its data, locks its directory, and turns auth on with a key', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'registry-embedded-'));
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', REDIS_CLUSTER_NODES: '', AUTH: '' };

    const first = await startMain(env);
    children.push(first.child);
    expect(first.output()).toMatch(/AUTH IS OFF/);
    const registered = await gql(first, 'mutation { registerEntity(name: "user", keyName: "user_id") { name } }');
    expect(registered.data).toEqual({ registerEntity: { name: 'user' } });

    // The embedded database is single-process: a second one is refused, naming the holder.
    const keysWhileRunning = run('src/cli/keys.ts', ['create', '--team', 'ops', '--role', 'admin'], env);
    expect(await keysWhileRunning.exited).toBe(1);
    expect(keysWhileRunning.output()).toMatch(/^DATA_DIR .* is in use by process \d+ on \S+ \(a running service\?\)/m);

    await stop(first.child);
    const keys = run('src/cli/keys.ts', ['create', '--team', 'ops', '--role', 'admin'], env);
    expect(await keys.exited).toBe(0);
    const key = keys.output().trim().split('\n').at(-1)!;

    const second = await startMain(env);
    children.push(second.child);
    expect(second.output()).not.toMatch(/AUTH IS OFF/);
    const anonymous = await gql(second, '{ entity(name: "user") { keyName } }');
    expect(anonymous.status).toBe(401);
    expect((await gql(second, '{ entity(name: "user") { keyName } }', undefined, key)).data).toEqual({ entity: { keyName: 'user_id' } });
  }, 180_000);

  it('refuses to start with a bad setting, saying which', async () => {
    const proc = run('src/main.ts', [], { PORT: 'eighty', AUTH: 'sometimes', DATA_DIR: os.tmpdir() });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/PORT="eighty": expected a whole number/);
    expect(proc.output()).toMatch(/AUTH="sometimes": expected "on" or "off"/);
  });
});

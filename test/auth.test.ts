// Every auth boundary: no key, unknown or revoked key, wrong role, wrong team; and the mode rules
// (server mode on by default, embedded mode on once a key has ever existed).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { sql } from 'drizzle-orm';
import { decideAuth, startService, type Service } from '../src/app.js';
import { createApiKey, revokeApiKey } from '../src/auth/keys.js';
import { loadConfig } from '../src/config.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createDatabase } from './support/servers.js';
import { freshPglite } from './support/backends.js';
import { createKeys } from './support/keys.js';
import { codes, gql, startTestService } from './support/service.js';

const run = promisify(execFile);

describe('auth in server mode', () => {
  let databaseUrl: string;
  let database: Database;
  let service: Service;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject('postgresUrl'));
    database = await connectPostgres(databaseUrl);
    await migrate(database);
    await createKeys(database.db, {
      reader: ['growth', 'reader'],
      growthProducer: ['growth', 'producer'],
      growthOwner: ['growth', 'owner'],
      adsOwner: ['ads', 'owner'],
      searchOwner: ['search', 'owner'],
    }, keys);
    // The admin key comes from the command-line tool, as an operator would make it.
    const { stdout } = await run('npx', ['tsx', 'src/cli/keys.ts', 'create', '--team', 'platform', '--role', 'admin'], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    keys.admin = stdout.trim().split('\n').at(-1)!;
    service = await startTestService(database, { DATABASE_URL: databaseUrl, AUTH: '' });
    expect(service.authEnabled).toBe(true);

    const setup = await gql(service, `mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
      registerConsumer(name: "ranker", owner: "search") { name }
    }`, undefined, keys.admin);
    expect(setup.errors).toBeUndefined();
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  const QUERY = '{ features { name } }';
  const REGISTER = (owner: string, feature = 'ctr') =>
    `mutation { registerFeatureVersion(input: { feature: "${feature}", entity: "user", owner: "${owner}", valueType: FLOAT64, maxAge: "2h" }) { version { ref } } }`;

  it('the CLI prints a working key as its last line', () => {
    expect(keys.admin).toMatch(/^frk_[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a request with no key, a malformed header or an unknown key (401, UNAUTHENTICATED)', async () => {
    for (const response of [
      await gql(service, QUERY),
      await gql(service, QUERY, undefined, 'frk_not-a-real-key'),
    ]) {
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
    const basic = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/Bearer/);
  });

  it('refuses a revoked key', async () => {
    const { id, key } = await createApiKey(database.db, 'growth', 'reader');
    await revokeApiKey(database.db, id);
    expect(codes(await gql(service, QUERY, undefined, key))).toEqual(['UNAUTHENTICATED']);
  });

  it('lets a reader query and nothing else', async () => {
    expect((await gql(service, QUERY, undefined, keys.reader)).data).toEqual({ features: [{ name: 'ctr' }] });
    expect(codes(await gql(service, 'mutation { registerEntity(name: "item", keyName: "item_id") { name } }', undefined, keys.reader))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(service, REGISTER('growth'), undefined, keys.reader))).toEqual(['FORBIDDEN']);
  });

  it('does not let a producer key register or change the registry', async () => {
    expect(codes(await gql(service, REGISTER('growth'), undefined, keys.growthProducer))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(service, 'mutation { registerProducer(name: "p", owner: "growth") { name } }', undefined, keys.growthProducer))).toEqual(['FORBIDDEN']);
  });

  it("lets an owner change its team's things and refuses other teams'", async () => {
    const own = await gql(service, REGISTER('growth'), undefined, keys.growthOwner);
    expect(own.errors).toBeUndefined();
    expect(own.data!.registerFeatureVersion.version.ref).toBe('ctr@2');

    const forbidden = [
      REGISTER('growth', 'ads_ctr'),
      'mutation { activateFeatureVersion(ref: "ctr@2", force: true, reason: "test") { ref } }',
      'mutation { deprecateFeatureVersion(ref: "ctr@1", sunsetAt: "2030-01-01T00:00:00Z") { ref } }',
      'mutation { registerProducer(name: "ctr_job", owner: "growth") { name } }',
      'mutation { bindConsumer(consumer: "ranker", refs: ["ctr@1"]) { name } }',
    ];
    for (const mutation of forbidden) {
      const response = await gql(service, mutation, undefined, keys.adsOwner);
      expect(codes(response), mutation).toEqual(['FORBIDDEN']);
      // The one field was refused and nothing was done: the status says so.
      expect(response.status).toBe(403);
    }
    // Registering a feature for another team: refused before anything is checked against the data.
    expect(codes(await gql(service, REGISTER('ads', 'ctr'), undefined, keys.growthOwner))).toEqual(['FORBIDDEN']);

    expect((await gql(service, 'mutation { bindConsumer(consumer: "ranker", refs: ["ctr@1"]) { name } }', undefined, keys.searchOwner)).errors).toBeUndefined();
    expect((await gql(service, 'mutation { activateFeatureVersion(ref: "ctr@2", force: true, reason: "test") { status } }', undefined, keys.growthOwner)).data).toEqual({
      activateFeatureVersion: { status: 'ACTIVE' },
    });
  });

  it('records the key that made each change', async () => {
    const audit = await database.pool!.query(`select distinct actor from audit_log where target = 'version:ctr@2'`);
    expect(audit.rows.map((r) => r.actor)).toEqual([expect.stringMatching(/^growth:owner#\d+$/)]);
  });

  it('keeps auth off only when told to', async () => {
    expect(await decideAuth(loadConfig({ DATABASE_URL: databaseUrl }), database)).toBe(true);
    expect(await decideAuth(loadConfig({ DATABASE_URL: databaseUrl, AUTH: 'off' }), database)).toBe(false);
  });
});

describe('auth in embedded mode', () => {
  it('is off with no key ever, and on once a key has existed, revoked or not (unless AUTH says otherwise)', async () => {
    const database = await freshPglite();
    try {
      expect(await decideAuth(loadConfig({}), database)).toBe(false);
      expect(await decideAuth(loadConfig({ AUTH: 'on' }), database)).toBe(true);
      const { id } = await createApiKey(database.db, 'growth', 'admin');
      expect(await decideAuth(loadConfig({}), database)).toBe(true);
      await revokeApiKey(database.db, id);
      expect(await decideAuth(loadConfig({}), database)).toBe(true);
      expect(await decideAuth(loadConfig({ AUTH: 'off' }), database)).toBe(false);
      // The record that a key existed cannot be lost by accident: the database refuses to delete keys.
      await expect(database.db.execute(sql`delete from api_keys`)).rejects.toThrow();
      await expect(database.db.execute(sql`truncate api_keys`)).rejects.toThrow();
      expect(await decideAuth(loadConfig({}), database)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('stays on after the last key is revoked with `npm run keys -- revoke` and the service restarts', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'auth-stays-on-'));
    const cli = (...args: string[]) => run('npx', ['tsx', 'src/cli/keys.ts', ...args], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } });
    try {
      const created = await cli('create', '--team', 'platform', '--role', 'admin', '--label', 'laptop');
      const id = /created key #(\d+)/.exec(created.stdout)![1]!;
      expect((await cli('revoke', '--id', id)).stdout).toMatch(new RegExp(`revoked: #${id}\t`));
      expect((await cli('list')).stdout).toMatch(/"laptop".*revoked \d{4}-/);

      const start = (env: Record<string, string>) => startService(loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ...env }));
      const service = await start({});
      try {
        expect(service.authEnabled).toBe(true);
        const anonymous = await gql(service, '{ features { name } }');
        expect(anonymous.status).toBe(401);
        expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
      } finally {
        await service.close();
      }
      // Only an explicit AUTH=off opens it again.
      const open = await start({ AUTH: 'off' });
      try {
        expect((await gql(open, '{ features { name } }')).data).toEqual({ features: [] });
      } finally {
        await open.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

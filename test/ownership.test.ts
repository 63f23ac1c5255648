// Who may change what another team relies on: binding a producer is a grant from the feature's team, either
// side may withdraw it (unbindProducer), and entities have an owner team, so no team rewrites a shared one.
// Real keys, auth on, on every registry backend.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/keys.js';
import { openPglite, queryRows } from '../src/db/client.js';
import { migrate, migrationsFolder } from '../src/db/migrate.js';
import { registryBackends } from './support/backends.js';
import { createKeys } from './support/keys.js';
import { codes, gql, startTestService, withService } from './support/service.js';

describe.each(registryBackends)('ownership on $name', (backend) => {
  const keys: Record<string, string> = {};
  const fixture = withService(backend, {
    env: { AUTH: 'on' },
    async beforeStart(database) {
      await createKeys(database.db, {
        admin: ['platform', 'admin'],
        growthOwner: ['growth', 'owner'],
        growthProducer: ['growth', 'producer'],
        searchOwner: ['search', 'owner'],
        adsOwner: ['ads', 'owner'],
      }, keys);
    },
  });

  const as = (key: keyof typeof keys | undefined, query: string) => gql(fixture.service, query, undefined, key ? keys[key] : undefined);
  const ok = async (key: string, query: string) => {
    const response = await as(key, query);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!;
  };
  const bindings = async (producer: string) =>
    (await queryRows<{ ref: string }>(fixture.database.db, sql`select feature || '@' || version as ref from producer_bindings where producer = ${producer} order by 1`)).map((r) => r.ref);
  const auditCount = async (action: string) =>
    (await queryRows<{ n: number }>(fixture.database.db, sql`select count(*)::int as n from audit_log where action = ${action}`))[0]!.n;
  const WRITE = (ref: string, value: number) =>
    `mutation { writeFeatureValues(producer: "growth_pipe", rows: [{ ref: "${ref}", entityKey: "u1", value: ${value}, eventTime: "${new Date().toISOString()}" }]) { accepted rejected errors { code message } } }`;
  const VALUE = async (ref: string) => (await ok('admin', `{ featureValues(ref: "${ref}", entityKeys: ["u1"]) { rows { features { value flags } } } }`)).featureValues.rows[0].features[0];

  beforeAll(async () => {
    await ok('admin', `mutation {
      registerEntity(name: "user", keyName: "user_id", description: "a signed-up user") { name }
      search: registerFeatureVersion(input: { feature: "search_ctr", entity: "user", owner: "search", valueType: FLOAT64, maxAge: "1h" }) { created }
      growth: registerFeatureVersion(input: { feature: "growth_ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
      growthPipe: registerProducer(name: "growth_pipe", owner: "growth") { name }
    }`);
  }, 60_000);

  it("refuses a team binding its producer to another team's feature, and writes nothing", async () => {
    const attack = await as('growthOwner', 'mutation { bindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name } }');
    expect(codes(attack)).toEqual(['FORBIDDEN']);
    expect(attack.errors![0]!.message).toMatch(/team search/);
    // One foreign ref among its own: the whole request is refused, its own ref is not bound either.
    expect(codes(await as('growthOwner', 'mutation { bindProducer(producer: "growth_pipe", refs: ["growth_ctr@1", "search_ctr@1"]) { name } }'))).toEqual(['FORBIDDEN']);
    expect(await bindings('growth_pipe')).toEqual([]);
    expect(await auditCount('producer.bind')).toBe(0);
  });

  it("so a growth producer cannot write search's values", async () => {
    const write = await as('growthProducer', WRITE('search_ctr@1', 0.9));
    expect(write.data!.writeFeatureValues).toMatchObject({ accepted: 0, rejected: 1, errors: [{ code: 'FORBIDDEN' }] });
    expect(await VALUE('search_ctr@1')).toEqual({ value: null, flags: ['MISSING'] });
  });

  it("lets the feature's team grant a binding to another team's producer, and withdraw it", async () => {
    await ok('searchOwner', 'mutation { bindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name } }');
    expect(await bindings('growth_pipe')).toEqual(['search_ctr@1']);
    expect((await as('growthProducer', WRITE('search_ctr@1', 0.5))).data!.writeFeatureValues).toMatchObject({ accepted: 1 });

    // Another team can neither grant nor withdraw it.
    expect(codes(await as('adsOwner', 'mutation { unbindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name } }'))).toEqual(['FORBIDDEN']);
    expect(await bindings('growth_pipe')).toEqual(['search_ctr@1']);

    const unbound = await ok('searchOwner', 'mutation { unbindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name versions { ref } } }');
    expect(unbound.unbindProducer).toEqual({ name: 'growth_pipe', versions: [] });
    expect(await bindings('growth_pipe')).toEqual([]);
    const [entry] = await queryRows<{ actor: string; before: string[]; after: string[] }>(
      fixture.database.db,
      sql`select actor, before, after from audit_log where action = 'producer.unbind' order by id desc limit 1`,
    );
    expect(entry).toEqual({ actor: expect.stringMatching(/^search:owner#\d+$/), before: ['search_ctr@1'], after: [] });

    const refused = await as('growthProducer', WRITE('search_ctr@1', 0.7));
    expect(refused.data!.writeFeatureValues).toMatchObject({ accepted: 0, rejected: 1, errors: [{ code: 'FORBIDDEN' }] });
    expect((await VALUE('search_ctr@1')).value).toBe(0.5);
  });

  it("lets the producer's team give up a binding; unbinding what is not bound changes nothing; unknown refs are NOT_FOUND", async () => {
    await ok('searchOwner', 'mutation { bindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name } }');
    await ok('growthOwner', 'mutation { bindProducer(producer: "growth_pipe", refs: ["growth_ctr@1"]) { name } }');
    const audits = await auditCount('producer.unbind');
    await ok('growthOwner', 'mutation { unbindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name } }');
    expect(await bindings('growth_pipe')).toEqual(['growth_ctr@1']);
    expect(await auditCount('producer.unbind')).toBe(audits + 1);

    await ok('growthOwner', 'mutation { unbindProducer(producer: "growth_pipe", refs: ["search_ctr@1"]) { name } }');
    expect(await auditCount('producer.unbind')).toBe(audits + 1);

    expect(codes(await as('growthOwner', 'mutation { unbindProducer(producer: "growth_pipe", refs: ["growth_ctr@1", "search_ctr@9"]) { name } }'))).toEqual(['NOT_FOUND']);
    expect(codes(await as('growthOwner', 'mutation { unbindProducer(producer: "nobody", refs: ["growth_ctr@1"]) { name } }'))).toEqual(['NOT_FOUND']);
    expect(await bindings('growth_pipe')).toEqual(['growth_ctr@1']);
  });

  it('keeps existing and admin-registered entities admin-owned: no team rewrites them', async () => {
    expect((await ok('growthOwner', '{ entity(name: "user") { owner description } }')).entity).toEqual({ owner: null, description: 'a signed-up user' });
    const rewrite = await as('growthOwner', 'mutation { registerEntity(name: "user", keyName: "user_id", description: "growth says so") { name } }');
    expect(codes(rewrite)).toEqual(['FORBIDDEN']);
    expect(codes(await as('growthOwner', 'mutation { registerEntity(name: "user", keyName: "user_id", owner: "growth") { name } }'))).toEqual(['FORBIDDEN']);
    expect((await ok('growthOwner', '{ entity(name: "user") { owner description } }')).entity).toEqual({ owner: null, description: 'a signed-up user' });
    // Registering it again as it is stays idempotent for anyone who may register entities.
    expect((await ok('growthOwner', 'mutation { registerEntity(name: "user", keyName: "user_id", description: "a signed-up user") { owner } }')).registerEntity).toEqual({ owner: null });
    expect((await ok('admin', 'mutation { registerEntity(name: "user", keyName: "user_id", description: "a user") { description } }')).registerEntity).toEqual({ description: 'a user' });
  });

  it("makes a team's new entity its own, changeable by it and by nobody else", async () => {
    expect((await ok('growthOwner', 'mutation { registerEntity(name: "session", keyName: "session_id") { owner } }')).registerEntity).toEqual({ owner: 'growth' });
    expect(codes(await as('searchOwner', 'mutation { registerEntity(name: "session", keyName: "session_id", description: "mine now") { name } }'))).toEqual(['FORBIDDEN']);
    expect((await ok('growthOwner', 'mutation { registerEntity(name: "session", keyName: "session_id", description: "a visit") { description owner } }')).registerEntity).toEqual({
      description: 'a visit',
      owner: 'growth',
    });
    // An owner registers only for its own team; an admin for any.
    expect(codes(await as('growthOwner', 'mutation { registerEntity(name: "query", keyName: "query_id", owner: "search") { name } }'))).toEqual(['FORBIDDEN']);
    expect((await ok('admin', 'mutation { registerEntity(name: "query", keyName: "query_id", owner: "search") { owner } }')).registerEntity).toEqual({ owner: 'search' });
    expect((await ok('admin', '{ entity(name: "query") { name } }')).entity).toEqual({ name: 'query' });
    expect(codes(await as('adsOwner', 'mutation { registerEntity(name: "query", keyName: "query_id", description: "\\u0000") { name } }'))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('entities registered before owners existed', () => {
  it('become admin-owned when the migration runs', async () => {
    // Migrate a database as the previous release did (every migration before ownership_and_keys), register an entity, upgrade.
    const previous = await mkdtemp(path.join(os.tmpdir(), 'migrations-before-owners-'));
    const database = await openPglite();
    try {
      await cp(migrationsFolder, previous, { recursive: true });
      const journalPath = path.join(previous, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
      journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag.endsWith('_ownership_and_keys')));
      await writeFile(journalPath, JSON.stringify(journal));
      await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: previous });
      await database.db.execute(sql`insert into entities (name, key_name, description) values ('user', 'user_id', 'a signed-up user')`);

      await migrate(database);
      const growthOwner = (await createApiKey(database.db, 'growth', 'owner')).key;
      const service = await startTestService(database, { AUTH: 'on' });
      try {
        expect((await gql(service, '{ entity(name: "user") { owner description } }', undefined, growthOwner)).data).toEqual({
          entity: { owner: null, description: 'a signed-up user' },
        });
        const rewrite = await gql(service, 'mutation { registerEntity(name: "user", keyName: "user_id", description: "growth says so") { name } }', undefined, growthOwner);
        expect(codes(rewrite)).toEqual(['FORBIDDEN']);
        expect(rewrite.errors![0]!.message).toMatch(/admin/);
      } finally {
        await service.close();
      }
    } finally {
      await database.close();
      await rm(previous, { recursive: true, force: true });
    }
  }, 60_000);
});

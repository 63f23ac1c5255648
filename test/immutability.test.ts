// The database itself refuses to change a feature version's definition or delete it, whatever the SQL:
// tested with raw statements, not through the API, on both registry engines.
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Database } from '../src/db/client.js';
import { registryBackends } from './support/backends.js';

describe.each(registryBackends)('feature version immutability on $name', (backend) => {
  let database: Database;

  beforeAll(async () => {
    database = (await backend.open()).database;
    await database.db.execute(sql`insert into entities (name, key_name) values ('user', 'user_id')`);
    await database.db.execute(sql`insert into features (name, entity, owner, latest_version) values ('clicks', 'user', 'growth', 2)`);
    await database.db.execute(sql`insert into feature_versions (feature, version, value_type, max_age, definition_hash, status)
      values ('clicks', 1, 'FLOAT64', '1h', 'h1', 'ACTIVE'), ('clicks', 2, 'INT64', '1h', 'h2', 'DRAFT')`);
  });
  afterAll(() => database?.close());

  const rejects = async (statement: SQL, message: RegExp) => {
    await expect(database.db.execute(statement)).rejects.toSatisfy((error: Error) =>
      message.test(`${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`),
    );
  };
  const version1 = async () =>
    (await queryRows<Record<string, unknown>>(database.db, sql`select value_type, max_age, status from feature_versions where version = 1`))[0];

  it.each([
    ['value_type', sql`update feature_versions set value_type = 'INT64' where feature = 'clicks' and version = 1`],
    ['max_age', sql`update feature_versions set max_age = '2h' where version = 1`],
    ['window', sql`update feature_versions set "window" = '7d' where version = 1`],
    ['aggregation', sql`update feature_versions set aggregation = '{"function": "sum"}' where version = 1`],
    ['description', sql`update feature_versions set description = 'changed' where version = 1`],
    ['definition_hash', sql`update feature_versions set definition_hash = 'forged' where version = 1`],
    ['version', sql`update feature_versions set version = 9 where version = 1`],
  ])('refuses an UPDATE of %s', async (_, statement) => {
    const before = await version1();
    await rejects(statement, /immutable/);
    expect(await version1()).toEqual(before);
  });

  it('refuses DELETE and TRUNCATE', async () => {
    await rejects(sql`delete from feature_versions where version = 1`, /cannot be deleted/);
    await rejects(sql`truncate feature_versions cascade`, /cannot be truncated/);
    expect(await queryRows(database.db, sql`select 1 from feature_versions`)).toHaveLength(2);
  });

  it('lets status move forward only, and sunset change', async () => {
    await database.db.execute(sql`update feature_versions set status = 'ACTIVE' where version = 2`);
    await rejects(sql`update feature_versions set status = 'DRAFT' where version = 2`, /only moves forward/);
    await database.db.execute(sql`update feature_versions set status = 'DEPRECATED', sunset_at = now() + interval '1 day' where version = 1`);
    await rejects(sql`update feature_versions set status = 'ACTIVE' where version = 1`, /only with its sunset cleared/);
    await database.db.execute(sql`update feature_versions set sunset_at = now() where version = 1`);
    await rejects(sql`update feature_versions set status = 'LIMBO' where version = 1`, /status_check|violates check/);
    expect(await version1()).toEqual({ value_type: 'FLOAT64', max_age: '1h', status: 'DEPRECATED' });
  });

  it('allows exactly one way back: DEPRECATED to ACTIVE before the sunset, with the sunset cleared', async () => {
    await database.db.execute(sql`insert into feature_versions (feature, version, value_type, max_age, definition_hash, status, sunset_at)
      values ('clicks', 3, 'STRING', '1h', 'h3', 'DEPRECATED', now() + interval '1 day')`);
    const status3 = async () => (await queryRows<{ status: string; sunset_at: unknown }>(database.db, sql`select status, sunset_at from feature_versions where version = 3`))[0];
    await rejects(sql`update feature_versions set status = 'DRAFT', sunset_at = null where version = 3`, /only moves forward/);
    await rejects(sql`update feature_versions set status = 'ACTIVE', sunset_at = now() + interval '2 days' where version = 3`, /only with its sunset cleared/);
    await database.db.execute(sql`update feature_versions set status = 'ACTIVE', sunset_at = null where version = 3`);
    expect(await status3()).toEqual({ status: 'ACTIVE', sunset_at: null });
    await rejects(sql`update feature_versions set status = 'DRAFT' where version = 3`, /only moves forward/);
    // Past its sunset a DEPRECATED version is RETIRED: final, even with the sunset cleared in the same statement.
    await database.db.execute(sql`update feature_versions set status = 'DEPRECATED', sunset_at = now() - interval '1 second' where version = 3`);
    await rejects(sql`update feature_versions set status = 'ACTIVE', sunset_at = null where version = 3`, /RETIRED is final/);
    await database.db.execute(sql`update feature_versions set status = 'RETIRED' where version = 3`);
    await rejects(sql`update feature_versions set status = 'ACTIVE', sunset_at = null where version = 3`, /only moves forward/);
    expect((await status3())!.status).toBe('RETIRED');
  });
});

// A fresh DATA_DIR starts as a copy of the empty database `npm ci` made (src/db/pglite-template.ts): the copy
// opens, migrates and serves like a directory PGlite initialised itself, and an existing database is never
// overwritten.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, queryRows } from '../src/db/client.js';
import { migrate, migrationsApplied } from '../src/db/migrate.js';
import { buildTemplate, seedFromTemplate } from '../src/db/pglite-template.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'registry-template-'));
  dirs.push(dir);
  return dir;
}

describe('the embedded database template', () => {
  it('seeds an empty DATA_DIR with a database that migrates and keeps its data, and leaves an existing one alone', async () => {
    const template = await buildTemplate();
    const dataDir = await tempDir();
    expect(await seedFromTemplate(dataDir)).toBe(true);
    expect((await fs.readdir(dataDir)).sort()).toEqual((await fs.readdir(template)).sort());

    const database = await openPglite(dataDir);
    try {
      await migrate(database);
      expect(await migrationsApplied(database)).toBe(true);
      await database.db.execute(sql`insert into entities (name, key_name) values ('user', 'user_id')`);
    } finally {
      await database.close();
    }

    expect(await seedFromTemplate(dataDir)).toBe(false);
    const reopened = await openPglite(dataDir);
    try {
      expect(await queryRows(reopened.db, sql`select name from entities`)).toEqual([{ name: 'user' }]);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('redoes a copy cut short: without PG_VERSION the directory holds no database yet', async () => {
    await buildTemplate();
    const dataDir = await tempDir();
    await seedFromTemplate(dataDir);
    await fs.rm(path.join(dataDir, 'PG_VERSION'));
    await fs.rm(path.join(dataDir, 'global'), { recursive: true });
    expect(await seedFromTemplate(dataDir)).toBe(true);
    const database = await openPglite(dataDir);
    try {
      await migrate(database);
      expect(await migrationsApplied(database)).toBe(true);
    } finally {
      await database.close();
    }
  }, 120_000);
});

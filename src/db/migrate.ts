// Applies the drizzle-kit migrations in migrations/ (at start-up and by `npm run migrate`), and tells whether
// a database has them all (for /readyz).
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { repoFile } from '../core/repo-files.js';
import { queryRows, type Database } from './client.js';

export const migrationsFolder = repoFile('migrations');

// Any fixed number: it names the advisory lock that keeps two instances starting together from both migrating.
const MIGRATION_LOCK = 7_340_211;

export async function migrate(database: Database): Promise<void> {
  // The usual start finds every migration applied: one count instead of reading and hashing every file.
  if (await migrationsApplied(database)) return;
  if (!database.pool) {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  // Loaded here, as node-postgres is (client.ts): embedded mode never needs them.
  const [{ migrate: migrateNodePg }, { drizzle: drizzleNodePg }] = await Promise.all([
    import('drizzle-orm/node-postgres/migrator'),
    import('drizzle-orm/node-postgres'),
  ]);
  // drizzle runs the migrations in a transaction of its own, so the lock is a session lock held on the one
  // connection the migrator uses.
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}

export function expectedMigrationCount(): number {
  const journal = JSON.parse(fs.readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/** True when every migration in migrations/ has been applied. */
export async function migrationsApplied(database: Database): Promise<boolean> {
  try {
    const rows = await queryRows<{ applied: number }>(
      database.db,
      sql`select count(*)::int as applied from drizzle.__drizzle_migrations`,
    );
    return (rows[0]?.applied ?? 0) >= expectedMigrationCount();
  } catch {
    return false;
  }
}

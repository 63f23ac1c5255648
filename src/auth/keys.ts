// API keys: created by `npm run keys`, shown once, stored only as a SHA-256 hash. A key is 32 random bytes,
// so a fast hash is safe (there is no dictionary to guess from) and checking one costs microseconds.
import { createHash, randomBytes } from 'node:crypto';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiKeys } from '../db/schema.js';
import { badInput } from '../errors.js';
import { checkName } from '../registry/model.js';
import { ROLES, type Principal, type Role } from './principal.js';

const PREFIX = 'frk_';

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createApiKey(db: Db, team: string, role: string): Promise<{ id: number; key: string }> {
  checkName(team, 'team');
  if (!(ROLES as readonly string[]).includes(role)) {
    throw badInput(`role ${JSON.stringify(role)} is not one of ${ROLES.join(', ')}`);
  }
  const key = PREFIX + randomBytes(32).toString('base64url');
  const [row] = await db.insert(apiKeys).values({ keyHash: hashKey(key), team, role }).returning({ id: apiKeys.id });
  return { id: row!.id, key };
}

export async function revokeApiKey(db: Db, id: number): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export async function listApiKeys(db: Db) {
  return db
    .select({ id: apiKeys.id, team: apiKeys.team, role: apiKeys.role, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .orderBy(apiKeys.id);
}

/** The principal a key stands for, or undefined for an unknown or revoked key. */
export async function principalForKey(db: Db, key: string): Promise<Principal | undefined> {
  const [row] = await db
    .select({ id: apiKeys.id, team: apiKeys.team, role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)));
  if (!row) return undefined;
  return { actor: `${row.team}:${row.role}#${row.id}`, team: row.team, role: row.role as Role };
}

export async function activeKeyCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(apiKeys).where(isNull(apiKeys.revokedAt));
  return row?.n ?? 0;
}

// API keys: created through the API (createApiKey) or `npm run keys`, shown once, stored only as a SHA-256
// hash. A key is 32 random bytes, so a fast hash is safe (there is no dictionary to guess from) and checking
// one costs microseconds. Keys are never deleted (the database refuses it), only revoked or left to expire.
import { createHash, randomBytes } from 'node:crypto';
import { and, count, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { recordAudit } from '../db/audit.js';
import { apiKeys } from '../db/schema.js';
import { badInput, notFound } from '../core/errors.js';
import { checkName } from '../core/text.js';
import { checkText } from '../core/text.js';
import { requireAnyTeamRole, requireKeyGrant, ROLES, type Principal, type Role } from '../core/principal.js';

const PREFIX = 'frk_';
const MAX_LABEL_LENGTH = 200;

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** A key as people see it: never the secret, nor its hash. */
export interface ApiKeyRecord {
  id: number;
  label: string | null;
  team: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface NewApiKey {
  team: string;
  role: string;
  /** Required through the API; the command-line tool may leave it out. */
  label?: string | null;
  expiresAt?: Date | null;
}

/** Who acts when an operator runs `npm run keys` with direct access to the database: an admin. */
export const COMMAND_LINE: Principal = { actor: 'command-line', team: null, role: 'admin' };

const recordColumns = {
  id: apiKeys.id,
  label: apiKeys.label,
  team: apiKeys.team,
  role: apiKeys.role,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  lastUsedAt: apiKeys.lastUsedAt,
};

export class ApiKeys {
  constructor(
    private readonly db: Db,
    /** Told of every revocation, so this instance stops accepting the key at once (others within seconds). */
    private readonly onRevoke: (id: number) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a key; its secret is in the answer and nowhere else. */
  async create(principal: Principal, input: NewApiKey): Promise<{ key: ApiKeyRecord; secret: string }> {
    const team = checkName(input.team, 'team');
    if (!(ROLES as readonly string[]).includes(input.role)) {
      throw badInput(`role ${JSON.stringify(input.role)} is not one of ${ROLES.join(', ')}`);
    }
    const role = input.role as Role;
    requireKeyGrant(principal, team, role, `creating a ${role} key for team ${team}`);
    const label = input.label == null ? null : checkLabel(input.label);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null) {
      if (Number.isNaN(expiresAt.getTime())) throw badInput('expiresAt is not an RFC 3339 time, e.g. 2027-01-01T00:00:00Z');
      if (expiresAt <= this.now()) throw badInput(`expiresAt ${expiresAt.toISOString()} is in the past: give a future time, or none for a key that does not expire`);
    }
    const secret = PREFIX + randomBytes(32).toString('base64url');
    const key = await this.db.transaction(async (tx) => {
      const [row] = await tx.insert(apiKeys).values({ keyHash: hashKey(secret), team, role, label, expiresAt }).returning(recordColumns);
      await recordAudit(tx, principal, 'apikey.create', `apikey:${row!.id}`, null, row);
      return row as ApiKeyRecord;
    });
    return { key, secret };
  }

  /** Revokes a key for good; revoking a revoked key returns it unchanged. */
  async revoke(principal: Principal, idText: string | number): Promise<ApiKeyRecord> {
    const id = Number(idText);
    if (!Number.isSafeInteger(id) || id <= 0) throw badInput(`API key id ${JSON.stringify(idText)} is not a key id: see apiKeys for the ids`);
    const key = await this.db.transaction(async (tx) => {
      const [existing] = await tx.select(recordColumns).from(apiKeys).where(eq(apiKeys.id, id)).for('update');
      if (!existing) throw notFound(`API key #${id} does not exist`);
      requireKeyGrant(principal, existing.team, existing.role as Role, `revoking key #${id} (a ${existing.role} key of team ${existing.team})`);
      if (existing.revokedAt) return existing as ApiKeyRecord;
      const [revoked] = await tx.update(apiKeys).set({ revokedAt: this.now() }).where(eq(apiKeys.id, id)).returning(recordColumns);
      await recordAudit(tx, principal, 'apikey.revoke', `apikey:${id}`, existing, revoked);
      return revoked as ApiKeyRecord;
    });
    this.onRevoke(id);
    return key;
  }

  /** Every key for an admin; an owner's own team's keys; other roles are refused. Newest first. */
  async list(principal: Principal): Promise<ApiKeyRecord[]> {
    requireAnyTeamRole(principal, 'owner', 'listing API keys');
    const query = this.db.select(recordColumns).from(apiKeys);
    const rows = principal.role === 'admin' ? await query.orderBy(desc(apiKeys.id)) : await query.where(eq(apiKeys.team, principal.team!)).orderBy(desc(apiKeys.id));
    return rows as ApiKeyRecord[];
  }
}

function checkLabel(value: string): string {
  const label = checkText(value.trim(), 'label', { maxLength: MAX_LABEL_LENGTH });
  if (label === '') throw badInput('label is empty: say what the key is for, e.g. "clicks pipeline, prod"');
  return label;
}

/** What a key stands for when it is looked up: the principal, and when it stops working. */
export interface KeyVerdict {
  principal: Principal;
  expiresAt: Date | null;
}

/** The verdict for a key, or undefined for an unknown or revoked key. */
export async function lookUpKey(db: Db, key: string): Promise<KeyVerdict | undefined> {
  const [row] = await db
    .select({ id: apiKeys.id, team: apiKeys.team, role: apiKeys.role, expiresAt: apiKeys.expiresAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)));
  if (!row) return undefined;
  return {
    principal: { actor: `${row.team}:${row.role}#${row.id}`, team: row.team, role: row.role as Role, keyId: row.id },
    expiresAt: row.expiresAt,
  };
}

/** Records that a key was used this minute (never moves backwards, whatever order instances write in). */
export async function markKeyUsed(db: Db, id: number, at: Date): Promise<void> {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  await db
    .update(apiKeys)
    .set({ lastUsedAt: minute })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, minute))));
}

/** How many keys were ever created, revoked ones included: keys are never deleted. */
export async function keysEverCreated(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(apiKeys);
  return row?.n ?? 0;
}

/** Creates a key as the command-line tool does (an operator with the database at hand): `{ id, key: secret }`. */
export async function createApiKey(
  db: Db,
  team: string,
  role: string,
  options: { label?: string | null; expiresAt?: Date | null } = {},
): Promise<{ id: number; key: string }> {
  const { key, secret } = await new ApiKeys(db).create(COMMAND_LINE, { team, role, ...options });
  return { id: key.id, key: secret };
}

/** Revokes a key as the command-line tool does. */
export function revokeApiKey(db: Db, id: number): Promise<ApiKeyRecord> {
  return new ApiKeys(db).revoke(COMMAND_LINE, id);
}

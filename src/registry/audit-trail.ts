// Reading the audit log: what changed, who changed it, when, and why (newest first). Every change writes its
// record in its own transaction, so what is here is exactly what was committed.
import { and, desc, eq, inArray, lt, not, or, sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../core/principal.js';
import type { Db } from '../db/client.js';
import { auditLog } from '../db/schema.js';
import { badInput } from '../core/errors.js';
import { checkText } from '../core/text.js';

/** The kinds of thing the log names, as the prefix of a subject: `version:click_rate_7d@2`. */
const SUBJECT_KINDS = ['entity', 'feature', 'version', 'producer', 'consumer', 'apikey'] as const;

export const MAX_AUDIT_ENTRIES = 1_000;

export interface AuditQuery {
  /** `kind:name` as recorded, or a bare name or ref, which matches it under every kind. */
  subject?: string | null;
  action?: string | null;
  /** Entries strictly older than this (to page back from the last entry seen). */
  before?: Date | null;
  limit?: number | null;
}

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  subject: string;
  before: unknown;
  after: unknown;
  /** The reason given with the change (forced activations, deprecations, rollbacks), if any. */
  reason: string | null;
}

/**
 * The entries `principal` may read, newest first. The registry's history is open to every key, but the history
 * of API keys (their teams, roles and labels) only to those who may list the keys themselves: an admin every
 * key's, an owner its own team's.
 */
export async function readAuditLog(db: Db, principal: Principal, query: AuditQuery): Promise<AuditEntry[]> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_ENTRIES) throw badInput(`limit must be from 1 to ${MAX_AUDIT_ENTRIES}`);
  if (query.before && Number.isNaN(query.before.getTime())) throw badInput('before is not an RFC 3339 time');
  const conditions: SQL[] = [];
  if (query.subject != null) {
    const subject = checkText(query.subject, 'subject', { maxLength: 300 });
    conditions.push(subject.includes(':') ? eq(auditLog.target, subject) : inArray(auditLog.target, SUBJECT_KINDS.map((kind) => `${kind}:${subject}`)));
  }
  if (query.action != null) conditions.push(eq(auditLog.action, checkText(query.action, 'action', { maxLength: 100 })));
  if (query.before) conditions.push(lt(auditLog.at, query.before));
  if (principal.role !== 'admin') {
    const ownTeamsKeys =
      principal.role === 'owner' && principal.team !== null
        ? sql`coalesce(${auditLog.after}->>'team', ${auditLog.before}->>'team') = ${principal.team}`
        : sql`false`;
    conditions.push(or(not(sql`${auditLog.target} like 'apikey:%'`), ownTeamsKeys)!);
  }
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit);
  return rows.map((row) => ({
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.target,
    before: row.before,
    after: row.after,
    reason: reasonOf(row.after),
  }));
}

/** Lifecycle changes keep their reason beside the new state, in `after`. */
function reasonOf(after: unknown): string | null {
  const reason = (after as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : null;
}

// The audit log: one row per change, written in the change's own transaction, so it is recorded exactly when
// the change commits.
import type { Principal } from '../core/principal.js';
import type { Tx } from './client.js';
import { auditLog } from './schema.js';

export async function recordAudit(tx: Tx, principal: Principal, action: string, target: string, before: unknown, after: unknown): Promise<void> {
  await tx.insert(auditLog).values({ actor: principal.actor, action, target, before: before ?? null, after: after ?? null });
}

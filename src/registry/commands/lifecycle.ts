// Moving a version through its lifecycle: DRAFT → ACTIVE → DEPRECATED → RETIRED (by its sunset), with one way
// back, a rollback of a DEPRECATED version before its sunset. Whether a DRAFT may go live is the activation
// gate's verdict (activation-gate.ts says why that is a port); everything else about a move is decided here.
import { and, eq } from 'drizzle-orm';
import { badInput, conflict, notFound } from '../../core/errors.js';
import { requireRole, type Principal } from '../../core/principal.js';
import { freeText } from '../../core/text.js';
import { recordAudit } from '../../db/audit.js';
import type { Tx } from '../../db/client.js';
import { features, featureVersions } from '../../db/schema.js';
import { checkTime, parseRef, type FeatureVersion, type VersionStatus } from '../model.js';
import { versionFromRow } from '../rows.js';
import { transact, type CommandContext } from './transaction.js';

/** A lifecycle move: the new status (and sunset), audited as `action` when it differs from the command's. */
interface VersionMove {
  status: VersionStatus;
  sunsetAt?: Date | null;
  action?: string;
}

export interface ActivationOptions {
  /** Activate without the gate's verdict: needs a reason. */
  force?: boolean | null;
  reason?: string | null;
}

/**
 * DRAFT → ACTIVE, once the activation gate admits it (a passing validation report newer than its last shadow
 * write), unless `force` is set with a reason (both audited). DEPRECATED → ACTIVE before the sunset is a
 * rollback: it needs a reason, clears the sunset, and passes no gate (the version was live before).
 */
export async function activateFeatureVersion(
  context: CommandContext,
  principal: Principal,
  ref: string,
  options: ActivationOptions = {},
): Promise<FeatureVersion> {
  const reason = freeText(options.reason, 'reason');
  if (options.force && !reason) throw badInput('force: true needs a reason, kept in the audit log');
  const action = options.force ? 'version.activate.forced' : 'version.activate';
  const gate = context.activationGate;
  // Before the transaction, which on PGlite holds the only connection the gate's preparation could use.
  if (!options.force) await gate.prepare(ref);
  return moveVersion(context, principal, ref, action, reason, async (current, tx) => {
    if (current.status === 'DEPRECATED') {
      if (!reason) throw badInput(`${ref} is DEPRECATED: activating it again is a rollback and needs a reason, kept in the audit log`);
      return { status: 'ACTIVE', sunsetAt: null, action: 'version.reactivated' };
    }
    if (current.status === 'RETIRED') {
      throw conflict(`${ref} is RETIRED (sunset ${current.sunsetAt?.toISOString()}): RETIRED is final, it cannot be activated again`);
    }
    if (current.status !== 'DRAFT') {
      throw conflict(`${ref} is ${current.status}; only a DRAFT version (or a DEPRECATED one before its sunset) can be activated`);
    }
    if (!options.force) await gate.admit(tx, ref);
    return { status: 'ACTIVE' };
  });
}

/**
 * DRAFT or ACTIVE → DEPRECATED with a sunset; the version turns RETIRED when the sunset passes (a sunset
 * in the past retires it at once). A DEPRECATED version may have its sunset moved until it retires.
 */
export async function deprecateFeatureVersion(
  context: CommandContext,
  principal: Principal,
  ref: string,
  sunsetAt: Date,
  reason?: string | null,
): Promise<FeatureVersion> {
  checkTime(sunsetAt, 'sunsetAt');
  return moveVersion(context, principal, ref, 'version.deprecate', freeText(reason, 'reason'), (current) => {
    if (current.status === 'RETIRED') throw conflict(`${ref} is already RETIRED`);
    return { status: 'DEPRECATED', sunsetAt };
  });
}

/** Locks the version's row, checks its feature team's role, asks `next` for the move, and writes it with its audit. */
async function moveVersion(
  context: CommandContext,
  principal: Principal,
  ref: string,
  action: string,
  reason: string | null | undefined,
  next: (current: FeatureVersion, tx: Tx) => Promise<VersionMove> | VersionMove,
): Promise<FeatureVersion> {
  const { feature, version } = parseRef(ref);
  return transact(context, async (tx) => {
    const [row] = await tx
      .select({ version: featureVersions, owner: features.owner })
      .from(featureVersions)
      .innerJoin(features, eq(features.name, featureVersions.feature))
      .where(and(eq(featureVersions.feature, feature), eq(featureVersions.version, version)))
      .for('update');
    if (!row) throw notFound(`feature version ${ref} is not registered`);
    requireRole(principal, 'owner', row.owner, `changing the lifecycle of ${ref}`);
    const { action: movedAs = action, ...change } = await next(versionFromRow(row.version, context.now()), tx);
    const [updated] = await tx
      .update(featureVersions)
      .set(change)
      .where(and(eq(featureVersions.feature, feature), eq(featureVersions.version, version)))
      .returning();
    await recordAudit(tx, principal, movedAs, `version:${ref}`, row.version, { ...updated, reason: reason ?? null });
    return versionFromRow(updated!, context.now());
  });
}

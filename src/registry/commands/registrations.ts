// Registering entities, feature versions, producers and consumers. Registering again what is registered
// answers with it (a repeated request is harmless); what would change an existing thing in a way its owner did
// not choose is a CONFLICT. Versions are never changed in place: a new definition is a new version.
import { and, asc, eq, sql } from 'drizzle-orm';
import { conflict, notFound } from '../../core/errors.js';
import { requireAnyTeamRole, requireRole, requireRoleInAny, type Principal } from '../../core/principal.js';
import { checkName, freeText } from '../../core/text.js';
import { recordAudit } from '../../db/audit.js';
import type { Tx } from '../../db/client.js';
import { consumerBindings, entities, features, featureVersions } from '../../db/schema.js';
import { compareDefinitions, type Compatibility } from '../compatibility.js';
import { canonicalDefinition, definitionHash, type FeatureVersionInput } from '../definition.js';
import { liveVersion, type Entity, type FeatureVersion, type Party } from '../model.js';
import { PARTY_TABLES, versionFromRow, type PartyKind, type VersionRow } from '../rows.js';
import { transact, type CommandContext } from './transaction.js';

/** What registering a version answers: the version, and how it relates to the feature's live (latest ACTIVE) one. */
export interface RegisteredVersion {
  version: FeatureVersion;
  created: boolean;
  /** Null for a feature's first version: nothing to compare with. */
  compatibility: Compatibility | null;
  reasons: string[];
  comparedWith: FeatureVersion | null;
  /** Consumers pinned to `comparedWith`: the ones a BREAKING change would hurt if they moved blindly. */
  pinnedConsumers: string[];
}

export interface EntityInput {
  name: string;
  keyName: string;
  description?: string | null;
  owner?: string | null;
}

export interface PartyInput {
  name: string;
  owner: string;
  description?: string | null;
}

/**
 * Registers an entity, owned by `owner` (the caller must be its owner), else by the caller's team (an admin's
 * entity is admin-owned). Registering the same one again returns it; a different key name is a CONFLICT; a
 * new description or owner needs the entity's owner team (or an admin), so no team rewrites a shared entity.
 */
export async function registerEntity(
  context: CommandContext,
  principal: Principal,
  input: EntityInput,
): Promise<Entity> {
  requireAnyTeamRole(principal, 'owner', 'registering an entity');
  const name = checkName(input.name, 'entity name');
  const keyName = checkName(input.keyName, 'keyName');
  const description = freeText(input.description, 'description');
  const owner = input.owner == null ? undefined : checkName(input.owner, 'owner');
  if (owner !== undefined) requireRole(principal, 'owner', owner, `registering entity ${name} for team ${owner}`);
  return transact(context, async (tx) => {
    const [existing] = await tx.select().from(entities).where(eq(entities.name, name)).for('update');
    if (existing) {
      if (existing.keyName !== keyName) {
        throw conflict(`entity ${name} exists with key name ${existing.keyName}, not ${keyName}`);
      }
      const change = {
        ...(input.description !== undefined && existing.description !== description ? { description } : {}),
        ...(owner !== undefined && existing.owner !== owner ? { owner } : {}),
      };
      if (Object.keys(change).length === 0) return existing;
      requireRoleInAny(principal, 'owner', [existing.owner], `changing entity ${name} (${existing.owner ? `owned by team ${existing.owner}` : 'admin-owned'})`);
      const [updated] = await tx.update(entities).set(change).where(eq(entities.name, name)).returning();
      await recordAudit(tx, principal, 'entity.describe', `entity:${name}`, existing, updated);
      return updated!;
    }
    const created = { name, keyName, description, owner: owner ?? (principal.role === 'admin' ? null : principal.team) };
    const [row] = await tx.insert(entities).values(created).returning();
    await recordAudit(tx, principal, 'entity.register', `entity:${name}`, null, row);
    return row!;
  });
}

/**
 * Registers a feature version. The same definition as an existing version returns that version
 * (`created: false`); a different one becomes version N+1, DRAFT (the feature's first version is ACTIVE).
 */
export async function registerFeatureVersion(
  context: CommandContext,
  principal: Principal,
  input: FeatureVersionInput,
): Promise<RegisteredVersion> {
  const featureName = checkName(input.feature, 'feature name');
  const entityName = checkName(input.entity, 'entity name');
  const owner = checkName(input.owner, 'owner');
  const definition = canonicalDefinition(input);
  const hash = definitionHash(definition);
  requireRole(principal, 'owner', owner, `registering a version of ${featureName}`);
  const toVersion = (row: VersionRow) => versionFromRow(row, context.now());

  return transact(context, async (tx) => {
    const [entity] = await tx.select().from(entities).where(eq(entities.name, entityName));
    if (!entity) throw notFound(`entity ${entityName} is not registered: register it first with registerEntity`);

    await tx.insert(features).values({ name: featureName, entity: entityName, owner }).onConflictDoNothing();
    // The row lock serialises registrations of one feature: the identical-definition check and the
    // next version number are both decided under it.
    const [feature] = await tx.select().from(features).where(eq(features.name, featureName)).for('update');
    if (feature!.entity !== entityName) {
      throw conflict(`feature ${featureName} belongs to entity ${feature!.entity}, not ${entityName}: a feature describes one entity`);
    }
    if (feature!.owner !== owner) {
      throw conflict(`feature ${featureName} is owned by ${feature!.owner}, not ${owner}`);
    }

    const [identical] = await tx
      .select()
      .from(featureVersions)
      .where(and(eq(featureVersions.feature, featureName), eq(featureVersions.definitionHash, hash)));
    if (identical) {
      const version = toVersion(identical);
      return { version, created: false, compatibility: 'IDENTICAL', reasons: [], comparedWith: version, pinnedConsumers: await pinnedTo(tx, version) };
    }
    const live = liveVersion((await tx.select().from(featureVersions).where(eq(featureVersions.feature, featureName))).map(toVersion));

    const [{ latestVersion }] = (await tx
      .update(features)
      .set({ latestVersion: sql`${features.latestVersion} + 1` })
      .where(eq(features.name, featureName))
      .returning({ latestVersion: features.latestVersion })) as [{ latestVersion: number }];
    const [row] = await tx
      .insert(featureVersions)
      .values({
        feature: featureName,
        version: latestVersion,
        ...definition,
        definitionHash: hash,
        status: latestVersion === 1 ? 'ACTIVE' : 'DRAFT',
      })
      .returning();
    const version = toVersion(row!);
    await recordAudit(tx, principal, 'version.register', `version:${version.ref}`, null, row);
    if (!live) return { version, created: true, compatibility: null, reasons: [], comparedWith: null, pinnedConsumers: [] };
    return { version, created: true, ...compareDefinitions(live, definition), comparedWith: live, pinnedConsumers: await pinnedTo(tx, live) };
  });
}

/** Registers a producer or consumer; again with the same owner updates its description, another owner is a CONFLICT. */
export async function registerParty(
  context: CommandContext,
  principal: Principal,
  kind: PartyKind,
  input: PartyInput,
): Promise<Party> {
  const table = PARTY_TABLES[kind];
  const name = checkName(input.name, `${kind} name`);
  const owner = checkName(input.owner, 'owner');
  const description = freeText(input.description, 'description');
  requireRole(principal, 'owner', owner, `registering ${kind} ${name}`);
  return transact(context, async (tx) => {
    const [existing] = await tx.select().from(table).where(eq(table.name, name)).for('update');
    if (existing) {
      if (existing.owner !== owner) throw conflict(`${kind} ${name} is owned by ${existing.owner}, not ${owner}`);
      if (existing.description === description || input.description === undefined) return existing;
      const [updated] = await tx.update(table).set({ description }).where(eq(table.name, name)).returning();
      await recordAudit(tx, principal, `${kind}.describe`, `${kind}:${name}`, existing, updated);
      return updated!;
    }
    const [created] = await tx.insert(table).values({ name, owner, description }).returning();
    await recordAudit(tx, principal, `${kind}.register`, `${kind}:${name}`, null, created);
    return created!;
  });
}

/** The consumers pinned to `version`, by name. */
async function pinnedTo(tx: Tx, version: FeatureVersion): Promise<string[]> {
  const rows = await tx
    .select({ consumer: consumerBindings.consumer })
    .from(consumerBindings)
    .where(and(eq(consumerBindings.feature, version.feature), eq(consumerBindings.version, version.version)))
    .orderBy(asc(consumerBindings.consumer));
  return rows.map((r) => r.consumer);
}

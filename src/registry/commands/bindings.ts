// Binding producers (what they may write) and consumers (the one version of each feature they read). Who may
// change a binding depends on what it grants: a producer's binding is the feature team's grant, a consumer's
// pin its own team's choice. Every check runs before anything is written.
import { and, eq, or, sql } from 'drizzle-orm';
import { badInput, conflict, notFound } from '../../core/errors.js';
import { requireAnyTeamRole, requireRole, requireRoleInAny, type Principal } from '../../core/principal.js';
import { checkName } from '../../core/text.js';
import { recordAudit } from '../../db/audit.js';
import type { Tx } from '../../db/client.js';
import { consumerBindings, producerBindings } from '../../db/schema.js';
import { formatRef, parseRef, type FeatureVersion, type Party } from '../model.js';
import { PARTY_TABLES, type PartyKind } from '../rows.js';
import { queriesIn, transact, type CommandContext } from './transaction.js';

/**
 * Binds a producer to the versions it writes (adds to its bindings; binding twice is a no-op). A binding is
 * a grant to write the feature's values, so it is the feature's team that gives it, whoever owns the producer.
 */
export async function bindProducer(context: CommandContext, principal: Principal, producerName: string, refs: readonly string[]): Promise<Party> {
  const authorize = (_: Party, version: FeatureVersion, featureOwner: string) =>
    requireRole(principal, 'owner', featureOwner, `binding producer ${producerName} to ${version.ref} (a feature of team ${featureOwner})`);
  return bind(context, principal, 'producer', producerName, refs, authorize, async (tx, versions) => {
    refuseRetired(versions);
    const bound = await boundRefs(tx, producerName);
    const added = versions.filter((v) => !bound.has(v.ref));
    if (added.length === 0) return;
    await tx
      .insert(producerBindings)
      .values(added.map((v) => ({ producer: producerName, feature: v.feature, version: v.version })));
    await recordAudit(tx, principal, 'producer.bind', `producer:${producerName}`, [...bound].sort(), [
      ...[...bound, ...added.map((v) => v.ref)].sort(),
    ]);
  });
}

/**
 * Removes a producer's bindings to `refs` (refs it is not bound to are left alone). The feature's team may
 * withdraw its grant, and the producer's team may give it up; an admin may do both.
 */
export async function unbindProducer(context: CommandContext, principal: Principal, producerName: string, refs: readonly string[]): Promise<Party> {
  const authorize = (producer: Party, version: FeatureVersion, featureOwner: string) =>
    requireRoleInAny(principal, 'owner', [featureOwner, producer.owner], `unbinding producer ${producerName} from ${version.ref}`);
  return bind(context, principal, 'producer', producerName, refs, authorize, async (tx, versions) => {
    const bound = await boundRefs(tx, producerName);
    const removed = versions.filter((v) => bound.has(v.ref));
    if (removed.length === 0) return;
    await tx
      .delete(producerBindings)
      .where(
        and(
          eq(producerBindings.producer, producerName),
          or(...removed.map((v) => and(eq(producerBindings.feature, v.feature), eq(producerBindings.version, v.version)))),
        ),
      );
    const gone = new Set(removed.map((v) => v.ref));
    await recordAudit(tx, principal, 'producer.unbind', `producer:${producerName}`, [...bound].sort(), [...bound].filter((r) => !gone.has(r)).sort());
  });
}

/**
 * Pins a consumer to one version of each feature in `refs`. A consumer holds exactly one version per
 * feature: binding another version of a feature replaces the old binding. DRAFT versions are refused
 * (a model must not read a definition that is not live yet).
 */
export async function bindConsumer(context: CommandContext, principal: Principal, consumerName: string, refs: readonly string[]): Promise<Party> {
  const perFeature = new Map<string, string>();
  for (const ref of new Set(refs)) {
    const { feature } = parseRef(ref);
    const other = perFeature.get(feature);
    if (other) throw badInput(`${other} and ${ref} are two versions of one feature: a consumer reads exactly one`);
    perFeature.set(feature, ref);
  }
  // A consumer only reads, and every feature is readable: its own team decides what it is pinned to.
  const authorize = (consumer: Party) => requireRole(principal, 'owner', consumer.owner, `binding consumer ${consumerName}`);
  return bind(context, principal, 'consumer', consumerName, refs, authorize, async (tx, versions) => {
    refuseRetired(versions);
    const draft = versions.find((v) => v.status === 'DRAFT');
    if (draft) {
      throw conflict(`${draft.ref} is a DRAFT: activate it before binding a consumer to it`);
    }
    const existing = await tx
      .select({ feature: consumerBindings.feature, version: consumerBindings.version })
      .from(consumerBindings)
      .where(eq(consumerBindings.consumer, consumerName));
    const before = new Map(existing.map((b) => [b.feature, b.version]));
    const changed = versions.filter((v) => before.get(v.feature) !== v.version);
    if (changed.length === 0) return;
    await tx
      .insert(consumerBindings)
      .values(changed.map((v) => ({ consumer: consumerName, feature: v.feature, version: v.version })))
      .onConflictDoUpdate({
        target: [consumerBindings.consumer, consumerBindings.feature],
        set: { version: sql`excluded.version`, createdAt: sql`now()` },
      });
    const after = new Map(before);
    for (const v of changed) after.set(v.feature, v.version);
    const refsOf = (m: Map<string, number>) => [...m].map(([f, n]) => formatRef(f, n)).sort();
    await recordAudit(tx, principal, 'consumer.bind', `consumer:${consumerName}`, refsOf(before), refsOf(after));
  });
}

/**
 * The part of changing bindings that producers and consumers share: lookups, unknown refs (NOT_FOUND), and
 * `authorize` for each version with its feature's owner team, all before `apply` writes anything.
 */
async function bind(
  context: CommandContext,
  principal: Principal,
  kind: PartyKind,
  name: string,
  refs: readonly string[],
  authorize: (party: Party, version: FeatureVersion, featureOwner: string) => void,
  apply: (tx: Tx, versions: FeatureVersion[]) => Promise<void>,
): Promise<Party> {
  checkName(name, `${kind} name`);
  if (refs.length === 0) throw badInput('refs is empty: name at least one feature version, e.g. ["click_rate_7d@2"]');
  const uniqueRefs = [...new Set(refs)];
  uniqueRefs.forEach(parseRef);
  const table = PARTY_TABLES[kind];
  requireAnyTeamRole(principal, 'owner', `changing the bindings of ${kind} ${name}`);
  return transact(context, async (tx) => {
    const [party] = await tx.select().from(table).where(eq(table.name, name)).for('update');
    if (!party) throw notFound(`${kind} ${name} is not registered: register it first with register${capitalise(kind)}`);
    const queries = queriesIn(context, tx);
    const versions = await queries.versions(uniqueRefs);
    const found = new Set(versions.map((v) => v.ref));
    const unknown = uniqueRefs.filter((r) => !found.has(r));
    if (unknown.length > 0) throw notFound(`feature version ${unknown.join(', ')} is not registered`);
    const owners = new Map((await queries.features([...new Set(versions.map((v) => v.feature))])).map((f) => [f.name, f.owner]));
    for (const version of versions) authorize(party, version, owners.get(version.feature)!);
    await apply(tx, versions);
    return party;
  });
}

/** A RETIRED version is no longer served: nothing new is bound to it (CONFLICT). */
function refuseRetired(versions: FeatureVersion[]): void {
  const retired = versions.find((v) => v.status === 'RETIRED');
  if (retired) throw conflict(`${retired.ref} is RETIRED (sunset ${retired.sunsetAt?.toISOString()}): bind a live version`);
}

/** The refs a producer is bound to now. */
async function boundRefs(tx: Tx, producer: string): Promise<Set<string>> {
  const rows = await tx
    .select({ feature: producerBindings.feature, version: producerBindings.version })
    .from(producerBindings)
    .where(eq(producerBindings.producer, producer));
  return new Set(rows.map((b) => formatRef(b.feature, b.version)));
}

const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1);

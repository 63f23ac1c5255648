// The registry: entities, features, immutable feature versions, producers, consumers and their bindings.
// Every rule about what may be registered, bound or moved through the lifecycle lives here; every change is
// one transaction with its audit record, so a refused request changes nothing.
import { and, asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { recordAudit } from '../db/audit.js';
import { sqlState, type Db, type Tx } from '../db/client.js';
import {
  consumerBindings,
  consumers,
  entities,
  features,
  featureVersions,
  producerBindings,
  producers,
  shadowWrites,
  validationReports,
} from '../db/schema.js';
import { badInput, CodedError, conflict, notFound } from '../core/errors.js';
import { readAuditLog, type AuditEntry, type AuditQuery } from './audit-trail.js';
import { requireAnyTeamRole, requireRole, requireRoleInAny, type Principal } from '../core/principal.js';
import { freeText } from '../core/text.js';
import { compareDefinitions, type Compatibility } from './compatibility.js';
import { canonicalDefinition, definitionHash, sortKeysDeep, type FeatureVersionInput } from './definition.js';
import { checkTime, effectiveStatus, featureProductions, liveVersion, formatRef, parseRef, type BindingMismatch, type Entity, type Feature, type FeatureVersion, type LastWrites, type Party, type ProducerBinding, type ProducerBindingRow, type ValueType, type VersionStatus } from './model.js';
import { checkName } from '../core/text.js';

export type VersionRow = typeof featureVersions.$inferSelect;
type PartyKind = 'producer' | 'consumer';

const PARTY_TABLES = { producer: producers, consumer: consumers } as const;

export interface RegistryOptions {
  /** The clock, so tests can move past a sunset without sleeping. */
  now?: () => Date;
  /** Called after every committed change (the registry cache of this instance drops its copy). */
  onChange?: () => void;
  /** When each producer last wrote each version (without it, no producer has written anything). */
  lastWrites?: () => Promise<LastWrites>;
  /**
   * Stores the shadow-write samples this instance still buffers, so that the activation gate judges every
   * shadow write made before it. Handed in by the composition root: the registry knows nothing of monitoring.
   */
  flushShadowWrites?: () => Promise<void>;
}

export class Registry {
  private readonly now: () => Date;
  private readonly onChange: () => void;
  private readonly lastWrites: () => Promise<LastWrites>;
  private readonly flushShadowWrites: () => Promise<void>;

  constructor(
    private readonly db: Db,
    options: RegistryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.onChange = options.onChange ?? (() => {});
    this.lastWrites = options.lastWrites ?? (async () => new Map());
    this.flushShadowWrites = options.flushShadowWrites ?? (async () => {});
  }

  // ---- reads -------------------------------------------------------------------------------------------

  /** Entities by name; all of them, by name, without `names`. */
  async entities(names?: readonly string[]): Promise<Entity[]> {
    if (names === undefined) return this.db.select().from(entities).orderBy(asc(entities.name));
    if (names.length === 0) return [];
    return this.db.select().from(entities).where(inArray(entities.name, [...names]));
  }

  async entity(name: string): Promise<Entity | undefined> {
    return (await this.entities([name]))[0];
  }

  async features(names?: readonly string[]): Promise<Feature[]> {
    const query = this.db.select(featureColumns).from(features);
    if (names === undefined) return query.orderBy(asc(features.name));
    if (names.length === 0) return [];
    return query.where(inArray(features.name, [...names]));
  }

  async feature(name: string): Promise<Feature | undefined> {
    return (await this.features([name]))[0];
  }

  async featuresOfEntities(entityNames: readonly string[]): Promise<Feature[]> {
    if (entityNames.length === 0) return [];
    return this.db
      .select(featureColumns)
      .from(features)
      .where(inArray(features.entity, [...entityNames]))
      .orderBy(asc(features.name));
  }

  async versionsOfFeatures(featureNames: readonly string[]): Promise<FeatureVersion[]> {
    if (featureNames.length === 0) return [];
    const rows = await this.db
      .select()
      .from(featureVersions)
      .where(inArray(featureVersions.feature, [...featureNames]))
      .orderBy(asc(featureVersions.feature), asc(featureVersions.version));
    return rows.map((row) => this.toVersion(row));
  }

  /** Versions by ref; unknown refs are absent from the result (malformed ones throw BAD_USER_INPUT). */
  async versions(refs: readonly string[]): Promise<FeatureVersion[]> {
    if (refs.length === 0) return [];
    const keys = refs.map(parseRef);
    const rows = await this.db
      .select()
      .from(featureVersions)
      .where(
        sql`(${featureVersions.feature}, ${featureVersions.version}) in (${sql.join(
          keys.map((k) => sql`(${k.feature}, ${k.version})`),
          sql`, `,
        )})`,
      );
    return rows.map((row) => this.toVersion(row));
  }

  async version(ref: string): Promise<FeatureVersion | undefined> {
    return (await this.versions([ref]))[0];
  }

  async parties(kind: PartyKind, names?: readonly string[]): Promise<Party[]> {
    const table = PARTY_TABLES[kind];
    const query = this.db.select().from(table);
    if (names === undefined) return query.orderBy(asc(table.name));
    if (names.length === 0) return [];
    return query.where(inArray(table.name, [...names]));
  }

  /** For each producer or consumer name, the versions it is bound to. */
  async versionsOfParties(kind: PartyKind, names: readonly string[]): Promise<Map<string, FeatureVersion[]>> {
    const bindings = kind === 'producer' ? producerBindings : consumerBindings;
    const owner = kind === 'producer' ? producerBindings.producer : consumerBindings.consumer;
    const byName = new Map<string, FeatureVersion[]>(names.map((n) => [n, []]));
    if (names.length === 0) return byName;
    const rows = await this.db
      .select({ party: owner, version: featureVersions })
      .from(bindings)
      .innerJoin(
        featureVersions,
        and(eq(featureVersions.feature, bindings.feature), eq(featureVersions.version, bindings.version)),
      )
      .where(inArray(owner, [...names]))
      .orderBy(asc(bindings.feature), asc(bindings.version));
    for (const row of rows) byName.get(row.party)?.push(this.toVersion(row.version));
    return byName;
  }

  /** For each version ref, the producers or consumers bound to it. */
  async partiesOfVersions(kind: PartyKind, refs: readonly string[]): Promise<Map<string, Party[]>> {
    const table = PARTY_TABLES[kind];
    const bindings = kind === 'producer' ? producerBindings : consumerBindings;
    const owner = kind === 'producer' ? producerBindings.producer : consumerBindings.consumer;
    const byRef = new Map<string, Party[]>(refs.map((r) => [r, []]));
    if (refs.length === 0) return byRef;
    const keys = refs.map(parseRef);
    const rows = await this.db
      .select({ feature: bindings.feature, version: bindings.version, party: table })
      .from(bindings)
      .innerJoin(table, eq(table.name, owner))
      .where(
        sql`(${bindings.feature}, ${bindings.version}) in (${sql.join(
          keys.map((k) => sql`(${k.feature}, ${k.version})`),
          sql`, `,
        )})`,
      )
      .orderBy(asc(table.name));
    for (const row of rows) byRef.get(formatRef(row.feature, row.version))?.push(row.party);
    return byRef;
  }

  /** The audit log as `principal` may read it, newest first. */
  auditLog(principal: Principal, query: AuditQuery): Promise<AuditEntry[]> {
    return readAuditLog(this.db, principal, query);
  }

  /**
   * For each producer name, its bindings as they are now: when it last wrote each version, and whether it has
   * moved on from it (FeatureProduction has the rule).
   */
  async producerBindings(names: readonly string[]): Promise<Map<string, ProducerBinding[]>> {
    const byName = new Map<string, ProducerBinding[]>(names.map((n) => [n, []]));
    if (names.length === 0) return byName;
    const [rows, writes] = await Promise.all([
      this.db
        .select(bindingColumns)
        .from(producerBindings)
        .where(inArray(producerBindings.producer, [...names]))
        .orderBy(asc(producerBindings.feature), asc(producerBindings.version)),
      this.lastWrites(),
    ]);
    const bindings = rows.map(bindingRow);
    const versions = await this.versionsOfFeatures([...new Set(rows.map((r) => r.feature))]);
    // By feature, then version: the order of `versions` and of `rows`.
    for (const production of featureProductions(versions, bindings, writes, this.now()).values()) {
      for (const binding of production.bindings) byName.get(binding.producer)?.push(binding);
    }
    return byName;
  }

  /**
   * Consumer bindings that will hurt a model: the pinned version is not produced (no producer is bound to it,
   * or every bound producer has moved on) while another version of the feature is, or it is deprecated or
   * retired.
   */
  async bindingMismatches(): Promise<BindingMismatch[]> {
    const [pinned, bindingRows, writes] = await Promise.all([
      this.db
        .select({ consumer: consumerBindings.consumer, version: featureVersions })
        .from(consumerBindings)
        .innerJoin(
          featureVersions,
          and(eq(featureVersions.feature, consumerBindings.feature), eq(featureVersions.version, consumerBindings.version)),
        )
        .orderBy(asc(consumerBindings.consumer), asc(consumerBindings.feature)),
      this.db.select(bindingColumns).from(producerBindings),
      this.lastWrites(),
    ]);
    const now = this.now();
    const versions = await this.versionsOfFeatures([...new Set(pinned.map((p) => p.version.feature))]);
    const productions = featureProductions(versions, bindingRows.map(bindingRow), writes, now);
    const mismatches: BindingMismatch[] = [];
    for (const row of pinned) {
      const version = this.toVersion(row.version);
      const production = productions.get(version.feature);
      const reasons: string[] = [];
      const mismatch = production?.mismatch(version);
      if (mismatch) reasons.push(mismatch);
      if (version.status === 'DEPRECATED') {
        reasons.push(`${version.ref} is deprecated and retires at ${version.sunsetAt?.toISOString()}`);
      }
      if (version.status === 'RETIRED') {
        reasons.push(`${version.ref} is retired since ${version.sunsetAt?.toISOString()}: its values are no longer served`);
      }
      if (reasons.length > 0) {
        mismatches.push({ consumer: row.consumer, pinned: version, produced: production?.produced ?? [], reason: reasons.join('; ') });
      }
    }
    return mismatches;
  }

  // ---- changes -----------------------------------------------------------------------------------------

  /**
   * Registers an entity, owned by `owner` (the caller must be its owner), else by the caller's team (an admin's
   * entity is admin-owned). Registering the same one again returns it; a different key name is a CONFLICT; a
   * new description or owner needs the entity's owner team (or an admin), so no team rewrites a shared entity.
   */
  async registerEntity(
    principal: Principal,
    input: { name: string; keyName: string; description?: string | null; owner?: string | null },
  ): Promise<Entity> {
    requireAnyTeamRole(principal, 'owner', 'registering an entity');
    const name = checkName(input.name, 'entity name');
    const keyName = checkName(input.keyName, 'keyName');
    const description = freeText(input.description, 'description');
    const owner = input.owner == null ? undefined : checkName(input.owner, 'owner');
    if (owner !== undefined) requireRole(principal, 'owner', owner, `registering entity ${name} for team ${owner}`);
    return this.transact(async (tx) => {
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
        await audit(tx, principal, 'entity.describe', `entity:${name}`, existing, updated);
        return updated!;
      }
      const created = { name, keyName, description, owner: owner ?? (principal.role === 'admin' ? null : principal.team) };
      const [row] = await tx.insert(entities).values(created).returning();
      await audit(tx, principal, 'entity.register', `entity:${name}`, null, row);
      return row!;
    });
  }

  /**
   * Registers a feature version. The same definition as an existing version returns that version
   * (`created: false`); a different one becomes version N+1, DRAFT (the feature's first version is ACTIVE).
   */
  async registerFeatureVersion(
    principal: Principal,
    input: FeatureVersionInput,
  ): Promise<RegisteredVersion> {
    const featureName = checkName(input.feature, 'feature name');
    const entityName = checkName(input.entity, 'entity name');
    const owner = checkName(input.owner, 'owner');
    const definition = canonicalDefinition(input);
    const hash = definitionHash(definition);
    requireRole(principal, 'owner', owner, `registering a version of ${featureName}`);

    return this.transact(async (tx) => {
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
        const version = this.toVersion(identical);
        return { version, created: false, compatibility: 'IDENTICAL', reasons: [], comparedWith: version, pinnedConsumers: await pinnedTo(tx, version) };
      }
      const live = liveVersion(
        (await tx.select().from(featureVersions).where(eq(featureVersions.feature, featureName))).map((row) => this.toVersion(row)),
      );

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
      const version = this.toVersion(row!);
      await audit(tx, principal, 'version.register', `version:${version.ref}`, null, row);
      if (!live) return { version, created: true, compatibility: null, reasons: [], comparedWith: null, pinnedConsumers: [] };
      return { version, created: true, ...compareDefinitions(live, definition), comparedWith: live, pinnedConsumers: await pinnedTo(tx, live) };
    });
  }

  /**
   * DRAFT → ACTIVE, once validated: the version needs a passing validation report newer than its last shadow
   * write, unless `force` is set with a reason (both audited). DEPRECATED → ACTIVE before the sunset is a
   * rollback: it needs a reason, clears the sunset, and needs no validation (the version was live before).
   */
  async activateFeatureVersion(
    principal: Principal,
    ref: string,
    options: { force?: boolean | null; reason?: string | null } = {},
  ): Promise<FeatureVersion> {
    const reason = freeText(options.reason, 'reason');
    if (options.force && !reason) throw badInput('force: true needs a reason, kept in the audit log');
    const action = options.force ? 'version.activate.forced' : 'version.activate';
    // Before the transaction, which on PGlite holds the only connection the flush could use.
    if (!options.force) {
      await this.flushShadowWrites().catch((error: unknown) => {
        throw new CodedError(
          'UNAVAILABLE',
          `the shadow writes to ${ref} held by this instance could not be stored (${(error as Error).message}), so its validation cannot be checked against them: retry shortly`,
        );
      });
    }
    return this.moveVersion(principal, ref, action, reason, async (current, tx) => {
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
      if (!options.force) await requirePassingValidation(tx, ref);
      return { status: 'ACTIVE' };
    });
  }

  /**
   * DRAFT or ACTIVE → DEPRECATED with a sunset; the version turns RETIRED when the sunset passes (a sunset
   * in the past retires it at once). A DEPRECATED version may have its sunset moved until it retires.
   */
  async deprecateFeatureVersion(
    principal: Principal,
    ref: string,
    sunsetAt: Date,
    reason?: string | null,
  ): Promise<FeatureVersion> {
    checkTime(sunsetAt, 'sunsetAt');
    return this.moveVersion(principal, ref, 'version.deprecate', freeText(reason, 'reason'), (current) => {
      if (current.status === 'RETIRED') throw conflict(`${ref} is already RETIRED`);
      return { status: 'DEPRECATED', sunsetAt };
    });
  }

  private async moveVersion(
    principal: Principal,
    ref: string,
    action: string,
    reason: string | null | undefined,
    next: (current: FeatureVersion, tx: Tx) => Promise<VersionMove> | VersionMove,
  ): Promise<FeatureVersion> {
    const { feature, version } = parseRef(ref);
    return this.transact(async (tx) => {
      const [row] = await tx
        .select({ version: featureVersions, owner: features.owner })
        .from(featureVersions)
        .innerJoin(features, eq(features.name, featureVersions.feature))
        .where(and(eq(featureVersions.feature, feature), eq(featureVersions.version, version)))
        .for('update');
      if (!row) throw notFound(`feature version ${ref} is not registered`);
      requireRole(principal, 'owner', row.owner, `changing the lifecycle of ${ref}`);
      const { action: movedAs = action, ...change } = await next(this.toVersion(row.version), tx);
      const [updated] = await tx
        .update(featureVersions)
        .set(change)
        .where(and(eq(featureVersions.feature, feature), eq(featureVersions.version, version)))
        .returning();
      await audit(tx, principal, movedAs, `version:${ref}`, row.version, { ...updated, reason: reason ?? null });
      return this.toVersion(updated!);
    });
  }

  /** Registers a producer or consumer; again with the same owner updates its description, another owner is a CONFLICT. */
  async registerParty(
    principal: Principal,
    kind: PartyKind,
    input: { name: string; owner: string; description?: string | null },
  ): Promise<Party> {
    const table = PARTY_TABLES[kind];
    const name = checkName(input.name, `${kind} name`);
    const owner = checkName(input.owner, 'owner');
    const description = freeText(input.description, 'description');
    requireRole(principal, 'owner', owner, `registering ${kind} ${name}`);
    return this.transact(async (tx) => {
      const [existing] = await tx.select().from(table).where(eq(table.name, name)).for('update');
      if (existing) {
        if (existing.owner !== owner) throw conflict(`${kind} ${name} is owned by ${existing.owner}, not ${owner}`);
        if (existing.description === description || input.description === undefined) return existing;
        const [updated] = await tx.update(table).set({ description }).where(eq(table.name, name)).returning();
        await audit(tx, principal, `${kind}.describe`, `${kind}:${name}`, existing, updated);
        return updated!;
      }
      const [created] = await tx.insert(table).values({ name, owner, description }).returning();
      await audit(tx, principal, `${kind}.register`, `${kind}:${name}`, null, created);
      return created!;
    });
  }

  /**
   * Binds a producer to the versions it writes (adds to its bindings; binding twice is a no-op). A binding is
   * a grant to write the feature's values, so it is the feature's team that gives it, whoever owns the producer.
   */
  async bindProducer(principal: Principal, producerName: string, refs: readonly string[]): Promise<Party> {
    const authorize = (_: Party, version: FeatureVersion, featureOwner: string) =>
      requireRole(principal, 'owner', featureOwner, `binding producer ${producerName} to ${version.ref} (a feature of team ${featureOwner})`);
    return this.bind(principal, 'producer', producerName, refs, authorize, async (tx, versions) => {
      const retired = versions.find((v) => v.status === 'RETIRED');
      if (retired) throw conflict(`${retired.ref} is RETIRED (sunset ${retired.sunsetAt?.toISOString()}): bind a live version`);
      const bound = await boundRefs(tx, producerName);
      const added = versions.filter((v) => !bound.has(v.ref));
      if (added.length === 0) return;
      await tx
        .insert(producerBindings)
        .values(added.map((v) => ({ producer: producerName, feature: v.feature, version: v.version })));
      await audit(tx, principal, 'producer.bind', `producer:${producerName}`, [...bound].sort(), [
        ...[...bound, ...added.map((v) => v.ref)].sort(),
      ]);
    });
  }

  /**
   * Removes a producer's bindings to `refs` (refs it is not bound to are left alone). The feature's team may
   * withdraw its grant, and the producer's team may give it up; an admin may do both.
   */
  async unbindProducer(principal: Principal, producerName: string, refs: readonly string[]): Promise<Party> {
    const authorize = (producer: Party, version: FeatureVersion, featureOwner: string) =>
      requireRoleInAny(principal, 'owner', [featureOwner, producer.owner], `unbinding producer ${producerName} from ${version.ref}`);
    return this.bind(principal, 'producer', producerName, refs, authorize, async (tx, versions) => {
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
      await audit(tx, principal, 'producer.unbind', `producer:${producerName}`, [...bound].sort(), [...bound].filter((r) => !gone.has(r)).sort());
    });
  }

  /**
   * Pins a consumer to one version of each feature in `refs`. A consumer holds exactly one version per
   * feature: binding another version of a feature replaces the old binding. DRAFT versions are refused
   * (a model must not read a definition that is not live yet).
   */
  async bindConsumer(principal: Principal, consumerName: string, refs: readonly string[]): Promise<Party> {
    const perFeature = new Map<string, string>();
    for (const ref of new Set(refs)) {
      const { feature } = parseRef(ref);
      const other = perFeature.get(feature);
      if (other) throw badInput(`${other} and ${ref} are two versions of one feature: a consumer reads exactly one`);
      perFeature.set(feature, ref);
    }
    // A consumer only reads, and every feature is readable: its own team decides what it is pinned to.
    const authorize = (consumer: Party) => requireRole(principal, 'owner', consumer.owner, `binding consumer ${consumerName}`);
    return this.bind(principal, 'consumer', consumerName, refs, authorize, async (tx, versions) => {
      const retired = versions.find((v) => v.status === 'RETIRED');
      if (retired) throw conflict(`${retired.ref} is RETIRED (sunset ${retired.sunsetAt?.toISOString()}): bind a live version`);
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
      await audit(tx, principal, 'consumer.bind', `consumer:${consumerName}`, refsOf(before), refsOf(after));
    });
  }

  /**
   * The part of changing bindings that producers and consumers share: lookups, unknown refs (NOT_FOUND), and
   * `authorize` for each version with its feature's owner team, all before `apply` writes anything.
   */
  private async bind(
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
    return this.transact(async (tx) => {
      const [party] = await tx.select().from(table).where(eq(table.name, name)).for('update');
      if (!party) throw notFound(`${kind} ${name} is not registered: register it first with register${capitalise(kind)}`);
      const registry = new Registry(tx, { now: this.now });
      const versions = await registry.versions(uniqueRefs);
      const found = new Set(versions.map((v) => v.ref));
      const unknown = uniqueRefs.filter((r) => !found.has(r));
      if (unknown.length > 0) throw notFound(`feature version ${unknown.join(', ')} is not registered`);
      const owners = new Map((await registry.features([...new Set(versions.map((v) => v.feature))])).map((f) => [f.name, f.owner]));
      for (const version of versions) authorize(party, version, owners.get(version.feature)!);
      await apply(tx, versions);
      return party;
    });
  }

  /**
   * Runs `work` as one transaction with a registry on it: every change made through that registry commits or
   * rolls back with the others (its own transactions become savepoints), with the same rules and audit.
   */
  atomically<T>(work: (registry: Registry, tx: Tx) => Promise<T>): Promise<T> {
    return this.transact((tx) => work(new Registry(tx, { now: this.now }), tx));
  }

  /**
   * A transaction, retried when a concurrent one won a race on a unique key (two first registrations of one
   * name at once): the retry then sees the winner's row and answers as for a repeated request.
   */
  private async transact<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.db.transaction(work);
        this.onChange();
        return result;
      } catch (error) {
        if (attempt >= 3 || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
      }
    }
  }

  private toVersion(row: VersionRow): FeatureVersion {
    return versionFromRow(row, this.now());
  }

}

/** A stored version as the domain sees it at `now` (its status turns RETIRED once its sunset has passed). */
export function versionFromRow(row: VersionRow, now: Date): FeatureVersion {
  return {
    ref: formatRef(row.feature, row.version),
    feature: row.feature,
    version: row.version,
    status: effectiveStatus(row.status as VersionStatus, row.sunsetAt, now),
    valueType: row.valueType as ValueType,
    window: row.window,
    maxAge: row.maxAge,
    aggregation: sortKeysDeep(row.aggregation) as Record<string, unknown> | null,
    description: row.description,
    nullable: row.nullable,
    definitionHash: row.definitionHash,
    createdAt: row.createdAt,
    sunsetAt: row.sunsetAt,
  };
}

/** A lifecycle move: the new status (and sunset), audited as `action` when it differs from the method's. */
interface VersionMove {
  status: VersionStatus;
  sunsetAt?: Date | null;
  action?: string;
}

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

/** Throws CONFLICT unless the DRAFT's latest validation report passed and is newer than its last shadow write. */
async function requirePassingValidation(tx: Tx, ref: string): Promise<void> {
  const [report] = await tx
    .select({ passed: validationReports.passed, createdAt: validationReports.createdAt })
    .from(validationReports)
    .where(eq(validationReports.ref, ref))
    .orderBy(desc(validationReports.id))
    .limit(1);
  const [shadow] = await tx.select().from(shadowWrites).where(eq(shadowWrites.ref, ref));
  const advice = 'run validateFeatureVersion after shadow-writing values, or activate with force: true and a reason';
  if (!report) throw conflict(`${ref} has not been validated: ${advice}`);
  if (!report.passed) throw conflict(`${ref} failed its last validation (${report.createdAt.toISOString()}): ${advice}`);
  if (shadow && shadow.lastWriteAt > report.createdAt) {
    throw conflict(`${ref} was shadow-written after its last validation (${report.createdAt.toISOString()}): validate it again`);
  }
}

/** The refs a producer is bound to now. */
async function boundRefs(tx: Tx, producer: string): Promise<Set<string>> {
  const rows = await tx
    .select({ feature: producerBindings.feature, version: producerBindings.version })
    .from(producerBindings)
    .where(eq(producerBindings.producer, producer));
  return new Set(rows.map((b) => formatRef(b.feature, b.version)));
}

async function pinnedTo(tx: Tx, version: FeatureVersion): Promise<string[]> {
  const rows = await tx
    .select({ consumer: consumerBindings.consumer })
    .from(consumerBindings)
    .where(and(eq(consumerBindings.feature, version.feature), eq(consumerBindings.version, version.version)))
    .orderBy(asc(consumerBindings.consumer));
  return rows.map((r) => r.consumer);
}

const bindingColumns = {
  producer: producerBindings.producer,
  feature: producerBindings.feature,
  version: producerBindings.version,
  boundAt: producerBindings.createdAt,
};

const bindingRow = (row: { producer: string; feature: string; version: number; boundAt: Date }): ProducerBindingRow => ({
  producer: row.producer,
  ref: formatRef(row.feature, row.version),
  boundAt: row.boundAt,
});

const featureColumns = {
  name: features.name,
  entity: features.entity,
  owner: features.owner,
  createdAt: features.createdAt,
};

// unique_violation, serialization_failure, deadlock_detected
const RETRYABLE = new Set(['23505', '40001', '40P01']);

const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const audit = recordAudit;

// The registry's reads: entities, features, versions, producers and consumers, their bindings and the audit
// log. A query changes nothing, so it runs on the database or inside a command's transaction alike (the
// commands read through it too, and see what their transaction has written so far).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Principal } from '../core/principal.js';
import type { Db } from '../db/client.js';
import { consumerBindings, entities, features, featureVersions, producerBindings } from '../db/schema.js';
import { readAuditLog, type AuditEntry, type AuditQuery } from './audit-trail.js';
import {
  featureProductions,
  formatRef,
  type BindingMismatch,
  type Entity,
  type Feature,
  type FeatureVersion,
  type LastWrites,
  type Party,
  type ProducerBinding,
} from './model.js';
import { bindingsOf, featureColumns, isOneOfRefs, PARTY_TABLES, producerBindingFromRow, versionFromRow, type PartyKind, type VersionRow } from './rows.js';

export class RegistryQueries {
  constructor(
    private readonly db: Db,
    /** The clock, so tests can move past a sunset without sleeping. */
    private readonly now: () => Date = () => new Date(),
    /** When each producer last wrote each version (without it, no producer has written anything). */
    private readonly lastWrites: () => Promise<LastWrites> = async () => new Map(),
  ) {}

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
    const rows = await this.db
      .select()
      .from(featureVersions)
      .where(isOneOfRefs(featureVersions.feature, featureVersions.version, refs));
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
    const bindings = bindingsOf(kind);
    const byName = new Map<string, FeatureVersion[]>(names.map((n) => [n, []]));
    if (names.length === 0) return byName;
    const rows = await this.db
      .select({ party: bindings.party, version: featureVersions })
      .from(bindings.table)
      .innerJoin(
        featureVersions,
        and(eq(featureVersions.feature, bindings.table.feature), eq(featureVersions.version, bindings.table.version)),
      )
      .where(inArray(bindings.party, [...names]))
      .orderBy(asc(bindings.table.feature), asc(bindings.table.version));
    for (const row of rows) byName.get(row.party)?.push(this.toVersion(row.version));
    return byName;
  }

  /** For each version ref, the producers or consumers bound to it. */
  async partiesOfVersions(kind: PartyKind, refs: readonly string[]): Promise<Map<string, Party[]>> {
    const table = PARTY_TABLES[kind];
    const bindings = bindingsOf(kind);
    const byRef = new Map<string, Party[]>(refs.map((r) => [r, []]));
    if (refs.length === 0) return byRef;
    const rows = await this.db
      .select({ feature: bindings.table.feature, version: bindings.table.version, party: table })
      .from(bindings.table)
      .innerJoin(table, eq(table.name, bindings.party))
      .where(isOneOfRefs(bindings.table.feature, bindings.table.version, refs))
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
        .select()
        .from(producerBindings)
        .where(inArray(producerBindings.producer, [...names]))
        .orderBy(asc(producerBindings.feature), asc(producerBindings.version)),
      this.lastWrites(),
    ]);
    const bindings = rows.map(producerBindingFromRow);
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
      this.db.select().from(producerBindings),
      this.lastWrites(),
    ]);
    const now = this.now();
    const versions = await this.versionsOfFeatures([...new Set(pinned.map((p) => p.version.feature))]);
    const productions = featureProductions(versions, bindingRows.map(producerBindingFromRow), writes, now);
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

  private toVersion(row: VersionRow): FeatureVersion {
    return versionFromRow(row, this.now());
  }
}

// An in-process copy of the registry for the hot paths (every online read and write), so they cost no
// PostgreSQL query. It is dropped whenever the registry changes: at once on this instance (the Registry calls
// invalidate() after each commit) and within milliseconds on every other one (the database's
// `NOTIFY registry_changed` trigger, LISTENed to here). The next use loads it again, whole.
import { asc } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { consumerBindings, consumers, features, featureVersions, producerBindings, producers } from '../db/schema.js';
import { effectiveStatus, formatRef, type FeatureVersion, type Party } from './model.js';
import { versionFromRow, type VersionRow } from './registry.js';

/** The start of time: a version mapped "as of" it has its stored status (no sunset has passed yet). */
const STORED = new Date(0);

export class RegistrySnapshot {
  /** Each version as stored; its status as of now is derived on every use (a sunset can pass at any time). */
  private readonly versions = new Map<string, FeatureVersion>();
  private readonly entityOfFeature = new Map<string, string>();
  private readonly producers = new Map<string, Party>();
  private readonly consumers = new Map<string, Party>();
  private readonly producerRefs = new Map<string, Set<string>>();
  private readonly consumerRefs = new Map<string, string[]>();
  /** feature → refs of its versions that some producer writes */
  private readonly producedRefs = new Map<string, Set<string>>();

  constructor(rows: {
    versions: VersionRow[];
    features: { name: string; entity: string }[];
    producers: Party[];
    consumers: Party[];
    producerBindings: { producer: string; feature: string; version: number }[];
    consumerBindings: { consumer: string; feature: string; version: number }[];
  }) {
    // Mapped once per snapshot, not per read: the mapping brings the aggregation to canonical form.
    for (const v of rows.versions) this.versions.set(formatRef(v.feature, v.version), versionFromRow(v, STORED));
    for (const f of rows.features) this.entityOfFeature.set(f.name, f.entity);
    for (const p of rows.producers) this.producers.set(p.name, p);
    for (const c of rows.consumers) this.consumers.set(c.name, c);
    for (const b of rows.producerBindings) {
      const ref = formatRef(b.feature, b.version);
      getOrAdd(this.producerRefs, b.producer, () => new Set<string>()).add(ref);
      getOrAdd(this.producedRefs, b.feature, () => new Set<string>()).add(ref);
    }
    for (const b of rows.consumerBindings) getOrAdd(this.consumerRefs, b.consumer, () => []).push(formatRef(b.feature, b.version));
  }

  version(ref: string, now: Date): FeatureVersion | undefined {
    const version = this.versions.get(ref);
    if (!version) return undefined;
    const status = effectiveStatus(version.status, version.sunsetAt, now);
    return status === version.status ? version : { ...version, status };
  }

  entityOf(feature: string): string | undefined {
    return this.entityOfFeature.get(feature);
  }

  producer(name: string): Party | undefined {
    return this.producers.get(name);
  }

  consumer(name: string): Party | undefined {
    return this.consumers.get(name);
  }

  isBound(producer: string, ref: string): boolean {
    return this.producerRefs.get(producer)?.has(ref) ?? false;
  }

  /** The versions of `feature` a producer is bound to and that are not RETIRED: what a bare feature name in a write means. */
  boundVersions(producer: string, feature: string, now: Date): FeatureVersion[] {
    return [...(this.producerRefs.get(producer) ?? [])]
      .map((ref) => this.version(ref, now)!)
      .filter((v) => v.feature === feature && v.status !== 'RETIRED')
      .sort((a, b) => a.version - b.version);
  }

  /** The versions a consumer is pinned to, one per feature, ordered by feature name. */
  pins(consumer: string, now: Date): FeatureVersion[] {
    return (this.consumerRefs.get(consumer) ?? []).map((ref) => this.version(ref, now)!);
  }

  /** The versions of `feature` that producers write now (retired ones left out). */
  producedVersions(feature: string, now: Date): FeatureVersion[] {
    return [...(this.producedRefs.get(feature) ?? [])]
      .map((ref) => this.version(ref, now)!)
      .filter((v) => v.status !== 'RETIRED');
  }
}

export class RegistryCache {
  private current?: Promise<RegistrySnapshot>;
  private unlisten?: () => Promise<void>;

  constructor(private readonly database: Database) {}

  /** Starts listening for changes made through other instances (or by hand in SQL). */
  async start(): Promise<void> {
    this.unlisten = await this.database.listen('registry_changed', () => this.invalidate());
  }

  /** Drops the snapshot; a load already under way still answers the requests that started before. */
  invalidate(): void {
    this.current = undefined;
  }

  snapshot(): Promise<RegistrySnapshot> {
    if (!this.current) {
      const loading = this.load();
      this.current = loading;
      // A failed load is not kept: the next request tries again.
      loading.catch(() => {
        if (this.current === loading) this.current = undefined;
      });
    }
    return this.current;
  }

  async close(): Promise<void> {
    await this.unlisten?.();
  }

  private async load(): Promise<RegistrySnapshot> {
    const db = this.database.db;
    const [versions, featureRows, producerRows, consumerRows, producerBindingRows, consumerBindingRows] = await Promise.all([
      db.select().from(featureVersions),
      db.select({ name: features.name, entity: features.entity }).from(features),
      db.select().from(producers),
      db.select().from(consumers),
      db.select().from(producerBindings),
      db.select().from(consumerBindings).orderBy(asc(consumerBindings.consumer), asc(consumerBindings.feature)),
    ]);
    return new RegistrySnapshot({
      versions,
      features: featureRows,
      producers: producerRows,
      consumers: consumerRows,
      producerBindings: producerBindingRows,
      consumerBindings: consumerBindingRows,
    });
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

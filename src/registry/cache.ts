// An in-process copy of the registry for the hot paths (every online read and write), so they cost no
// PostgreSQL query. It is dropped whenever the registry changes: at once on this instance (the Registry calls
// invalidate() after each commit) and within milliseconds on every other one (the database's
// `NOTIFY registry_changed` trigger, LISTENed to here). The next use loads it again, whole. It also holds the
// producers' last-write times (flushed and read back on their own clock, see producer-writes.ts).
import { asc } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { consumerBindings, consumers, features, featureVersions, producerBindings, producers } from '../db/schema.js';
import {
  effectiveStatus,
  featureProductions,
  formatRef,
  type FeatureProduction,
  type FeatureVersion,
  type LastWrites,
  type Party,
  type ProducerBindingRow,
} from './model.js';
import { ProducerWrites, type ProducerWritesOptions } from './producer-writes.js';
import { producerBindingFromRow, versionFromRow, type VersionRow } from './rows.js';

export interface RegistryCounts {
  features: number;
  versions: number;
  mostVersionsOfAFeature: number;
  consumerBindings: number;
}

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
  private readonly producerBindings: ProducerBindingRow[] = [];
  /** Who produces what, computed once per refresh of the last-write times (so at most one TTL old). */
  private productions?: { writes: LastWrites; byFeature: Map<string, FeatureProduction> };
  private counted?: RegistryCounts;

  constructor(rows: {
    versions: VersionRow[];
    features: { name: string; entity: string }[];
    producers: Party[];
    consumers: Party[];
    producerBindings: (typeof producerBindings.$inferSelect)[];
    consumerBindings: { consumer: string; feature: string; version: number }[];
  }) {
    // Mapped once per snapshot, not per read: the mapping brings the aggregation to canonical form.
    for (const v of rows.versions) this.versions.set(formatRef(v.feature, v.version), versionFromRow(v, STORED));
    for (const f of rows.features) this.entityOfFeature.set(f.name, f.entity);
    for (const p of rows.producers) this.producers.set(p.name, p);
    for (const c of rows.consumers) this.consumers.set(c.name, c);
    for (const row of rows.producerBindings) {
      const binding = producerBindingFromRow(row);
      getOrAdd(this.producerRefs, binding.producer, () => new Set<string>()).add(binding.ref);
      this.producerBindings.push(binding);
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

  /** How many versions a consumer is pinned to (0 for an unknown consumer). */
  pinCount(consumer: string): number {
    return this.consumerRefs.get(consumer)?.length ?? 0;
  }

  /** How many of each thing the registry holds: the lengths of the lists a query over all of it returns. */
  get counts(): RegistryCounts {
    if (!this.counted) {
      const versionsPerFeature = new Map<string, number>();
      let mostVersionsOfAFeature = 0;
      for (const v of this.versions.values()) {
        const count = (versionsPerFeature.get(v.feature) ?? 0) + 1;
        versionsPerFeature.set(v.feature, count);
        mostVersionsOfAFeature = Math.max(mostVersionsOfAFeature, count);
      }
      let consumerBindings = 0;
      for (const refs of this.consumerRefs.values()) consumerBindings += refs.length;
      this.counted = {
        features: this.entityOfFeature.size,
        versions: this.versions.size,
        mostVersionsOfAFeature,
        consumerBindings,
      };
    }
    return this.counted;
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

  /** Who produces which version of `feature` now, by the last-write times `writes`. */
  production(feature: string, writes: LastWrites, now: Date): FeatureProduction | undefined {
    if (this.productions?.writes !== writes) {
      const versions = [...this.versions.keys()].map((ref) => this.version(ref, now)!);
      this.productions = { writes, byFeature: featureProductions(versions, this.producerBindings, writes, now) };
    }
    return this.productions.byFeature.get(feature);
  }
}

export class RegistryCache {
  private current?: Promise<RegistrySnapshot>;
  private unlisten?: () => Promise<void>;
  /** When each producer last wrote each version: the writer records, the verdicts on bindings read. */
  readonly writes: ProducerWrites;

  constructor(
    private readonly database: Database,
    writes: ProducerWritesOptions,
  ) {
    this.writes = new ProducerWrites(database.db, writes);
  }

  /** Starts listening for changes made through other instances (or by hand in SQL), and flushing write times. */
  async start(): Promise<void> {
    this.unlisten = await this.database.listen('registry_changed', () => this.invalidate());
    this.writes.start();
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
    await this.writes.stop();
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

// Online reads: the consumer's pinned versions (from the in-process registry cache), each requested key's
// stored values (batched by a per-request DataLoader into one round trip per store node), and the flags that
// make a feature store's quiet failures visible in the response itself.
import DataLoader from 'dataloader';
import { notFound } from '../errors.js';
import type { RegistryCache, RegistrySnapshot } from '../registry/cache.js';
import { isVersionMismatch, type FeatureVersion } from '../registry/model.js';
import { parseDuration } from '../registry/durations.js';
import type { EventLag } from './event-lag.js';
import type { OnlineStore, StoredValue, ValueKey } from './store.js';
import { checkValue } from './values.js';

/** In the order clients see them in flagCounts. */
export const READ_FLAGS = [
  'MISSING',
  'STALE',
  'VERSION_MISMATCH',
  'DEPRECATED_VERSION',
  'RETIRED_VERSION',
  'PRODUCER_LAGGING',
  'TYPE_MISMATCH',
] as const;
export type ReadFlag = (typeof READ_FLAGS)[number];

export interface OnlineValue {
  ref: string;
  feature: string;
  version: number;
  value: unknown;
  eventTime: Date | null;
  ageMs: number | null;
  flags: ReadFlag[];
}

export interface OnlineRow {
  entityKey: string;
  features: OnlineValue[];
}

export interface OnlineFeaturesResult {
  rows: OnlineRow[];
  flagCounts: { flag: ReadFlag; count: number }[];
}

export type ValueLoader = DataLoader<ValueKey, StoredValue | null, string>;

/** What a read knows about one version before it looks at any value. */
interface ReadPlan {
  version: FeatureVersion;
  entity: string;
  maxAgeMs: number;
  /** Flags every value of this version gets (mismatch, deprecated, retired, lagging), in READ_FLAGS order. */
  versionFlags: ReadFlag[];
  /** The same with MISSING, or with STALE, in front (both come first in READ_FLAGS). */
  missingFlags: ReadFlag[];
  staleFlags: ReadFlag[];
  /** RETIRED versions are not served: their values are not even read. */
  serve: boolean;
}

export class OnlineReader {
  constructor(
    private readonly store: OnlineStore,
    private readonly registry: RegistryCache,
    private readonly eventLag: EventLag,
    private readonly now: () => number = Date.now,
  ) {}

  /** One per request: every value any part of the request needs goes to the store in one batch. */
  createLoader(): ValueLoader {
    return new DataLoader((keys) => this.store.read(keys), {
      cacheKeyFn: (k) => `${k.entity}\u0000${k.entityKey}\u0000${k.ref}`,
      maxBatchSize: 100_000,
    });
  }

  /** The consumer's pinned version of each feature, for each key, in request order. */
  async onlineFeatures(consumerName: string, entityKeys: readonly string[], loader: ValueLoader): Promise<OnlineFeaturesResult> {
    const snapshot = await this.registry.snapshot();
    if (!snapshot.consumer(consumerName)) throw notFound(`consumer ${consumerName} is not registered`);
    const now = new Date(this.now());
    const pins = snapshot.pins(consumerName, now);
    const plans = await Promise.all(pins.map((version) => this.plan(snapshot, version, now, true)));
    return this.read(plans, entityKeys, loader, now.getTime());
  }

  /** One version for each key, without a consumer (exploration). */
  async featureValues(ref: string, entityKeys: readonly string[], loader: ValueLoader): Promise<OnlineFeaturesResult> {
    const snapshot = await this.registry.snapshot();
    const now = new Date(this.now());
    const version = snapshot.version(ref, now);
    if (!version) throw notFound(`feature version ${ref} is not registered`);
    return this.read([await this.plan(snapshot, version, now, false)], entityKeys, loader, now.getTime());
  }

  private async plan(snapshot: RegistrySnapshot, version: FeatureVersion, now: Date, pinned: boolean): Promise<ReadPlan> {
    const versionFlags: ReadFlag[] = [];
    if (pinned && isVersionMismatch(version, snapshot.producedVersions(version.feature, now))) versionFlags.push('VERSION_MISMATCH');
    if (version.status === 'DEPRECATED') versionFlags.push('DEPRECATED_VERSION');
    if (version.status === 'RETIRED') versionFlags.push('RETIRED_VERSION');
    const serve = version.status !== 'RETIRED';
    if (serve && (await this.eventLag.isLagging(version))) versionFlags.push('PRODUCER_LAGGING');
    return {
      version,
      entity: snapshot.entityOf(version.feature)!,
      maxAgeMs: parseDuration(version.maxAge, 'maxAge'),
      versionFlags,
      missingFlags: ['MISSING', ...versionFlags],
      staleFlags: ['STALE', ...versionFlags],
      serve,
    };
  }

  private async read(plans: ReadPlan[], entityKeys: readonly string[], loader: ValueLoader, now: number): Promise<OnlineFeaturesResult> {
    const served = plans.filter((p) => p.serve);
    const keys = entityKeys.flatMap((entityKey) => served.map((p) => ({ entity: p.entity, entityKey, ref: p.version.ref })));
    const loaded = await loader.loadMany(keys);
    const counts = new Map<ReadFlag, number>();
    let next = 0;
    const rows = entityKeys.map((entityKey) => ({
      entityKey,
      features: plans.map((plan) => {
        const stored = plan.serve ? loaded[next++]! : null;
        if (stored instanceof Error) throw stored;
        const value = this.value(plan, stored, now);
        for (const flag of value.flags) counts.set(flag, (counts.get(flag) ?? 0) + 1);
        return value;
      }),
    }));
    return { rows, flagCounts: READ_FLAGS.filter((f) => counts.has(f)).map((flag) => ({ flag, count: counts.get(flag)! })) };
  }

  // Called for every value of every response: it builds flags in READ_FLAGS order without sorting and shares
  // the version's flag array where nothing is added, because at 1,000 values a request this is the hot path.
  private value(plan: ReadPlan, stored: StoredValue | null, now: number): OnlineValue {
    const { version } = plan;
    if (!stored) {
      return {
        ref: version.ref,
        feature: version.feature,
        version: version.version,
        value: null,
        eventTime: null,
        ageMs: null,
        flags: plan.serve ? plan.missingFlags : plan.versionFlags,
      };
    }
    const ageMs = now - stored.eventTime;
    let flags = ageMs > plan.maxAgeMs ? plan.staleFlags : plan.versionFlags;
    let value: unknown;
    try {
      value = JSON.parse(stored.value);
      if (!checkValue(version.valueType, version.nullable, value).ok) flags = [...flags, 'TYPE_MISMATCH'];
    } catch {
      value = stored.value;
      flags = [...flags, 'TYPE_MISMATCH'];
    }
    return { ref: version.ref, feature: version.feature, version: version.version, value, eventTime: new Date(stored.eventTime), ageMs, flags };
  }
}

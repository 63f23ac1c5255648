// What the reader and writer need from the folders above them, as small interfaces they own: the hot set and
// the hot-entity cache (hotkeys/ implements them), the value sink and the version verdicts (monitoring/), and
// the batch a request's values are loaded through (the GraphQL layer builds it over OnlineReader.loadValues).
// The composition root (src/app.ts) wires the implementations in, so online/ imports neither hotkeys/ nor
// monitoring/, and they may import online/. What the paths report as they work is a port too (observer.ts).
import type { FeatureVersion, ValueType } from '../registry/model.js';
import type { ValueKey } from './keys.js';
import type { StoredValue } from './store.js';

/** Which entity keys take most reads, across instances. Keys are `<entity>:<entityKey>` (keys.ts). */
export interface HotSet {
  /** False most of the time: lets reads skip per-key checks when nothing is hot. */
  readonly anyHot: boolean;
  isHot(entityKey: string): boolean;
  /** Counts one read of each of `entityKeys` of `entity` (duplicates in one request count once each). */
  record(entity: string, entityKeys: readonly string[]): void;
}

/** Values of hot keys kept in process, each for a bounded time. */
export interface HotValueCache {
  /** How long a value of a version with this maxAge may be served from the cache. */
  boundFor(maxAgeMs: number): number;
  /** The cached value (null: cached as absent), or undefined when it is not cached or too old. */
  get(entityKey: string, ref: string, now: number): StoredValue | null | undefined;
  /** Caches a value fetched at `fetchedAt`, for `boundMs`. */
  set(entityKey: string, ref: string, value: StoredValue | null, fetchedAt: number, boundMs: number): void;
}

/** Where the writer hands what it applied, for value distributions and DRAFT validation. */
export interface ValueSink {
  /** One accepted value, as its version's type sees it, at its event time. */
  record(ref: string, valueType: ValueType, value: unknown, eventTime: number): void;
  /** A shadow write to a DRAFT version, for its validation. */
  recordShadow(ref: string, entityKey: string, at: number): void;
}

/** Verdicts on a whole version that flag every value of it (PRODUCER_LAGGING, DRIFT). */
export interface VersionVerdicts {
  /** Whether the version's producer lags more than its window (or maxAge). */
  isLagging(version: FeatureVersion): Promise<boolean>;
  /** Whether the version's recent values drift from its reference distribution. */
  isDrifting(version: FeatureVersion): Promise<boolean>;
  /**
   * Both verdicts at once when both are known and fresh, else undefined (then ask the two above): most reads
   * find them known, and plan their versions without a promise each.
   */
  settled(version: FeatureVersion): SettledVerdicts | undefined;
  /** Until when (epoch ms) the verdicts settled() gave hold: a read may reuse them until then. */
  heldUntil(version: FeatureVersion): number;
}

export interface SettledVerdicts {
  readonly lagging: boolean;
  readonly drifting: boolean;
}

/** A value to load, and how long it may be served from the hot-entity cache. */
export interface ReadKey extends ValueKey {
  cacheForMs: number;
}

export type ServedFrom = 'STORE' | 'CACHE' | 'REPLICA';

/** A loaded value (null: none stored), and where it came from. */
export interface LoadedValue {
  stored: StoredValue | null;
  servedFrom: ServedFrom;
}

/**
 * One request's values: every value any part of the request needs is gathered into one batch, and the values
 * the request reads (every alias of every read field) are counted here against the per-request limit.
 */
export interface ValueBatch {
  /** Values this request has read so far, or is reading. */
  values: number;
  loadMany(keys: readonly ReadKey[]): Promise<(LoadedValue | Error)[]>;
}

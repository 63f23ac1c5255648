// The online store: where the latest value of each (feature version, entity key) lives, and the event-lag
// counts of each version. One interface, three engines: Redis, Redis Cluster and PostgreSQL (which is also
// the embedded default on PGlite). One contract test suite (test/online-store.test.ts) runs against each.
import { unavailable } from '../core/errors.js';
import type { ValueKey } from './keys.js';

export interface StoredValue {
  /** The value as JSON text, exactly as validated on the way in. */
  value: string;
  /** Epoch milliseconds: when the event happened. */
  eventTime: number;
  /** Epoch milliseconds: when the service accepted it. */
  ingestTime: number;
  /** Read from a replica copy of a hot key (Redis Cluster shard replication) rather than its primary copy. */
  replica?: boolean;
}

/** Reads of one entity key (`<entity>:<entityKey>`) counted by one instance. */
export interface ReadCount {
  key: string;
  count: number;
}

export interface ValueWrite extends ValueKey, StoredValue {}

/**
 * Event-lag observations of one version in one time bucket, as counts per lag bin (see lag-histogram.ts).
 * Counts from every instance add up in the store, so the distribution is shared by all instances.
 */
export interface LagCounts {
  ref: string;
  /** Epoch milliseconds, a multiple of the bucket length. */
  bucketStart: number;
  /** lag bin → number of observations */
  bins: Map<number, number>;
}

export interface OnlineStore {
  /** Names the store in error messages, e.g. `redis 127.0.0.1:6379`. */
  readonly name: string;
  /**
   * Compare-and-set: each write is applied only if its eventTime is newer than the stored value's for that
   * key (or nothing is stored), atomically per key, so concurrent writers and late events never replace a
   * newer value. `writes` holds each key at most once. Returns, per write, whether it was applied. The lag
   * counts are added in the same round trip.
   */
  write(writes: readonly ValueWrite[], lag: readonly LagCounts[]): Promise<boolean[]>;
  /** The stored values of `keys`, in order (null where none), in one round trip per store node. */
  read(keys: readonly ValueKey[]): Promise<(StoredValue | null)[]>;
  /** The lag counts of `ref` summed over the given buckets. */
  lagCounts(ref: string, bucketStarts: readonly number[]): Promise<Map<number, number>>;
  /**
   * Adds one instance's read counts for a time bucket: its heaviest keys and its total number of key reads.
   * The counts of all instances add up, so every instance sees the cluster-wide heavy hitters.
   */
  addReadCounts(bucketStart: number, top: readonly ReadCount[], total: number): Promise<void>;
  /** The summed read counts over the buckets: the `limit` most-read keys and the total. */
  readCounts(bucketStarts: readonly number[], limit: number): Promise<{ top: ReadCount[]; total: number }>;
  /** Tells every instance (this one included) that values of these entity keys changed. */
  publishChanges(keys: readonly string[]): Promise<void>;
  /** Calls `listener` with the entity keys of every change published by any instance. */
  onChanges(listener: (keys: string[]) => void): Promise<() => Promise<void>>;
  /**
   * The entity keys (`<entity>:<entityKey>`) whose values should also live in replica copies on other shards
   * (Redis Cluster only; other stores ignore it). Replaces the previous set: cooled keys lose their replicas.
   */
  replicate(keys: ReadonlySet<string>, copies: number): Promise<void>;
  /** Entity keys that have replicas now. */
  readonly replicated: ReadonlySet<string>;
  /** Commands (Redis) or statements (PostgreSQL) sent so far, per node: the load each shard takes. */
  readonly commandsPerNode: ReadonlyMap<string, number>;
  /** Round trips made so far (one per pipeline per node, or per SQL statement): lets tests see the batching. */
  readonly roundTrips: number;
  /** Resolves once the store can take commands, or rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What every store keeps, and for how long (the configuration bounds its windows by the same figures). */
export { LAG_RETENTION_MS, READ_COUNT_RETENTION_MS } from '../core/retention.js';

/** The store could not be reached: reads and writes fail fast with this instead of waiting. */
export const storeUnavailable = (store: string, cause: unknown) =>
  unavailable(
    `online store ${store} is unavailable (${cause instanceof Error ? cause.message : String(cause)}); the registry still answers, retry the read or write shortly`,
  );

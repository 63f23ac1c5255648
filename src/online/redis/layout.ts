// Where the online store keeps what in Redis: the key of every hash, set and channel, the cluster slot of a key,
// and how a value is written in a hash field. Standalone Redis and Redis Cluster use the same layout.
//
// - values: one hash per entity key, `fr:{<entity>:<entityKey>}`, one field per feature version ref
//   (`click_rate_7d@2`) holding `<eventTimeMs>|<ingestTimeMs>|<JSON value text>`. Every version of one
//   entity key lives in one hash, so reading all the features of a key is one HMGET (hash-reads.ts sends the
//   HMGETs of a node's hashes in one script call), and the braces make
//   the whole key the cluster hash tag: one key, one slot, whatever the refs. Entity names are
//   `[a-z][a-z0-9_]*` (registry/model.ts), so the first `:` inside the braces separates entity from key and
//   two entities with the same entity key never share a hash.
// - event lag: one hash per (ref, bucket), `fr:lag:{<ref>}:<bucketStartMs>`, field = lag bin, value = count
//   (HINCRBY, so every instance's counts add up), expiring LAG_RETENTION_MS after its last write. The tag is
//   the ref, so all buckets of a ref sit in one slot and `lagCounts` is a single pipeline on a single node.
// - read counts (hot-key detection): a sorted set per time bucket, `fr:reads:{hot}:<bucketStartMs>`, member =
//   `<entity>:<entityKey>`, score = reads, and the bucket's total reads in `fr:reads:{hot}:<bucketStartMs>:total`.
// - replicas of hot keys (Redis Cluster): `fr:r:{<n>:<entity>:<entityKey>}`, the same hash as the primary copy,
//   with n chosen so that each copy's slot belongs to a different master (see replicas.ts). The slot of each
//   candidate is computed from the whole key string, as the cluster does: a `}` inside the entity key ends the
//   tag there, which is why n comes before the key.
import { createRequire } from 'node:module';
import type { StoredValue, ValueWrite } from '../store.js';
import { entityKeyOf, type ValueKey } from '../keys.js';

/**
 * The cluster slot of a key, as Redis Cluster computes it (CRC16 of the hash tag). ioredis computes slots with
 * cluster-key-slot and ships it as its own dependency; it has no type declarations, hence the typed require.
 */
export const slotOf = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

/** The hash of one entity key; the braces make all of it the cluster hash tag. */
export const valueHashKey = (key: ValueKey): string => primaryHashOf(entityKeyOf(key));

/** The primary hash of an entity key given as `<entity>:<entityKey>`. */
export const primaryHashOf = (entityKey: string): string => `fr:{${entityKey}}`;

/** `fr:{user:42}` → `user:42` */
export const entityKeyOfHash = (hash: string): string => hash.slice(4, -1);

/**
 * Replica copy n of an entity key. n comes first inside the braces: a `}` in the entity key ends the hash tag
 * early, and whatever follows it would not change the slot, so with n last every copy of such a key would land
 * on one slot.
 */
export const replicaHashOf = (n: number, entityKey: string): string => `fr:r:{${n}:${entityKey}}`;

export const lagHashKey = (ref: string, bucketStart: number): string => `fr:lag:{${ref}}:${bucketStart}`;

export const readCountsKey = (bucketStart: number): string => `fr:reads:{hot}:${bucketStart}`;

/** The bucket's total reads, beside its sorted set (same slot). */
export const readTotalKey = (bucketStart: number): string => `${readCountsKey(bucketStart)}:total`;

/** Where instances tell each other which entity keys changed. */
export const CHANGES_CHANNEL = 'fr:changes';

/** `<eventTimeMs>|<ingestTimeMs>|<JSON value text>`: the times come first, so `|` inside the JSON is harmless. */
export function encodeValue(write: ValueWrite): string {
  return `${write.eventTime}|${write.ingestTime}|${write.value}`;
}

/** The event time of an encoded value, as the text the guarded set compares. */
export const eventTimeText = (raw: string): string => raw.slice(0, raw.indexOf('|'));

/** A field read back; `store`, `hash` and `ref` name it when it was not written by this store. */
export function decodeValue(raw: string, store: string, hash: string, ref: string): StoredValue {
  const first = raw.indexOf('|');
  const second = first < 0 ? -1 : raw.indexOf('|', first + 1);
  const eventTime = integerAt(raw, 0, first);
  const ingestTime = integerAt(raw, first + 1, second);
  if (second < 0 || first === 0 || second === first + 1 || !Number.isFinite(eventTime) || !Number.isFinite(ingestTime)) {
    // Not written by this store (someone wrote around it): say so rather than guess times.
    throw new Error(`online store ${store}: ${hash} field ${ref} does not hold <eventTime>|<ingestTime>|<value>`);
  }
  return { value: raw.slice(second + 1), eventTime, ingestTime };
}

/**
 * `Number(text.slice(start, end))`, without the slice for the plain decimal integers this store writes (a
 * read decodes two times per value, a thousand values a request); anything else goes through Number itself.
 * At most 15 digits: exact in a double, as every epoch millisecond is.
 */
function integerAt(text: string, start: number, end: number): number {
  let at = start;
  const negative = text.charCodeAt(at) === 45; // '-'
  if (negative) at++;
  if (at >= end || end - at > 15) return Number(text.slice(start, end));
  let n = 0;
  for (; at < end; at++) {
    const digit = text.charCodeAt(at) - 48; // '0'
    if (digit < 0 || digit > 9) return Number(text.slice(start, end));
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

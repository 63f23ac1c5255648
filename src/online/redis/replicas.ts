// Replicas of hot keys (Redis Cluster): R extra copies of a hot entity key's hash, each on a master other than
// its primary's, so that the reads of one very hot key spread over several shards instead of saturating one.
// Reads pick a copy at random; writes go to every copy through the same guard as the primary.
import type { Cluster } from 'ioredis';
import { guardedSet } from './guarded-set.js';
import { entityKeyOfHash, eventTimeText, primaryHashOf, replicaHashOf, slotOf } from './layout.js';
import type { NodeBatch } from './node-batch.js';

/** Replicas expire if nobody refreshes them (every instance gone): a safety net, not the way they are dropped. */
const REPLICA_TTL_MS = 60_000;

export class Replicas {
  /** entity key (`<entity>:<entityKey>`) → the hash keys of its replica copies. */
  private readonly copies = new Map<string, string[]>();

  constructor(private readonly batch: () => NodeBatch) {}

  /** The replica copies of an entity key, if it has any. */
  of(entityKey: string): readonly string[] | undefined {
    return this.copies.get(entityKey);
  }

  /** The replica copies of a primary hash, if it has any (looked up only when some key has copies). */
  ofHash(hash: string): readonly string[] | undefined {
    return this.copies.size === 0 ? undefined : this.copies.get(entityKeyOfHash(hash));
  }

  /** The hash keys holding a value of `entityKey`: its primary copy, then its replicas. */
  copiesOf(entityKey: string): string[] {
    return [primaryHashOf(entityKey), ...(this.copies.get(entityKey) ?? [])];
  }

  get replicated(): ReadonlySet<string> {
    return new Set(this.copies.keys());
  }

  /**
   * Keeps `count` replica copies of each hot key on masters other than its primary's, chosen from the current
   * slot map (so they follow resharding), brings every copy up to date from the primary (the guard keeps newer
   * values), and drops the copies of keys that cooled. Called about once a second: that period bounds how far a
   * replica can lag behind its primary when a write missed it.
   */
  async replicate(cluster: Cluster, keys: ReadonlySet<string>, count: number): Promise<void> {
    const dropped: string[] = [];
    for (const [key, copies] of this.copies) {
      if (!keys.has(key)) {
        dropped.push(...copies);
        this.copies.delete(key);
      }
    }
    const wanted = new Map<string, string[]>();
    for (const key of keys) {
      const placed = placeReplicas(key, count, (hash) => cluster.slots[slotOf(hash)]?.[0]);
      const previous = this.copies.get(key) ?? [];
      dropped.push(...previous.filter((copy) => !placed.includes(copy)));
      if (placed.length > 0) wanted.set(key, placed);
      else this.copies.delete(key);
    }
    // Seed before reading from them: read every primary, then write each field to every copy through the guard.
    const primaries = new Map<string, Record<string, string>>();
    const reads = this.batch();
    for (const key of wanted.keys()) {
      const hash = primaryHashOf(key);
      reads.add(hash, (pipeline) => pipeline.hgetall(hash), (reply) => primaries.set(key, reply as Record<string, string>));
    }
    await reads.run();
    const writes = this.batch();
    for (const [key, copies] of wanted) {
      const args = Object.entries(primaries.get(key) ?? {}).flatMap(([ref, raw]) => [ref, eventTimeText(raw), raw]);
      for (const copy of copies) {
        if (args.length > 0) writes.add(copy, (pipeline) => guardedSet(pipeline, copy, args));
        writes.add(copy, (pipeline) => pipeline.pexpire(copy, REPLICA_TTL_MS));
      }
    }
    for (const copy of dropped) writes.add(copy, (pipeline) => pipeline.del(copy));
    await writes.run();
    for (const [key, copies] of wanted) this.copies.set(key, copies);
  }
}

/**
 * The hash keys of `count` replica copies of an entity key, each in a slot whose master differs from the
 * primary copy's and from the other copies': n = 0, 1, 2, … is tried in order, so every instance computes the
 * same placement from the same slot map. Fewer copies when the cluster has fewer other masters.
 */
export function placeReplicas(entityKey: string, count: number, masterOf: (hash: string) => string | undefined): string[] {
  const used = new Set([masterOf(primaryHashOf(entityKey))]);
  const copies: string[] = [];
  for (let n = 0; copies.length < count && n < 1_000; n++) {
    const copy = replicaHashOf(n, entityKey);
    const master = masterOf(copy);
    if (master === undefined || used.has(master)) continue;
    used.add(master);
    copies.push(copy);
  }
  return copies;
}

// The serving-layer cache of hot entities: values of hot keys kept in process, so the shard holding a viral
// key stops taking every read of it. A cached value is never older than its bound (default 1 s, and never more
// than a tenth of the version's maxAge), counted from when it was fetched; a write to a hot key drops it on
// every instance (the store's change channel), and keys that cool are dropped. ageMs and STALE stay exact:
// they come from the value's own eventTime.
import type { HotValueCache } from '../online/ports.js';
import type { StoredValue } from '../online/store.js';

interface Entry {
  value: StoredValue | null;
  expiresAt: number;
}

export class HotEntityCache implements HotValueCache {
  /** entity key (`<entity>:<entityKey>`) → ref → entry */
  private readonly entries = new Map<string, Map<string, Entry>>();
  private count = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly maxEntries = 100_000,
    readonly boundMs = 1_000,
  ) {}

  /** How long a value of a version with this maxAge may be served from the cache. */
  boundFor(maxAgeMs: number): number {
    return Math.min(this.boundMs, maxAgeMs / 10);
  }

  /** The cached value (null: cached as absent), or undefined when it is not cached or too old. */
  get(entityKey: string, ref: string, now: number): StoredValue | null | undefined {
    const entry = this.entries.get(entityKey)?.get(ref);
    if (entry && entry.expiresAt > now) {
      this.hits++;
      return entry.value;
    }
    this.misses++;
    return undefined;
  }

  /** Caches a value fetched at `fetchedAt` (the start of the read, so the bound holds even if a write raced it). */
  set(entityKey: string, ref: string, value: StoredValue | null, fetchedAt: number, boundMs: number): void {
    let refs = this.entries.get(entityKey);
    if (!refs) {
      if (this.count >= this.maxEntries) return;
      this.entries.set(entityKey, (refs = new Map()));
    }
    if (!refs.has(ref)) {
      if (this.count >= this.maxEntries) return;
      this.count++;
    }
    refs.set(ref, { value, expiresAt: fetchedAt + boundMs });
  }

  has(entityKey: string): boolean {
    return this.entries.has(entityKey);
  }

  invalidate(entityKeys: Iterable<string>): void {
    for (const key of entityKeys) this.drop(key);
  }

  /** Keeps only the entries of keys that are still hot. */
  retain(hot: ReadonlySet<string>): void {
    for (const key of [...this.entries.keys()]) if (!hot.has(key)) this.drop(key);
  }

  get size(): number {
    return this.count;
  }

  private drop(entityKey: string): void {
    const refs = this.entries.get(entityKey);
    if (!refs) return;
    this.count -= refs.size;
    this.entries.delete(entityKey);
  }
}

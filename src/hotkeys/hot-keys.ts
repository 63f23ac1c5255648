// Hot-key detection. Every online read counts its entity keys in a Count-Min sketch with a bounded set of
// heavy-hitter candidates (memory fixed whatever the number of distinct keys). Once a second each instance adds
// its heaviest keys and its total to the current time bucket in the online store, where all instances' counts
// add up, then reads back the buckets of the window (a sliding window of six buckets): the cluster-wide heavy
// hitters. Keys above the share threshold are hot: the serving layer caches them, and on Redis Cluster the
// store keeps replica copies of them on other shards.
import { entityKeyOf, parseEntityKey } from '../online/keys.js';
import type { HotSet } from '../online/ports.js';
import type { OnlineStore, ReadCount } from '../online/store.js';
import { HeavyHitters } from './sketch.js';

export interface HotKeyOptions {
  /** The sliding window the counts cover (default 60 s). */
  windowMs: number;
  /** A key is hot when it takes at least this share of all key reads in the window (default 0.01). */
  shareThreshold: number;
  /** …and at least this many reads per second (so a quiet service has no hot keys). */
  minReadsPerSecond: number;
  /** Heavy-hitter candidates each instance keeps between flushes. */
  candidates: number;
  /** How often to flush local counts and refresh the cluster-wide view (default 1 s). */
  tickMs: number;
  /** Replica copies of each hot key on other shards (Redis Cluster). */
  replicas: number;
}

export const DEFAULT_HOT_KEY_OPTIONS: HotKeyOptions = {
  windowMs: 60_000,
  shareThreshold: 0.01,
  minReadsPerSecond: 1,
  candidates: 256,
  tickMs: 1_000,
  replicas: 2,
};

export interface HotKey {
  entity: string;
  entityKey: string;
  readsPerSecond: number;
  /** Share of all key reads in the window. */
  share: number;
  /** Hot since (as seen by this instance), null for a key in the list that is not hot. */
  since: Date | null;
  hot: boolean;
}

const BUCKETS_PER_WINDOW = 6;
const FLUSHED_CANDIDATES = 64;

export class HotKeys implements HotSet {
  private readonly local: HeavyHitters;
  private view: { top: ReadCount[]; total: number; spanMs: number } = { top: [], total: 0, spanMs: 1 };
  /** entity key → when it turned hot */
  private readonly hot = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly listeners: ((hot: ReadonlySet<string>) => void)[] = [];

  constructor(
    private readonly store: OnlineStore,
    readonly options: HotKeyOptions = DEFAULT_HOT_KEY_OPTIONS,
  ) {
    this.local = new HeavyHitters(options.candidates);
  }

  private get bucketMs(): number {
    return Math.max(1, Math.floor(this.options.windowMs / BUCKETS_PER_WINDOW));
  }

  /** Counts one read of each of `entityKeys` (duplicates in one request count once each). */
  record(entity: string, entityKeys: readonly string[]): void {
    for (const entityKey of entityKeys) this.local.add(entityKeyOf({ entity, entityKey }));
  }

  isHot(entityKey: string): boolean {
    return this.hot.has(entityKey);
  }

  /** False most of the time: lets reads skip per-key checks when nothing is hot. */
  get anyHot(): boolean {
    return this.hot.size > 0;
  }

  isReplicated(entityKey: string): boolean {
    return this.store.replicated.has(entityKey);
  }

  get hotKeys(): ReadonlySet<string> {
    return new Set(this.hot.keys());
  }

  /** Called with the new hot set after every refresh. */
  onRefresh(listener: (hot: ReadonlySet<string>) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick().catch(() => {}), this.options.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking?.catch(() => {});
  }

  /** Flushes this instance's counts, then refreshes the cluster-wide view and the hot set. */
  tick(): Promise<void> {
    this.ticking ??= this.flushAndRefresh().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** The cluster-wide most-read keys of the window, hottest first. */
  list(limit: number): HotKey[] {
    const seconds = this.view.spanMs / 1000;
    return this.view.top.slice(0, limit).map(({ key, count }) => {
      const since = this.hot.get(key);
      return {
        ...parseEntityKey(key),
        readsPerSecond: count / seconds,
        share: this.view.total > 0 ? count / this.view.total : 0,
        since: since === undefined ? null : new Date(since),
        hot: since !== undefined,
      };
    });
  }

  private async flushAndRefresh(): Promise<void> {
    const now = Date.now();
    const bucketMs = this.bucketMs;
    const bucket = now - (now % bucketMs);
    if (this.local.total > 0) {
      // Only keys read more than once since the last flush, at most FLUSHED_CANDIDATES of them: a key read once
      // a second by one instance is no hot key, and every flushed key is a command on one shard.
      const top = this.local.top(FLUSHED_CANDIDATES).filter((k) => k.count > 1);
      const total = this.local.total;
      this.local.reset();
      await this.store.addReadCounts(bucket, top, total);
    }
    const first = now - this.options.windowMs;
    const firstBucket = first - (first % bucketMs);
    const buckets: number[] = [];
    for (let start = firstBucket; start <= now; start += bucketMs) buckets.push(start);
    const { top, total } = await this.store.readCounts(buckets, this.options.candidates);
    this.view = { top, total, spanMs: Math.max(now - firstBucket, bucketMs) };

    const seconds = this.view.spanMs / 1000;
    const hotNow = new Set(
      top
        .filter((k) => total > 0 && k.count / total >= this.options.shareThreshold && k.count / seconds >= this.options.minReadsPerSecond)
        .map((k) => k.key),
    );
    for (const key of this.hot.keys()) if (!hotNow.has(key)) this.hot.delete(key);
    for (const key of hotNow) if (!this.hot.has(key)) this.hot.set(key, now);
    const hot = this.hotKeys;
    await this.store.replicate(hot, this.options.replicas);
    for (const listener of this.listeners) listener(hot);
  }
}

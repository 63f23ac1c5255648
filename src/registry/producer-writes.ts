// When each producer last wrote each version: what tells a producer that still writes a version from one that
// has moved on. The write path records (producer, version) → newest ingest time in memory, which costs
// nothing per row; every few seconds (and on close) the times gathered since the last flush go to PostgreSQL
// in one statement, GREATEST per row, so the newest write of every instance wins. The verdicts read the whole
// table (one row per producer and version written) at most once per TTL, so reads cost no query.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { formatRef, parseRef, type LastWrites } from './model.js';

export interface ProducerWritesOptions {
  /** How often this instance adds its write times to PostgreSQL. */
  flushMs: number;
  /** How long the times read from PostgreSQL are reused. */
  ttlMs: number;
}

export class ProducerWrites {
  /**
   * This instance's newest write of each version by each producer (ref → producer → ms). Kept after a flush:
   * merged into every load, so this instance sees its own writes before they have gone through PostgreSQL.
   */
  private readonly own = new Map<string, Map<string, number>>();
  /** `producer \0 ref` of the times recorded since the last flush. */
  private dirty = new Set<string>();
  /** The times last read from PostgreSQL, and until when they are fresh. */
  private loaded?: { writes: LastWrites; until: number };
  private firstLoad?: Promise<unknown>;
  private refreshing?: Promise<unknown>;
  /** Counts changes to `own`, so that an answer is rebuilt only when something new was written here. */
  private ownChanges = 0;
  private answer?: { from: { writes: LastWrites }; ownChanges: number; writes: LastWrites };
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly options: ProducerWritesOptions,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => {}), this.options.flushMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
  }

  /** `producer` wrote (or tried to write: superseded rows count) rows of these versions at `at`. */
  record(producer: string, refs: Iterable<string>, at: number): void {
    for (const ref of refs) {
      if (keepNewest(this.own, ref, producer, at)) {
        this.dirty.add(`${producer}\u0000${ref}`);
        this.ownChanges++;
      }
    }
  }

  /**
   * The newest write of each version by each producer, across all instances, with this instance's own writes
   * as soon as they are made. What was read from PostgreSQL is reused for a TTL and then refreshed in the
   * background while the previous times are still served: a read never waits on PostgreSQL but the first time,
   * and while PostgreSQL is down the last times read (with this instance's own since) keep the verdicts going.
   */
  async lastWrites(): Promise<LastWrites> {
    if (!this.loaded) {
      this.firstLoad ??= this.load().finally(() => (this.firstLoad = undefined));
      await this.firstLoad;
    } else if (this.loaded.until <= this.now() && !this.refreshing) {
      this.refreshing = this.load()
        .catch(() => {
          // PostgreSQL unreachable: keep serving what was read last, and try again after a TTL.
          this.loaded = { writes: this.loaded!.writes, until: this.now() + this.options.ttlMs };
        })
        .finally(() => (this.refreshing = undefined));
    }
    const loaded = this.loaded!;
    if (this.answer?.from !== loaded || this.answer.ownChanges !== this.ownChanges) {
      this.answer = { from: loaded, ownChanges: this.ownChanges, writes: this.withOwn(loaded.writes) };
    }
    return this.answer.writes;
  }

  /** Adds the times recorded since the last flush to PostgreSQL, in one statement. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return;
    const dirty = this.dirty;
    this.dirty = new Set();
    const rows = [...dirty].map((key) => {
      const [producer, ref] = key.split('\u0000') as [string, string];
      return { producer, ...parseRef(ref), at: this.own.get(ref)!.get(producer)! };
    });
    const column = <T>(pick: (row: (typeof rows)[number]) => T) => sql.param(rows.map(pick));
    try {
      await this.db.execute(sql`insert into producer_writes (producer, feature, version, last_written_at)
        select producer, feature, version, to_timestamp(at / 1000.0)
        from unnest(${column((r) => r.producer)}::text[], ${column((r) => r.feature)}::text[],
                    ${column((r) => r.version)}::int[], ${column((r) => r.at)}::bigint[]) as w(producer, feature, version, at)
        on conflict (producer, feature, version) do update
          set last_written_at = greatest(producer_writes.last_written_at, excluded.last_written_at)`);
    } catch (error) {
      // Tried again at the next flush: the times are still in `own`.
      for (const key of dirty) this.dirty.add(key);
      throw error;
    }
  }

  private async load(): Promise<void> {
    const rows = await queryRows<{ producer: string; feature: string; version: number; at: number | string }>(
      this.db,
      sql`select producer, feature, version, (extract(epoch from last_written_at) * 1000)::float8 as at from producer_writes`,
    );
    const loaded = new Map<string, Map<string, number>>();
    for (const r of rows) keepNewest(loaded, formatRef(r.feature, r.version), r.producer, Math.round(Number(r.at)));
    this.loaded = { writes: loaded, until: this.now() + this.options.ttlMs };
  }

  /** `loaded` with this instance's own times added (a copy: `loaded` stays as read). */
  private withOwn(loaded: LastWrites): LastWrites {
    const writes = new Map([...loaded].map(([ref, writers]) => [ref, new Map(writers)]));
    for (const [ref, writers] of this.own) for (const [producer, at] of writers) keepNewest(writes, ref, producer, at);
    return writes;
  }
}

/** Sets the time of (ref, producer) to `at` unless it is already as new; says whether it did. */
function keepNewest(writes: Map<string, Map<string, number>>, ref: string, producer: string, at: number): boolean {
  let writers = writes.get(ref);
  if (!writers) writes.set(ref, (writers = new Map()));
  if ((writers.get(producer) ?? -Infinity) >= at) return false;
  writers.set(producer, at);
  return true;
}

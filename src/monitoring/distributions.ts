// Value distributions over time, per feature version: count, nulls, min, max, mean, standard deviation, the
// share of integral values and a histogram, per time bucket. The write path hands every accepted value to
// `record`, which only adds to in-memory figures; every few seconds they are added to PostgreSQL, where the
// figures of all instances add up. A failed flush keeps its figures for the next one; a graceful stop flushes
// them; a crash loses at most the figures of the last flush interval.
import { sql } from 'drizzle-orm';
import { queryRows, sqlState, type Db } from '../db/client.js';
import type { ValueSink } from '../online/ports.js';
import type { ValueType } from '../registry/model.js';
import { addFigures, addValue, emptyFigures, type Figures } from './bucket-figures.js';
import { driftOf, type DriftStatus } from './drift.js';
import { binBounds, quantiles } from './value-bins.js';

/** SQLSTATE class 22, data exception: the database refuses a value itself, so sending it again cannot succeed. */
const refusesData = (error: unknown) => sqlState(error)?.startsWith('22') ?? false;

export interface DistributionBucket {
  start: Date;
  end: Date;
  count: number;
  nullCount: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  stddev: number | null;
  /** Share of the non-null values that are whole numbers: an integer-division bug shows here. */
  integralShare: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  histogram: { lower: number; upper: number; count: number }[];
}

/** Shadow-written keys kept per DRAFT version: enough to compare distributions key by key. */
export const MAX_SHADOW_KEYS = 1_000;

export class ValueDistributions implements ValueSink {
  private pending = new Map<string, { ref: string; bucketStart: number; figures: Figures }>();
  /** DRAFT ref → keys written since the last flush, and when the last one was written. */
  private shadow = new Map<string, { keys: Set<string>; lastWriteAt: number }>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    readonly bucketMs: number,
    /** PSI above which a version drifts (DRIFT flag and alert). */
    readonly driftThreshold = 0.25,
    private readonly flushMs = 5_000,
  ) {}

  /** How far the version's latest bucket has moved from its first day (see drift.ts). */
  drift(ref: string): Promise<DriftStatus> {
    return driftOf(this.db, ref, this.bucketMs, this.driftThreshold);
  }

  /** Flushes every few seconds; a failed flush is reported to `onError` and retried with the next one. */
  start(onError: (error: unknown) => void = () => {}): void {
    this.timer = setInterval(() => void this.flush().catch(onError), this.flushMs);
    this.timer.unref();
  }

  /** Stops flushing by time, after one last flush (which rejects if the figures could not be stored). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Adds one accepted value, in the bucket of its event time. */
  record(ref: string, valueType: ValueType, value: unknown, eventTime: number): void {
    const bucketStart = eventTime - (eventTime % this.bucketMs);
    const key = `${ref}\u0000${bucketStart}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { ref, bucketStart, figures: emptyFigures() }));
    addValue(entry.figures, valueType, value);
  }

  /** Notes a shadow write to a DRAFT version, for its validation. */
  recordShadow(ref: string, entityKey: string, at: number): void {
    this.addShadow(ref, [entityKey], at);
  }

  private addShadow(ref: string, entityKeys: Iterable<string>, at: number): void {
    let entry = this.shadow.get(ref);
    if (!entry) this.shadow.set(ref, (entry = { keys: new Set(), lastWriteAt: at }));
    for (const key of entityKeys) if (entry.keys.size < MAX_SHADOW_KEYS) entry.keys.add(key);
    entry.lastWriteAt = Math.max(entry.lastWriteAt, at);
  }

  /**
   * Adds the figures and shadow writes gathered since the last flush to PostgreSQL. What a failed statement
   * carried goes back into the buffer, so the next flush retries it: a flush failure loses nothing. The
   * activation gate calls this first, so that it judges every shadow write made before it.
   */
  flush(): Promise<void> {
    // Flushes run one after another. A flush already running took its figures before this call: this one
    // runs after it, so that it covers everything recorded before the call.
    const flushing = this.flushing.catch(() => {}).then(() => this.write());
    this.flushing = flushing;
    return flushing;
  }

  private async write(): Promise<void> {
    // Independent parts: a failure of one does not hold back the other.
    const results = await Promise.allSettled([this.writeShadow(), this.writeFigures()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async writeFigures(): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = this.pending;
    this.pending = new Map();
    try {
      await this.insertFigures([...taken.values()]);
    } catch (error) {
      for (const [key, entry] of taken) {
        const kept = this.pending.get(key);
        if (kept) addFigures(kept.figures, entry.figures);
        else this.pending.set(key, entry);
      }
      throw error;
    }
  }

  private async insertFigures(entries: { ref: string; bucketStart: number; figures: Figures }[]): Promise<void> {
    const bins = entries.flatMap((e) => [...e.figures.bins].map(([bin, count]) => ({ ref: e.ref, bucketStart: e.bucketStart, bin, count })));
    const col = <T>(pick: (e: (typeof entries)[number]) => T) => sql.param(entries.map(pick));
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    await this.db.execute(sql`with bins as (
        insert into value_distribution_bins (ref, bucket_start, bin, count)
        select * from unnest(${sql.param(bins.map((b) => b.ref))}::text[], ${sql.param(bins.map((b) => b.bucketStart))}::bigint[],
                             ${sql.param(bins.map((b) => b.bin))}::int[], ${sql.param(bins.map((b) => b.count))}::bigint[])
        on conflict (ref, bucket_start, bin) do update set count = value_distribution_bins.count + excluded.count
      )
      insert into value_distributions (ref, bucket_start, count, null_count, integral_count, min, max, sum, sum_squares)
      select * from unnest(${col((e) => e.ref)}::text[], ${col((e) => e.bucketStart)}::bigint[], ${col((e) => e.figures.count)}::bigint[],
                           ${col((e) => e.figures.nullCount)}::bigint[], ${col((e) => e.figures.integralCount)}::bigint[],
                           ${col((e) => finite(e.figures.min))}::float8[], ${col((e) => finite(e.figures.max))}::float8[],
                           ${col((e) => e.figures.sums.sumText)}::numeric[], ${col((e) => e.figures.sums.sumSquaresText)}::numeric[])
      on conflict (ref, bucket_start) do update set
        count = value_distributions.count + excluded.count,
        null_count = value_distributions.null_count + excluded.null_count,
        integral_count = value_distributions.integral_count + excluded.integral_count,
        min = least(value_distributions.min, excluded.min),
        max = greatest(value_distributions.max, excluded.max),
        sum = value_distributions.sum + excluded.sum,
        sum_squares = value_distributions.sum_squares + excluded.sum_squares`);
  }

  private async writeShadow(): Promise<void> {
    if (this.shadow.size === 0) return;
    const taken = [...this.shadow];
    this.shadow = new Map();
    // When each DRAFT was last shadow-written comes first and alone: it is what the activation gate judges by,
    // and it holds no client text that the database could refuse.
    try {
      await this.db.execute(sql`insert into shadow_writes (ref, last_write_at)
        select ref, to_timestamp(at / 1000.0) from unnest(${sql.param(taken.map(([ref]) => ref))}::text[],
                                                   ${sql.param(taken.map(([, e]) => e.lastWriteAt))}::bigint[]) as w(ref, at)
        on conflict (ref) do update set last_write_at = greatest(shadow_writes.last_write_at, excluded.last_write_at)`);
    } catch (error) {
      for (const [ref, e] of taken) this.addShadow(ref, e.keys, e.lastWriteAt);
      throw error;
    }
    const keys = taken.flatMap(([ref, e]) => [...e.keys].map((key) => ({ ref, key })));
    try {
      await this.insertShadowKeys(keys);
    } catch (error) {
      if (!refusesData(error)) {
        for (const [ref, e] of taken) this.addShadow(ref, e.keys, e.lastWriteAt);
        throw error;
      }
      // One key the database cannot hold fails the whole statement: store the others one by one, so that a
      // bad key costs only itself.
      const lastWriteAt = new Map(taken.map(([ref, e]) => [ref, e.lastWriteAt]));
      for (const [i, k] of keys.entries()) {
        try {
          await this.insertShadowKeys([k]);
        } catch (e) {
          if (refusesData(e)) continue;
          for (const rest of keys.slice(i)) this.addShadow(rest.ref, [rest.key], lastWriteAt.get(rest.ref)!);
          throw e;
        }
      }
    }
  }

  private async insertShadowKeys(keys: { ref: string; key: string }[]): Promise<void> {
    // The cap holds per version across flushes and instances: keys beyond it are not added.
    await this.db.execute(sql`insert into shadow_keys (ref, entity_key)
      select k.ref, k.key from unnest(${sql.param(keys.map((k) => k.ref))}::text[], ${sql.param(keys.map((k) => k.key))}::text[]) as k(ref, key)
      where (select count(*) from shadow_keys s where s.ref = k.ref) < ${MAX_SHADOW_KEYS}
      on conflict do nothing`);
  }

  /** The buckets of `ref` that start within [from, to), oldest first (default: the last 24 hours). */
  async buckets(ref: string, from?: Date, to?: Date): Promise<DistributionBucket[]> {
    const end = to?.getTime() ?? Date.now() + this.bucketMs;
    const start = from?.getTime() ?? end - 24 * 3_600_000 - this.bucketMs;
    const [rows, binRows] = await Promise.all([
      queryRows<Record<string, string | number | null>>(
        this.db,
        // Mean and variance in exact decimals: n·Σx² − (Σx)² has no rounding to cancel out, and no overflow.
        // As text: a double is made of it in JS, where a result beyond a double's range becomes ±Infinity or 0
        // (PostgreSQL would refuse the cast).
        sql`select bucket_start, count, null_count, integral_count, min, max,
              (sum / nullif(count, 0))::text as mean,
              sqrt(greatest(0, (count * sum_squares - sum * sum) / nullif(count::numeric * count, 0)))::text as stddev
            from value_distributions where ref = ${ref} and bucket_start >= ${start} and bucket_start < ${end} order by bucket_start`,
      ),
      queryRows<{ bucket_start: string | number; bin: number; count: string | number }>(
        this.db,
        sql`select bucket_start, bin, count from value_distribution_bins where ref = ${ref} and bucket_start >= ${start} and bucket_start < ${end}`,
      ),
    ]);
    const binsOf = new Map<number, Map<number, number>>();
    for (const b of binRows) {
      const bucket = Number(b.bucket_start);
      if (!binsOf.has(bucket)) binsOf.set(bucket, new Map());
      binsOf.get(bucket)!.set(b.bin, Number(b.count));
    }
    return rows.map((r) => {
      const bucketStart = Number(r.bucket_start);
      const count = Number(r.count);
      const bins = binsOf.get(bucketStart) ?? new Map<number, number>();
      return {
        start: new Date(bucketStart),
        end: new Date(bucketStart + this.bucketMs),
        count,
        nullCount: Number(r.null_count),
        min: r.min === null ? null : Number(r.min),
        max: r.max === null ? null : Number(r.max),
        mean: finiteOrNull(r.mean),
        stddev: finiteOrNull(r.stddev),
        integralShare: count > 0 ? Number(r.integral_count) / count : null,
        ...quantiles(bins, Number(r.min), Number(r.max)),
        histogram: [...bins]
          .sort(([a], [b]) => binBounds(a)[0] - binBounds(b)[0])
          .map(([bin, n]) => ({ lower: binBounds(bin)[0], upper: binBounds(bin)[1], count: n })),
      };
    });
  }
}

/** A number from PostgreSQL's text, or null where there is none (no values) or none a double can hold. */
function finiteOrNull(text: string | number | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

// Value distributions over time, per feature version: count, nulls, min, max, mean, standard deviation, the
// share of integral values and a histogram, per time bucket. The write path hands every accepted value to
// `record`, which only adds to in-memory figures; every few seconds they are added to PostgreSQL, where the
// figures of all instances add up. A failed flush keeps its figures for the next one; a graceful stop flushes
// them; a crash loses at most the figures of the last flush interval.
import { sql } from 'drizzle-orm';
import { queryRows, sqlState, type Db } from '../db/client.js';
import type { ValueType } from '../registry/model.js';
import { histogramStability } from './drift.js';

/** Histogram bins are 5% wide on |value|, signed, with 0 in a bin of its own: ±2.5% on any quantile. */
const GAMMA = 1.05;
const LOG_GAMMA = Math.log(GAMMA);
/** Shifts bin indexes so that every |value| from ~1e-21 up maps to a positive index before the sign is applied. */
const OFFSET = 1_000;

export function valueBin(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  const index = Math.max(1, Math.ceil(Math.log(Math.abs(value)) / LOG_GAMMA) + OFFSET);
  return value > 0 ? index : -index;
}

/** The bounds of a bin: [lower, upper] in value order. */
export function binBounds(bin: number): [number, number] {
  if (bin === 0) return [0, 0];
  const magnitude = Math.abs(bin) - OFFSET;
  const upper = GAMMA ** magnitude;
  const lower = upper / GAMMA;
  return bin > 0 ? [lower, upper] : [-upper, -lower];
}

/** The number a value stands for in its version's distribution. */
function numeric(valueType: ValueType, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  switch (valueType) {
    case 'INT64':
    case 'FLOAT64':
      return Number(value);
    case 'BOOL':
      return value ? 1 : 0;
    case 'STRING':
    case 'FLOAT64_LIST':
    case 'STRING_LIST':
      return (value as string | unknown[]).length;
  }
}

/**
 * Σx and Σx² of the values of one flush interval, kept in range: FLOAT64 values go up to ~1.8e308, where x² and
 * even Σx overflow a double. Beyond ±1e100 the sums hold x / 10^exponent instead of x (and Σx² its square), the
 * exponent growing with the largest value, so every term stays within ±1e100. When it grows, the sums are
 * scaled down with it; values more than ~1e300 times smaller than the largest then count as 0 there, well below
 * a double's precision of the total. Stored as exact decimals (numeric), the sums of every instance add up
 * without overflow, and mean and standard deviation are computed from them in PostgreSQL.
 */
export class ScaledSums {
  private exponent = 0;
  private sum = 0;
  private sumSquares = 0;

  add(x: number): void {
    const magnitude = Math.abs(x);
    if (magnitude > UNSCALED_LIMIT) {
      const needed = Math.ceil(Math.log10(magnitude)) - UNSCALED_DIGITS;
      if (needed > this.exponent) {
        const factor = 10 ** (needed - this.exponent);
        this.sum /= factor;
        this.sumSquares = this.sumSquares / factor / factor;
        this.exponent = needed;
      }
    }
    const scaled = this.exponent === 0 ? x : x / 10 ** this.exponent;
    this.sum += scaled;
    this.sumSquares += scaled * scaled;
  }

  /** Adds the sums of another part of the same values (kept back by a failed flush). */
  addAll(more: ScaledSums): void {
    const exponent = Math.max(this.exponent, more.exponent);
    const rescale = (sums: ScaledSums) => {
      const factor = 10 ** (exponent - sums.exponent);
      return [sums.sum / factor, sums.sumSquares / factor / factor] as const;
    };
    const [sum, sumSquares] = rescale(this);
    const [moreSum, moreSumSquares] = rescale(more);
    this.sum = sum + moreSum;
    this.sumSquares = sumSquares + moreSumSquares;
    this.exponent = exponent;
  }

  /** Σx as decimal text, e.g. "3.4000000000000000e+308" (numeric reads it exactly as written). */
  get sumText(): string {
    return decimalText(this.sum, this.exponent);
  }

  /** Σx² as decimal text. */
  get sumSquaresText(): string {
    return decimalText(this.sumSquares, 2 * this.exponent);
  }
}

const UNSCALED_DIGITS = 100;
const UNSCALED_LIMIT = 10 ** UNSCALED_DIGITS;

/** `mantissa × 10^exponent` as decimal text, with all 17 significant digits of the mantissa. */
function decimalText(mantissa: number, exponent: number): string {
  if (mantissa === 0) return '0';
  const [digits, power] = mantissa.toExponential(16).split('e') as [string, string];
  return `${digits}e${Number(power) + exponent}`;
}

interface Figures {
  count: number;
  nullCount: number;
  integralCount: number;
  min: number;
  max: number;
  sums: ScaledSums;
  bins: Map<number, number>;
}

const empty = (): Figures => ({ count: 0, nullCount: 0, integralCount: 0, min: Infinity, max: -Infinity, sums: new ScaledSums(), bins: new Map() });

/** Adds `more` to `into`: the figures of one bucket gathered in two parts. */
function addFigures(into: Figures, more: Figures): void {
  into.count += more.count;
  into.nullCount += more.nullCount;
  into.integralCount += more.integralCount;
  into.min = Math.min(into.min, more.min);
  into.max = Math.max(into.max, more.max);
  into.sums.addAll(more.sums);
  for (const [bin, n] of more.bins) into.bins.set(bin, (into.bins.get(bin) ?? 0) + n);
}

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

export class ValueDistributions {
  private pending = new Map<string, { ref: string; bucketStart: number; figures: Figures }>();
  /** DRAFT ref → keys written since the last flush, and when the last one was written. */
  private shadow = new Map<string, { keys: Set<string>; lastWriteAt: number }>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  private readonly verdicts = new Map<string, { drifting: Promise<boolean>; until: number }>();

  constructor(
    private readonly db: Db,
    readonly bucketMs: number,
    /** PSI above which a version drifts (DRIFT flag and alert). */
    readonly driftThreshold = 0.25,
    private readonly flushMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  drift(ref: string): Promise<DriftStatus> {
    return driftOf(this.db, ref, this.bucketMs, this.driftThreshold);
  }

  /** Whether the version drifts now; remembered for 30 seconds so reads do not ask PostgreSQL every time. */
  isDrifting(ref: string): Promise<boolean> {
    const now = this.now();
    const cached = this.verdicts.get(ref);
    if (cached && cached.until > now) return cached.drifting;
    const drifting = this.drift(ref).then((d) => d.drifting);
    this.verdicts.set(ref, { drifting, until: now + DRIFT_VERDICT_TTL_MS });
    drifting.catch(() => this.verdicts.delete(ref));
    return drifting;
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
    if (!entry) this.pending.set(key, (entry = { ref, bucketStart, figures: empty() }));
    const f = entry.figures;
    const x = numeric(valueType, value);
    if (x === null) {
      f.nullCount++;
      return;
    }
    f.count++;
    if (Number.isInteger(x)) f.integralCount++;
    if (x < f.min) f.min = x;
    if (x > f.max) f.max = x;
    f.sums.add(x);
    const bin = valueBin(x);
    f.bins.set(bin, (f.bins.get(bin) ?? 0) + 1);
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
    const end = to?.getTime() ?? this.now() + this.bucketMs;
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

export interface DriftStatus {
  ref: string;
  /** PSI of the latest bucket against the reference; null without enough data. */
  psi: number | null;
  threshold: number;
  drifting: boolean;
  /** The bucket compared, and the buckets the reference is made of. */
  bucket: Date | null;
  referenceBuckets: number;
}

const DRIFT_VERDICT_TTL_MS = 30_000;

/** Buckets of a version's first day make its reference distribution. */
const REFERENCE_DAY_MS = 24 * 3_600_000;
/** Fewest values in a bucket for its PSI to mean something. */
const MIN_DRIFT_SAMPLES = 30;

/**
 * How far a version's latest bucket has moved from its reference: the buckets of its first full day of values
 * (all earlier buckets while it has less than a day), excluding the bucket compared.
 */
export async function driftOf(db: Db, ref: string, bucketMs: number, threshold: number): Promise<DriftStatus> {
  const rows = await queryRows<{ bucket_start: string | number; bin: number; count: string | number }>(
    db,
    sql`select bucket_start, bin, count from value_distribution_bins where ref = ${ref} order by bucket_start`,
  );
  const byBucket = new Map<number, Map<number, number>>();
  for (const r of rows) {
    const bucket = Number(r.bucket_start);
    if (!byBucket.has(bucket)) byBucket.set(bucket, new Map());
    byBucket.get(bucket)!.set(r.bin, Number(r.count));
  }
  const buckets = [...byBucket.keys()].sort((a, b) => a - b);
  const none = { ref, psi: null, threshold, drifting: false, bucket: null, referenceBuckets: 0 };
  if (buckets.length < 2) return none;
  const latest = buckets.at(-1)!;
  const firstDayEnd = buckets[0]! + Math.max(REFERENCE_DAY_MS, bucketMs);
  const referenceBuckets = buckets.filter((b) => b !== latest && b < firstDayEnd);
  const reference = new Map<number, number>();
  for (const b of referenceBuckets) for (const [bin, n] of byBucket.get(b)!) reference.set(bin, (reference.get(bin) ?? 0) + n);
  const current = byBucket.get(latest)!;
  const total = (m: Map<number, number>) => [...m.values()].reduce((a, c) => a + c, 0);
  if (total(current) < MIN_DRIFT_SAMPLES || total(reference) < MIN_DRIFT_SAMPLES) return { ...none, bucket: new Date(latest), referenceBuckets: referenceBuckets.length };
  const psi = histogramStability(reference, current, (bin) => binBounds(bin)[0]);
  return { ref, psi, threshold, drifting: psi > threshold, bucket: new Date(latest), referenceBuckets: referenceBuckets.length };
}

/** p50, p90, p99 from a histogram, each the middle of its bin, kept within the bucket's min and max. */
function quantiles(bins: Map<number, number>, min: number, max: number): { p50: number | null; p90: number | null; p99: number | null } {
  const sorted = [...bins].sort(([a], [b]) => binBounds(a)[0] - binBounds(b)[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  const at = (q: number): number | null => {
    if (total === 0) return null;
    let seen = 0;
    for (const [bin, n] of sorted) {
      seen += n;
      if (seen > q * (total - 1)) {
        const [lower, upper] = binBounds(bin);
        return Math.min(max, Math.max(min, (lower + upper) / 2));
      }
    }
    return max;
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

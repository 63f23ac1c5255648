// Drift, measured as the Population Stability Index: how far a current distribution has moved from a reference
// one, on bins shared by both (the reference's deciles). Below 0.1 nothing moved; 0.1–0.25 a shift worth a
// look; above 0.25 the values no longer look like the ones the model was trained on. DRAFT validation compares
// samples of two versions (populationStability); DRIFT compares a version's latest bucket of stored
// histograms with its first day (driftOf).
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { binBounds } from './value-bins.js';

/** Keeps empty bins from making the index infinite. */
const EPSILON = 1e-4;
const BINS = 10;

/** The inner edges of `BINS` bins holding equal shares of `reference` (duplicates removed). */
export function decileEdges(reference: readonly number[]): number[] {
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < BINS; i++) edges.push(sorted[Math.floor((i * sorted.length) / BINS)]!);
  return [...new Set(edges)];
}

function shares(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let bin = 0;
    while (bin < edges.length && v >= edges[bin]!) bin++;
    counts[bin]!++;
  }
  return counts.map((c) => Math.max(c / Math.max(values.length, 1), EPSILON));
}

/** PSI of `current` against `reference`, on the reference's decile bins. */
export function populationStability(reference: readonly number[], current: readonly number[]): number {
  if (reference.length === 0 || current.length === 0) return 0;
  const edges = decileEdges(reference);
  const expected = shares(reference, edges);
  const actual = shares(current, edges);
  return expected.reduce((psi, e, i) => psi + (actual[i]! - e) * Math.log(actual[i]! / e), 0);
}

/**
 * PSI between two histograms of the same bins (bin → count): the reference's bins, in value order, are grouped
 * into ten groups of about equal reference weight, and both distributions are compared on those groups.
 */
export function histogramStability(
  reference: ReadonlyMap<number, number>,
  current: ReadonlyMap<number, number>,
  order: (bin: number) => number,
): number {
  const bins = [...new Set([...reference.keys(), ...current.keys()])].sort((a, b) => order(a) - order(b));
  const referenceTotal = [...reference.values()].reduce((a, b) => a + b, 0);
  const currentTotal = [...current.values()].reduce((a, b) => a + b, 0);
  if (referenceTotal === 0 || currentTotal === 0) return 0;
  const expected = new Array<number>(BINS).fill(0);
  const actual = new Array<number>(BINS).fill(0);
  let seen = 0;
  for (const bin of bins) {
    const r = reference.get(bin) ?? 0;
    // The group is the decile the bin's reference weight starts in; bins outside the reference's range fall
    // into the first or last group.
    const group = Math.min(BINS - 1, Math.floor((seen / referenceTotal) * BINS));
    expected[group]! += r / referenceTotal;
    actual[group]! += (current.get(bin) ?? 0) / currentTotal;
    seen += r;
  }
  return expected.reduce((psi, e, i) => {
    const a = Math.max(actual[i]!, EPSILON);
    const x = Math.max(e, EPSILON);
    return psi + (a - x) * Math.log(a / x);
  }, 0);
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

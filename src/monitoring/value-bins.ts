// The bins of a value distribution's histogram: logarithmic, 5% wide on |value|, signed, so that one set of
// bins serves every value type and every scale, the histograms of all instances add up bin by bin, and any
// quantile read back from them is within 2.5%.

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

/** p50, p90, p99 from a histogram, each the middle of its bin, kept within the bucket's min and max. */
export function quantiles(bins: Map<number, number>, min: number, max: number): { p50: number | null; p90: number | null; p99: number | null } {
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

// Event lag (ingest time − event time) as a mergeable histogram: each observation falls in a logarithmic bin
// whose width is 2% of its value (the DDSketch mapping), so every instance's counts add up in the store and
// any quantile is known to within 1% whatever the spread of lags, in a few hundred bins at most.

const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);

/** Bin 0 holds lags under 1 ms (including events stamped slightly in the future); bin b ≥ 1 holds (γ^(b-2), γ^(b-1)]. */
export function lagBin(lagMs: number): number {
  if (lagMs < 1) return 0;
  return Math.ceil(Math.log(lagMs) / LOG_GAMMA) + 1;
}

/** The value a bin stands for: the point within 1% of everything in it. */
export function binValue(bin: number): number {
  if (bin <= 0) return 0;
  return (2 * GAMMA ** (bin - 1)) / (GAMMA + 1);
}

export interface LagSummary {
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Quantiles of a histogram of lag bins. */
export function summarizeLag(bins: ReadonlyMap<number, number>): LagSummary {
  const sorted = [...bins].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const samples = sorted.reduce((sum, [, count]) => sum + count, 0);
  if (samples === 0) return { samples: 0, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
  const quantile = (q: number) => {
    const rank = q * (samples - 1);
    let seen = 0;
    for (const [bin, count] of sorted) {
      seen += count;
      if (seen > rank) return binValue(bin);
    }
    return binValue(sorted.at(-1)![0]);
  };
  return { samples, p50Ms: quantile(0.5), p95Ms: quantile(0.95), p99Ms: quantile(0.99), maxMs: binValue(sorted.at(-1)![0]) };
}

/** Adds one observation to a histogram. */
export function countLag(bins: Map<number, number>, lagMs: number): void {
  const bin = lagBin(lagMs);
  bins.set(bin, (bins.get(bin) ?? 0) + 1);
}

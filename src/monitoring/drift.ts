// Population Stability Index: how far a current distribution has moved from a reference one, on bins shared by
// both (the reference's deciles). Below 0.1 nothing moved; 0.1–0.25 a shift worth a look; above 0.25 the
// values no longer look like the ones the model was trained on.

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

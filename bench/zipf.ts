// Key distributions for the hot-key scenario: a seeded PRNG (so two runs send the same keys), and Zipf's law
// over the loaded entities: the key of rank r (1 = hottest) is read with probability r^-s / H(n, s).
// Ranks are mapped to entity indices through a seeded shuffle, so the hottest keys are not u0, u1, … (which
// would be as random a choice of slots as any, but a shuffle makes that explicit).

/** mulberry32: a small, fast, seeded 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Zipf {
  /** cdf[r - 1] = P(rank ≤ r) */
  private readonly cdf: Float64Array;
  /** rank - 1 → entity index */
  readonly entityOfRank: Uint32Array;
  /** entity index → rank (1-based) */
  private readonly rankOfEntity: Uint32Array;

  constructor(
    readonly n: number,
    readonly s: number,
    seed = 1,
  ) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let r = 1; r <= n; r++) {
      sum += r ** -s;
      this.cdf[r - 1] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i]! /= sum;
    this.cdf[n - 1] = 1;
    // Fisher-Yates with the seeded PRNG: a fixed, reproducible rank → entity mapping.
    const random = seededRandom(seed ^ 0x9e3779b9);
    this.entityOfRank = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.entityOfRank[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = this.entityOfRank[i]!;
      this.entityOfRank[i] = this.entityOfRank[j]!;
      this.entityOfRank[j] = t;
    }
    this.rankOfEntity = new Uint32Array(n);
    for (let r = 0; r < n; r++) this.rankOfEntity[this.entityOfRank[r]!] = r + 1;
  }

  /** Probability of the key of rank r (1-based). */
  probability(rank: number): number {
    return this.cdf[rank - 1]! - (rank > 1 ? this.cdf[rank - 2]! : 0);
  }

  /** Share of all reads taken by the `top` hottest keys. */
  topShare(top: number): number {
    return this.cdf[Math.min(this.n, Math.max(1, Math.round(top))) - 1]!;
  }

  /** Number of keys whose probability is at least `share`. */
  keysAbove(share: number): number {
    let r = 0;
    while (r < this.n && this.probability(r + 1) >= share) r++;
    return r;
  }

  rankOf(entityIndex: number): number {
    return this.rankOfEntity[entityIndex]!;
  }

  /** An entity index drawn from the distribution, with `random` in [0, 1). */
  sample(random: () => number): number {
    const u = random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return this.entityOfRank[lo]!;
  }
}

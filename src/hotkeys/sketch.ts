// Counting reads per entity key in bounded memory: a Count-Min sketch estimates any key's count (never under,
// over by at most ε·N with high probability), and a bounded set of candidates keeps the keys whose estimates
// are the largest: the heavy hitters. Memory is fixed by the sketch's width × depth and the number of
// candidates, whatever the number of distinct keys.
//
// Hand-written rather than bloom-filters' CountMinSketch/TopK: those hash with xxhashjs (64-bit arithmetic
// on objects) and measured 54,000 and 25,000 updates/s here, while every online read counts up to 1,000 keys;
// this one hashes with 32-bit FNV-1a and double hashing: HeavyHitters.add measured 1.0 million updates/s
// (median of 5 runs of 2 million Zipf-distributed keys, on the shared two-core machine, 2026-11-26), and about
// 280 against 400 ns an update with its candidates in a heap rather than scanned (a second of the bench's rows
// reads, 28,000 keys of 100,000 users and 28,000 of 10,000 merchants, four runs, 2026-11-27).

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Two independent 32-bit hashes of a string (FNV-1a with two seeds), left in hash1 and hash2: every key of
 * every read is hashed, and returning them as a pair allocated an array per key.
 */
let hash1 = 0;
let hash2 = 0;
function hashPair(key: string): void {
  let h1 = FNV_OFFSET;
  let h2 = FNV_OFFSET ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, FNV_PRIME);
    h2 = Math.imul(h2 ^ c, 0x01000197);
  }
  hash1 = h1 >>> 0;
  hash2 = (h2 >>> 0) | 1;
}

export class CountMinSketch {
  private readonly counts: Uint32Array;

  /** width 2^k columns × depth rows; ε ≈ e / width, δ ≈ e^-depth. */
  constructor(
    readonly width = 4096,
    readonly depth = 4,
  ) {
    this.counts = new Uint32Array(width * depth);
  }

  /** Adds `count` to `key` and returns its new estimate. */
  add(key: string, count = 1): number {
    hashPair(key);
    const h1 = hash1;
    const h2 = hash2;
    let estimate = Number.MAX_SAFE_INTEGER;
    for (let row = 0; row < this.depth; row++) {
      // Double hashing: row i uses h1 + i·h2, as good as independent hashes for a Count-Min sketch.
      const cell = row * this.width + (((h1 + row * h2) >>> 0) % this.width);
      const value = (this.counts[cell]! + count) >>> 0;
      this.counts[cell] = value;
      if (value < estimate) estimate = value;
    }
    return estimate;
  }

  estimate(key: string): number {
    hashPair(key);
    const h1 = hash1;
    const h2 = hash2;
    let estimate = Number.MAX_SAFE_INTEGER;
    for (let row = 0; row < this.depth; row++) {
      const value = this.counts[row * this.width + (((h1 + row * h2) >>> 0) % this.width)]!;
      if (value < estimate) estimate = value;
    }
    return estimate;
  }

  get bytes(): number {
    return this.counts.byteLength;
  }
}

/**
 * The `capacity` keys with the largest Count-Min estimates seen since the last reset, with their estimates: a
 * binary min-heap of candidates by estimate (the smallest at the root, the one a newcomer must beat and
 * replaces), with each key's place in it. Every read's keys go through add(); a heap makes a newcomer that beats
 * the smallest cost O(log capacity), where a scan of the candidates for the smallest cost O(capacity) (about
 * 1 µs at 256, paid by most keys of a uniform read once the sketch's counts have grown past the smallest).
 */
export class HeavyHitters {
  private sketch: CountMinSketch;
  /** Heap order: keys[0] has the smallest estimate, and each node's estimate is at most its children's. */
  private readonly keys: string[] = [];
  private readonly estimates: number[] = [];
  /** key → its index in the heap */
  private readonly places = new Map<string, number>();
  total = 0;

  constructor(
    readonly capacity = 256,
    private readonly width = 4096,
    private readonly depth = 4,
  ) {
    this.sketch = new CountMinSketch(width, depth);
  }

  add(key: string, count = 1): void {
    this.total += count;
    const estimate = this.sketch.add(key, count);
    const place = this.places.get(key);
    if (place !== undefined) {
      // A key's estimate only grows: it can only move down, away from the root.
      this.estimates[place] = estimate;
      this.siftDown(place);
    } else if (this.keys.length < this.capacity) {
      this.keys.push(key);
      this.estimates.push(estimate);
      this.places.set(key, this.keys.length - 1);
      this.siftUp(this.keys.length - 1);
    } else if (estimate > this.estimates[0]!) {
      this.places.delete(this.keys[0]!);
      this.keys[0] = key;
      this.estimates[0] = estimate;
      this.places.set(key, 0);
      this.siftDown(0);
    }
  }

  /** Candidates, largest first. */
  top(limit = this.capacity): { key: string; count: number }[] {
    return this.keys
      .map((key, i) => ({ key, count: this.estimates[i]! }))
      .sort((a, b) => b.count - a.count)
      .slice(0, limit);
  }

  get size(): number {
    return this.keys.length;
  }

  reset(): void {
    this.sketch = new CountMinSketch(this.width, this.depth);
    this.keys.length = 0;
    this.estimates.length = 0;
    this.places.clear();
    this.total = 0;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.estimates[parent]! <= this.estimates[i]!) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.estimates[right]! < this.estimates[left]! ? right : left;
      if (this.estimates[i]! <= this.estimates[child]!) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(i: number, j: number): void {
    const key = this.keys[i]!;
    const estimate = this.estimates[i]!;
    this.keys[i] = this.keys[j]!;
    this.estimates[i] = this.estimates[j]!;
    this.keys[j] = key;
    this.estimates[j] = estimate;
    this.places.set(this.keys[i]!, i);
    this.places.set(key, j);
  }
}

// The tests' one shuffle: Fisher–Yates driven by bench/zipf.ts's seeded PRNG, so that a failure can be replayed
// from the seed in its message.
import { seededRandom } from '../../bench/zipf.js';

/** A shuffled copy of `items`: the same seed gives the same order. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A fresh seed for a run whose order should differ every time (report it with a failure). */
export const randomSeed = () => 1 + Math.floor(Math.random() * 1e9);

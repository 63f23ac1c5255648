// Small statistics over raw samples. Percentiles come from an HDR histogram (hdr-histogram-js, the library
// autocannon itself uses) fed with each sample at microsecond resolution: autocannon's own histogram counts
// whole milliseconds, too coarse for a 2 ms target.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'hdr-histogram-js';
import { seededRandom } from './zipf.js';

/** Samples in ms (latencies, staleness): their percentiles, to 3 significant digits (±0.1%), and their exact max. */
export class Percentiles {
  private readonly histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });

  constructor(samplesMs: Iterable<number> = []) {
    for (const ms of samplesMs) this.record(ms);
  }

  record(ms: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The value at quantile q (0..1; 1 is the max), ms; NaN when there are no samples. */
  at(q: number): number {
    if (this.histogram.totalCount === 0) return Number.NaN;
    const micros = q >= 1 ? this.histogram.maxValue : this.histogram.getValueAtPercentile(q * 100);
    return micros / 1000;
  }
}

/**
 * How unevenly completions are spread over time: the busiest 100 ms window's rate divided by the mean rate
 * over the whole run. About 1 for a steady load; about 2 when the load comes as a burst in half of each
 * second (which is what autocannon's rate limiter does: each connection sends its quota for the second back
 * to back, then waits for the next second).
 */
export function peakToMean(completionTimes: readonly number[], startMs: number, windowMs = 100): number {
  if (completionTimes.length === 0) return Number.NaN;
  const windows = new Map<number, number>();
  let last = 0;
  for (const t of completionTimes) {
    const w = Math.floor((t - startMs) / windowMs);
    windows.set(w, (windows.get(w) ?? 0) + 1);
    last = Math.max(last, w);
  }
  // The last window is cut short by the end of the run: leave it out of both sides.
  windows.delete(last);
  const counts = [...windows.values()];
  if (counts.length === 0) return Number.NaN;
  const total = counts.reduce((a, b) => a + b, 0);
  return Math.max(...counts) / (total / last);
}

/**
 * Share of all cores busy over `ms` (0..1), from the kernel's per-CPU times. Sampled before the bench starts
 * anything, it tells whether other work (a test run, a build) shares the machine: then every figure is low
 * and noisy, and the service/baseline ratios too, since the two servers are measured at different moments.
 */
export async function cpuBusy(ms = 1_000): Promise<number> {
  const total = () =>
    os.cpus().reduce(
      (acc, cpu) => {
        const { user, nice, sys, irq, idle } = cpu.times;
        return { busy: acc.busy + user + nice + sys + irq, all: acc.all + user + nice + sys + irq + idle };
      },
      { busy: 0, all: 0 },
    );
  const before = total();
  await sleep(ms);
  const after = total();
  return after.all === before.all ? 0 : (after.busy - before.busy) / (after.all - before.all);
}

/** The item of median `value` (the lower middle one of an even count): each server's or read's median round. */
export function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  return [...items].sort((a, b) => value(a) - value(b))[Math.floor((items.length - 1) / 2)]!;
}

/** The value at quantile q (0..1) of `values`, one of them (no interpolation): q = 0.5 is medianBy's median. */
export function quantile(values: readonly number[], q: number): number {
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)]!;
}

/**
 * Where the median of `values` could as well have come out, had the same run been repeated: the 2.5% and 97.5%
 * quantiles of the medians of `resamples` resamples with replacement (a percentile bootstrap), seeded, so that a
 * run's interval is the same every time it is printed. For the rows scenario's per-round ratios it says whether a
 * median that meets or misses its target by a little could have gone the other way.
 */
export function medianInterval(values: readonly number[], resamples = 2_000, seed = 1): [number, number] {
  const random = seededRandom(seed);
  const medians = new Array<number>(resamples);
  const sample = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(random() * values.length)]!;
    medians[r] = quantile(sample, 0.5);
  }
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}

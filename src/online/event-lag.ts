// Event lag per feature version: every accepted or superseded write adds its lag (ingest time − event time)
// to the version's histogram for the current 10-second bucket, in the online store, where the counts of all
// instances add up. eventLag reads the buckets of the recent window, and says whether its p95 exceeds the
// version's window (or maxAge): then even fresh-looking values describe the past (PRODUCER_LAGGING, asked
// through monitoring/verdicts.ts).
import type { FeatureVersion } from '../registry/model.js';
import { parseDuration } from '../core/durations.js';
import { countLag, summarizeLag, type LagSummary } from './lag-histogram.js';
import type { LagCounts, OnlineStore } from './store.js';

export const LAG_BUCKET_MS = 10_000;

export interface EventLagStats extends LagSummary {
  ref: string;
  /** p95 over the window exceeds the version's window, or maxAge where it has none. */
  exceedsWindow: boolean;
}

export class EventLag {
  constructor(
    private readonly store: OnlineStore,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Histograms of these observations, for the bucket of `ingestTime`. */
  static counts(observations: readonly { ref: string; lagMs: number }[], ingestTime: number): LagCounts[] {
    const bucketStart = ingestTime - (ingestTime % LAG_BUCKET_MS);
    const byRef = new Map<string, Map<number, number>>();
    for (const { ref, lagMs } of observations) {
      let bins = byRef.get(ref);
      if (!bins) byRef.set(ref, (bins = new Map()));
      countLag(bins, lagMs);
    }
    return [...byRef].map(([ref, bins]) => ({ ref, bucketStart, bins }));
  }

  async stats(version: FeatureVersion): Promise<EventLagStats> {
    const now = this.now();
    const first = now - this.windowMs;
    const buckets: number[] = [];
    for (let start = first - (first % LAG_BUCKET_MS); start <= now; start += LAG_BUCKET_MS) buckets.push(start);
    const summary = summarizeLag(await this.store.lagCounts(version.ref, buckets));
    const budgetMs = parseDuration(version.window ?? version.maxAge, 'budget');
    return { ref: version.ref, ...summary, exceedsWindow: summary.p95Ms !== null && summary.p95Ms > budgetMs };
  }
}

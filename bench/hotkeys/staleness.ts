// Extra staleness in the hot-key scenario: a writer rewrites one feature of the hottest keys while the reads
// run, and every read of those keys is judged against the writes acknowledged before it was sent. The cache's
// promise is about that difference, so it is measured per source (STORE, CACHE, REPLICA).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WRITE_MUTATION, gql } from '../setup.js';
import { Percentiles } from '../stats.js';
import type { ReadResponse } from '../workload.js';

export type Source = 'STORE' | 'CACHE' | 'REPLICA';
export const SOURCES: Source[] = ['STORE', 'CACHE', 'REPLICA'];

export interface StalenessBySource {
  /** Reads of the written keys' written feature. */
  samples: number;
  /** …whose value was older than the newest write acknowledged before the read was sent. */
  behind: number;
  /** Extra staleness: eventTime of the newest acknowledged write − eventTime of the value served (0 if not older). */
  extraP50Ms: number;
  extraP99Ms: number;
  extraMaxMs: number;
  /** How long after the first newer write was acknowledged the old value was still served (send − that ack). */
  supersededForP99Ms: number;
  supersededForMaxMs: number;
  /** Values whose event time is one the writer wrote (the others are older: the ingest's, or in flight). */
  matchedWrites: number;
  /** Values whose number did not match the write of their event time (should be 0). */
  wrongValues: number;
}

export interface StalenessResult {
  ref: string;
  writtenKeys: number;
  /** How many of them the service listed as hot halfway through the run. */
  writtenKeysHot: number;
  intervalMs: number;
  /** Writes acknowledged with every row accepted. */
  writes: number;
  /** Writes that failed or were not fully accepted. */
  writeProblems: number;
  firstWriteProblem?: string;
  writeP50Ms: number;
  writeP99Ms: number;
  /** The cache's bound for this feature: min(HOT_CACHE_BOUND, maxAge / 10). */
  boundMs: number;
  hotCacheBoundMs: number;
  maxAgeTenthMs: number;
  /** Reads sent before the first write was acknowledged (not compared). */
  beforeFirstAck: number;
  bySource: Record<Source, StalenessBySource>;
}

/**
 * Rewrites one feature of the hottest keys every `intervalMs` through writeFeatureValues (one write in flight:
 * acknowledgements come in write order), value = the write's sequence number, eventTime = its wall time; and
 * judges every read of those keys against the writes acknowledged before the read was sent.
 */
export class StalenessProbe {
  /** Fully accepted writes, in order (eventTime and ack time both increase). */
  private readonly acked: { seq: number; eventTimeMs: number; ackedAt: number }[] = [];
  private readonly writeLatencies: number[] = [];
  private writeProblems = 0;
  private firstWriteProblem: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private samples = new Map<Source, { extra: number[]; supersededFor: number[]; behind: number; matched: number; wrong: number }>();
  private beforeFirstAck = 0;
  private readonly keySet: ReadonlySet<string>;

  constructor(
    private readonly url: string,
    private readonly keys: string[],
    private readonly ref: string,
    private readonly intervalMs: number,
  ) {
    this.keySet = new Set(keys);
    this.resetObservations();
  }

  start(): void {
    this.running = true;
    this.loop = this.write();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  resetObservations(): void {
    this.samples = new Map(SOURCES.map((s) => [s, { extra: [], supersededFor: [], behind: 0, matched: 0, wrong: 0 }]));
    this.beforeFirstAck = 0;
  }

  private async write(): Promise<void> {
    let seq = 0;
    let lastEventTime = 0;
    while (this.running) {
      const tickStart = performance.now();
      seq++;
      // Strictly increasing event times: an equal one would be superseded by the late-event guard.
      const eventTimeMs = Math.max(Date.now(), lastEventTime + 1);
      lastEventTime = eventTimeMs;
      const eventTime = new Date(eventTimeMs).toISOString();
      const rows = this.keys.map((entityKey) => ({ ref: this.ref, entityKey, value: seq, eventTime }));
      try {
        const { writeFeatureValues: result } = await gql<{
          writeFeatureValues: { accepted: number; superseded: number; rejected: number; errors: { message: string }[] };
        }>(this.url, WRITE_MUTATION, { rows });
        const ackedAt = performance.now();
        this.writeLatencies.push(ackedAt - tickStart);
        if (result.accepted === rows.length) this.acked.push({ seq, eventTimeMs, ackedAt });
        else {
          this.writeProblems++;
          this.firstWriteProblem ??= `write ${seq}: accepted ${result.accepted} of ${rows.length} (superseded ${result.superseded}, rejected ${result.rejected}${result.errors[0] ? `: ${result.errors[0].message}` : ''})`;
        }
      } catch (error) {
        this.writeProblems++;
        this.firstWriteProblem ??= `write ${seq}: ${error instanceof Error ? error.message : String(error)}`;
      }
      const wait = this.intervalMs - (performance.now() - tickStart);
      if (wait > 0 && this.running) await sleep(wait);
    }
  }

  /** One answer that holds at least one written key: each such row's written feature is compared. */
  observe(sentAt: number, answer: Buffer): void {
    const body = JSON.parse(answer.toString('utf8')) as ReadResponse;
    for (const row of body.data?.onlineFeatures.rows ?? []) {
      if (!this.keySet.has(row.entityKey)) continue;
      const feature = row.features.find((f) => f.ref === this.ref);
      if (!feature?.eventTime || !feature.servedFrom) continue;
      // The newest write acknowledged before this read was sent.
      const newest = this.lastIndex((w) => w.ackedAt < sentAt);
      if (newest < 0) {
        this.beforeFirstAck++;
        continue;
      }
      const sample = this.samples.get(feature.servedFrom)!;
      const servedEventTime = Date.parse(feature.eventTime);
      const extra = Math.max(0, this.acked[newest]!.eventTimeMs - servedEventTime);
      sample.extra.push(extra);
      // The first acknowledged write newer than the value served: how long before the read it was acknowledged.
      const firstNewer = this.lastIndex((w) => w.eventTimeMs <= servedEventTime) + 1;
      const newer = this.acked[firstNewer];
      sample.supersededFor.push(newer && newer.ackedAt < sentAt ? sentAt - newer.ackedAt : 0);
      if (extra > 0) sample.behind++;
      // A value with a written event time must be that write's number.
      const same = this.acked[firstNewer - 1];
      if (same && same.eventTimeMs === servedEventTime) {
        sample.matched++;
        if (feature.value !== same.seq) sample.wrong++;
      }
    }
  }

  /** Index of the last acknowledged write satisfying a predicate that holds for a prefix of them (-1: none). */
  private lastIndex(inPrefix: (write: { eventTimeMs: number; ackedAt: number }) => boolean): number {
    let lo = 0;
    let hi = this.acked.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inPrefix(this.acked[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  result(bounds: { boundMs: number; hotCacheBoundMs: number; maxAgeTenthMs: number; writtenKeysHot: number }): StalenessResult {
    const latencies = new Percentiles(this.writeLatencies);
    const bySource = Object.fromEntries(
      SOURCES.map((source) => {
        const s = this.samples.get(source)!;
        const extra = new Percentiles(s.extra);
        const superseded = new Percentiles(s.supersededFor);
        const figures: StalenessBySource = {
          samples: s.extra.length,
          behind: s.behind,
          extraP50Ms: zeroIfEmpty(extra.at(0.5)),
          extraP99Ms: zeroIfEmpty(extra.at(0.99)),
          extraMaxMs: zeroIfEmpty(extra.at(1)),
          supersededForP99Ms: zeroIfEmpty(superseded.at(0.99)),
          supersededForMaxMs: zeroIfEmpty(superseded.at(1)),
          matchedWrites: s.matched,
          wrongValues: s.wrong,
        };
        return [source, figures];
      }),
    ) as Record<Source, StalenessBySource>;
    return {
      ref: this.ref,
      writtenKeys: this.keys.length,
      writtenKeysHot: bounds.writtenKeysHot,
      intervalMs: this.intervalMs,
      writes: this.acked.length,
      writeProblems: this.writeProblems,
      ...(this.firstWriteProblem ? { firstWriteProblem: this.firstWriteProblem } : {}),
      writeP50Ms: latencies.at(0.5),
      writeP99Ms: latencies.at(0.99),
      boundMs: bounds.boundMs,
      hotCacheBoundMs: bounds.hotCacheBoundMs,
      maxAgeTenthMs: bounds.maxAgeTenthMs,
      beforeFirstAck: this.beforeFirstAck,
      bySource,
    };
  }
}

const zeroIfEmpty = (n: number) => (Number.isNaN(n) ? 0 : n);

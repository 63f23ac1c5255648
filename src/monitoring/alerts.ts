// What is wrong now, in one list: producers lagging more than their window, consumers pinned to versions no
// producer writes (or deprecated and retired ones), versions whose values drift, hot keys. Evaluated every
// 15 seconds in the background (so `since` tracks when each started) and again when asked.
import type { HotKeys } from '../hotkeys/hot-keys.js';
import type { EventLag } from '../online/event-lag.js';
import { entityKeyOf } from '../online/keys.js';
import { inSlices } from '../core/event-loop.js';
import type { FeatureVersion } from '../registry/model.js';
import type { Registry } from '../registry/registry.js';
import type { ValueDistributions } from './distributions.js';

export const ALERT_KINDS = ['LAG_EXCEEDS_WINDOW', 'VERSION_MISMATCH', 'DRIFT', 'HOT_KEY'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  kind: AlertKind;
  /** What it is about: a version ref, `consumer → ref`, or `entity:entityKey`. */
  subject: string;
  /** When this instance first saw it (it clears, and starts again, with its cause). */
  since: Date;
  message: string;
  value: number | null;
  threshold: number | null;
}

const EVALUATE_EVERY_MS = 15_000;

/** Versions whose lag and drift are queried at once (200 at once held /healthz for 2 s on embedded PGlite). */
const VERSIONS_PER_SLICE = 16;

export class Alerts {
  private readonly since = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private evaluating?: Promise<Alert[]>;
  /** The figures of the last evaluation, for /metrics. */
  last = { mismatches: 0, lagging: new Map<string, boolean>(), drift: new Map<string, number>() };

  constructor(
    private readonly registry: Registry,
    private readonly eventLag: EventLag,
    private readonly distributions: ValueDistributions,
    private readonly hotKeys: HotKeys,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.current().catch(() => {}), EVALUATE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * What is wrong now. One evaluation runs at a time and everyone who asks meanwhile shares it: a request with
   * many `alerts` aliases, or many requests at once, costs one evaluation (one lag and drift query per version),
   * not one each.
   */
  current(): Promise<Alert[]> {
    if (!this.evaluating) {
      const evaluation = this.evaluate();
      this.evaluating = evaluation;
      void evaluation.finally(() => (this.evaluating = undefined)).catch(() => {});
    }
    return this.evaluating;
  }

  private async evaluate(): Promise<Alert[]> {
    const features = await this.registry.features();
    const versions = (await this.registry.versionsOfFeatures(features.map((f) => f.name))).filter((v) => v.status !== 'RETIRED');
    const found: Omit<Alert, 'since'>[] = [];
    const lagging = new Map<string, boolean>();
    const drift = new Map<string, number>();
    const evaluateVersion = async (version: FeatureVersion) => {
      const [lag, drifting] = await Promise.all([this.eventLag.stats(version), this.distributions.drift(version.ref)]);
      lagging.set(version.ref, lag.exceedsWindow);
      if (lag.exceedsWindow) {
        found.push({
          kind: 'LAG_EXCEEDS_WINDOW',
          subject: version.ref,
          message: `p95 event lag of ${version.ref} is ${Math.round(lag.p95Ms!)} ms, beyond its ${version.window ? `window ${version.window}` : `maxAge ${version.maxAge}`}`,
          value: lag.p95Ms,
          threshold: null,
        });
      }
      if (drifting.psi !== null) drift.set(version.ref, drifting.psi);
      if (drifting.drifting) {
        found.push({
          kind: 'DRIFT',
          subject: version.ref,
          message: `values of ${version.ref} in the bucket of ${drifting.bucket!.toISOString()} drift from its first day (PSI ${drifting.psi!.toFixed(3)})`,
          value: drifting.psi,
          threshold: drifting.threshold,
        });
      }
    };
    await inSlices(versions, VERSIONS_PER_SLICE, (slice) => Promise.all(slice.map(evaluateVersion)));
    const mismatches = await this.registry.bindingMismatches();
    for (const m of mismatches) {
      found.push({ kind: 'VERSION_MISMATCH', subject: `${m.consumer} → ${m.pinned.ref}`, message: `${m.consumer}: ${m.reason}`, value: null, threshold: null });
    }
    for (const key of this.hotKeys.list(100).filter((k) => k.hot)) {
      found.push({
        kind: 'HOT_KEY',
        subject: entityKeyOf(key),
        message: `${key.entity} ${key.entityKey} takes ${(key.share * 100).toFixed(1)}% of reads (${Math.round(key.readsPerSecond)}/s)`,
        value: key.share,
        threshold: this.hotKeys.options.shareThreshold,
      });
    }
    this.last = { mismatches: mismatches.length, lagging, drift };

    const now = Date.now();
    const ids = new Set(found.map((a) => `${a.kind}\u0000${a.subject}`));
    for (const id of this.since.keys()) if (!ids.has(id)) this.since.delete(id);
    return found
      .map((a) => {
        const id = `${a.kind}\u0000${a.subject}`;
        if (!this.since.has(id)) this.since.set(id, now);
        return { ...a, since: new Date(this.since.get(id)!) };
      })
      .sort((a, b) => ALERT_KINDS.indexOf(a.kind) - ALERT_KINDS.indexOf(b.kind) || a.subject.localeCompare(b.subject));
  }
}

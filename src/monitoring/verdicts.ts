// The verdicts that flag every value of a version on the read path: PRODUCER_LAGGING (event lag beyond the
// version's window) and DRIFT (values unlike its first day's). Each costs a store or database query, and a
// busy read path asks for them constantly, so each verdict is remembered for a while per version and shared
// by every read meanwhile.
import type { EventLag } from '../online/event-lag.js';
import type { SettledVerdicts, VersionVerdicts } from '../online/ports.js';
import type { FeatureVersion } from '../registry/model.js';
import type { ValueDistributions } from './distributions.js';

/** How long a lagging verdict is reused: lag moves in 10-second buckets. */
export const LAG_VERDICT_TTL_MS = 5_000;
/** How long a drift verdict is reused: drift is judged on whole distribution buckets. */
export const DRIFT_VERDICT_TTL_MS = 30_000;

/** A verdict being asked or answered, until when it holds, and its answer once there is one. */
interface Remembered {
  verdict: Promise<boolean>;
  until: number;
  settled?: boolean;
}

/**
 * A yes-or-no answer per key, remembered for `ttlMs` after it was asked. Reads arriving while it is being asked
 * share the pending answer; a failed one is forgotten at once, so that the next read asks again.
 */
export class RememberedVerdicts<K> {
  private readonly verdicts = new Map<string, Remembered>();

  constructor(
    private readonly ttlMs: number,
    private readonly ask: (key: K) => Promise<boolean>,
    private readonly now: () => number,
  ) {}

  /** The verdict on `key` (named `id` in the memory). */
  get(id: string, key: K): Promise<boolean> {
    const now = this.now();
    const remembered = this.verdicts.get(id);
    if (remembered && remembered.until > now) return remembered.verdict;
    const verdict = this.ask(key);
    const remembering: Remembered = { verdict, until: now + this.ttlMs };
    this.verdicts.set(id, remembering);
    verdict.then(
      (settled) => (remembering.settled = settled),
      () => this.verdicts.delete(id),
    );
    return verdict;
  }

  /** The verdict on `id` if it is remembered, answered and fresh; undefined if it must be asked (get). */
  settled(id: string): boolean | undefined {
    const remembered = this.verdicts.get(id);
    return remembered && remembered.until > this.now() ? remembered.settled : undefined;
  }

  /** Until when (epoch ms) the verdict on `id` holds once answered; -Infinity when none is remembered. */
  until(id: string): number {
    return this.verdicts.get(id)?.until ?? -Infinity;
  }
}

/** The four answers settled() can give, shared: a read asks for them for every version it reads. */
const SETTLED: readonly SettledVerdicts[] = [
  { lagging: false, drifting: false },
  { lagging: true, drifting: false },
  { lagging: false, drifting: true },
  { lagging: true, drifting: true },
];

/** The read path's version verdicts, from event lag and value distributions. */
export class MonitoredVerdicts implements VersionVerdicts {
  private readonly lagging: RememberedVerdicts<FeatureVersion>;
  private readonly drifting: RememberedVerdicts<FeatureVersion>;

  constructor(eventLag: EventLag, distributions: ValueDistributions, now: () => number = Date.now) {
    this.lagging = new RememberedVerdicts(LAG_VERDICT_TTL_MS, async (version) => (await eventLag.stats(version)).exceedsWindow, now);
    this.drifting = new RememberedVerdicts(DRIFT_VERDICT_TTL_MS, async (version) => (await distributions.drift(version.ref)).drifting, now);
  }

  isLagging(version: FeatureVersion): Promise<boolean> {
    return this.lagging.get(version.ref, version);
  }

  isDrifting(version: FeatureVersion): Promise<boolean> {
    return this.drifting.get(version.ref, version);
  }

  settled(version: FeatureVersion): SettledVerdicts | undefined {
    const lagging = this.lagging.settled(version.ref);
    const drifting = lagging === undefined ? undefined : this.drifting.settled(version.ref);
    return drifting === undefined ? undefined : SETTLED[(lagging ? 1 : 0) + (drifting ? 2 : 0)];
  }

  heldUntil(version: FeatureVersion): number {
    return Math.min(this.lagging.until(version.ref), this.drifting.until(version.ref));
  }
}

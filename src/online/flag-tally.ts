// Counting a read's flags for flagCounts and the metrics: done for every value of every response, so without a
// Map or a string per value.
import type { ReadFlag, VersionFlagSet } from './flags.js';
import type { OnlineObserver } from './observer.js';

/**
 * A read's flags, counted per plan without a Map or a string per value: most values carry one of their plan's
 * three shared flag arrays, and only those are counted as they come; a value with flags of its own (TYPE_MISMATCH)
 * is counted flag by flag.
 */
export class FlagTally {
  /** Per plan: values with its present, missing and stale flags. */
  private readonly shared: Int32Array;
  private readonly own = new Map<number, Map<ReadFlag, number>>();

  constructor(private readonly plans: readonly { version: { ref: string }; flags: VersionFlagSet }[]) {
    this.shared = new Int32Array(plans.length * 3);
  }

  add(p: number, flags: ReadFlag[]): void {
    const shared = this.plans[p]!.flags;
    if (flags === shared.present) this.shared[p * 3]!++;
    else if (flags === shared.missing) this.shared[p * 3 + 1]!++;
    else if (flags === shared.stale) this.shared[p * 3 + 2]!++;
    else {
      let counts = this.own.get(p);
      if (!counts) this.own.set(p, (counts = new Map()));
      for (const flag of flags) counts.set(flag, (counts.get(flag) ?? 0) + 1);
    }
  }

  /** The counts per flag over the read; each plan's also go to `observer` (a flag's count may come in two parts). */
  counts(observer: OnlineObserver): Map<ReadFlag, number> {
    const total = new Map<ReadFlag, number>();
    const count = (ref: string, flag: ReadFlag, n: number) => {
      total.set(flag, (total.get(flag) ?? 0) + n);
      observer.flagged(ref, flag, n);
    };
    this.plans.forEach((plan, p) => {
      const { ref } = plan.version;
      const present = this.shared[p * 3]!;
      const missing = this.shared[p * 3 + 1]!;
      const stale = this.shared[p * 3 + 2]!;
      // The missing and stale flags are the present ones with MISSING or STALE in front.
      if (missing > 0) count(ref, 'MISSING', missing);
      if (stale > 0) count(ref, 'STALE', stale);
      const all = present + missing + stale;
      if (all > 0) for (const flag of plan.flags.present) count(ref, flag, all);
      // Values with flags of their own are rare: most reads have none, and build no iterator per plan for them.
      const own = this.own.size > 0 ? this.own.get(p) : undefined;
      if (own) for (const [flag, n] of own) count(ref, flag, n);
    });
    return total;
  }
}

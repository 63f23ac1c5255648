// What the online paths report as they work, for monitoring (src/monitoring/metrics.ts implements it). The
// domain calls plain functions and knows nothing of Prometheus.
import type { ReadFlag } from './flags.js';

export interface OnlineObserver {
  /** One write row's event lag. */
  lag(ref: string, lagMs: number): void;
  /** Outcome counts of one write request. */
  written(accepted: number, superseded: number, rejected: number): void;
  /** Flags set on the values of one version in one read. */
  flagged(ref: string, flag: ReadFlag, count: number): void;
  /** How long one store call took. */
  storeCall(operation: 'read' | 'write', seconds: number): void;
}

export const NO_OBSERVER: OnlineObserver = { lag() {}, written() {}, flagged() {}, storeCall() {} };

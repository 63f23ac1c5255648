// How the bench writes its figures in the printed table, shared by every scenario's section so that a number
// reads the same everywhere, and what a target check is.
import type { LoadResult } from './load.js';

/** One target next to its figure. Targets are reported, never asserted: the bench measures, people judge. */
export interface TargetCheck {
  what: string;
  target: string;
  value: number;
  met: boolean;
}

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n: number) => (!Number.isFinite(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
export const fmtRatio = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a');
export const latency = (run: LoadResult) => `${fmtMs(run.p50Ms)} / ${fmtMs(run.p99Ms)}`;
export const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');

/** Anything that makes a run's figures suspect: failed requests or error answers. */
export function failures(run: LoadResult): string | undefined {
  const parts = [
    run.non2xx && `${run.non2xx} non-2xx`,
    run.mismatches && `${run.mismatches} with errors`,
    run.errors && `${run.errors} connection errors`,
    run.timeouts && `${run.timeouts} timeouts`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

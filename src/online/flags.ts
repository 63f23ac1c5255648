// The read flags: what a read says about each value it serves (DESIGN.md section 3 gives their meanings). The
// reader builds them for every value of every response, so the helpers here keep READ_FLAGS order by
// construction instead of sorting, and share one array among the values of a version where nothing is added.
import type { VersionStatus } from '../registry/model.js';

/** In the order clients see them in flagCounts. */
export const READ_FLAGS = [
  'MISSING',
  'STALE',
  'VERSION_MISMATCH',
  'DEPRECATED_VERSION',
  'RETIRED_VERSION',
  'PRODUCER_LAGGING',
  'TYPE_MISMATCH',
  'DRIFT',
] as const;
export type ReadFlag = (typeof READ_FLAGS)[number];

/** What is known of a version before any of its values is looked at. */
export interface VersionState {
  /** Its consumer's pin is not produced, or not the definition the client expects (see expectations.ts). */
  mismatched: boolean;
  status: VersionStatus;
  lagging: boolean;
  drifting: boolean;
}

/** The flags every value of a version gets, in READ_FLAGS order. */
function versionFlags({ mismatched, status, lagging, drifting }: VersionState): ReadFlag[] {
  const flags: ReadFlag[] = [];
  if (mismatched) flags.push('VERSION_MISMATCH');
  if (status === 'DEPRECATED') flags.push('DEPRECATED_VERSION');
  if (status === 'RETIRED') flags.push('RETIRED_VERSION');
  if (lagging) flags.push('PRODUCER_LAGGING');
  if (drifting) flags.push('DRIFT');
  return flags;
}

/** The flags of a version's values: as they are, and with MISSING or STALE in front (both come first in READ_FLAGS). */
export interface VersionFlagSet {
  readonly present: ReadFlag[];
  readonly missing: ReadFlag[];
  readonly stale: ReadFlag[];
}

/** One set per combination of version state (32 at most), built once and shared: never change one. */
const FLAG_SETS = new Map<number, VersionFlagSet>();

/** versionFlags, with MISSING and STALE, for every value of a version in `state`: shared arrays, built once. */
export function versionFlagSet(state: VersionState): VersionFlagSet {
  const { mismatched, status, lagging, drifting } = state;
  const id = (mismatched ? 1 : 0) | (status === 'DEPRECATED' ? 2 : 0) | (status === 'RETIRED' ? 4 : 0) | (lagging ? 8 : 0) | (drifting ? 16 : 0);
  let set = FLAG_SETS.get(id);
  if (!set) {
    const present = versionFlags(state);
    FLAG_SETS.set(id, (set = { present, missing: ['MISSING', ...present], stale: ['STALE', ...present] }));
  }
  return set;
}

/** Adds TYPE_MISMATCH in its READ_FLAGS place: after every version flag but DRIFT. */
export function withTypeMismatch(flags: ReadFlag[]): ReadFlag[] {
  return flags.at(-1) === 'DRIFT' ? [...flags.slice(0, -1), 'TYPE_MISMATCH', 'DRIFT'] : [...flags, 'TYPE_MISMATCH'];
}

/** Counts per flag as flagCounts gives them: in READ_FLAGS order, only the flags that occur. */
export function inFlagOrder(counts: ReadonlyMap<ReadFlag, number>): { flag: ReadFlag; count: number }[] {
  return READ_FLAGS.filter((flag) => counts.has(flag)).map((flag) => ({ flag, count: counts.get(flag)! }));
}

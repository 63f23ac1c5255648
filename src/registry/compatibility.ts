// How a new definition relates to the feature's live one, so that whoever registers it (and whoever reviews
// it) sees at once what a consumer pinned to the old version would face:
// - IDENTICAL: the same definition (the existing version is returned);
// - COMPATIBLE: nothing a consumer computes with changes (description, `aggregation.metadata`, a stricter
//   freshness budget, a value that may no longer be null);
// - WIDENING: every old value is still a valid new value (INT64 → FLOAT64, a longer maxAge, null allowed);
// - BREAKING: the values mean something else (another or narrower type, another aggregation or window).
import { sortKeysDeep, type Definition } from './definition.js';
import { parseDuration } from '../core/durations.js';

export const COMPATIBILITIES = ['IDENTICAL', 'COMPATIBLE', 'WIDENING', 'BREAKING'] as const;
export type Compatibility = (typeof COMPATIBILITIES)[number];

export interface CompatibilityReport {
  compatibility: Compatibility;
  reasons: string[];
}

type Change = [Exclude<Compatibility, 'IDENTICAL'>, string];

export function compareDefinitions(live: Definition, next: Definition): CompatibilityReport {
  const changes: Change[] = [];
  if (live.valueType !== next.valueType) {
    changes.push(
      live.valueType === 'INT64' && next.valueType === 'FLOAT64'
        ? ['WIDENING', 'valueType INT64 → FLOAT64: every integer is still a valid value']
        : ['BREAKING', `valueType ${live.valueType} → ${next.valueType}: consumers trained on ${live.valueType} get another type`],
    );
  }
  if (live.window !== next.window) {
    changes.push(['BREAKING', `window ${live.window ?? 'none'} → ${next.window ?? 'none'}: the values aggregate another period`]);
  }
  const { metadata: liveMetadata, ...liveComputation } = live.aggregation ?? {};
  const { metadata: nextMetadata, ...nextComputation } = next.aggregation ?? {};
  if (!sameJson(liveComputation, nextComputation)) {
    changes.push(['BREAKING', 'aggregation changed: the values are computed differently']);
  }
  if (!sameJson(liveMetadata, nextMetadata)) {
    changes.push(['COMPATIBLE', 'aggregation.metadata changed (not part of the computation)']);
  }
  const liveMaxAge = parseDuration(live.maxAge, 'maxAge');
  const nextMaxAge = parseDuration(next.maxAge, 'maxAge');
  if (nextMaxAge > liveMaxAge) changes.push(['WIDENING', `maxAge ${live.maxAge} → ${next.maxAge}: older values count as fresh`]);
  if (nextMaxAge < liveMaxAge) changes.push(['COMPATIBLE', `maxAge ${live.maxAge} → ${next.maxAge}: a stricter freshness budget`]);
  if (!live.nullable && next.nullable) changes.push(['WIDENING', 'values may now be null']);
  if (live.nullable && !next.nullable) changes.push(['COMPATIBLE', 'values may no longer be null']);
  if (live.description !== next.description) changes.push(['COMPATIBLE', 'description changed']);

  if (changes.length === 0) return { compatibility: 'IDENTICAL', reasons: [] };
  const worst = changes.reduce((a, [level]) => (COMPATIBILITIES.indexOf(level) > COMPATIBILITIES.indexOf(a) ? level : a), 'COMPATIBLE' as Compatibility);
  return { compatibility: worst, reasons: changes.map(([, reason]) => reason) };
}

/** Equal as canonical JSON: key order never counts, wherever the value came from. */
const sameJson = (a: unknown, b: unknown) => JSON.stringify(sortKeysDeep(a)) === JSON.stringify(sortKeysDeep(b));

// Durations as users write them ("5m", "7d", "1h30m") and one canonical spelling for each length of time,
// so that "7d" and "168h" are the same definition. Hand-written rather than a library: the libraries we
// looked at (ms, parse-duration) accept "1.5 hours", "7 days ago"-like input or negative numbers silently,
// and a definition must be refused when it is malformed, not guessed at. Checked against ms 2.1.3: it refuses
// "1h30m" (undefined), accepts "1.5h", "-5m", "0s", "1 hr" and "10y", and spells 5,400,000 ms as "2h", where
// the canonical form must be exact ("1h30m"); parse-duration also takes decimals and negative numbers.
import { badInput } from './errors.js';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS_LARGEST_FIRST: Unit[] = ['d', 'h', 'm', 's', 'ms'];

const DURATION = /^(?:\d+(?:ms|d|h|m|s))+$/;
const PART = /(\d+)(ms|d|h|m|s)/g;
/** Ten years: anything longer is a typo, and it keeps every duration within a safe integer of milliseconds. */
const MAX_MS = 3650 * UNIT_MS.d;

/** Milliseconds in a duration such as "7d" or "1h30m"; throws BAD_USER_INPUT naming `field` when malformed. */
export function parseDuration(text: string, field: string): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw badInput(
      `${field} ${JSON.stringify(text)} is not a duration: use whole numbers with units ms, s, m, h, d, e.g. "30s", "5m", "7d", "1h30m"`,
    );
  }
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as Unit];
  if (ms <= 0) throw badInput(`${field} must be longer than zero (got ${JSON.stringify(text)})`);
  if (ms > MAX_MS) throw badInput(`${field} ${JSON.stringify(text)} is longer than ten years`);
  return ms;
}

/** The canonical spelling: largest units first, no zero parts ("168h" → "7d", "90m" → "1h30m"). */
export function formatDuration(ms: number): string {
  let rest = ms;
  let text = '';
  for (const unit of UNITS_LARGEST_FIRST) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * UNIT_MS[unit];
    }
  }
  return text;
}

/** Parses and re-spells a duration in canonical form. */
export const canonicalDuration = (text: string, field: string): string => formatDuration(parseDuration(text, field));

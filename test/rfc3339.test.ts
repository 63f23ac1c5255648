// formatEpochMs, directly: the DateTime scalar writes every online value's eventTime with it, and a response
// must carry the same bytes as Date.prototype.toISOString gave before (the fast-path differential test compares
// whole responses; this one covers the times no test response happens to carry).
import { describe, expect, it } from 'vitest';
import { formatEpochMs } from '../src/core/rfc3339.js';

const DAY = 86_400_000;

describe('formatEpochMs', () => {
  it('writes what toISOString writes, around every boundary of the day, the epoch, leap days and the year 10000', () => {
    const boundaries = [0, Date.UTC(2024, 1, 29), Date.UTC(2000, 2, 1), Date.UTC(1900, 2, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1, Date.UTC(-1, 0, 1), Date.UTC(0, 0, 1) - DAY * 366];
    for (const at of boundaries) {
      for (const offset of [-DAY, -1001, -1000, -999, -1, 0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000, DAY - 1, DAY]) {
        expect(formatEpochMs(at + offset)).toBe(new Date(at + offset).toISOString());
      }
    }
  });

  it('writes what toISOString writes for times spread over ±300,000 years, and at the ends of the range', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.round((next() * 2 - 1) * 8.64e15);
      expect(formatEpochMs(ms)).toBe(new Date(ms).toISOString());
    }
    for (const ms of [8.64e15, -8.64e15]) expect(formatEpochMs(ms)).toBe(new Date(ms).toISOString());
  });

  it('leaves what is not a whole millisecond in range to Date: truncated, or a RangeError', () => {
    for (const ms of [1.5, -1.5, 1_764_172_800_000.9]) expect(formatEpochMs(ms)).toBe(new Date(ms).toISOString());
    for (const ms of [Number.NaN, Infinity, 8.64e15 + 1, -8.64e15 - 1]) expect(() => formatEpochMs(ms)).toThrow(RangeError);
  });
});

// The figures of one version's values in one time bucket, as an instance gathers them between flushes: count,
// nulls, whole numbers, min, max, Σx and Σx² (kept in range), and the histogram. Figures gathered in parts (a
// failed flush, several instances) add up.
import type { ValueType } from '../registry/model.js';
import { valueBin } from './value-bins.js';

/**
 * Σx and Σx² of the values of one flush interval, kept in range: FLOAT64 values go up to ~1.8e308, where x² and
 * even Σx overflow a double. Beyond ±1e100 the sums hold x / 10^exponent instead of x (and Σx² its square), the
 * exponent growing with the largest value, so every term stays within ±1e100. When it grows, the sums are
 * scaled down with it; values more than ~1e300 times smaller than the largest then count as 0 there, well below
 * a double's precision of the total. Stored as exact decimals (numeric), the sums of every instance add up
 * without overflow, and mean and standard deviation are computed from them in PostgreSQL.
 */
export class ScaledSums {
  private exponent = 0;
  private sum = 0;
  private sumSquares = 0;

  add(x: number): void {
    const magnitude = Math.abs(x);
    if (magnitude > UNSCALED_LIMIT) {
      const needed = Math.ceil(Math.log10(magnitude)) - UNSCALED_DIGITS;
      if (needed > this.exponent) {
        const factor = 10 ** (needed - this.exponent);
        this.sum /= factor;
        this.sumSquares = this.sumSquares / factor / factor;
        this.exponent = needed;
      }
    }
    const scaled = this.exponent === 0 ? x : x / 10 ** this.exponent;
    this.sum += scaled;
    this.sumSquares += scaled * scaled;
  }

  /** Adds the sums of another part of the same values (kept back by a failed flush). */
  addAll(more: ScaledSums): void {
    const exponent = Math.max(this.exponent, more.exponent);
    const rescale = (sums: ScaledSums) => {
      const factor = 10 ** (exponent - sums.exponent);
      return [sums.sum / factor, sums.sumSquares / factor / factor] as const;
    };
    const [sum, sumSquares] = rescale(this);
    const [moreSum, moreSumSquares] = rescale(more);
    this.sum = sum + moreSum;
    this.sumSquares = sumSquares + moreSumSquares;
    this.exponent = exponent;
  }

  /** Σx as decimal text, e.g. "3.4000000000000000e+308" (numeric reads it exactly as written). */
  get sumText(): string {
    return decimalText(this.sum, this.exponent);
  }

  /** Σx² as decimal text. */
  get sumSquaresText(): string {
    return decimalText(this.sumSquares, 2 * this.exponent);
  }
}

const UNSCALED_DIGITS = 100;
const UNSCALED_LIMIT = 10 ** UNSCALED_DIGITS;

/** `mantissa × 10^exponent` as decimal text, with all 17 significant digits of the mantissa. */
function decimalText(mantissa: number, exponent: number): string {
  if (mantissa === 0) return '0';
  const [digits, power] = mantissa.toExponential(16).split('e') as [string, string];
  return `${digits}e${Number(power) + exponent}`;
}

export interface Figures {
  count: number;
  nullCount: number;
  integralCount: number;
  min: number;
  max: number;
  sums: ScaledSums;
  bins: Map<number, number>;
}

export const emptyFigures = (): Figures => ({ count: 0, nullCount: 0, integralCount: 0, min: Infinity, max: -Infinity, sums: new ScaledSums(), bins: new Map() });

/** The number a value stands for in its version's distribution. */
function numeric(valueType: ValueType, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  switch (valueType) {
    case 'INT64':
    case 'FLOAT64':
      return Number(value);
    case 'BOOL':
      return value ? 1 : 0;
    case 'STRING':
    case 'FLOAT64_LIST':
    case 'STRING_LIST':
      return (value as string | unknown[]).length;
  }
}

/** Adds one value of a version of type `valueType` to its bucket's figures. */
export function addValue(f: Figures, valueType: ValueType, value: unknown): void {
  const x = numeric(valueType, value);
  if (x === null) {
    f.nullCount++;
    return;
  }
  f.count++;
  if (Number.isInteger(x)) f.integralCount++;
  if (x < f.min) f.min = x;
  if (x > f.max) f.max = x;
  f.sums.add(x);
  const bin = valueBin(x);
  f.bins.set(bin, (f.bins.get(bin) ?? 0) + 1);
}

/** Adds `more` to `into`: the figures of one bucket gathered in two parts. */
export function addFigures(into: Figures, more: Figures): void {
  into.count += more.count;
  into.nullCount += more.nullCount;
  into.integralCount += more.integralCount;
  into.min = Math.min(into.min, more.min);
  into.max = Math.max(into.max, more.max);
  into.sums.addAll(more.sums);
  for (const [bin, n] of more.bins) into.bins.set(bin, (into.bins.get(bin) ?? 0) + n);
}

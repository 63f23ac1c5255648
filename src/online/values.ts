// What a value of each type may be. Nothing is coerced: a FLOAT64 feature gets a finite number, an INT64 one an
// integer (a decimal string beyond 2^53, where JSON numbers lose digits), lists hold only their element type,
// and null only where the definition allows it. The same rules judge values read back (TYPE_MISMATCH).
import type { ValueType } from '../registry/model.js';
import { textProblem, type TextRules } from '../core/text.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?(0|[1-9]\d*)$/;
export const MAX_STRING_LENGTH = 65_536;
export const MAX_LIST_LENGTH = 10_000;

/**
 * Strings in values are data: control characters are kept. NUL is refused (PostgreSQL text cannot hold it, and
 * a value must read back the same on every store), and so are lone surrogates (stored as U+FFFD, they would
 * read back as another string).
 */
const STRING_VALUE_RULES: TextRules = { maxLength: MAX_STRING_LENGTH, anyControl: true };

export type ValueCheck = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * Checks `value` against a version's type. On success `value` is the form to store: INT64 within ±2^53 as a
 * number, beyond it as its decimal string.
 */
export function checkValue(valueType: ValueType, nullable: boolean, value: unknown): ValueCheck {
  if (value === null || value === undefined) {
    return nullable ? { ok: true, value: null } : { ok: false, problem: 'value is null but this version is not nullable' };
  }
  switch (valueType) {
    case 'INT64':
      return checkInt64(value);
    case 'FLOAT64':
      return isFiniteNumber(value) ? { ok: true, value } : { ok: false, problem: `expected a finite number for FLOAT64, got ${describe(value)}` };
    case 'BOOL':
      return isBool(value) ? { ok: true, value } : { ok: false, problem: `expected true or false for BOOL, got ${describe(value)}` };
    case 'STRING':
      return checkString(value, 'STRING');
    case 'FLOAT64_LIST':
      return checkList(value, 'FLOAT64_LIST', (item) => isFiniteNumber(item));
    case 'STRING_LIST':
      return checkList(value, 'STRING_LIST', (item) => typeof item === 'string' && textProblem(item, STRING_VALUE_RULES) === undefined);
  }
}

/**
 * Whether a value read back still fits its version's type: checkValue's verdict (TYPE_MISMATCH when not),
 * decided without building one for the types nearly every read serves (a read of a thousand values would
 * otherwise build a thousand verdicts to look at `ok` once).
 */
export function fitsType(valueType: ValueType, nullable: boolean, value: unknown): boolean {
  if (value === null) return nullable;
  if (valueType === 'FLOAT64') return isFiniteNumber(value);
  if (valueType === 'BOOL') return isBool(value);
  if (valueType === 'INT64' && typeof value === 'number') return Number.isSafeInteger(value);
  return checkValue(valueType, nullable, value).ok;
}

/**
 * A value served as the JSON text it was stored as: the writer checked it and stored it as JSON text, and the
 * reader checks that text against the version's type without parsing it where the type is a number or a
 * boolean, so that a read builds no value only to have it formatted again (formatting a double costs more than
 * the rest of writing it out). The GraphQL layer's result serializer writes `text` as it is; any other
 * JSON.stringify writes the value it stands for (toJSON).
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * Whether `text` is a JSON number (the grammar JSON.parse reads) of a finite value. Scanned by hand: the read path
 * asks this of nearly every value, and a regular expression and a Number() took three times as long.
 */
export function isFiniteJsonNumber(text: string): boolean {
  const n = text.length;
  let i = text.charCodeAt(0) === MINUS ? 1 : 0;
  const first = text.charCodeAt(i);
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) i = digitsFrom(text, i + 1);
  else return false;
  if (i < n && text.charCodeAt(i) === DOT) {
    const end = digitsFrom(text, i + 1);
    if (end === i + 1) return false;
    i = end;
  }
  // A plain decimal is finite unless it has more digits than a double's range (about 309).
  if (i === n) return n < 300 || Number.isFinite(Number(text));
  const e = text.charCodeAt(i);
  if (e !== 0x65 && e !== 0x45) return false;
  i++;
  const sign = text.charCodeAt(i);
  if (sign === PLUS || sign === MINUS) i++;
  const end = digitsFrom(text, i);
  return end > i && end === n && Number.isFinite(Number(text));
}

const [MINUS, PLUS, DOT, ZERO, NINE] = [0x2d, 0x2b, 0x2e, 0x30, 0x39];

/** The index after the run of decimal digits that starts at `i`. */
function digitsFrom(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c >= ZERO && c <= NINE) c = text.charCodeAt(++i);
  return i;
}

/** An integer JSON.stringify may have written for a safe integer (at most 16 digits; the value is checked too). */
const JSON_SAFE_INTEGER = /^-?(?:0|[1-9]\d{0,15})$/;

/**
 * What to serve for a stored value's JSON text: the text itself (a JsonText) when it fits the version's type,
 * null for a stored null where the version allows it, and undefined when it does not fit (TYPE_MISMATCH): the
 * verdict fitsType gives on the value it parses to, without parsing the numbers and booleans that nearly every
 * read serves.
 */
export function servedValue(valueType: ValueType, nullable: boolean, text: string): JsonText | null | undefined {
  if (text === 'null') return nullable ? null : undefined;
  // What the writer stores for these types is judged on the text; anything else is parsed (whitespace around a
  // number, a magnitude beyond a double's range) and judged as fitsType judges it.
  switch (valueType) {
    case 'FLOAT64':
      if (isFiniteJsonNumber(text)) return new JsonText(text);
      break;
    case 'BOOL':
      if (text === 'true' || text === 'false') return new JsonText(text);
      break;
    case 'INT64':
      if (JSON_SAFE_INTEGER.test(text) && Number.isSafeInteger(Number(text))) return new JsonText(text);
      break;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return fitsType(valueType, nullable, value) ? new JsonText(text) : undefined;
}

function checkInt64(value: unknown): ValueCheck {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return { ok: true, value };
    if (Number.isInteger(value)) {
      return { ok: false, problem: `${value} is beyond ±2^53, where JSON numbers lose digits: send INT64 values this large as decimal strings` };
    }
    return { ok: false, problem: `expected an integer for INT64, got ${value}` };
  }
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const big = BigInt(value);
    if (big < INT64_MIN || big > INT64_MAX) return { ok: false, problem: `${value} is outside the INT64 range` };
    const asNumber = Number(big);
    return { ok: true, value: Number.isSafeInteger(asNumber) ? asNumber : value };
  }
  return { ok: false, problem: `expected an integer (or a decimal string) for INT64, got ${describe(value)}` };
}

function checkString(value: unknown, type: string): ValueCheck {
  if (typeof value !== 'string') return { ok: false, problem: `expected a string for ${type}, got ${describe(value)}` };
  const problem = textProblem(value, STRING_VALUE_RULES);
  if (problem) return { ok: false, problem: `the string ${problem}` };
  return { ok: true, value };
}

function checkList(value: unknown, type: string, itemOk: (item: unknown) => boolean): ValueCheck {
  if (!Array.isArray(value)) return { ok: false, problem: `expected a list for ${type}, got ${describe(value)}` };
  if (value.length > MAX_LIST_LENGTH) return { ok: false, problem: `list longer than ${MAX_LIST_LENGTH} items` };
  const bad = value.findIndex((item) => !itemOk(item));
  if (bad >= 0) {
    const item = value[bad];
    const problem = typeof item === 'string' ? textProblem(item, STRING_VALUE_RULES) : undefined;
    if (problem) return { ok: false, problem: `item ${bad} of the list ${problem}` };
    return { ok: false, problem: `item ${bad} of the list is ${describe(item)}, not a ${type === 'FLOAT64_LIST' ? 'finite number' : 'string'}` };
  }
  return { ok: true, value };
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isBool = (value: unknown): value is boolean => typeof value === 'boolean';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

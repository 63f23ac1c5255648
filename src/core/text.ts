// What a string from a client may hold before it reaches any store. PostgreSQL refuses NUL in text and jsonb
// (the whole statement fails, so one bad row would fail a batch), and JavaScript strings may carry lone UTF-16
// surrogates, which every store silently turns into U+FFFD: two distinct keys would then collide and one
// would overwrite the other's value. So strings are checked once, here, the same way for every store, and what
// is hashed is exactly what is stored.
import { badInput } from './errors.js';

/** Longest free text (descriptions, reasons, labels) in characters. */
export const MAX_TEXT_LENGTH = 4_000;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls, DEL and C1 controls: never part of a key or a one-line label.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// Free text may hold tabs and line breaks, but no other control character.
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export interface TextRules {
  /** Longest accepted, in characters (UTF-16 code units). */
  maxLength?: number;
  /** Longest accepted, in UTF-8 bytes. */
  maxBytes?: number;
  /** Tabs and line breaks allowed (free text); otherwise no control character at all. */
  multiline?: boolean;
  /** Every control character but NUL allowed: a STRING value is data, and data may hold them. */
  anyControl?: boolean;
}

/** What is wrong with `value` under `rules`, or undefined when it is fine. */
export function textProblem(value: string, rules: TextRules): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'is not well-formed UTF-16 (a lone surrogate)';
  if (!rules.anyControl && (rules.multiline ? CONTROL_IN_TEXT : CONTROL).test(value)) return 'contains a control character';
  if (rules.maxLength !== undefined && value.length > rules.maxLength) return `is longer than ${rules.maxLength} characters`;
  if (rules.maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > rules.maxBytes) return `is longer than ${rules.maxBytes} bytes of UTF-8`;
  return undefined;
}

/** Throws BAD_USER_INPUT naming `field` unless `value` fits `rules`. */
export function checkText(value: string, field: string, rules: TextRules): string {
  const problem = textProblem(value, rules);
  if (problem) throw badInput(`${field} ${problem}`);
  return value;
}

/** Free text (a description, a reason): trimmed, null when empty, at most MAX_TEXT_LENGTH characters. */
export function freeText(value: string | null | undefined, field: string): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  return checkText(trimmed, field, { maxLength: MAX_TEXT_LENGTH, multiline: true });
}

/** What is wrong with an entity key, or undefined: non-empty, at most `maxBytes` of UTF-8, one line. */
export function entityKeyProblem(key: string, maxBytes: number): string | undefined {
  if (key.length === 0) return 'is empty';
  return textProblem(key, { maxBytes });
}

/** Throws BAD_USER_INPUT naming the first bad key (`entityKeys[i]`) unless every key is a valid entity key. */
export function checkEntityKeys(keys: readonly string[], maxBytes: number): void {
  keys.forEach((key, index) => {
    const problem = entityKeyProblem(key, maxBytes);
    if (problem) throw badInput(`entityKeys[${index}] ${problem}`, { index });
  });
}

/** Limits on a JSON value from a client (an aggregation): how deep it nests, and the rules for its strings. */
export interface JsonRules {
  maxDepth: number;
  text: TextRules;
}

/**
 * What is wrong with a JSON value, or undefined: nested deeper than `maxDepth`, or a key or string breaking
 * the text rules. It walks with its own stack, never recursion, so a value nested 100,000 deep is refused here
 * instead of overflowing the call stack of whatever looks at it next.
 */
export function jsonProblem(value: unknown, rules: JsonRules): string | undefined {
  const pending: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value: current, depth, path } = item;
    if (typeof current === 'string') {
      const problem = textProblem(current, rules.text);
      if (problem) return `holds a string that ${problem} (at ${path || 'the top'})`;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= rules.maxDepth) return `nests deeper than ${rules.maxDepth} levels`;
    if (Array.isArray(current)) {
      current.forEach((element, index) => pending.push({ value: element, depth: depth + 1, path: `${path}[${index}]` }));
      continue;
    }
    for (const [key, element] of Object.entries(current)) {
      const problem = textProblem(key, rules.text);
      if (problem) return `holds a key that ${problem} (at ${path || 'the top'})`;
      // Keys are cut short in the path: it names where the problem is, it need not carry a huge key along.
      pending.push({ value: element, depth: depth + 1, path: `${path}.${key.slice(0, 40)}` });
    }
  }
  return undefined;
}

const NAME = /^[a-z][a-z0-9_]*$/;
const MAX_NAME_LENGTH = 63;

/** Names of entities, features, producers, consumers and teams: `[a-z][a-z0-9_]*`, at most 63 characters. */
export const isName = (value: string): boolean => NAME.test(value) && value.length <= MAX_NAME_LENGTH;

/** `value` when it is a name (see isName); else BAD_USER_INPUT naming `field`. */
export function checkName(value: string, field: string): string {
  if (!isName(value)) {
    throw badInput(
      `${field} ${JSON.stringify(value)} is not a valid name: use lower-case letters, digits and _, starting with a letter, at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  return value;
}

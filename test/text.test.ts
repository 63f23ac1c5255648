// The text rules every client string passes (src/text.ts), the JSON walk that guards aggregations, and the
// scaled sums that keep value distributions finite: unit tests, no servers.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { ScaledSums } from '../src/monitoring/bucket-figures.js';
import {
  checkEntityKeys,
  DEFAULT_MAX_ENTITY_KEY_BYTES,
  entityKeyProblem,
  freeText,
  jsonProblem,
  MAX_TEXT_LENGTH,
  textProblem,
} from '../src/core/text.js';

describe('text rules', () => {
  it('refuses NUL and lone surrogates of both kinds whatever the rules, and accepts surrogate pairs', () => {
    for (const rules of [{}, { multiline: true }, { anyControl: true }]) {
      expect(textProblem('a\u0000b', rules)).toMatch(/NUL/);
      expect(textProblem('\ud800', rules)).toMatch(/lone surrogate/);
      expect(textProblem('\udc00', rules)).toMatch(/lone surrogate/);
      expect(textProblem('x\ud800y', rules)).toMatch(/lone surrogate/);
      expect(textProblem('\udc00\ud800', rules)).toMatch(/lone surrogate/);
      expect(textProblem('🙂 \ud83d\ude42', rules)).toBeUndefined();
    }
  });

  it('refuses control characters in one-line text, allows tabs and line breaks in free text, and any but NUL in data', () => {
    expect(textProblem('a\tb', {})).toMatch(/control/);
    expect(textProblem('a\u007fb', {})).toMatch(/control/);
    expect(textProblem('a\u0085b', {})).toMatch(/control/);
    expect(textProblem('line one\n\tline two\r\n', { multiline: true })).toBeUndefined();
    expect(textProblem('bell\u0007', { multiline: true })).toMatch(/control/);
    expect(textProblem('bell\u0007 escape\u001b del\u007f', { anyControl: true })).toBeUndefined();
  });

  it('counts length in characters and size in UTF-8 bytes', () => {
    expect(textProblem('abc', { maxLength: 3 })).toBeUndefined();
    expect(textProblem('abcd', { maxLength: 3 })).toMatch(/longer than 3 characters/);
    expect(textProblem('é'.repeat(2), { maxBytes: 4 })).toBeUndefined();
    expect(textProblem('é'.repeat(3), { maxBytes: 4 })).toMatch(/longer than 4 bytes/);
  });

  it('trims free text, makes empty text null, and refuses text longer than MAX_TEXT_LENGTH (a 10 MB description)', () => {
    expect(freeText('  a user \n', 'description')).toBe('a user');
    expect(freeText('   ', 'description')).toBeNull();
    expect(freeText(undefined, 'description')).toBeNull();
    expect(freeText('x'.repeat(MAX_TEXT_LENGTH), 'description')).toHaveLength(MAX_TEXT_LENGTH);
    expect(() => freeText('x'.repeat(10_000_000), 'description')).toThrow(/description is longer than/);
    expect(() => freeText('a\u0000', 'reason')).toThrow(/reason contains a NUL character/);
  });
});

describe('entity keys', () => {
  it('are non-empty, one line, well-formed, and at most MAX_ENTITY_KEY_BYTES of UTF-8', () => {
    const max = DEFAULT_MAX_ENTITY_KEY_BYTES;
    expect(entityKeyProblem('user 42 / ünïcödé 🙂', max)).toBeUndefined();
    expect(entityKeyProblem('', max)).toBe('is empty');
    expect(entityKeyProblem('k'.repeat(max), max)).toBeUndefined();
    expect(entityKeyProblem('k'.repeat(max + 1), max)).toMatch(/bytes/);
    expect(entityKeyProblem('é'.repeat(max / 2 + 1), max)).toMatch(/bytes/);
    expect(entityKeyProblem('a\nb', max)).toMatch(/control/);
    expect(entityKeyProblem('a\u0000', max)).toMatch(/NUL/);
    expect(entityKeyProblem('\ud800', max)).toMatch(/surrogate/);
  });

  it('have their limit set by MAX_ENTITY_KEY_BYTES, at most 2 KiB so that every stored key fits a PostgreSQL index entry', () => {
    expect(loadConfig({}).limits.maxEntityKeyBytes).toBe(DEFAULT_MAX_ENTITY_KEY_BYTES);
    expect(loadConfig({ MAX_ENTITY_KEY_BYTES: '1024' }).limits.maxEntityKeyBytes).toBe(1024);
    for (const bad of ['0', '4096', 'lots', '-1']) {
      expect(() => loadConfig({ MAX_ENTITY_KEY_BYTES: bad })).toThrow(ConfigError);
    }
  });

  it('are checked as a list, naming the index of the first bad one', () => {
    expect(() => checkEntityKeys(['a', 'b'], 8)).not.toThrow();
    expect(() => checkEntityKeys(['a', 'b', '\udc00', ''], 8)).toThrow('entityKeys[2] is not well-formed UTF-16');
  });
});

describe('JSON values from clients', () => {
  const rules = { maxDepth: 4, text: { multiline: true } };

  it('refuses nesting beyond the limit without recursing, even 100,000 levels deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { a: deep } : [deep];
    expect(jsonProblem(deep, rules)).toBe('nests deeper than 4 levels');
    expect(jsonProblem({ a: { b: { c: { d: 1 } } } }, rules)).toBeUndefined();
    expect(jsonProblem({ a: { b: { c: { d: { e: 1 } } } } }, rules)).toBe('nests deeper than 4 levels');
  });

  it('checks every key and every string, in objects and lists, and says where', () => {
    expect(jsonProblem({ function: 'mean', source: 'clicks', args: [1, 'x\ny', null, true] }, rules)).toBeUndefined();
    expect(jsonProblem({ source: 'a\u0000' }, rules)).toBe('holds a string that contains a NUL character (at .source)');
    expect(jsonProblem({ args: ['ok', '\ud800'] }, rules)).toBe('holds a string that is not well-formed UTF-16 (a lone surrogate) (at .args[1])');
    expect(jsonProblem({ meta: { 'k\u0000': 1 } }, rules)).toBe('holds a key that contains a NUL character (at .meta)');
    expect(jsonProblem('\udc00', rules)).toMatch(/at the top/);
  });
});

describe('scaled sums of a distribution', () => {
  it('are exact decimals of ordinary values', () => {
    const sums = new ScaledSums();
    for (const x of [1, 2, 3.5]) sums.add(x);
    expect(Number(sums.sumText)).toBe(6.5);
    expect(Number(sums.sumSquaresText)).toBe(1 + 4 + 12.25);
  });

  it('stay finite for values near the largest double, where x² and even Σx overflow', () => {
    const sums = new ScaledSums();
    sums.add(1);
    sums.add(1.7e308);
    sums.add(1.7e308);
    sums.add(-1e200);
    // Decimal text beyond a double's range: PostgreSQL's numeric adds these up exactly.
    const decimal = (text: string) => text.split('e').map(Number) as [number, number];
    const [sum, sumExponent] = decimal(sums.sumText);
    const [squares, squaresExponent] = decimal(sums.sumSquaresText);
    expect(sumExponent).toBe(308);
    expect(sum).toBeCloseTo(3.4, 12);
    expect(squaresExponent).toBe(616);
    expect(squares).toBeCloseTo(2 * 1.7 ** 2, 12);
  });
});

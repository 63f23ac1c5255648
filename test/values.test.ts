// checkValue, directly: what a value of each type may be, the form it is stored in, and the problem it names
// when it does not fit. The write path rejects a row with this problem; the read path flags TYPE_MISMATCH.
import { describe, expect, it } from 'vitest';
import { checkValue, fitsType, isFiniteJsonNumber, JsonText, MAX_LIST_LENGTH, MAX_STRING_LENGTH, servedValue } from '../src/online/values.js';

const ok = (value: unknown) => ({ ok: true, value });
const problem = (text: string | RegExp) => ({ ok: false, problem: typeof text === 'string' ? text : expect.stringMatching(text) });

describe('checkValue', () => {
  it('allows null only where the version is nullable, for every type', () => {
    for (const type of ['INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST'] as const) {
      expect(checkValue(type, true, null)).toEqual(ok(null));
      expect(checkValue(type, true, undefined)).toEqual(ok(null));
      expect(checkValue(type, false, null)).toEqual(problem('value is null but this version is not nullable'));
    }
  });

  it('takes INT64 as a safe integer or a decimal string, stored as a number within ±2^53 and as text beyond', () => {
    expect(checkValue('INT64', false, 42)).toEqual(ok(42));
    expect(checkValue('INT64', false, '-17')).toEqual(ok(-17));
    expect(checkValue('INT64', false, '9223372036854775807')).toEqual(ok('9223372036854775807'));
    expect(checkValue('INT64', false, '-9223372036854775808')).toEqual(ok('-9223372036854775808'));
    expect(checkValue('INT64', false, '9223372036854775808')).toEqual(problem('9223372036854775808 is outside the INT64 range'));
    expect(checkValue('INT64', false, 2 ** 60)).toEqual(problem(/beyond ±2\^53, where JSON numbers lose digits: send INT64 values this large as decimal strings/));
    expect(checkValue('INT64', false, 1.5)).toEqual(problem('expected an integer for INT64, got 1.5'));
    expect(checkValue('INT64', false, '01')).toEqual(problem('expected an integer (or a decimal string) for INT64, got the string "01"'));
    expect(checkValue('INT64', false, true)).toEqual(problem('expected an integer (or a decimal string) for INT64, got boolean true'));
  });

  it('takes FLOAT64 as a finite number and BOOL as true or false, coercing nothing', () => {
    expect(checkValue('FLOAT64', false, 0.25)).toEqual(ok(0.25));
    expect(checkValue('FLOAT64', false, 3)).toEqual(ok(3));
    expect(checkValue('FLOAT64', false, Number.POSITIVE_INFINITY)).toEqual(problem('expected a finite number for FLOAT64, got number Infinity'));
    expect(checkValue('FLOAT64', false, '0.25')).toEqual(problem('expected a finite number for FLOAT64, got the string "0.25"'));
    expect(checkValue('BOOL', false, false)).toEqual(ok(false));
    expect(checkValue('BOOL', false, 0)).toEqual(problem('expected true or false for BOOL, got number 0'));
    expect(checkValue('BOOL', false, {})).toEqual(problem('expected true or false for BOOL, got an object'));
  });

  it('keeps control characters in strings but refuses NUL, lone surrogates and over-long text', () => {
    expect(checkValue('STRING', false, 'tab\there\nnewline')).toEqual(ok('tab\there\nnewline'));
    expect(checkValue('STRING', false, 'a'.repeat(MAX_STRING_LENGTH))).toMatchObject({ ok: true });
    expect(checkValue('STRING', false, 'a'.repeat(MAX_STRING_LENGTH + 1))).toMatchObject({ ok: false });
    expect(checkValue('STRING', false, 'a\u0000b')).toEqual(problem(/^the string contains a NUL character/));
    expect(checkValue('STRING', false, 'a\ud800b')).toMatchObject({ ok: false });
    expect(checkValue('STRING', false, ['a'])).toEqual(problem('expected a string for STRING, got a list'));
  });

  it('takes lists of their element type only, and names the first item that does not fit', () => {
    expect(checkValue('FLOAT64_LIST', false, [1, 2.5, -3])).toEqual(ok([1, 2.5, -3]));
    expect(checkValue('FLOAT64_LIST', false, [1, '2'])).toEqual(problem('item 1 of the list is the string "2", not a finite number'));
    expect(checkValue('FLOAT64_LIST', false, [1, null])).toEqual(problem('item 1 of the list is null, not a finite number'));
    expect(checkValue('STRING_LIST', false, ['a', 'b'])).toEqual(ok(['a', 'b']));
    expect(checkValue('STRING_LIST', false, ['a', 7])).toEqual(problem('item 1 of the list is number 7, not a string'));
    expect(checkValue('STRING_LIST', false, ['ok', 'x\u0000'])).toEqual(problem(/^item 1 of the list contains a NUL character/));
    expect(checkValue('STRING_LIST', false, 'a')).toEqual(problem('expected a list for STRING_LIST, got the string "a"'));
    expect(checkValue('FLOAT64_LIST', false, new Array(MAX_LIST_LENGTH).fill(0))).toMatchObject({ ok: true });
    expect(checkValue('FLOAT64_LIST', false, new Array(MAX_LIST_LENGTH + 1).fill(0))).toEqual(problem(`list longer than ${MAX_LIST_LENGTH} items`));
  });
});

describe('fitsType', () => {
  it("gives checkValue's verdict for every type on values as JSON.parse reads them back", () => {
    const readBack = [null, 0, -1.5, 42, 2 ** 53, 2 ** 60, 1e308, true, false, '', 'x', '17', '9223372036854775807', '9223372036854775808', 'a\u0000b', [], [1, 2.5], ['a'], [1, 'a'], {}, { a: 1 }];
    for (const type of ['INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST'] as const) {
      for (const nullable of [true, false]) {
        for (const value of readBack) expect([type, nullable, value, fitsType(type, nullable, value)]).toEqual([type, nullable, value, checkValue(type, nullable, value).ok]);
      }
    }
  });
});

describe('servedValue', () => {
  it('serves a stored text as it is exactly when what it parses to fits the type, judging numbers on the text', () => {
    const canonical = [null, 0, -0, -1.5, 42, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, true, false, '', 'x', 'a"b\\c\n', '9223372036854775807', [], [1, 2.5], ['a'], [1, 'a'], { a: 1 }];
    const other = ['1.50', '1e999', '-1e999', '-0', '1E5', '1e+5', ' 1', '1 ', ' null', '01', '+1', '.5', '1.', '-', 'NaN', 'Infinity', '0x10', '', 'tru', 'True', '"\\ud800"', '"a\\u0000b"', '{not json', '[1,', '9007199254740993', '-9007199254740991', '12345678901234567'];
    const texts = [...canonical.map((value) => JSON.stringify(value)), ...other];
    for (const type of ['INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST'] as const) {
      for (const nullable of [true, false]) {
        for (const text of texts) {
          let fits: boolean;
          try {
            fits = fitsType(type, nullable, JSON.parse(text));
          } catch {
            fits = false;
          }
          const expected = !fits ? undefined : text === 'null' ? null : new JsonText(text);
          expect([type, nullable, text, servedValue(type, nullable, text)]).toEqual([type, nullable, text, expected]);
        }
      }
    }
  });

  it('stands for the value it was stored as wherever JSON.stringify writes it', () => {
    expect(JSON.stringify({ value: new JsonText('[1,2.5]'), other: new JsonText('"x"') })).toBe('{"value":[1,2.5],"other":"x"}');
  });
});

describe('isFiniteJsonNumber', () => {
  it("agrees with JSON's number grammar and a finite Number() on every short string of number characters", () => {
    const grammar = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
    const reference = (text: string) => grammar.test(text) && Number.isFinite(Number(text));
    const alphabet = ['0', '1', '9', '-', '+', '.', 'e', 'E', ' ', 'x'];
    // Every string of up to four of these characters, then long and large ones.
    let texts = [''];
    const all: string[] = [];
    for (let length = 1; length <= 4; length++) {
      texts = texts.flatMap((text) => alphabet.map((c) => text + c));
      all.push(...texts);
    }
    all.push('1e308', '1e309', '-1e309', '1.7976931348623157e308', '1.7976931348623159e308', '9'.repeat(299), '9'.repeat(308), '9'.repeat(309), `0.${'9'.repeat(400)}`, `1${'0'.repeat(400)}`, '5e-324', '1e-400');
    for (const text of all) expect([text, isFiniteJsonNumber(text)]).toEqual([text, reference(text)]);
  });
});

// decodeValue, directly: a Redis field read back is `<eventTimeMs>|<ingestTimeMs>|<JSON value text>`; its times
// are read without slicing where they are plain integers, and must come out as Number(text) gives them for
// whatever else a field may hold (written around the store), or be refused as they were.
import { describe, expect, it } from 'vitest';
import { decodeValue } from '../src/online/redis/layout.js';

const decode = (raw: string) => decodeValue(raw, 'redis test', 'fr:{user:1}', 'f@1');

describe('decodeValue', () => {
  it('reads the times of a field as Number reads them, and the value text as written', () => {
    const fields = ['1764172800123|1764172800456|0.25', '-5|7|"a|b"', '0|0|null', '007|1|true', ' 12 |3|1', '1e3|2|1', '0x10|1|[1]', '123456789012345678|1|1', '-0|1|1'];
    for (const raw of fields) {
      const [eventTime, ingestTime] = raw.split('|').map(Number);
      expect(decode(raw)).toEqual({ eventTime, ingestTime, value: raw.split('|').slice(2).join('|') });
    }
    expect(Object.is(decode('-0|1|1').eventTime, -0)).toBe(true);
  });

  it('refuses a field that does not hold two times and a value', () => {
    for (const raw of ['12|34', '|1|1', '1||1', 'x|1|1', '1|Infinity|1', '-|1|1', 'plain']) {
      expect(() => decode(raw)).toThrow('online store redis test: fr:{user:1} field f@1 does not hold <eventTime>|<ingestTime>|<value>');
    }
  });
});

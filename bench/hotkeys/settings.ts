// The hot-key scenario's settings (BENCH_HOTKEY_*), checked before anything starts, and its targets.
import { parseDuration } from '../../src/core/durations.js';
import { optionalPositiveEnv, positiveEnv } from '../env.js';

export interface HotKeysSettings {
  entities: number;
  /** Measured seconds per run. */
  seconds: number;
  /** Measured seconds of the Zipf run with the writer on (extra staleness). */
  stalenessSeconds: number;
  /** Entity keys per read request. */
  batch: number;
  /** A fixed rate (req/s), or undefined: `rateFraction` of the probed uniform max. */
  rate: number | undefined;
  rateFraction: number;
  zipfS: number;
  /** HOT_KEY_WINDOW given to the service. */
  window: string;
  writtenKeys: number;
  writeIntervalMs: number;
}

export function hotKeysSettingsFromEnv(entities: number): HotKeysSettings {
  const window = process.env.BENCH_HOTKEY_WINDOW || '10s';
  parseDuration(window, 'BENCH_HOTKEY_WINDOW');
  const batch = positiveEnv('BENCH_HOTKEY_BATCH', 1);
  if (!Number.isInteger(batch)) throw new Error(`BENCH_HOTKEY_BATCH=${batch}: expected a whole number of keys`);
  const rateFraction = positiveEnv('BENCH_HOTKEY_RATE_FRACTION', 0.6);
  if (rateFraction > 1) throw new Error(`BENCH_HOTKEY_RATE_FRACTION=${rateFraction}: expected a fraction of the max, at most 1`);
  return {
    entities,
    seconds: positiveEnv('BENCH_HOTKEY_SECONDS', 15),
    stalenessSeconds: positiveEnv('BENCH_HOTKEY_STALENESS_SECONDS', 10),
    batch,
    rate: optionalPositiveEnv('BENCH_HOTKEY_RATE'),
    rateFraction,
    zipfS: positiveEnv('BENCH_HOTKEY_ZIPF_S', 1.1),
    window,
    writtenKeys: Math.round(positiveEnv('BENCH_HOTKEY_WRITTEN_KEYS', 20)),
    writeIntervalMs: positiveEnv('BENCH_HOTKEY_WRITE_MS', 100),
  };
}

export const HOT_TARGETS = {
  shardMaxOverMean: 1.2,
  zipfOverUniformP99: 1.2,
};

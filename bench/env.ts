// The bench's settings come from environment variables, checked before anything starts: a typo must stop
// the run at once, not after minutes of ingest.

/** A positive number, or `fallback` when unset or empty. */
export function positiveEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${raw}: expected a positive number`);
  return value;
}

/** A positive number, or undefined when unset or empty. */
export function optionalPositiveEnv(name: string): number | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : positiveEnv(name, 0);
}

/** Entities per read request, e.g. BENCH_BATCHES=1 to profile the batch-1 path alone. */
export function batchesEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const batches = raw.split(',').map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b > 0)) throw new Error(`${name}=${raw}: expected batch sizes such as 100,1`);
  return batches;
}

/** The scenarios `npm run bench` runs, in this order. */
export const SCENARIOS = ['start', 'reads', 'rows', 'workers', 'hotkeys'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** BENCH_SCENARIOS=start,reads,rows,workers,hotkeys (the default: all of them, in the order above). */
export function scenariosEnv(name: string): Scenario[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return [...SCENARIOS];
  const asked = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`${name}=${raw}: unknown scenario(s) ${unknown.join(', ')}; expected some of ${SCENARIOS.join(', ')} (or all)`);
  return SCENARIOS.filter((s) => asked.includes(s));
}

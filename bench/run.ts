/**
 * `npm run bench`: the feature registry's load benchmark, in one run, on this machine.
 *
 * Scenarios (BENCH_SCENARIOS, default all, in this order):
 *  - start (bench/start.ts): `npm start` in embedded mode, on a fresh and on an existing data directory: time
 *    to a 200 on /healthz, then the idle RSS.
 *  - reads (bench/reads.ts): ingest (100,000 entities × 10 FLOAT64 features through `writeFeatureValues`,
 *    1,000 rows per request, 4 in flight: rows/s), then `onlineFeatures` for 100 and for 1 random entities per
 *    request against the service (one process) and a raw baseline (bench/baseline.ts: node:http + ioredis
 *    doing the same Redis work and building the same JSON, no GraphQL): max throughput (autocannon, 16
 *    connections) and its ratio to the baseline's, p50/p99 at half the service's max (autocannon's overallRate
 *    and evenly paced), and p50/p99/p99.9 over one connection. The ratio is what compares across machines.
 *  - rows (bench/rows.ts): multi-entity reads (rows of user + merchant) against single-entity reads at the
 *    same keys per value and of the same values, taking turns in short windows at max on one service: the
 *    service's CPU per value.
 *  - workers (bench/workers.ts): max throughput with WORKERS=1 and WORKERS=<cores>; only with more than two
 *    cores (it says why it skipped otherwise).
 *  - hotkeys (bench/hotkeys/): on a 3-master Redis Cluster, Zipf-skewed reads with the service's hot-key
 *    mitigation off and on, and uniform reads, at one paced rate.
 *
 * How
 *  - Real servers: PostgreSQL and Redis from the test harness (test/support/servers.ts) on free ports; the
 *    service (`node scripts/start.mjs` as `npm start` runs it, or `npm start` itself for the start scenario) and the
 *    baseline (bundled into dist/) run as child processes; the load generator runs in this process. Everything shares the machine's cores.
 *  - Before measuring, one answer of each server is checked (200, no errors, every row and value present) and
 *    the two are compared value by value, so a broken path cannot produce a good number.
 *  - Prints a table with the targets next to the figures (reported, not asserted) and writes everything to
 *    bench/results/<date>_<commit>_<cores>cores-<memory>GB_node<version>.json (git ignores bench/results/).
 *
 * Environment: BENCH_SCENARIOS (start,reads,rows,workers,hotkeys), BENCH_SECONDS (per run, default 8),
 * BENCH_ENTITIES (default 100000), BENCH_BATCHES (entities per read request, default 100,1), BENCH_MAX_ROUNDS
 * (rounds of max-throughput runs in the reads and rows scenarios, default 3: the median counts),
 * BENCH_IDLE_SECONDS (start: idle wait before the RSS is read, default 5), BENCH_PROFILE=1 (the service runs
 * with --cpu-prof; profiles land in bench/results/; summarise them with
 * `npx tsx bench/profile-summary.ts bench/results/CPU.*.cpuprofile`), BENCH_RESULTS_FILE (write the results
 * there instead). The hot-key scenario's own settings (BENCH_HOTKEY_*) are in bench/hotkeys/settings.ts and
 * bench/README.md.
 */
import { mkdir, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPostgres, stopAll } from '../test/support/servers.js';
import { REPO_ROOT, type NodeChild } from './children.js';
import { cpuNote } from './cpu.js';
import { batchesEnv, positiveEnv, scenariosEnv } from './env.js';
import { benchHotKeys, type HotKeysResult } from './hotkeys/scenario.js';
import { hotKeysSettingsFromEnv } from './hotkeys/settings.js';
import { CONNECTIONS } from './load.js';
import { machine, resultsFileName, revision } from './machine.js';
import { benchIngestAndReads, type ReadsResult } from './reads.js';
import { checkTargets, formatTable, writeResults, type Results } from './report.js';
import { benchRows, checkRowsTargets, type RowsResult } from './rows.js';
import { benchStart, checkStartTargets, type StartResult } from './start.js';
import { cpuBusy } from './stats.js';
import { benchWorkers, type WorkersResult } from './workers.js';

const SCENARIOS = scenariosEnv('BENCH_SCENARIOS');
const SECONDS = positiveEnv('BENCH_SECONDS', 8);
const ENTITIES = positiveEnv('BENCH_ENTITIES', 100_000);
const IDLE_SECONDS = positiveEnv('BENCH_IDLE_SECONDS', 5);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** A short unmeasured run before each max run, so neither server is measured while V8 is still compiling. */
const WARMUP_SECONDS = Math.min(2, SECONDS);
const BATCHES = batchesEnv('BENCH_BATCHES', [100, 1]);
/** Rounds of max-throughput runs of the reads and rows scenarios; odd, so that the median is a run. */
const MAX_ROUNDS = positiveEnv('BENCH_MAX_ROUNDS', 3);
if (!Number.isInteger(MAX_ROUNDS)) throw new Error(`BENCH_MAX_ROUNDS=${process.env.BENCH_MAX_ROUNDS}: expected a whole number of rounds`);
const HOT_KEYS = hotKeysSettingsFromEnv(ENTITIES);
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const NODE_FLAGS = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR] : [];

const progressStart = performance.now();
const progress = (message: string) => process.stderr.write(`[bench +${((performance.now() - progressStart) / 1000).toFixed(0)}s] ${message}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  const children: NodeChild[] = [];
  // Ctrl-C: exit, which runs the exit hooks that kill the children and the harness's servers.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  try {
    await mkdir(RESULTS_DIR, { recursive: true });
    const loadAverageAtStart = os.loadavg();
    const busyBeforeStart = await cpuBusy();
    progress(`machine ${(busyBeforeStart * 100).toFixed(0)}% busy before the start; scenarios: ${SCENARIOS.join(', ')}`);
    const profilesBefore = await cpuProfiles();
    const settings = { entities: ENTITIES, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, batches: BATCHES };

    let postgresUrl: string | undefined;
    const postgres = async () => {
      if (postgresUrl) return postgresUrl;
      progress('starting PostgreSQL');
      return (postgresUrl = (await startPostgres()).url);
    };
    let start: StartResult | undefined;
    if (SCENARIOS.includes('start')) start = await benchStart(IDLE_SECONDS, progress);
    let reads: ReadsResult | undefined;
    if (SCENARIOS.includes('reads')) reads = await benchIngestAndReads(await postgres(), { ...settings, maxRounds: MAX_ROUNDS, nodeFlags: NODE_FLAGS }, children, progress);
    let rows: RowsResult | undefined;
    if (SCENARIOS.includes('rows')) rows = await benchRows(await postgres(), { ...settings, maxRounds: MAX_ROUNDS, nodeFlags: NODE_FLAGS }, progress, cpuNote);
    let workers: WorkersResult | undefined;
    if (SCENARIOS.includes('workers')) workers = await benchWorkers(postgres, settings, children, progress);
    let hotKeys: HotKeysResult | undefined;
    if (SCENARIOS.includes('hotkeys')) hotKeys = await benchHotKeys(await postgres(), HOT_KEYS, progress, cpuNote);

    const profiles = PROFILE ? (await cpuProfiles()).filter((file) => !profilesBefore.includes(file)) : [];
    const rev = revision();
    const onMachine = machine();
    const results: Results = {
      date: startedAt.toISOString(),
      revision: rev,
      machine: onMachine,
      busyBeforeStart,
      loadAverageAtStart,
      scenarios: SCENARIOS,
      secondsPerRun: SECONDS,
      connections: CONNECTIONS,
      entities: ENTITIES,
      ...(start ? { start } : {}),
      ...(reads ? { ingest: reads.ingest } : {}),
      reads: reads?.reads ?? [],
      ...(rows ? { rows } : {}),
      ...(workers ? { workers } : {}),
      ...(hotKeys ? { hotKeys } : {}),
      targets: [
        ...(start ? checkStartTargets(start) : []),
        ...(reads ? checkTargets(reads.ingest, reads.reads) : []),
        ...(rows ? checkRowsTargets(rows) : []),
        ...(hotKeys?.targets ?? []),
      ],
      serviceProblems: [...(reads?.serviceProblems ?? []), ...(workers && 'serviceProblems' in workers ? workers.serviceProblems : [])],
      profiles: profiles.map((file) => path.relative(REPO_ROOT, path.join(RESULTS_DIR, file))),
      totalSeconds: (performance.now() - started) / 1000,
    };
    const file = process.env.BENCH_RESULTS_FILE ? path.resolve(process.env.BENCH_RESULTS_FILE) : resultsFileName(RESULTS_DIR, startedAt, rev, onMachine);
    await writeResults(file, results);
    console.log(`\n${formatTable(results)}\nWritten to ${path.relative(process.cwd(), file)}`);
  } catch (error) {
    // What the children said last is usually why: a stack trace or an error line of the service.
    for (const child of children) progress(`last output of the ${child.name}:\n${child.tail()}`);
    throw error;
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await stopAll();
  }
}

async function cpuProfiles(): Promise<string[]> {
  try {
    return (await readdir(RESULTS_DIR)).filter((file) => file.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});

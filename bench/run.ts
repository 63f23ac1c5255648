/**
 * `npm run bench`: the feature registry's load benchmark, in one run, on this machine.
 *
 * What it measures
 *  1. Ingest: 100,000 entities × 10 FLOAT64 features = 1,000,000 rows written through the service's
 *     `writeFeatureValues` (GraphQL over HTTP), 1,000 rows per request, 4 requests in flight: rows/s over the
 *     whole load. Every batch must come back fully accepted.
 *  2. Online reads: `onlineFeatures` for 1 and for 100 random loaded entities per request (10 features each),
 *     with autocannon, 16 connections: max throughput and p50/p99 latency at max, then p50/p99 at half the
 *     service's max rate. The same load goes to a raw baseline (bench/baseline.ts: node:http + ioredis doing the
 *     same Redis work and building the same JSON, no GraphQL), so the service is reported as a fraction of
 *     what Node and Redis can do on this machine, which is what makes figures comparable across machines.
 *
 * How
 *  - Real servers: PostgreSQL and Redis from the test harness (test/support/servers.ts) on free ports; the
 *    service (`node --import tsx src/main.ts`) and the baseline run as child processes; the load generator
 *    runs in this process. Everything shares the machine's cores, as it did for ../shared/PERFORMANCE-NOTES.md.
 *  - Before measuring, one answer of each server is checked (200, no errors, every row and value present) and
 *    the two are compared value by value, so a broken path cannot produce a good number.
 *  - "Half max" is run two ways at the same rate: autocannon's `overallRate` (as specified; bursty, see
 *    bench/load.ts) and an evenly paced open-loop stream.
 *  - Prints a table with the targets next to the figures (reported, not asserted) and writes everything to
 *    bench/results/latest.json.
 *
  3. Hot keys (bench/hotkeys/), after the above: on a 3-master Redis Cluster, Zipf-skewed reads with the
 *     service's hot-key mitigation off and on, and uniform reads, at one paced rate: per-shard load from each
 *     master's INFO commandstats, latency, cache hit ratio, where values were served from, the hot keys the
 *     service lists, and the extra staleness its cache adds to values a writer keeps updating.
 *
 *  4. Rows (bench/rows.ts), between the two: multi-entity reads (rows of user + merchant) against single-entity
 *     reads of as many values per row, back to back at max on one service: the service's CPU per value.
 *
 * Environment: BENCH_SCENARIOS (reads,rows,hotkeys: the default, all three; `reads` is 1 and 2 above, `rows` 4, `hotkeys` 3),
 * BENCH_SECONDS (per run, default 8), BENCH_ENTITIES (default 100000), BENCH_BATCHES (entities
 * per read request, default 100,1), BENCH_PROFILE=1 (the service runs with --cpu-prof; profiles land in
 * bench/results/; summarise them with `npx tsx bench/profile-summary.ts bench/results/CPU.*.cpuprofile`).
 * The hot-key scenario's own settings (BENCH_HOTKEY_*) are in bench/hotkeys/settings.ts and bench/README.md.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDatabase, freePort, startPostgres, startRedis, stopAll } from '../test/support/servers.js';
import { REPO_ROOT, startNodeChild, type NodeChild } from './children.js';
import { CpuMeter, redisPid, type CpuUse } from './cpu.js';
import {
  CONNECTIONS,
  graphqlBody,
  keySets,
  post,
  rawBody,
  readProblem,
  runAutocannon,
  runPaced,
  valueDifference,
  type LoadResult,
  type Target,
} from './load.js';
import { batchesEnv, positiveEnv, scenariosEnv } from './env.js';
import { benchHotKeys, type HotKeysResult } from './hotkeys/scenario.js';
import { hotKeysSettingsFromEnv } from './hotkeys/settings.js';
import { benchRows, checkRowsTargets, type RowsResult } from './rows.js';
import { fmtInt, fmtMs } from './format.js';
import { checkTargets, formatTable, writeResults, type ReadScenario, type Results, type ServerRuns } from './report.js';
import { ingest, register, type IngestResult } from './setup.js';
import { cpuBusy } from './stats.js';

const SCENARIOS = scenariosEnv('BENCH_SCENARIOS');
const SECONDS = positiveEnv('BENCH_SECONDS', 8);
const ENTITIES = positiveEnv('BENCH_ENTITIES', 100_000);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** A short unmeasured run before each max run, so neither server is measured while V8 is still compiling. */
const WARMUP_SECONDS = Math.min(2, SECONDS);
const BATCHES = batchesEnv('BENCH_BATCHES', [100, 1]);
const HOT_KEYS = hotKeysSettingsFromEnv(ENTITIES);
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
/** Where the results go: bench/results/latest.json unless BENCH_RESULTS_FILE says otherwise (trial runs). */
const RESULTS_FILE = process.env.BENCH_RESULTS_FILE ? path.resolve(process.env.BENCH_RESULTS_FILE) : path.join(RESULTS_DIR, 'latest.json');

const progressStart = performance.now();
const progress = (message: string) => process.stderr.write(`[bench +${((performance.now() - progressStart) / 1000).toFixed(0)}s] ${message}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const children: NodeChild[] = [];
  // Ctrl-C: exit, which runs the exit hooks that kill the children and the harness's servers.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  try {
    const loadAverageAtStart = os.loadavg();
    const busyBeforeStart = await cpuBusy();
    progress(`machine ${(busyBeforeStart * 100).toFixed(0)}% busy before the start; scenarios: ${SCENARIOS.join(', ')}; starting PostgreSQL`);
    const postgres = await startPostgres();
    const profilesBefore = await cpuProfiles();

    let ingestResult: (IngestResult & { cpu: CpuUse }) | undefined;
    const reads: ReadScenario[] = [];
    const serviceProblems: string[] = [];
    if (SCENARIOS.includes('reads')) {
      const ran = await benchIngestAndReads(postgres.url, children);
      ingestResult = ran.ingest;
      reads.push(...ran.reads);
      serviceProblems.push(...ran.serviceProblems);
    }
    let rows: RowsResult | undefined;
    if (SCENARIOS.includes('rows')) {
      const nodeFlags = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR] : [];
      rows = await benchRows(postgres.url, { entities: ENTITIES, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, batches: BATCHES, nodeFlags }, progress, cpuNote);
    }
    let hotKeys: HotKeysResult | undefined;
    if (SCENARIOS.includes('hotkeys')) hotKeys = await benchHotKeys(postgres.url, HOT_KEYS, progress, cpuNote);

    const profiles = PROFILE ? (await cpuProfiles()).filter((file) => !profilesBefore.includes(file)) : [];
    const results: Results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      platform: `${os.platform()} ${os.release()}`,
      busyBeforeStart,
      loadAverageAtStart,
      scenarios: SCENARIOS,
      secondsPerRun: SECONDS,
      connections: CONNECTIONS,
      entities: ENTITIES,
      ...(ingestResult ? { ingest: ingestResult } : {}),
      reads,
      ...(rows ? { rows } : {}),
      ...(hotKeys ? { hotKeys } : {}),
      targets: [...(ingestResult ? checkTargets(ingestResult, reads) : []), ...(rows ? checkRowsTargets(rows) : []), ...(hotKeys?.targets ?? [])],
      serviceProblems,
      profiles: profiles.map((file) => path.relative(REPO_ROOT, path.join(RESULTS_DIR, file))),
      totalSeconds: (performance.now() - started) / 1000,
    };
    await writeResults(RESULTS_FILE, results);
    console.log(`\n${formatTable(results)}\nWritten to ${path.relative(process.cwd(), RESULTS_FILE)}`);
  } catch (error) {
    // What the children said last is usually why: a stack trace or an error line of the service.
    for (const child of children) progress(`last output of the ${child.name}:\n${child.tail()}`);
    throw error;
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await stopAll();
  }
}

/** The `reads` scenario: standalone Redis, the service and the baseline; ingest, then each batch size. */
async function benchIngestAndReads(
  postgresUrl: string,
  children: NodeChild[],
): Promise<{ ingest: IngestResult & { cpu: CpuUse }; reads: ReadScenario[]; serviceProblems: string[] }> {
  progress('starting Redis');
  const redis = await startRedis();
  const databaseUrl = await createDatabase(postgresUrl, 'bench');
  progress(`starting the service${PROFILE ? ' with --cpu-prof' : ''} and the baseline`);
  const service = await startNodeChild({
    name: 'service',
    script: 'src/main.ts',
    port: await freePort(),
    env: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, AUTH: 'off', LOG_LEVEL: 'warn', MAX_WRITE_BATCH: '10000' },
    nodeFlags: PROFILE ? ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR] : [],
    // AUTH=off is on purpose: the service's warning about it is no problem here.
    expected: /AUTH IS OFF|npm run keys -- create|auth is off/,
  });
  children.push(service);
  const baseline = await startNodeChild({ name: 'baseline', script: 'bench/baseline.ts', port: await freePort(), env: { REDIS_URL: redis.url } });
  children.push(baseline);

  const meter = new CpuMeter({ service: service.pid, baseline: baseline.pid, redis: await redisPid(redis.url) });
  progress('registering the entity, 10 features, a producer and a consumer');
  await register(service.url);
  progress(`ingesting ${fmtInt(ENTITIES * 10)} rows`);
  meter.start();
  const ingested = await ingest(service.url, ENTITIES).catch((error: unknown) => {
    service.assertRunning('the ingest');
    throw error;
  });
  const ingestResult = { ...ingested, cpu: meter.stop() };
  progress(`ingest: ${fmtInt(ingestResult.rowsPerSec)} rows/s (${cpuNote(ingestResult.cpu)})`);

  const reads: ReadScenario[] = [];
  for (const batch of BATCHES) reads.push(await benchReads(batch, service, baseline, meter));

  // Stop the service before Redis goes away (no spurious errors), and so that --cpu-prof writes its profile;
  // stop all three so that the next scenario has the cores to itself.
  await service.stop();
  await baseline.stop();
  await redis.stop();
  return { ingest: ingestResult, reads, serviceProblems: service.problems() };
}

/** Both servers at one batch size: check their answers, then max, then half the service's max two ways. */
async function benchReads(batch: number, service: NodeChild, baseline: NodeChild, meter: CpuMeter): Promise<ReadScenario> {
  // The same key sets go to both servers, in GraphQL and in raw form.
  const sets = keySets(batch, ENTITIES);
  const serviceTarget: Target = { name: 'service', url: service.url, path: '/graphql', bodies: sets.map(graphqlBody) };
  const baselineTarget: Target = { name: 'baseline', url: baseline.url, path: '/read', bodies: sets.map(rawBody) };
  await checkAnswers(sets[0]!, serviceTarget, baselineTarget);

  // Every run: where the CPU went meanwhile, and a server that died stops the bench saying how, not with zeros.
  const measured = async (target: Target, what: string, run: () => Promise<LoadResult>) => {
    meter.start();
    const result = { ...(await run()), cpu: meter.stop() };
    for (const child of [service, baseline]) child.assertRunning(`batch ${batch} ${target.name} ${what}`);
    return logged(batch, target, what, result);
  };
  const measureMax = async (target: Target) => {
    await runAutocannon(target, WARMUP_SECONDS);
    for (const child of [service, baseline]) child.assertRunning(`batch ${batch} ${target.name} warm-up`);
    return measured(target, 'max', () => runAutocannon(target, SECONDS));
  };
  const serviceMax = await measureMax(serviceTarget);
  const baselineMax = await measureMax(baselineTarget);
  const halfRate = Math.max(1, Math.round(serviceMax.reqPerSec / 2));
  const atHalf = async (target: Target, max: LoadResult): Promise<ServerRuns> => ({
    max,
    halfOverallRate: await measured(target, `overallRate ${halfRate}`, () => runAutocannon(target, SECONDS, halfRate)),
    halfPaced: await measured(target, `paced ${halfRate}`, () => runPaced(target, SECONDS, halfRate)),
  });
  const serviceRuns = await atHalf(serviceTarget, serviceMax);
  const baselineRuns = await atHalf(baselineTarget, baselineMax);
  return { batch, halfRate, service: serviceRuns, baseline: baselineRuns, throughputRatio: serviceMax.reqPerSec / baselineMax.reqPerSec };
}

/** One read of the same keys from each server: both must be complete and correct, and agree on every value. */
async function checkAnswers(keys: string[], service: Target, baseline: Target): Promise<void> {
  const answers = [];
  for (const target of [service, baseline]) {
    const answer = await post(`${target.url}${target.path}`, target === service ? graphqlBody(keys) : rawBody(keys));
    const problem = readProblem(answer.status, answer.body, keys);
    if (problem) throw new Error(`${target.name} answered a read of ${keys.length} key(s) wrongly: ${problem}`);
    answers.push(answer.body);
  }
  const difference = valueDifference(answers[0]!, answers[1]!);
  if (difference) throw new Error(`service and baseline disagree: ${difference}`);
}

function logged(batch: number, target: Target, what: string, run: LoadResult): LoadResult {
  const failed = run.non2xx + run.mismatches + run.errors + run.timeouts;
  progress(
    `batch ${batch} ${target.name} ${what}: ${fmtInt(run.reqPerSec)} req/s, p50 ${fmtMs(run.p50Ms)} ms, p99 ${fmtMs(run.p99Ms)} ms` +
      (failed ? `, ${failed} FAILED requests` : '') +
      (run.cpu ? ` (${cpuNote(run.cpu)})` : ''),
  );
  return run;
}

const cpuNote = (cpu: CpuUse) =>
  `cores: ${cpu.machine.toFixed(1)} busy = ${Object.entries(cpu.byProcess)
    .filter(([, cores]) => cores >= 0.05)
    .map(([name, cores]) => `${name} ${cores.toFixed(1)}`)
    .join(' + ')} + other ${cpu.other.toFixed(2)}; steal ${cpu.steal.toFixed(2)}`;

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

// The `reads` scenario: standalone Redis, the service (one process) and the raw baseline; the ingest through
// writeFeatureValues, then per batch size both servers at max throughput (16 connections), at half the
// service's max (autocannon's overallRate and paced), and one connection at a time (the latency one client
// sees, p50 / p99 / p99.9).
import { createDatabase, freePort, startRedis } from '../test/support/servers.js';
import { startNodeChild, startService, type NodeChild } from './children.js';
import { CpuMeter, cpuNote, redisPid, type CpuUse } from './cpu.js';
import { fmtInt, fmtMs } from './format.js';
import { graphqlBody, keySets, post, rawBody, readProblem, runAutocannon, runPaced, valueDifference, type LoadResult, type Target } from './load.js';
import { ingest, register, type IngestResult } from './setup.js';
import { medianBy } from './stats.js';

export interface ReadsSettings {
  entities: number;
  seconds: number;
  /** A short unmeasured run before each max run, so neither server is measured while V8 is still compiling. */
  warmupSeconds: number;
  batches: number[];
  /** Rounds of max-throughput runs, each server once a round (BENCH_MAX_ROUNDS); the median round counts. */
  maxRounds: number;
  /** The service's node flags (--cpu-prof with BENCH_PROFILE=1). */
  nodeFlags: string[];
}

/** One server at one batch size: at max, at half the service's max throttled two ways, and over one connection. */
export interface ServerRuns {
  max: LoadResult;
  halfOverallRate: LoadResult;
  halfPaced: LoadResult;
  /** One connection, one request at a time, as fast as it answers: a single client's latency. */
  oneConnection: LoadResult;
}

export interface ReadScenario {
  /** Entities per request. */
  batch: number;
  /** Half the service's max throughput, req/s: the rate both servers get in the throttled runs. */
  halfRate: number;
  service: ServerRuns;
  baseline: ServerRuns;
  /** service max req/s ÷ baseline max req/s, each server's median round */
  throughputRatio: number;
  /** Each round's service max ÷ baseline max: how far one round alone could be off. */
  roundRatios: number[];
}

export interface ReadsResult {
  ingest: IngestResult & { cpu: CpuUse };
  reads: ReadScenario[];
  serviceProblems: string[];
}

/** Ingest, then each batch size. `children` gets the servers as they start, so that a failure can show their output. */
export async function benchIngestAndReads(
  postgresUrl: string,
  settings: ReadsSettings,
  children: NodeChild[],
  progress: (message: string) => void,
): Promise<ReadsResult> {
  progress('starting Redis');
  const redis = await startRedis();
  const databaseUrl = await createDatabase(postgresUrl, 'bench');
  progress(`starting the service${settings.nodeFlags.length > 0 ? ` with ${settings.nodeFlags[0]}` : ''} and the baseline`);
  const service = await startService({ env: { DATABASE_URL: databaseUrl, REDIS_URL: redis.url }, nodeFlags: settings.nodeFlags });
  children.push(service);
  const baseline = await startNodeChild({ name: 'baseline', script: 'bench/baseline.ts', port: await freePort(), env: { REDIS_URL: redis.url } });
  children.push(baseline);

  const meter = new CpuMeter({ service: service.pid, baseline: baseline.pid, redis: await redisPid(redis.url) });
  progress('registering the entity, 10 features, a producer and a consumer');
  await register(service.url);
  progress(`ingesting ${fmtInt(settings.entities * 10)} rows`);
  meter.start();
  const ingested = await ingest(service.url, settings.entities).catch((error: unknown) => {
    service.assertRunning('the ingest');
    throw error;
  });
  const ingestResult = { ...ingested, cpu: meter.stop() };
  progress(`ingest: ${fmtInt(ingestResult.rowsPerSec)} rows/s (${cpuNote(ingestResult.cpu)})`);

  const reads: ReadScenario[] = [];
  for (const batch of settings.batches) reads.push(await benchReads(batch, { service, baseline, meter, settings, progress }));

  // Stop the service before Redis goes away (no spurious errors), and so that --cpu-prof writes its profile;
  // stop all three so that the next scenario has the cores to itself.
  await service.stop();
  await baseline.stop();
  await redis.stop();
  return { ingest: ingestResult, reads, serviceProblems: service.problems() };
}

interface ReadServers {
  service: NodeChild;
  baseline: NodeChild;
  meter: CpuMeter;
  settings: ReadsSettings;
  progress: (message: string) => void;
}

/** Both servers at one batch size: check their answers, then max, half the service's max two ways, one connection. */
async function benchReads(batch: number, { service, baseline, meter, settings, progress }: ReadServers): Promise<ReadScenario> {
  const { seconds } = settings;
  // The same key sets go to both servers, in GraphQL and in raw form.
  const sets = keySets(batch, settings.entities);
  const serviceTarget: Target = { name: 'service', url: service.url, path: '/graphql', bodies: sets.map(graphqlBody) };
  const baselineTarget: Target = { name: 'baseline', url: baseline.url, path: '/read', bodies: sets.map(rawBody) };
  await checkAnswers(sets[0]!, serviceTarget, baselineTarget);

  // Every run: where the CPU went meanwhile, and a server that died stops the bench saying how, not with zeros.
  const measured = async (target: Target, what: string, run: () => Promise<LoadResult>) => {
    meter.start();
    const result = { ...(await run()), cpu: meter.stop() };
    for (const child of [service, baseline]) child.assertRunning(`batch ${batch} ${target.name} ${what}`);
    progress(logLine(batch, target, what, result));
    return result;
  };
  // Max throughput in rounds, each server once a round, the first of a round alternating: on this shared
  // machine a single run of each put the batch-1 ratio anywhere from 0.59 to 0.98 in three benches of one
  // evening (2026-11-26). Each server's max is its median round, and the ratio is of the two medians.
  for (const target of [serviceTarget, baselineTarget]) {
    await runAutocannon(target, settings.warmupSeconds);
    for (const child of [service, baseline]) child.assertRunning(`batch ${batch} ${target.name} warm-up`);
  }
  const serviceMaxes: (LoadResult & { cpu: CpuUse })[] = [];
  const baselineMaxes: (LoadResult & { cpu: CpuUse })[] = [];
  for (let round = 1; round <= settings.maxRounds; round++) {
    const order = round % 2 === 1 ? [serviceTarget, baselineTarget] : [baselineTarget, serviceTarget];
    for (const target of order) {
      const run = await measured(target, `max, round ${round} of ${settings.maxRounds}`, () => runAutocannon(target, seconds));
      (target === serviceTarget ? serviceMaxes : baselineMaxes).push(run);
    }
  }
  const serviceMax = medianBy(serviceMaxes, (run) => run.reqPerSec);
  const baselineMax = medianBy(baselineMaxes, (run) => run.reqPerSec);
  const halfRate = Math.max(1, Math.round(serviceMax.reqPerSec / 2));
  const otherRuns = async (target: Target, max: LoadResult): Promise<ServerRuns> => ({
    max,
    halfOverallRate: await measured(target, `overallRate ${halfRate}`, () => runAutocannon(target, seconds, { rate: halfRate })),
    halfPaced: await measured(target, `paced ${halfRate}`, () => runPaced(target, seconds, halfRate)),
    oneConnection: await measured(target, 'one connection', () => runAutocannon(target, seconds, { connections: 1 })),
  });
  const serviceRuns = await otherRuns(serviceTarget, serviceMax);
  const baselineRuns = await otherRuns(baselineTarget, baselineMax);
  return {
    batch,
    halfRate,
    service: serviceRuns,
    baseline: baselineRuns,
    throughputRatio: serviceMax.reqPerSec / baselineMax.reqPerSec,
    roundRatios: serviceMaxes.map((run, i) => run.reqPerSec / baselineMaxes[i]!.reqPerSec),
  };
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

function logLine(batch: number, target: Target, what: string, run: LoadResult & { cpu: CpuUse }): string {
  const failed = run.non2xx + run.mismatches + run.errors + run.timeouts;
  return (
    `batch ${batch} ${target.name} ${what}: ${fmtInt(run.reqPerSec)} req/s, p50 ${fmtMs(run.p50Ms)} ms, p99 ${fmtMs(run.p99Ms)} ms, p99.9 ${fmtMs(run.p999Ms)} ms` +
    (failed ? `, ${failed} FAILED requests` : '') +
    ` (${cpuNote(run.cpu)})`
  );
}

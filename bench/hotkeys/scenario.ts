// The hot-key scenario of `npm run bench` (BENCH_SCENARIOS=hotkeys runs it alone): on a real 3-master Redis
// Cluster, does the service take a Zipf-skewed read load off the shard that holds the hottest keys, at what
// latency, and how much staler does its hot-entity cache make the values it serves?
//
//  1. A 3-master Redis Cluster (test/support/servers.ts startRedisCluster) and a fresh PostgreSQL database;
//     the service as a child process with REDIS_CLUSTER_NODES; the bench's workload registered and loaded
//     (100,000 entities × 10 FLOAT64 features through writeFeatureValues, 1,000 rows per request).
//  2. A short autocannon probe of the batch-1 max with uniform keys fixes ONE paced rate (60% of it by default)
//     for the three measured runs, each with the open-loop runner of bench/load.ts (bench/hotkeys/phases.ts):
//       (a) Zipf keys (s = 1.1), mitigation OFF: HOT_CACHE_MAX_ENTRIES=0 HOT_KEY_REPLICAS=0;
//       (b) the same keys, mitigation ON (the service's defaults: cache, 2 replicas), after a restart;
//       (c) uniform keys, mitigation ON.
//     HOT_KEY_WINDOW is shortened (10 s) for all of them so detection settles within the warm-up.
//  3. Each run: CONFIG RESETSTAT on every master just before it, INFO commandstats right after (per-shard
//     commands), p50/p99, achieved rate, the service's /metrics before and after (cache hits and misses,
//     values served from STORE/CACHE/REPLICA), and its hotKeys list halfway through the run.
//  4. Right after (b), a fourth run (b') repeats it while a writer rewrites one feature of the 20 hottest keys
//     every 100 ms; each read of those keys is checked against the writes acknowledged before it was sent
//     (extra staleness). It is a run of its own so that the writes do not blur (b)'s per-shard load and hit
//     ratio (they invalidate every hot key's cache entries each interval and add guarded writes to every copy).
//
// The scenario's parts: settings.ts (BENCH_HOTKEY_*), phases.ts (the rate probe, one measured run),
// shards.ts (per-master load from INFO commandstats, the slot map's prediction), staleness.ts (the writer and
// the judge of every read of its keys), report.ts (its section of the table). This file runs them in order.
import { performance } from 'node:perf_hooks';
import { parseDuration } from '../../src/core/durations.js';
import { createDatabase, startRedisCluster } from '../../test/support/servers.js';
import { startService, type NodeChild } from '../children.js';
import { CpuMeter, type CpuUse } from '../cpu.js';
import type { TargetCheck } from '../format.js';
import { post, readProblem, type LoadResult, type Target } from '../load.js';
import { ingest, register, type IngestResult } from '../setup.js';
import { HOT_READ_QUERY, MAX_AGE_MS, REFS, entityKey } from '../workload.js';
import { Zipf, seededRandom } from '../zipf.js';
import { chooseRate, runPhase, type HotKeysRun, type PhaseContext, type PhaseOptions } from './phases.js';
import { HOT_TARGETS, type HotKeysSettings } from './settings.js';
import { connectMasters, predictedReadsMaxOverMean, redisPids, type Master } from './shards.js';
import { StalenessProbe } from './staleness.js';

export interface HotKeysResult {
  cluster: string[];
  entities: number;
  batch: number;
  secondsPerRun: number;
  stalenessSeconds: number;
  window: string;
  rate: number;
  /** How the rate was chosen. */
  rateFrom: string;
  probe?: LoadResult & { cpu: CpuUse };
  zipf: {
    s: number;
    hottestShare: number;
    top10Share: number;
    top10PercentShare: number;
    /** Keys whose probability is at least the service's HOT_KEY_SHARE. */
    keysAboveHotShare: number;
    hotShare: number;
    /** Per-shard max/mean of value reads that the Zipf keys and the slot map predict without mitigation. */
    expectedReadsMaxOverMean: number;
    /** The same for the uniform keys actually sent. */
    expectedUniformReadsMaxOverMean: number;
  };
  ingest: IngestResult & { cpu: CpuUse };
  runs: HotKeysRun[];
  targets: TargetCheck[];
  serviceProblems: string[];
  seconds: number;
}

/** The keys each run sends: seeded, so every bench run sends the same ones. */
class KeySequences {
  readonly zipf: Zipf;
  /** The keys the writer rewrites: the hottest ones. */
  readonly written: string[];
  private readonly uniformRandom = seededRandom(2);
  private readonly zipfRandom = seededRandom(3);

  constructor(private readonly settings: HotKeysSettings) {
    this.zipf = new Zipf(settings.entities, settings.zipfS, 1);
    this.written = Array.from({ length: Math.min(settings.writtenKeys, settings.entities) }, (_, r) => entityKey(this.zipf.entityOfRank[r]!));
  }

  zipfKeys(count: number): string[][] {
    return Array.from({ length: count }, () => Array.from({ length: this.settings.batch }, () => entityKey(this.zipf.sample(this.zipfRandom))));
  }

  uniformKeys(count: number): string[][] {
    const { batch, entities } = this.settings;
    return Array.from({ length: count }, () => Array.from({ length: batch }, () => entityKey(Math.floor(this.uniformRandom() * entities))));
  }

  rankOfKey(key: string): number {
    return this.zipf.rankOf(Number(key.slice(1)));
  }
}

const readBody = (keys: string[]) => Buffer.from(JSON.stringify({ query: HOT_READ_QUERY, variables: { keys } }));
const readTarget = (url: string, sets: string[][]): Target => ({ name: 'service', url, path: '/graphql', bodies: sets.map(readBody) });

/** One read must come back complete and right before anything is measured. */
async function checkRead(url: string, keys: string[]): Promise<void> {
  const answer = await post(`${url}/graphql`, readBody(keys));
  const problem = readProblem(answer.status, answer.body, keys);
  if (problem) throw new Error(`the service (Redis Cluster) answered a read of ${keys.length} key(s) wrongly: ${problem}`);
}

export async function benchHotKeys(
  postgresUrl: string,
  settings: HotKeysSettings,
  log: (message: string) => void,
  cpuNote: (cpu: CpuUse) => string,
): Promise<HotKeysResult> {
  const started = performance.now();
  log('hot keys: starting a 3-master Redis Cluster');
  const cluster = await startRedisCluster();
  let masters: Master[] = [];
  const services: NodeChild[] = [];
  try {
    masters = await connectMasters(cluster.nodes);
    const databaseUrl = await createDatabase(postgresUrl, 'bench_hotkeys');
    const startWithMitigation = async (mitigation: boolean) => {
      const service = await startService({
        env: {
          DATABASE_URL: databaseUrl,
          REDIS_CLUSTER_NODES: cluster.nodes.join(','),
          HOT_KEY_WINDOW: settings.window,
          ...(mitigation ? {} : { HOT_CACHE_MAX_ENTRIES: '0', HOT_KEY_REPLICAS: '0' }),
        },
      });
      services.push(service);
      return service;
    };
    const result = await runScenario(settings, { masters, nodes: cluster.nodes, startWithMitigation, redisPids: await redisPids(masters) }, log, cpuNote);
    return { ...result, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    // What the service said last is usually why.
    for (const service of services) log(`hot keys: last output of a service (pid ${service.pid}):\n${service.tail()}`);
    throw error;
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    for (const m of masters) m.client.disconnect();
    await cluster.stop();
  }
}

interface ClusterParts {
  masters: Master[];
  nodes: string[];
  startWithMitigation: (mitigation: boolean) => Promise<NodeChild>;
  redisPids: Record<string, number>;
}

/** Ingest, the rate, then the four runs in order, with a restart between mitigation off and on. */
async function runScenario(
  settings: HotKeysSettings,
  parts: ClusterParts,
  log: (message: string) => void,
  cpuNote: (cpu: CpuUse) => string,
): Promise<Omit<HotKeysResult, 'seconds'>> {
  const { entities, seconds } = settings;
  const windowMs = parseDuration(settings.window, 'BENCH_HOTKEY_WINDOW');
  const hotShare = Number(process.env.HOT_KEY_SHARE || 0.01);
  const hotCacheBoundMs = parseDuration(process.env.HOT_CACHE_BOUND || '1s', 'HOT_CACHE_BOUND');
  const problems: string[] = [];
  const keys = new KeySequences(settings);
  const { written } = keys;

  log('hot keys: starting the service with mitigation OFF (HOT_CACHE_MAX_ENTRIES=0 HOT_KEY_REPLICAS=0)');
  let service = await parts.startWithMitigation(false);
  const context: PhaseContext = {
    service,
    meter: new CpuMeter({ service: service.pid, ...parts.redisPids }),
    masters: parts.masters,
    target: readTarget,
    rankOfKey: (key) => keys.rankOfKey(key),
    log,
    cpuNote,
  };
  log('hot keys: registering the workload');
  await register(service.url);
  log(`hot keys: ingesting ${(entities * REFS.length).toLocaleString('en-US')} rows into the cluster`);
  context.meter.start();
  const ingested = await ingest(service.url, entities).catch((error: unknown) => {
    service.assertRunning('the hot-key ingest');
    throw error;
  });
  const ingestResult = { ...ingested, cpu: context.meter.stop() };
  log(`hot keys: ingest ${Math.round(ingestResult.rowsPerSec).toLocaleString('en-US')} rows/s (${cpuNote(ingestResult.cpu)})`);
  const predicted = await predictedReadsMaxOverMean(parts.masters, entities);
  await checkRead(service.url, [written[0]!]);

  // One rate for all the runs.
  // The probe's keys are drawn only when it runs, so that a fixed rate leaves the uniform sequence as it was.
  const { rate, rateFrom, probe } = await chooseRate(context, settings, () => keys.uniformKeys(2_000));
  const requestsPerRun = Math.max(1, Math.round(rate * seconds));
  const measuredZipf = keys.zipfKeys(requestsPerRun);
  const uniformMeasured = keys.uniformKeys(requestsPerRun);

  const runs: HotKeysRun[] = [];
  // Warm-ups: a window and two ticks before a Zipf run, so that detection (and with mitigation on the cache and
  // the replicas) has settled and the window holds only Zipf reads (not the probe's); a window and a bucket
  // before the uniform run, so that the Zipf keys have cooled and their replicas are gone.
  const bucketMs = windowMs / 6;
  const zipfWarmup = Math.ceil((windowMs + 2_000) / 1000);
  const uniformWarmup = Math.ceil((windowMs + bucketMs) / 1000);
  const zipfRun = { seconds, keys: 'zipf', sets: measuredZipf, warmupSeconds: zipfWarmup } as const;
  // (a) Zipf, mitigation off.
  runs.push(await runPhase(context, rate, { ...zipfRun, name: 'zipf-off', mitigation: false, warmupSets: keys.zipfKeys(2_000) }));

  log('hot keys: restarting the service with mitigation ON (defaults: hot-entity cache, 2 replicas)');
  await service.stop();
  problems.push(...service.problems().map((line) => `[mitigation off] ${line}`));
  service = await parts.startWithMitigation(true);
  context.service = service;
  context.meter = new CpuMeter({ service: service.pid, ...parts.redisPids });
  await checkRead(service.url, [written[0]!]);

  // (b) The same Zipf keys, mitigation on.
  runs.push(await runPhase(context, rate, { ...zipfRun, name: 'zipf-on', mitigation: true, warmupSets: keys.zipfKeys(2_000) }));

  // (b') The same again while a writer rewrites the hottest keys: the cache's extra staleness.
  runs.push(
    await runWithWriter(context, rate, settings, written, hotCacheBoundMs, {
      ...zipfRun,
      name: 'zipf-on-writer',
      seconds: settings.stalenessSeconds,
      mitigation: true,
      warmupSets: keys.zipfKeys(2_000),
      warmupSeconds: 2,
    }),
  );

  // (c) Uniform keys, mitigation on.
  runs.push(
    await runPhase(context, rate, {
      name: 'uniform-on',
      seconds,
      mitigation: true,
      keys: 'uniform',
      sets: uniformMeasured,
      warmupSets: keys.uniformKeys(2_000),
      warmupSeconds: uniformWarmup,
    }),
  );
  await service.stop();
  problems.push(...service.problems().map((line) => `[mitigation on] ${line}`));

  const result: Omit<HotKeysResult, 'seconds'> = {
    cluster: parts.nodes,
    entities,
    batch: settings.batch,
    secondsPerRun: seconds,
    stalenessSeconds: settings.stalenessSeconds,
    window: settings.window,
    rate,
    rateFrom,
    ...(probe ? { probe } : {}),
    zipf: zipfFigures(keys.zipf, settings, hotShare, predicted, uniformMeasured),
    ingest: ingestResult,
    runs,
    targets: [],
    serviceProblems: problems,
  };
  result.targets = checkHotKeyTargets(result);
  return result;
}

/**
 * (b') A Zipf run while a writer rewrites the hottest keys: the extra staleness the cache adds. A run of its
 * own, so that the writes (which invalidate the hot keys' cache entries every interval and add guarded writes
 * to every copy) do not blur (b)'s per-shard load and hit ratio.
 */
async function runWithWriter(
  context: PhaseContext,
  rate: number,
  settings: HotKeysSettings,
  written: string[],
  hotCacheBoundMs: number,
  options: PhaseOptions,
): Promise<HotKeysRun> {
  const probeStaleness = new StalenessProbe(context.service.url, written, REFS[0]!, settings.writeIntervalMs);
  const writtenSet = new Set(written);
  const touchesWritten = options.sets.map((set) => set.some((k) => writtenSet.has(k)));
  probeStaleness.start();
  let withWriter: HotKeysRun;
  try {
    withWriter = await runPhase(context, rate, {
      ...options,
      observe: (index, sentAt, answer) => {
        if (touchesWritten[index % touchesWritten.length]) probeStaleness.observe(sentAt, answer);
      },
      beforeMeasuring: () => probeStaleness.resetObservations(),
    });
  } finally {
    await probeStaleness.stop();
  }
  const hotNow = new Set(withWriter.hotKeys.map((k) => k.entityKey));
  withWriter.staleness = probeStaleness.result({
    boundMs: Math.min(hotCacheBoundMs, MAX_AGE_MS / 10),
    hotCacheBoundMs,
    maxAgeTenthMs: MAX_AGE_MS / 10,
    writtenKeysHot: written.filter((k) => hotNow.has(k)).length,
  });
  const cache = withWriter.staleness.bySource.CACHE;
  context.log(
    `hot keys: staleness: ${withWriter.staleness.writes} writes acknowledged; ${cache.samples} reads of written keys served from CACHE, ` +
      `${cache.behind} behind the newest acknowledged write; extra staleness p99 ${cache.extraP99Ms.toFixed(1)} ms, max ${cache.extraMaxMs.toFixed(1)} ms (bound ${withWriter.staleness.boundMs} ms)`,
  );
  return withWriter;
}

/** The Zipf distribution's shape, and the per-shard balance the slot map predicts for it and for the uniform keys sent. */
function zipfFigures(
  zipf: Zipf,
  settings: HotKeysSettings,
  hotShare: number,
  predicted: (weights: (i: number) => number) => number,
  uniformMeasured: string[][],
): HotKeysResult['zipf'] {
  const measuredUniformKeys = new Map<number, number>();
  for (const set of uniformMeasured) for (const k of set) measuredUniformKeys.set(Number(k.slice(1)), (measuredUniformKeys.get(Number(k.slice(1))) ?? 0) + 1);
  return {
    s: settings.zipfS,
    hottestShare: zipf.topShare(1),
    top10Share: zipf.topShare(10),
    top10PercentShare: zipf.topShare(settings.entities / 10),
    keysAboveHotShare: zipf.keysAbove(hotShare),
    hotShare,
    expectedReadsMaxOverMean: predicted((i) => zipf.probability(zipf.rankOf(i))),
    expectedUniformReadsMaxOverMean: predicted((i) => measuredUniformKeys.get(i) ?? 0),
  };
}

export function checkHotKeyTargets(result: Pick<HotKeysResult, 'runs'>): TargetCheck[] {
  const run = (name: HotKeysRun['name']) => result.runs.find((r) => r.name === name);
  const checks: TargetCheck[] = [];
  const on = run('zipf-on');
  const uniform = run('uniform-on');
  if (on) {
    checks.push({
      what: 'hot keys: per-shard max/mean, Zipf, mitigation on',
      target: `≤ ${HOT_TARGETS.shardMaxOverMean.toFixed(2)}`,
      value: on.shardMaxOverMean,
      met: on.shardMaxOverMean <= HOT_TARGETS.shardMaxOverMean,
    });
  }
  if (on && uniform) {
    const ratio = on.load.p99Ms / uniform.load.p99Ms;
    checks.push({
      what: 'hot keys: Zipf p99 with mitigation ÷ uniform p99',
      target: `≤ ${HOT_TARGETS.zipfOverUniformP99.toFixed(2)}`,
      value: ratio,
      met: ratio <= HOT_TARGETS.zipfOverUniformP99,
    });
  }
  const staleness = run('zipf-on-writer')?.staleness;
  if (staleness) {
    const cache = staleness.bySource.CACHE;
    checks.push({
      what: 'hot keys: max extra staleness from the cache',
      target: `≤ ${staleness.boundMs} ms`,
      value: cache.extraMaxMs,
      met: cache.samples > 0 && cache.extraMaxMs <= staleness.boundMs,
    });
  }
  return checks;
}

// The hot-key scenario of `npm run bench` (BENCH_SCENARIOS=hotkeys runs it alone): on a real 3-master Redis
// Cluster, does the service take a Zipf-skewed read load off the shard that holds the hottest keys, at what
// latency, and how much staler does its hot-entity cache make the values it serves?
//
//  1. A 3-master Redis Cluster (test/support/servers.ts startRedisCluster) and a fresh PostgreSQL database;
//     the service as a child process with REDIS_CLUSTER_NODES; the bench's workload registered and loaded
//     (100,000 entities × 10 FLOAT64 features through writeFeatureValues, 1,000 rows per request).
//  2. A short autocannon probe of the batch-1 max with uniform keys fixes ONE paced rate (60% of it by default)
//     for the three measured runs, each with the open-loop runner of bench/load.ts:
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
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parseDuration } from '../src/core/durations.js';
import { slotOf as calculateSlot } from '../src/online/redis/index.js';
import { createDatabase, freePort, startRedisCluster } from '../test/support/servers.js';
import { startNodeChild, type NodeChild } from './children.js';
import { CpuMeter, type CpuUse } from './cpu.js';
import { optionalPositiveEnv, positiveEnv } from './env.js';
import { post, readProblem, runAutocannon, runPaced, type LoadResult, type Target } from './load.js';
import type { TargetCheck } from './report.js';
import { WRITE_MUTATION, gql, ingest, register, type IngestResult } from './setup.js';
import { percentile, sortedCopy } from './stats.js';
import { ENTITY, HOT_READ_QUERY, MAX_AGE_MS, REFS, entityKey, type ReadResponse } from './workload.js';
import { Zipf, seededRandom } from './zipf.js';

type Source = 'STORE' | 'CACHE' | 'REPLICA';
const SOURCES: Source[] = ['STORE', 'CACHE', 'REPLICA'];

/**
 * The commands counted as a shard's load: every command the service's online store sends (src/online/
 * redis-store.ts). Not counted: HGET/HSET run INSIDE the guard script (Redis counts them too; the EVALSHA is
 * what the client sent), SUBSCRIBE, and admin traffic (INFO, CONFIG, CLUSTER, PING, CLIENT, COMMAND…).
 */
const DATA_COMMANDS = ['hmget', 'evalsha', 'eval', 'hgetall', 'hincrby', 'pexpire', 'zincrby', 'incrby', 'zrange', 'get', 'del', 'publish'];
/** What each counted command is for, to explain a shard's load. */
const PURPOSE: Record<string, string> = {
  hmget: 'value reads',
  evalsha: 'guarded writes',
  eval: 'guarded writes',
  hgetall: 'event lag, replication',
  del: 'replication',
  zincrby: 'detection',
  incrby: 'detection',
  zrange: 'detection',
  get: 'detection',
  pexpire: 'expiry',
  hincrby: 'event lag',
  publish: 'invalidation',
};

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

// ---------------------------------------------------------------------------------------------------------
// Results

export interface ShardLoad {
  /** host:port of the master */
  node: string;
  /** Sum of the calls of the counted data commands during the run. */
  calls: number;
  callsPerSec: number;
  /** Value reads alone (HMGET). */
  hmget: number;
  /** Microseconds Redis spent in the counted commands. */
  usec: number;
  /** Redis process CPU over the run, cores. */
  cpuCores: number;
  /** Counted calls by purpose (value reads, guarded writes, detection, replication, expiry, event lag, invalidation). */
  byPurpose: Record<string, number>;
  /** Every command Redis counted, counted or not (the uncounted ones: script-internal HGET/HSET, admin). */
  commandstats: Record<string, { calls: number; usec: number }>;
}

export interface HotKeyListed {
  entityKey: string;
  share: number;
  readsPerSecond: number;
  cached: boolean;
  replicated: boolean;
  since: string | null;
  /** Its rank in the bench's Zipf distribution (1 = the hottest key the bench sends). */
  zipfRank: number | undefined;
}

export interface ServiceMetrics {
  /** Counter increases over the run. */
  cacheHits: number;
  cacheMisses: number;
  /** hits ÷ (hits + misses); NaN when the cache was never asked (no hot key). */
  cacheHitRatio: number;
  served: Record<Source, number>;
  /** The service's own count of commands per shard over the run (feature_registry_store_commands_total). */
  storeCommands: Record<string, number>;
  /** Gauges halfway through the run. */
  hotKeys: number;
  replicatedKeys: number;
  cacheEntries: number;
}

export interface StalenessBySource {
  /** Reads of the written keys' written feature. */
  samples: number;
  /** …whose value was older than the newest write acknowledged before the read was sent. */
  behind: number;
  /** Extra staleness: eventTime of the newest acknowledged write − eventTime of the value served (0 if not older). */
  extraP50Ms: number;
  extraP99Ms: number;
  extraMaxMs: number;
  /** How long after the first newer write was acknowledged the old value was still served (send − that ack). */
  supersededForP99Ms: number;
  supersededForMaxMs: number;
  /** Values whose event time is one the writer wrote (the others are older: the ingest's, or in flight). */
  matchedWrites: number;
  /** Values whose number did not match the write of their event time (should be 0). */
  wrongValues: number;
}

export interface StalenessResult {
  ref: string;
  writtenKeys: number;
  /** How many of them the service listed as hot halfway through the run. */
  writtenKeysHot: number;
  intervalMs: number;
  /** Writes acknowledged with every row accepted. */
  writes: number;
  /** Writes that failed or were not fully accepted. */
  writeProblems: number;
  firstWriteProblem?: string;
  writeP50Ms: number;
  writeP99Ms: number;
  /** The cache's bound for this feature: min(HOT_CACHE_BOUND, maxAge / 10). */
  boundMs: number;
  hotCacheBoundMs: number;
  maxAgeTenthMs: number;
  /** Reads sent before the first write was acknowledged (not compared). */
  beforeFirstAck: number;
  bySource: Record<Source, StalenessBySource>;
}

export interface HotKeysRun {
  name: 'zipf-off' | 'zipf-on' | 'zipf-on-writer' | 'uniform-on';
  keys: 'zipf' | 'uniform';
  mitigation: boolean;
  warmupSeconds: number;
  load: LoadResult & { cpu: CpuUse };
  shards: ShardLoad[];
  /** max ÷ mean over the masters. */
  shardMaxOverMean: number;
  hmgetMaxOverMean: number;
  /** The same for the data commands other than hot-key detection's (ZINCRBY, ZRANGE, GET, INCRBY on `{hot}`). */
  withoutDetectionMaxOverMean: number;
  usecMaxOverMean: number;
  cpuMaxOverMean: number;
  metrics: ServiceMetrics;
  /** The service's hotKeys(limit: 10) halfway through the run. */
  hotKeys: HotKeyListed[];
  staleness?: StalenessResult;
}

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

export const HOT_TARGETS = {
  shardMaxOverMean: 1.2,
  zipfOverUniformP99: 1.2,
};

// ---------------------------------------------------------------------------------------------------------
// The scenario

export async function benchHotKeys(
  postgresUrl: string,
  settings: HotKeysSettings,
  log: (message: string) => void,
  cpuNote: (cpu: CpuUse) => string,
): Promise<HotKeysResult> {
  const started = performance.now();
  const { entities, seconds, batch } = settings;
  const windowMs = parseDuration(settings.window, 'BENCH_HOTKEY_WINDOW');
  const hotShare = Number(process.env.HOT_KEY_SHARE || 0.01);
  const hotCacheBoundMs = parseDuration(process.env.HOT_CACHE_BOUND || '1s', 'HOT_CACHE_BOUND');

  log('hot keys: starting a 3-master Redis Cluster');
  const cluster = await startRedisCluster();
  const masters = cluster.nodes.map((node) => {
    const [host, port] = node.split(':');
    const client = new Redis({ host: host!, port: Number(port), maxRetriesPerRequest: 1, lazyConnect: true });
    client.on('error', () => {});
    return { node, client };
  });
  const services: NodeChild[] = [];
  const problems: string[] = [];
  try {
    await Promise.all(masters.map((m) => m.client.connect()));
    const redisPids = Object.fromEntries(
      await Promise.all(masters.map(async (m) => [`redis ${m.node}`, Number(/process_id:(\d+)/.exec(await m.client.info('server'))?.[1] ?? 0)] as const)),
    );
    const databaseUrl = await createDatabase(postgresUrl, 'bench_hotkeys');

    const startService = async (mitigation: boolean) => {
      const service = await startNodeChild({
        name: 'service',
        script: 'src/main.ts',
        port: await freePort(),
        env: {
          DATABASE_URL: databaseUrl,
          REDIS_CLUSTER_NODES: cluster.nodes.join(','),
          AUTH: 'off',
          LOG_LEVEL: 'warn',
          MAX_WRITE_BATCH: '10000',
          HOT_KEY_WINDOW: settings.window,
          ...(mitigation ? {} : { HOT_CACHE_MAX_ENTRIES: '0', HOT_KEY_REPLICAS: '0' }),
        },
        expected: /AUTH IS OFF|npm run keys -- create|auth is off/,
      });
      services.push(service);
      return service;
    };
    const stopService = async (service: NodeChild, label: string) => {
      await service.stop();
      problems.push(...service.problems().map((line) => `[${label}] ${line}`));
    };

    // Keys: the same Zipf sequence for (a) and (b), uniform for (c); seeded, so every bench run sends the same.
    const zipf = new Zipf(entities, settings.zipfS, 1);
    const written = Array.from({ length: Math.min(settings.writtenKeys, entities) }, (_, r) => entityKey(zipf.entityOfRank[r]!));
    const rankOfKey = (key: string) => zipf.rankOf(Number(key.slice(1)));

    log('hot keys: starting the service with mitigation OFF (HOT_CACHE_MAX_ENTRIES=0 HOT_KEY_REPLICAS=0)');
    let service = await startService(false);
    let meter = new CpuMeter({ service: service.pid, ...redisPids });
    log('hot keys: registering the workload');
    await register(service.url);
    log(`hot keys: ingesting ${(entities * REFS.length).toLocaleString('en-US')} rows into the cluster`);
    meter.start();
    const ingested = await ingest(service.url, entities).catch((error: unknown) => {
      service.assertRunning('the hot-key ingest');
      throw error;
    });
    const ingestResult = { ...ingested, cpu: meter.stop() };
    log(`hot keys: ingest ${Math.round(ingestResult.rowsPerSec).toLocaleString('en-US')} rows/s (${cpuNote(ingestResult.cpu)})`);

    const slotMaster = await slotMap(masters[0]!.client);
    const masterOfEntity = (i: number) => slotMaster[calculateSlot(`fr:{${ENTITY}:${entityKey(i)}}`)] ?? '?';
    const expected = (weights: (i: number) => number) => {
      const perMaster = new Map<string, number>(cluster.nodes.map((n) => [n, 0]));
      for (let i = 0; i < entities; i++) perMaster.set(masterOfEntity(i), (perMaster.get(masterOfEntity(i)) ?? 0) + weights(i));
      return maxOverMean([...perMaster.values()]);
    };

    const uniformRandom = seededRandom(2);
    const zipfRandom = seededRandom(3);
    const requestsPerRun = (rate: number) => Math.max(1, Math.round(rate * seconds));
    const zipfKeys = (count: number) => Array.from({ length: count }, () => Array.from({ length: batch }, () => entityKey(zipf.sample(zipfRandom))));
    const uniformKeys = (count: number) =>
      Array.from({ length: count }, () => Array.from({ length: batch }, () => entityKey(Math.floor(uniformRandom() * entities))));
    const body = (keys: string[]) => Buffer.from(JSON.stringify({ query: HOT_READ_QUERY, variables: { keys } }));
    const target = (url: string, sets: string[][]): Target => ({ name: 'service', url, path: '/graphql', bodies: sets.map(body) });
    const check = async (url: string, keys: string[]) => {
      const answer = await post(`${url}/graphql`, body(keys));
      const problem = readProblem(answer.status, answer.body, keys);
      if (problem) throw new Error(`the service (Redis Cluster) answered a read of ${keys.length} key(s) wrongly: ${problem}`);
    };
    await check(service.url, [written[0]!]);

    // One rate for all three runs.
    let rate: number;
    let rateFrom: string;
    let probe: (LoadResult & { cpu: CpuUse }) | undefined;
    if (settings.rate !== undefined) {
      rate = settings.rate;
      rateFrom = 'BENCH_HOTKEY_RATE';
    } else {
      const probeTarget = target(service.url, uniformKeys(2_000));
      await runAutocannon(probeTarget, 2);
      meter.start();
      const probed = await runAutocannon(probeTarget, 5);
      probe = { ...probed, cpu: meter.stop() };
      service.assertRunning('the hot-key max probe');
      rate = Math.max(1, Math.round(settings.rateFraction * probe.reqPerSec));
      rateFrom = `${Math.round(settings.rateFraction * 100)}% of the uniform batch-${batch} max (${Math.round(probe.reqPerSec)} req/s, autocannon, 5 s)`;
      log(`hot keys: uniform max ${Math.round(probe.reqPerSec)} req/s (${cpuNote(probe.cpu)}); paced rate for the runs: ${rate} req/s`);
    }
    const measuredZipf = zipfKeys(requestsPerRun(rate));
    const uniformMeasured = uniformKeys(requestsPerRun(rate));

    const runOnce = async (options: {
      name: HotKeysRun['name'];
      seconds: number;
      mitigation: boolean;
      keys: 'zipf' | 'uniform';
      sets: string[][];
      warmupSets: string[][];
      warmupSeconds: number;
      observe?: (index: number, sentAt: number, body: Buffer) => void;
      beforeMeasuring?: () => void;
    }): Promise<HotKeysRun> => {
      log(`hot keys: run ${options.name}: warm-up ${options.warmupSeconds} s at ${rate} req/s`);
      if (options.warmupSeconds > 0) await runPaced(target(service.url, options.warmupSets), options.warmupSeconds, rate);
      service.assertRunning(`the ${options.name} warm-up`);
      options.beforeMeasuring?.();
      await Promise.all(masters.map((m) => m.client.call('CONFIG', 'RESETSTAT')));
      const before = await scrape(service.url);
      meter.start();
      // Halfway through: the service's hot keys and gauges, while the load is on.
      const halfway = sleep((options.seconds * 1000) / 2).then(async () => ({ hot: await hotKeyList(service.url), gauges: await scrape(service.url) }));
      const load = await runPaced(target(service.url, options.sets), options.seconds, rate, options.observe ? { onResponse: options.observe } : {});
      const cpu = meter.stop();
      const stats = await Promise.all(masters.map(async (m) => parseCommandStats(String(await m.client.info('commandstats')))));
      const after = await scrape(service.url);
      const middle = await halfway;
      service.assertRunning(`the ${options.name} run`);

      const shards: ShardLoad[] = masters.map((m, i) => {
        const commandstats = stats[i]!;
        const byPurpose: Record<string, number> = {};
        let calls = 0;
        let usec = 0;
        for (const command of DATA_COMMANDS) {
          const stat = commandstats[command];
          if (!stat) continue;
          calls += stat.calls;
          usec += stat.usec;
          byPurpose[PURPOSE[command]!] = (byPurpose[PURPOSE[command]!] ?? 0) + stat.calls;
        }
        return {
          node: m.node,
          calls,
          callsPerSec: calls / load.seconds,
          hmget: commandstats.hmget?.calls ?? 0,
          usec,
          cpuCores: cpu.byProcess[`redis ${m.node}`] ?? 0,
          byPurpose,
          commandstats,
        };
      });
      const counter = (map: Map<string, number>, name: string) => map.get(name) ?? 0;
      const delta = (name: string) => counter(after, name) - counter(before, name);
      const cacheHits = delta('feature_registry_hot_cache_hits_total');
      const cacheMisses = delta('feature_registry_hot_cache_misses_total');
      const served = Object.fromEntries(SOURCES.map((s) => [s, delta(`feature_registry_values_served_total{served_from="${s}"}`)])) as Record<Source, number>;
      const storeCommands: Record<string, number> = {};
      for (const name of after.keys()) {
        const shard = /^feature_registry_store_commands_total\{shard="([^"]+)"\}$/.exec(name)?.[1];
        if (shard) storeCommands[shard] = delta(name);
      }
      const run: HotKeysRun = {
        name: options.name,
        keys: options.keys,
        mitigation: options.mitigation,
        warmupSeconds: options.warmupSeconds,
        load: { ...load, cpu },
        shards,
        shardMaxOverMean: maxOverMean(shards.map((s) => s.calls)),
        hmgetMaxOverMean: maxOverMean(shards.map((s) => s.hmget)),
        withoutDetectionMaxOverMean: maxOverMean(shards.map((s) => s.calls - (s.byPurpose.detection ?? 0))),
        usecMaxOverMean: maxOverMean(shards.map((s) => s.usec)),
        cpuMaxOverMean: maxOverMean(shards.map((s) => s.cpuCores)),
        metrics: {
          cacheHits,
          cacheMisses,
          cacheHitRatio: cacheHits + cacheMisses > 0 ? cacheHits / (cacheHits + cacheMisses) : Number.NaN,
          served,
          storeCommands,
          hotKeys: counter(middle.gauges, 'feature_registry_hot_keys'),
          replicatedKeys: counter(middle.gauges, 'feature_registry_replicated_keys'),
          cacheEntries: counter(middle.gauges, 'feature_registry_hot_cache_entries'),
        },
        hotKeys: middle.hot.map((k) => ({ ...k, zipfRank: /^u\d+$/.test(k.entityKey) ? rankOfKey(k.entityKey) : undefined })),
      };
      const failed = load.non2xx + load.mismatches + load.errors + load.timeouts;
      log(
        `hot keys: run ${options.name}: ${Math.round(load.reqPerSec)} req/s, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms` +
          `${failed ? `, ${failed} FAILED requests` : ''}; per-shard commands ${shards.map((s) => Math.round(s.callsPerSec)).join(' / ')} /s` +
          ` (max/mean ${run.shardMaxOverMean.toFixed(2)}); cache hit ratio ${fmtRatio(run.metrics.cacheHitRatio)}; ` +
          `served ${SOURCES.map((s) => `${s} ${served[s]}`).join(', ')}; hot keys ${run.metrics.hotKeys}, replicated ${run.metrics.replicatedKeys} (${cpuNote(cpu)})`,
      );
      return run;
    };

    const runs: HotKeysRun[] = [];
    // Warm-ups: a window and two ticks before a Zipf run, so that detection (and with mitigation on the cache and
    // the replicas) has settled and the window holds only Zipf reads (not the probe's); a window and a bucket
    // before the uniform run, so that the Zipf keys have cooled and their replicas are gone.
    const bucketMs = windowMs / 6;
    const zipfWarmup = Math.ceil((windowMs + 2_000) / 1000);
    const uniformWarmup = Math.ceil((windowMs + bucketMs) / 1000);
    // (a) Zipf, mitigation off.
    runs.push(
      await runOnce({ name: 'zipf-off', seconds, mitigation: false, keys: 'zipf', sets: measuredZipf, warmupSets: zipfKeys(2_000), warmupSeconds: zipfWarmup }),
    );

    log('hot keys: restarting the service with mitigation ON (defaults: hot-entity cache, 2 replicas)');
    await stopService(service, 'mitigation off');
    service = await startService(true);
    meter = new CpuMeter({ service: service.pid, ...redisPids });
    await check(service.url, [written[0]!]);

    // (b) The same Zipf keys, mitigation on.
    runs.push(
      await runOnce({
        name: 'zipf-on',
        seconds,
        mitigation: true,
        keys: 'zipf',
        sets: measuredZipf,
        warmupSets: zipfKeys(2_000),
        warmupSeconds: zipfWarmup,
      }),
    );

    // (b') The same again with the writer rewriting the hottest keys: extra staleness from the cache. A run of
    // its own, so that the writes (which invalidate the hot keys' cache entries every interval and add guarded
    // writes to every copy) do not blur (b)'s per-shard load and hit ratio.
    const probeStaleness = new StalenessProbe(service.url, written, REFS[0]!, settings.writeIntervalMs);
    const writtenSet = new Set(written);
    const touchesWritten = measuredZipf.map((keys) => keys.some((k) => writtenSet.has(k)));
    probeStaleness.start();
    let withWriter: HotKeysRun;
    try {
      withWriter = await runOnce({
        name: 'zipf-on-writer',
        seconds: settings.stalenessSeconds,
        mitigation: true,
        keys: 'zipf',
        sets: measuredZipf,
        warmupSets: zipfKeys(2_000),
        warmupSeconds: 2,
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
    runs.push(withWriter);
    const cache = withWriter.staleness.bySource.CACHE;
    log(
      `hot keys: staleness: ${withWriter.staleness.writes} writes acknowledged; ${cache.samples} reads of written keys served from CACHE, ` +
        `${cache.behind} behind the newest acknowledged write; extra staleness p99 ${cache.extraP99Ms.toFixed(1)} ms, max ${cache.extraMaxMs.toFixed(1)} ms (bound ${withWriter.staleness.boundMs} ms)`,
    );

    // (c) Uniform keys, mitigation on.
    runs.push(
      await runOnce({
        name: 'uniform-on',
        seconds,
        mitigation: true,
        keys: 'uniform',
        sets: uniformMeasured,
        warmupSets: uniformKeys(2_000),
        warmupSeconds: uniformWarmup,
      }),
    );
    await stopService(service, 'mitigation on');

    const measuredUniformKeys = new Map<number, number>();
    for (const keys of uniformMeasured) for (const k of keys) measuredUniformKeys.set(Number(k.slice(1)), (measuredUniformKeys.get(Number(k.slice(1))) ?? 0) + 1);
    const result: HotKeysResult = {
      cluster: cluster.nodes,
      entities,
      batch,
      secondsPerRun: seconds,
      stalenessSeconds: settings.stalenessSeconds,
      window: settings.window,
      rate,
      rateFrom,
      ...(probe ? { probe } : {}),
      zipf: {
        s: settings.zipfS,
        hottestShare: zipf.topShare(1),
        top10Share: zipf.topShare(10),
        top10PercentShare: zipf.topShare(entities / 10),
        keysAboveHotShare: zipf.keysAbove(hotShare),
        hotShare,
        expectedReadsMaxOverMean: expected((i) => zipf.probability(zipf.rankOf(i))),
        expectedUniformReadsMaxOverMean: expected((i) => measuredUniformKeys.get(i) ?? 0),
      },
      ingest: ingestResult,
      runs,
      targets: [],
      serviceProblems: problems,
      seconds: (performance.now() - started) / 1000,
    };
    result.targets = checkHotKeyTargets(result);
    return result;
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

export function checkHotKeyTargets(result: HotKeysResult): TargetCheck[] {
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

// ---------------------------------------------------------------------------------------------------------
// Extra staleness

/**
 * Rewrites one feature of the hottest keys every `intervalMs` through writeFeatureValues (one write in flight:
 * acknowledgements come in write order), value = the write's sequence number, eventTime = its wall time; and
 * judges every read of those keys against the writes acknowledged before the read was sent.
 */
export class StalenessProbe {
  /** Fully accepted writes, in order (eventTime and ack time both increase). */
  private readonly acked: { seq: number; eventTimeMs: number; ackedAt: number }[] = [];
  private readonly writeLatencies: number[] = [];
  private writeProblems = 0;
  private firstWriteProblem: string | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private samples = new Map<Source, { extra: number[]; supersededFor: number[]; behind: number; matched: number; wrong: number }>();
  private beforeFirstAck = 0;
  private readonly keySet: ReadonlySet<string>;

  constructor(
    private readonly url: string,
    private readonly keys: string[],
    private readonly ref: string,
    private readonly intervalMs: number,
  ) {
    this.keySet = new Set(keys);
    this.resetObservations();
  }

  start(): void {
    this.running = true;
    this.loop = this.write();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  resetObservations(): void {
    this.samples = new Map(SOURCES.map((s) => [s, { extra: [], supersededFor: [], behind: 0, matched: 0, wrong: 0 }]));
    this.beforeFirstAck = 0;
  }

  private async write(): Promise<void> {
    let seq = 0;
    let lastEventTime = 0;
    while (this.running) {
      const tickStart = performance.now();
      seq++;
      // Strictly increasing event times: an equal one would be superseded by the late-event guard.
      const eventTimeMs = Math.max(Date.now(), lastEventTime + 1);
      lastEventTime = eventTimeMs;
      const eventTime = new Date(eventTimeMs).toISOString();
      const rows = this.keys.map((entityKey) => ({ ref: this.ref, entityKey, value: seq, eventTime }));
      try {
        const { writeFeatureValues: result } = await gql<{
          writeFeatureValues: { accepted: number; superseded: number; rejected: number; errors: { message: string }[] };
        }>(this.url, WRITE_MUTATION, { rows });
        const ackedAt = performance.now();
        this.writeLatencies.push(ackedAt - tickStart);
        if (result.accepted === rows.length) this.acked.push({ seq, eventTimeMs, ackedAt });
        else {
          this.writeProblems++;
          this.firstWriteProblem ??= `write ${seq}: accepted ${result.accepted} of ${rows.length} (superseded ${result.superseded}, rejected ${result.rejected}${result.errors[0] ? `: ${result.errors[0].message}` : ''})`;
        }
      } catch (error) {
        this.writeProblems++;
        this.firstWriteProblem ??= `write ${seq}: ${error instanceof Error ? error.message : String(error)}`;
      }
      const wait = this.intervalMs - (performance.now() - tickStart);
      if (wait > 0 && this.running) await sleep(wait);
    }
  }

  /** One answer that holds at least one written key: each such row's written feature is compared. */
  observe(sentAt: number, answer: Buffer): void {
    const body = JSON.parse(answer.toString('utf8')) as ReadResponse;
    for (const row of body.data?.onlineFeatures.rows ?? []) {
      if (!this.keySet.has(row.entityKey)) continue;
      const feature = row.features.find((f) => f.ref === this.ref);
      if (!feature?.eventTime || !feature.servedFrom) continue;
      // The newest write acknowledged before this read was sent.
      const newest = this.lastIndex((w) => w.ackedAt < sentAt);
      if (newest < 0) {
        this.beforeFirstAck++;
        continue;
      }
      const sample = this.samples.get(feature.servedFrom)!;
      const servedEventTime = Date.parse(feature.eventTime);
      const extra = Math.max(0, this.acked[newest]!.eventTimeMs - servedEventTime);
      sample.extra.push(extra);
      // The first acknowledged write newer than the value served: how long before the read it was acknowledged.
      const firstNewer = this.lastIndex((w) => w.eventTimeMs <= servedEventTime) + 1;
      const newer = this.acked[firstNewer];
      sample.supersededFor.push(newer && newer.ackedAt < sentAt ? sentAt - newer.ackedAt : 0);
      if (extra > 0) sample.behind++;
      // A value with a written event time must be that write's number.
      const same = this.acked[firstNewer - 1];
      if (same && same.eventTimeMs === servedEventTime) {
        sample.matched++;
        if (feature.value !== same.seq) sample.wrong++;
      }
    }
  }

  /** Index of the last acknowledged write satisfying a predicate that holds for a prefix of them (-1: none). */
  private lastIndex(inPrefix: (write: { eventTimeMs: number; ackedAt: number }) => boolean): number {
    let lo = 0;
    let hi = this.acked.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inPrefix(this.acked[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  result(bounds: { boundMs: number; hotCacheBoundMs: number; maxAgeTenthMs: number; writtenKeysHot: number }): StalenessResult {
    const latencies = sortedCopy(this.writeLatencies);
    const bySource = Object.fromEntries(
      SOURCES.map((source) => {
        const s = this.samples.get(source)!;
        const extra = sortedCopy(s.extra);
        const superseded = sortedCopy(s.supersededFor);
        const figures: StalenessBySource = {
          samples: s.extra.length,
          behind: s.behind,
          extraP50Ms: zeroIfEmpty(percentile(extra, 0.5)),
          extraP99Ms: zeroIfEmpty(percentile(extra, 0.99)),
          extraMaxMs: zeroIfEmpty(percentile(extra, 1)),
          supersededForP99Ms: zeroIfEmpty(percentile(superseded, 0.99)),
          supersededForMaxMs: zeroIfEmpty(percentile(superseded, 1)),
          matchedWrites: s.matched,
          wrongValues: s.wrong,
        };
        return [source, figures];
      }),
    ) as Record<Source, StalenessBySource>;
    return {
      ref: this.ref,
      writtenKeys: this.keys.length,
      writtenKeysHot: bounds.writtenKeysHot,
      intervalMs: this.intervalMs,
      writes: this.acked.length,
      writeProblems: this.writeProblems,
      ...(this.firstWriteProblem ? { firstWriteProblem: this.firstWriteProblem } : {}),
      writeP50Ms: percentile(latencies, 0.5),
      writeP99Ms: percentile(latencies, 0.99),
      boundMs: bounds.boundMs,
      hotCacheBoundMs: bounds.hotCacheBoundMs,
      maxAgeTenthMs: bounds.maxAgeTenthMs,
      beforeFirstAck: this.beforeFirstAck,
      bySource,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

const zeroIfEmpty = (n: number) => (Number.isNaN(n) ? 0 : n);

export const fmtRatio = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a');

export function maxOverMean(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean > 0 ? Math.max(...values) / mean : Number.NaN;
}

/** `INFO commandstats` → command → calls and usec (`cmdstat_hmget:calls=12,usec=34,…`). */
export function parseCommandStats(text: string): Record<string, { calls: number; usec: number }> {
  const stats: Record<string, { calls: number; usec: number }> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match) stats[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) };
  }
  return stats;
}

/** Slot → `host:port` of its master, from CLUSTER SLOTS. */
async function slotMap(client: Redis): Promise<string[]> {
  const reply = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
  const map: string[] = new Array<string>(16_384).fill('?');
  for (const [start, end, [host, port]] of reply) for (let slot = start; slot <= end; slot++) map[slot] = `${host}:${port}`;
  return map;
}

/** The service's /metrics as `name{labels}` → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}/metrics: HTTP ${response.status}: ${text.slice(0, 200)}`);
  const metrics = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match) metrics.set(match[1]!, Number(match[2]));
  }
  return metrics;
}

async function hotKeyList(url: string): Promise<Omit<HotKeyListed, 'zipfRank'>[]> {
  const data = await gql<{ hotKeys: Omit<HotKeyListed, 'zipfRank'>[] }>(
    url,
    '{ hotKeys(limit: 10) { entityKey share readsPerSecond cached replicated since } }',
  );
  return data.hotKeys;
}

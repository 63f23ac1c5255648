// The measured phases of the hot-key scenario: the probe that fixes one paced rate for every run, and one run
// (warm-up, then paced reads with each master's command counters reset before and read after, the service's
// /metrics diffed over the run, and its hot-key list taken halfway through).
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeChild } from '../children.js';
import type { CpuMeter, CpuUse } from '../cpu.js';
import { fmtRatio } from '../format.js';
import { runAutocannon, runPaced, type LoadResult, type Target } from '../load.js';
import { gql } from '../setup.js';
import type { HotKeysSettings } from './settings.js';
import { maxOverMean, resetCommandStats, shardLoads, type Master, type ShardLoad } from './shards.js';
import { SOURCES, type Source, type StalenessResult } from './staleness.js';

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

/** What every phase runs against: the service as it is now (it is restarted between phases) and the cluster. */
export interface PhaseContext {
  service: NodeChild;
  meter: CpuMeter;
  masters: Master[];
  /** Read requests over these key sets, to the service. */
  target: (url: string, sets: string[][]) => Target;
  rankOfKey: (key: string) => number;
  log: (message: string) => void;
  cpuNote: (cpu: CpuUse) => string;
}

/** The share of the machine's cores a paced run may keep busy: beyond it, latency measures the queue. */
const MAX_BUSY_SHARE = 0.8;
/**
 * The median latency a paced check may have: a batch-1 read takes about 0.2 ms over one connection, so a median
 * of more means requests queue (in the load generator, whose event loop sends and reads every request, as much
 * as in the service: at 2,500 req/s the service's event-loop lag stayed under 40 ms while p50s were 50 ms).
 */
const MAX_CHECK_P50_MS = 2;
const CALIBRATION_SECONDS = 3;
/** Each step down keeps this much of the rate (a fifth less), at most MAX_STEPS_DOWN times. */
const STEP_DOWN = 0.8;
const MAX_STEPS_DOWN = 8;

/**
 * One paced rate for every run: BENCH_HOTKEY_RATE, or a fraction of a short autocannon probe's uniform max,
 * stepped down by a fifth at a time until a short paced run of uniform reads keeps its rate, has a median
 * latency under MAX_CHECK_P50_MS and leaves the machine under MAX_BUSY_SHARE busy. The paced load generator
 * costs far more per request than autocannon (a node:http client), so once the service got faster, 60% of
 * autocannon's max saturated two cores by itself and every run's p50 went to seconds.
 */
export async function chooseRate(
  context: PhaseContext,
  settings: HotKeysSettings,
  uniformSets: () => string[][],
): Promise<{ rate: number; rateFrom: string; probe?: LoadResult & { cpu: CpuUse } }> {
  if (settings.rate !== undefined) return { rate: settings.rate, rateFrom: 'BENCH_HOTKEY_RATE' };
  const { service, meter } = context;
  const probeTarget = context.target(service.url, uniformSets());
  await runAutocannon(probeTarget, 2);
  meter.start();
  const probed = await runAutocannon(probeTarget, 5);
  const probe = { ...probed, cpu: meter.stop() };
  service.assertRunning('the hot-key max probe');
  const fromProbe = Math.max(1, Math.round(settings.rateFraction * probe.reqPerSec));
  const percent = `${Math.round(settings.rateFraction * 100)}%`;
  context.log(`hot keys: uniform max ${Math.round(probe.reqPerSec)} req/s (${context.cpuNote(probe.cpu)}); ${percent} of it: ${fromProbe} req/s`);
  const cores = os.cpus().length;
  let rate = fromProbe;
  let steps = 0;
  for (; steps < MAX_STEPS_DOWN; steps++) {
    meter.start();
    const paced = await runPaced(probeTarget, CALIBRATION_SECONDS, rate);
    const cpu = meter.stop();
    context.log(`hot keys: pace check at ${rate} req/s: ${Math.round(paced.reqPerSec)} req/s, p50 ${paced.p50Ms.toFixed(2)} ms (${context.cpuNote(cpu)})`);
    if (cpu.machine <= MAX_BUSY_SHARE * cores && paced.reqPerSec >= 0.95 * rate && paced.p50Ms <= MAX_CHECK_P50_MS) break;
    rate = Math.max(1, Math.round(rate * STEP_DOWN));
  }
  const stepped =
    steps === 0
      ? ''
      : `, stepped down ${steps} time(s) by a fifth until a ${CALIBRATION_SECONDS}-s paced run had a p50 ≤ ${MAX_CHECK_P50_MS} ms and left the machine under ${MAX_BUSY_SHARE * 100}% busy`;
  const rateFrom = `${percent} of the uniform batch-${settings.batch} max (${Math.round(probe.reqPerSec)} req/s, autocannon, 5 s)${stepped}`;
  context.log(`hot keys: paced rate for the runs: ${rate} req/s`);
  return { rate, rateFrom, probe };
}

export interface PhaseOptions {
  name: HotKeysRun['name'];
  seconds: number;
  mitigation: boolean;
  keys: 'zipf' | 'uniform';
  sets: string[][];
  warmupSets: string[][];
  warmupSeconds: number;
  observe?: (index: number, sentAt: number, body: Buffer) => void;
  beforeMeasuring?: () => void;
}

/** One run at `rate`: warm-up, then the measured reads with everything the table shows about them. */
export async function runPhase(context: PhaseContext, rate: number, options: PhaseOptions): Promise<HotKeysRun> {
  const { service, meter, masters, log } = context;
  log(`hot keys: run ${options.name}: warm-up ${options.warmupSeconds} s at ${rate} req/s`);
  if (options.warmupSeconds > 0) await runPaced(context.target(service.url, options.warmupSets), options.warmupSeconds, rate);
  service.assertRunning(`the ${options.name} warm-up`);
  options.beforeMeasuring?.();
  await resetCommandStats(masters);
  const before = await scrape(service.url);
  meter.start();
  // Halfway through: the service's hot keys and gauges, while the load is on.
  const halfway = sleep((options.seconds * 1000) / 2).then(async () => ({ hot: await hotKeyList(service.url), gauges: await scrape(service.url) }));
  const load = await runPaced(context.target(service.url, options.sets), options.seconds, rate, options.observe ? { onResponse: options.observe } : {});
  const cpu = meter.stop();
  const shards = await shardLoads(masters, cpu, load.seconds);
  const after = await scrape(service.url);
  const middle = await halfway;
  service.assertRunning(`the ${options.name} run`);

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
    metrics: serviceMetrics(before, after, middle.gauges),
    hotKeys: middle.hot.map((k) => ({ ...k, zipfRank: /^u\d+$/.test(k.entityKey) ? context.rankOfKey(k.entityKey) : undefined })),
  };
  const failed = load.non2xx + load.mismatches + load.errors + load.timeouts;
  const { served } = run.metrics;
  log(
    `hot keys: run ${options.name}: ${Math.round(load.reqPerSec)} req/s, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms` +
      `${failed ? `, ${failed} FAILED requests` : ''}; per-shard commands ${shards.map((s) => Math.round(s.callsPerSec)).join(' / ')} /s` +
      ` (max/mean ${run.shardMaxOverMean.toFixed(2)}); cache hit ratio ${fmtRatio(run.metrics.cacheHitRatio)}; ` +
      `served ${SOURCES.map((s) => `${s} ${served[s]}`).join(', ')}; hot keys ${run.metrics.hotKeys}, replicated ${run.metrics.replicatedKeys} (${context.cpuNote(cpu)})`,
  );
  return run;
}

/** The service's counters diffed over the run, and its gauges as they were halfway through. */
function serviceMetrics(before: Map<string, number>, after: Map<string, number>, gauges: Map<string, number>): ServiceMetrics {
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
  return {
    cacheHits,
    cacheMisses,
    cacheHitRatio: cacheHits + cacheMisses > 0 ? cacheHits / (cacheHits + cacheMisses) : Number.NaN,
    served,
    storeCommands,
    hotKeys: counter(gauges, 'feature_registry_hot_keys'),
    replicatedKeys: counter(gauges, 'feature_registry_replicated_keys'),
    cacheEntries: counter(gauges, 'feature_registry_hot_cache_entries'),
  };
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

// The bench's results: one JSON document (bench/results/latest.json) and the table printed at the end, with
// each target next to its figure. Targets are reported, never asserted: the bench measures, people judge.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CpuUse } from './cpu.js';
import { failures, fmtInt, fmtMs, latency, verdict, type TargetCheck } from './format.js';
import { formatHotKeys } from './hotkeys/report.js';
import type { HotKeysResult } from './hotkeys/scenario.js';
import type { LoadResult } from './load.js';
import { rowsLines, type RowsResult } from './rows.js';
import type { IngestResult } from './setup.js';

/** One server at one batch size: at max, then at half the service's max, throttled two ways. */
export interface ServerRuns {
  max: LoadResult;
  halfOverallRate: LoadResult;
  halfPaced: LoadResult;
}

export interface ReadScenario {
  /** Entities per request. */
  batch: number;
  /** Half the service's max throughput, req/s: the rate both servers get in the throttled runs. */
  halfRate: number;
  service: ServerRuns;
  baseline: ServerRuns;
  /** service max req/s ÷ baseline max req/s */
  throughputRatio: number;
}

export interface Results {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  /** Share of the machine's CPU that other work used in the second before the bench started (0..1). */
  busyBeforeStart: number;
  loadAverageAtStart: number[];
  /** What ran (BENCH_SCENARIOS): `reads` (ingest, online reads vs the baseline), `rows` (multi- vs single-entity reads), `hotkeys` (Redis Cluster). */
  scenarios: string[];
  secondsPerRun: number;
  connections: number;
  entities: number;
  /** The `reads` scenario's ingest into standalone Redis (absent when it did not run). */
  ingest?: IngestResult & { cpu: CpuUse };
  reads: ReadScenario[];
  /** The `rows` scenario (absent when it did not run). */
  rows?: RowsResult;
  /** The `hotkeys` scenario (absent when it did not run). */
  hotKeys?: HotKeysResult;
  /** Every scenario's targets. */
  targets: TargetCheck[];
  /** Warnings and errors the service logged during the run (beyond the expected AUTH=off notice). */
  serviceProblems: string[];
  /** CPU profiles written with BENCH_PROFILE=1. */
  profiles: string[];
  totalSeconds: number;
}

/** Above this share of CPU used by others before the start, the table says the figures are not trustworthy. */
const BUSY_WARNING = 0.15;
/** Above this many cores taken by other processes or the hypervisor during a run, its figures are suspect. */
const DISTURBED_CORES = 0.2;

const disturbance = (cpu: CpuUse | undefined) => (cpu ? cpu.other + cpu.steal : 0);

export const TARGETS = {
  ingestRowsPerSec: 30_000,
  batch100Ratio: 0.4,
  batch100HalfP99Ms: 15,
  batch1HalfP99Ms: 3,
};

/** Each target against its figure; the half-rate latency targets are checked against both throttling methods. */
export function checkTargets(ingest: IngestResult, reads: ReadScenario[]): TargetCheck[] {
  const checks: TargetCheck[] = [
    { what: 'ingest rows/s', target: `≥ ${fmtInt(TARGETS.ingestRowsPerSec)}`, value: ingest.rowsPerSec, met: ingest.rowsPerSec >= TARGETS.ingestRowsPerSec },
  ];
  for (const read of reads) {
    const p99Target = read.batch === 1 ? TARGETS.batch1HalfP99Ms : TARGETS.batch100HalfP99Ms;
    if (read.batch === 100) {
      checks.push({
        what: 'batch 100: service/baseline max throughput',
        target: `≥ ${TARGETS.batch100Ratio.toFixed(2)}`,
        value: read.throughputRatio,
        met: read.throughputRatio >= TARGETS.batch100Ratio,
      });
    }
    if (read.batch !== 1 && read.batch !== 100) continue;
    for (const [how, run] of [['overallRate', read.service.halfOverallRate], ['paced', read.service.halfPaced]] as const) {
      checks.push({ what: `batch ${read.batch}: service p99 at half max (${how})`, target: `≤ ${p99Target} ms`, value: run.p99Ms, met: run.p99Ms <= p99Target });
    }
  }
  return checks;
}

export async function writeResults(file: string, results: Results): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

const cpuLine = (cpu: CpuUse) =>
  `machine ${cpu.machine.toFixed(2)} cores busy, bench processes ${cpu.ours.toFixed(2)}, other ${cpu.other.toFixed(2)}, steal ${cpu.steal.toFixed(2)}`;
/** How many requests a percentile rests on (at batch 100, a p99 rests on a few hundred requests), the rate reached, and how bursty. */
const achieved = (run: LoadResult) => `${fmtInt(run.ok)}, ${fmtInt(run.reqPerSec)}, ${run.peakToMean.toFixed(1)}`;
const coresAtMax = (run: LoadResult) => (run.cpu ? `${run.cpu.machine.toFixed(1)} / ${run.cpu.ours.toFixed(1)}` : 'n/a');

export function formatTable(results: Results): string {
  const targetOf = (what: string) => results.targets.find((t) => t.what === what);
  const note = (what: string) => {
    const t = targetOf(what);
    return t ? `target ${t.target}: ${verdict(t.met)}` : '';
  };
  const lines: string[] = [];
  const row = (label: string, service: string, baseline: string, ratio: string, target = '') =>
    lines.push(`${label.padEnd(40)}${service.padStart(18)}${baseline.padStart(18)}${ratio.padStart(10)}   ${target}`.trimEnd());

  lines.push(`Feature registry bench, ${results.date}`);
  lines.push(`node ${results.node}, ${results.cpus} × ${results.cpuModel}, ${results.platform}`);
  if (results.busyBeforeStart > BUSY_WARNING) {
    lines.push(
      `!! The machine was ${(results.busyBeforeStart * 100).toFixed(0)}% busy before the bench started (load average ${results.loadAverageAtStart[0]?.toFixed(1)}):`,
      '!! other work shares the cores, so every figure below is low and noisy. Run it again on a quiet machine.',
    );
  }
  const hot = results.hotKeys;
  const runs: [string, CpuUse | undefined][] = [
    ...(results.ingest ? [['ingest', results.ingest.cpu] as [string, CpuUse]] : []),
    ...results.reads.flatMap((read) =>
      (['service', 'baseline'] as const).flatMap((server) =>
        Object.entries(read[server]).map(([name, run]): [string, CpuUse | undefined] => [`batch ${read.batch} ${server} ${name}`, run.cpu]),
      ),
    ),
    ...(results.rows?.runs ?? []).flatMap((run) =>
      (['single', 'pair', 'multi'] as const).map((name): [string, CpuUse | undefined] => [`rows batch ${run.batch} ${name}`, run[name].load.cpu]),
    ),
    ...(hot ? [['hot keys: ingest', hot.ingest.cpu] as [string, CpuUse]] : []),
    ...(hot?.probe ? [['hot keys: uniform max probe', hot.probe.cpu] as [string, CpuUse]] : []),
    ...(hot ? hot.runs.map((run): [string, CpuUse] => [`hot keys: ${run.name}`, run.load.cpu]) : []),
  ];
  const disturbed = runs.filter(([, cpu]) => disturbance(cpu) > DISTURBED_CORES);
  if (disturbed.length > 0) {
    lines.push(`!! Other processes or the hypervisor took more than ${DISTURBED_CORES} cores during ${disturbed.length} run(s):`);
    for (const [name, cpu] of disturbed) lines.push(`!!   ${name}: other ${cpu!.other.toFixed(2)}, steal ${cpu!.steal.toFixed(2)} cores`);
    lines.push('!! Those figures are low; run the bench again on a quiet machine.');
  }
  lines.push(`Scenarios: ${results.scenarios.join(', ')}`);
  const ing = results.ingest;
  if (ing) {
    lines.push('');
    lines.push(
      `Ingest: ${fmtInt(ing.rows)} rows through writeFeatureValues (${fmtInt(ing.batches)} batches of ${fmtInt(ing.batchRows)}, ${ing.concurrency} in flight) in ${ing.seconds.toFixed(1)} s`,
    );
    lines.push(`  ${fmtInt(ing.rowsPerSec)} rows/s; one batch p50 ${fmtMs(ing.batchP50Ms)} ms, p99 ${fmtMs(ing.batchP99Ms)} ms   ${note('ingest rows/s')}`);
    lines.push(`  CPU: ${cpuLine(ing.cpu)}`);
  }
  if (results.reads.length > 0) {
    lines.push('');
    lines.push(`Online reads: onlineFeatures × 10 features, ${results.connections} connections, ${results.secondsPerRun} s per run`);
    row('', 'service', 'baseline', 'ratio');
  }
  for (const read of results.reads) {
    const { service: s, baseline: b } = read;
    lines.push(`batch ${read.batch}`);
    row('  max throughput (req/s)', fmtInt(s.max.reqPerSec), fmtInt(b.max.reqPerSec), read.throughputRatio.toFixed(2), note(`batch ${read.batch}: service/baseline max throughput`));
    row('  entities/s at max', fmtInt(s.max.reqPerSec * read.batch), fmtInt(b.max.reqPerSec * read.batch), '');
    row('  p50 / p99 at max (ms)', latency(s.max), latency(b.max), '');
    row(`  at ${fmtInt(read.halfRate)} req/s = half max:`, '', '', '');
    row('    overallRate p50 / p99 (ms)', latency(s.halfOverallRate), latency(b.halfOverallRate), '', note(`batch ${read.batch}: service p99 at half max (overallRate)`));
    row('      requests, req/s, burstiness', achieved(s.halfOverallRate), achieved(b.halfOverallRate), '');
    row('    paced p50 / p99 (ms)', latency(s.halfPaced), latency(b.halfPaced), '', note(`batch ${read.batch}: service p99 at half max (paced)`));
    row('      requests, req/s, burstiness', achieved(s.halfPaced), achieved(b.halfPaced), '');
    row('  cores busy at max (all / ours)', coresAtMax(s.max), coresAtMax(b.max), '');
    for (const [server, runs] of [['service', s], ['baseline', b]] as const) {
      for (const [name, run] of Object.entries(runs)) {
        const failed = failures(run);
        if (failed) lines.push(`  !! ${server} ${name}: ${failed}: its figures are suspect`);
      }
    }
  }
  if (results.reads.length > 0) {
    lines.push('');
    lines.push('burstiness = busiest 100 ms ÷ mean rate (1 = steady). autocannon\'s overallRate sends each second\'s quota');
    lines.push('back to back, so its "half max" is a saturating burst for part of each second; paced spreads requests evenly.');
  }
  if (results.rows) lines.push(...rowsLines(results.rows, fmtInt, fmtMs, verdict));
  if (hot) lines.push('', ...formatHotKeys(hot, note));
  lines.push('');
  lines.push(`Targets: ${results.targets.filter((t) => t.met).length} of ${results.targets.length} met.`);
  if (results.serviceProblems.length > 0) {
    lines.push('');
    lines.push(`The service logged ${results.serviceProblems.length} warning/error line(s); the first ones:`);
    for (const line of results.serviceProblems.slice(0, 5)) lines.push(`  ${line.slice(0, 300)}`);
  }
  if (results.profiles.length > 0) lines.push(`CPU profiles: ${results.profiles.join(', ')}`);
  lines.push(`Total ${results.totalSeconds.toFixed(0)} s.`);
  return lines.join('\n');
}

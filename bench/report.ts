// The bench's results: one JSON document (bench/results/<date>_<commit>_<machine>.json) and the table printed
// at the end, with each target next to its figure. Targets are reported, never asserted: the bench measures,
// people judge.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CpuUse } from './cpu.js';
import { failures, fmtInt, fmtMs, latency, verdict, type TargetCheck } from './format.js';
import { formatHotKeys } from './hotkeys/report.js';
import type { HotKeysResult } from './hotkeys/scenario.js';
import type { LoadResult } from './load.js';
import type { Machine, Revision } from './machine.js';
import type { ReadScenario } from './reads.js';
import { rowsLines, type RowsResult } from './rows.js';
import type { IngestResult } from './setup.js';
import { mb, type StartResult } from './start.js';
import { workersLines, type WorkersResult } from './workers.js';

export interface Results {
  /** When the run started. */
  date: string;
  revision: Revision;
  machine: Machine;
  /** Share of the machine's CPU that other work used in the second before the bench started (0..1). */
  busyBeforeStart: number;
  loadAverageAtStart: number[];
  /** What ran (BENCH_SCENARIOS): start, reads, rows, workers, hotkeys (see run.ts). */
  scenarios: string[];
  secondsPerRun: number;
  connections: number;
  entities: number;
  /** The `start` scenario (absent when it did not run). */
  start?: StartResult;
  /** The `reads` scenario's ingest into standalone Redis (absent when it did not run). */
  ingest?: IngestResult & { cpu: CpuUse };
  reads: ReadScenario[];
  /** The `rows` scenario (absent when it did not run). */
  rows?: RowsResult;
  /** The `workers` scenario, or why it was skipped (absent when it was not asked for). */
  workers?: WorkersResult;
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

/** Issue 12's targets for one service process against the raw baseline, measured in the same run. */
export const TARGETS = {
  ingestRowsPerSec: 45_000,
  /** service ÷ baseline max throughput, by batch size. */
  throughputRatio: { 100: 0.75, 1: 0.6 } as Record<number, number>,
  /** Batch 100, one connection: service p99 ≤ this × the baseline's p99 + oneConnectionP99SlackMs. */
  oneConnectionP99OverBaseline: 1.3,
  oneConnectionP99SlackMs: 2,
  /** Batch 1, one connection: service p99, ms. */
  batch1OneConnectionP99Ms: 2,
};

/** Each target against its figure. */
export function checkTargets(ingest: IngestResult, reads: ReadScenario[]): TargetCheck[] {
  const checks: TargetCheck[] = [
    { what: 'ingest rows/s', target: `≥ ${fmtInt(TARGETS.ingestRowsPerSec)}`, value: ingest.rowsPerSec, met: ingest.rowsPerSec >= TARGETS.ingestRowsPerSec },
  ];
  for (const read of reads) {
    const ratioTarget = TARGETS.throughputRatio[read.batch];
    if (ratioTarget !== undefined) {
      checks.push({
        what: `batch ${read.batch}: service/baseline max throughput`,
        target: `≥ ${ratioTarget.toFixed(2)}`,
        value: read.throughputRatio,
        met: read.throughputRatio >= ratioTarget,
      });
    }
    const p99 = read.service.oneConnection.p99Ms;
    if (read.batch === 100) {
      const limit = TARGETS.oneConnectionP99OverBaseline * read.baseline.oneConnection.p99Ms + TARGETS.oneConnectionP99SlackMs;
      checks.push({
        what: 'batch 100: service p99 over one connection',
        target: `≤ ${TARGETS.oneConnectionP99OverBaseline} × baseline p99 + ${TARGETS.oneConnectionP99SlackMs} ms = ${fmtMs(limit)} ms`,
        value: p99,
        met: p99 <= limit,
      });
    }
    if (read.batch === 1) {
      checks.push({ what: 'batch 1: service p99 over one connection', target: `≤ ${TARGETS.batch1OneConnectionP99Ms} ms`, value: p99, met: p99 <= TARGETS.batch1OneConnectionP99Ms });
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
const answered = (run: LoadResult) => `${fmtInt(run.ok)}, ${fmtInt(run.reqPerSec)}`;
const achieved = (run: LoadResult) => `${answered(run)}, ${run.peakToMean.toFixed(1)}`;
/** p50/p99/p99.9, tight: three figures in one column. */
const tail = (run: LoadResult) => `${fmtMs(run.p50Ms)}/${fmtMs(run.p99Ms)}/${fmtMs(run.p999Ms)}`;
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

  const { machine: m, revision: rev } = results;
  lines.push(`Feature registry bench, ${results.date}, commit ${rev.commit}${rev.dirty ? ' with uncommitted changes' : ''}`);
  lines.push(`node ${m.node}, ${m.cores} × ${m.cpuModel}, ${Math.round(m.memoryBytes / 1024 ** 3)} GB, ${m.platform}`);
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
    ...(results.rows?.runs ?? []).map((run): [string, CpuUse] => [`rows batch ${run.batch}`, run.cpu]),
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
  if (results.start) lines.push(...startLines(results.start, note));
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
    row('  max throughput (req/s), median round', fmtInt(s.max.reqPerSec), fmtInt(b.max.reqPerSec), read.throughputRatio.toFixed(2), note(`batch ${read.batch}: service/baseline max throughput`));
    if (read.roundRatios.length > 1) row('    ratio of each round', '', '', read.roundRatios.map((r) => r.toFixed(2)).join(' '));
    row('  entities/s at max', fmtInt(s.max.reqPerSec * read.batch), fmtInt(b.max.reqPerSec * read.batch), '');
    row('  p50 / p99 at max (ms)', latency(s.max), latency(b.max), '');
    row(`  at ${fmtInt(read.halfRate)} req/s = half max:`, '', '', '');
    row('    overallRate p50 / p99 (ms)', latency(s.halfOverallRate), latency(b.halfOverallRate), '', note(`batch ${read.batch}: service p99 at half max (overallRate)`));
    row('      requests, req/s, burstiness', achieved(s.halfOverallRate), achieved(b.halfOverallRate), '');
    row('    paced p50 / p99 (ms)', latency(s.halfPaced), latency(b.halfPaced), '', note(`batch ${read.batch}: service p99 at half max (paced)`));
    row('      requests, req/s, burstiness', achieved(s.halfPaced), achieved(b.halfPaced), '');
    row('  one connection p50/p99/p99.9 (ms)', tail(s.oneConnection), tail(b.oneConnection), '', note(`batch ${read.batch}: service p99 over one connection`));
    row('      requests, req/s', answered(s.oneConnection), answered(b.oneConnection), '');
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
  if (results.workers) lines.push(...workersLines(results.workers));
  if (hot) lines.push('', ...formatHotKeys(hot, note));
  lines.push('', ...summaryLines(results));
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

/** The start scenario: time to ready and idle RSS for each data directory. */
function startLines(start: StartResult, note: (what: string) => string): string[] {
  const lines = ['', `Start: \`${start.command}\`, embedded (PGlite), to a 200 on /healthz; RSS after ${start.idleSeconds} s idle`];
  for (const run of start.runs) {
    lines.push(
      `  ${`${run.dataDirectory} data directory`.padEnd(26)}ready in ${(run.readyMs / 1000).toFixed(2)} s   ${note(`start, ${run.dataDirectory} data directory: time to ready (s)`)}`,
    );
    lines.push(
      `  ${''.padEnd(26)}idle RSS ${mb(run.idleRssBytes)} MB (${run.processes.map((p) => mb(p.rssBytes)).join(' + ')} MB in ${run.processes.length} processes, named in the results file; npm itself ${mb(run.npmRssBytes)} MB)   ${note(`start, ${run.dataDirectory} data directory: idle RSS (MB)`)}`,
    );
  }
  return lines;
}

/** The headline figures as Markdown table rows, in the shape of the README's table (the record of a run). */
function summaryLines(results: Results): string[] {
  const rows: string[] = [];
  const add = (figure: string, service: string, baseline = '', ratio = '') => rows.push(`| ${figure} | ${service} | ${baseline} | ${ratio} |`);
  for (const read of results.reads) {
    const { service: s, baseline: b } = read;
    const rounds = read.roundRatios.length > 1 ? ` (rounds: ${read.roundRatios.map((r) => r.toFixed(2)).join(', ')})` : '';
    add(`batch ${read.batch}, max req/s (median of ${read.roundRatios.length})`, fmtInt(s.max.reqPerSec), fmtInt(b.max.reqPerSec), `${read.throughputRatio.toFixed(2)}${rounds}`);
    add(`batch ${read.batch}, one connection, p50 / p99 / p99.9 (ms)`, tail(s.oneConnection).replaceAll('/', ' / '), tail(b.oneConnection).replaceAll('/', ' / '));
  }
  if (results.ingest) add(`ingest, rows/s (${fmtInt(results.ingest.batchRows)}-row batches, ${results.ingest.concurrency} in flight)`, fmtInt(results.ingest.rowsPerSec));
  for (const run of results.start?.runs ?? []) {
    add(`npm start to /healthz 200, ${run.dataDirectory} data directory (s); idle RSS (MB)`, `${(run.readyMs / 1000).toFixed(1)}; ${mb(run.idleRssBytes)}`);
  }
  const workers = results.workers;
  if (workers && !('skipped' in workers)) {
    for (const batch of new Set(workers.runs.map((r) => r.batch))) {
      const [one, many] = [1, workers.workers].map((n) => workers.runs.find((r) => r.batch === batch && r.workers === n)!);
      add(`batch ${batch}, max req/s, WORKERS=1 / ${workers.workers}`, `${fmtInt(one!.max.reqPerSec)} / ${fmtInt(many!.max.reqPerSec)}`, '', (many!.max.reqPerSec / one!.max.reqPerSec).toFixed(2));
    }
  }
  if (rows.length === 0) return [];
  return ['Summary (Markdown, for the README):', '| figure | service | raw baseline | ratio |', '|---|---|---|---|', ...rows];
}

// The `workers` scenario: the service's max read throughput with WORKERS=1 and with WORKERS=<cores> (server
// mode runs that many processes on one port), on the same database and Redis, at each batch size. Only on a
// machine with more than two cores: on two, the load generator, Redis and the workers would share the same two
// cores, and the figure would say more about that contention than about the workers.
import os from 'node:os';
import { createDatabase, startRedis } from '../test/support/servers.js';
import { startService, type NodeChild } from './children.js';
import { CpuMeter, cpuNote, type CpuUse } from './cpu.js';
import { fmtInt } from './format.js';
import { graphqlBody, keySets, runAutocannon, type LoadResult, type Target } from './load.js';
import { ingest, register } from './setup.js';

export interface WorkersSettings {
  entities: number;
  seconds: number;
  warmupSeconds: number;
  batches: number[];
}

export interface WorkersRun {
  workers: number;
  batch: number;
  max: LoadResult & { cpu: CpuUse };
}

export type WorkersResult =
  | { skipped: string; cores: number }
  | { cores: number; workers: number; runs: WorkersRun[]; serviceProblems: string[] };

/** More than two cores, or why the scenario does not run. */
export function workersSkipReason(cores = os.availableParallelism()): string | undefined {
  return cores > 2
    ? undefined
    : `${cores} cores: the load generator, Redis and the workers would share them; 1 vs N workers needs more than 2 cores`;
}

export async function benchWorkers(postgresUrl: () => Promise<string>, settings: WorkersSettings, children: NodeChild[], progress: (message: string) => void): Promise<WorkersResult> {
  const cores = os.availableParallelism();
  const skipped = workersSkipReason(cores);
  if (skipped) {
    progress(`workers: skipped (${skipped})`);
    return { skipped, cores };
  }
  progress('workers: starting Redis');
  const redis = await startRedis();
  const env = { DATABASE_URL: await createDatabase(await postgresUrl(), 'bench_workers'), REDIS_URL: redis.url };
  const runs: WorkersRun[] = [];
  const serviceProblems: string[] = [];
  try {
    for (const workers of [1, cores]) {
      progress(`workers: starting the service with WORKERS=${workers}`);
      const service = await startService({ env: { ...env, WORKERS: String(workers) } });
      children.push(service);
      if (workers === 1) {
        await register(service.url);
        progress(`workers: ingesting ${fmtInt(settings.entities * 10)} rows`);
        await ingest(service.url, settings.entities);
      }
      // The meter sees the machine as a whole: the workers are the primary's children, not one pid.
      const meter = new CpuMeter({});
      for (const batch of settings.batches) {
        const target: Target = { name: 'service', url: service.url, path: '/graphql', bodies: keySets(batch, settings.entities).map(graphqlBody) };
        await runAutocannon(target, settings.warmupSeconds);
        meter.start();
        const max = { ...(await runAutocannon(target, settings.seconds)), cpu: meter.stop() };
        service.assertRunning(`workers ${workers} batch ${batch}`);
        progress(`workers: WORKERS=${workers} batch ${batch}: ${fmtInt(max.reqPerSec)} req/s (${cpuNote(max.cpu)})`);
        runs.push({ workers, batch, max });
      }
      await service.stop();
      serviceProblems.push(...service.problems().map((line) => `[WORKERS=${workers}] ${line}`));
    }
    return { cores, workers: cores, runs, serviceProblems };
  } finally {
    await redis.stop();
  }
}

/** The scenario's lines in the bench's table. */
export function workersLines(result: WorkersResult): string[] {
  if ('skipped' in result) return ['', `Workers: skipped (${result.skipped}).`];
  const lines = ['', `Workers: max throughput with WORKERS=1 and WORKERS=${result.workers} (server mode, one port), autocannon 16 connections`];
  lines.push(
    `  ${'batch'.padEnd(7)}${'1 worker (req/s)'.padStart(18)}${`${result.workers} workers (req/s)`.padStart(20)}${'ratio'.padStart(8)}` +
      `${'machine cores busy'.padStart(20)}${'load generator'.padStart(16)}`,
  );
  for (const batch of new Set(result.runs.map((r) => r.batch))) {
    const one = result.runs.find((r) => r.batch === batch && r.workers === 1)!;
    const many = result.runs.find((r) => r.batch === batch && r.workers === result.workers)!;
    lines.push(
      `  ${String(batch).padEnd(7)}${fmtInt(one.max.reqPerSec).padStart(18)}${fmtInt(many.max.reqPerSec).padStart(20)}` +
        `${(many.max.reqPerSec / one.max.reqPerSec).toFixed(2).padStart(8)}${pair(one, many, (cpu) => cpu.machine).padStart(20)}` +
        `${pair(one, many, (cpu) => cpu.byProcess.bench ?? 0).padStart(16)}`,
    );
  }
  lines.push('  Cores busy with 1 / N workers. The load generator is one process: near 1 core, it is what limits the figure.');
  return lines;
}

const pair = (one: WorkersRun, many: WorkersRun, cores: (cpu: CpuUse) => number) => `${cores(one.max.cpu).toFixed(1)} / ${cores(many.max.cpu).toFixed(1)}`;

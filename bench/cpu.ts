// Where the machine's CPU went during one measured run, from Linux's /proc: the bench's own processes (load
// generator, service, baseline, Redis), everything else, and time the hypervisor stole from this VM. On a
// shared 2-core machine a test suite started by someone else halfway through a run halves the figures; this
// makes such a run visible instead of silently wrong.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** Linux reports process and machine CPU time in USER_HZ ticks, which is 100 per second on every arch. */
const TICKS_PER_SECOND = 100;

export interface CpuUse {
  /** Average cores busy over the run, whole machine. */
  machine: number;
  /** … of which the bench's processes. */
  ours: number;
  /** … of which everything else (machine − ours, never below 0). */
  other: number;
  /** Cores' worth of time the hypervisor ran something else instead of this VM. */
  steal: number;
  /** `ours` per process, by name (the load generator is `bench`). */
  byProcess: Record<string, number>;
}

interface Snapshot {
  at: number;
  busyTicks: number;
  stealTicks: number;
  /** Per measured process, in the order of `processes`. */
  processTicks: number[];
}

/** Busy and steal ticks of the whole machine: the `cpu` line of /proc/stat. */
function machineTicks(): { busy: number; steal: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq, steal };
}

/** utime + stime of one process (0 once it is gone). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: the fields that follow start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Measures CPU use between start() and stop() for the given processes (this one is always included). */
export class CpuMeter {
  private readonly processes: { name: string; pid: number }[];
  private started: Snapshot | undefined;

  /** `processes` by name and pid; this process (the load generator) is always measured, as `bench`. */
  constructor(processes: Record<string, number>) {
    this.processes = [{ name: 'bench', pid: process.pid }, ...Object.entries(processes).map(([name, pid]) => ({ name, pid }))];
  }

  start(): void {
    this.started = this.snapshot();
  }

  stop(): CpuUse {
    const end = this.snapshot();
    const begin = this.started ?? end;
    const seconds = (end.at - begin.at) / 1000;
    const cores = (ticks: number) => (seconds > 0 ? ticks / TICKS_PER_SECOND / seconds : 0);
    const machine = cores(end.busyTicks - begin.busyTicks);
    const byProcess = Object.fromEntries(this.processes.map(({ name }, i) => [name, cores(end.processTicks[i]! - begin.processTicks[i]!)]));
    const ours = Object.values(byProcess).reduce((a, b) => a + b, 0);
    return { machine, ours, other: Math.max(0, machine - ours), steal: cores(end.stealTicks - begin.stealTicks), byProcess };
  }

  private snapshot(): Snapshot {
    const { busy, steal } = machineTicks();
    return { at: Date.now(), busyTicks: busy, stealTicks: steal, processTicks: this.processes.map(({ pid }) => processTicks(pid)) };
  }
}

/** Redis' own pid (it runs under the test harness), so the CPU meter counts it among the bench's processes. */
export async function redisPid(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

/** One line for the progress log: how many cores were busy, and whose. */
export const cpuNote = (cpu: CpuUse) =>
  `cores: ${cpu.machine.toFixed(1)} busy = ${[
    ...Object.entries(cpu.byProcess)
      .filter(([, cores]) => cores >= 0.05)
      .map(([name, cores]) => `${name} ${cores.toFixed(1)}`),
    `other ${cpu.other.toFixed(2)}`,
  ].join(' + ')}; steal ${cpu.steal.toFixed(2)}`;

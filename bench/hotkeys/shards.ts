// Per-shard load in the hot-key scenario: which commands count as a master's load, what each is for, how the
// masters' INFO commandstats become one ShardLoad each, and what the slot map predicts without mitigation.
import { Redis } from 'ioredis';
import { slotOf as calculateSlot } from '../../src/online/redis/index.js';
import type { CpuUse } from '../cpu.js';
import { ENTITY, entityKey } from '../workload.js';

/**
 * The commands counted as a shard's load: every command the service's online store sends (src/online/
 * redis/). Not counted: HGET/HSET run INSIDE the guard script (Redis counts them too; the EVALSHA is
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

/** One master of the cluster and a client of its own (not a cluster client: its stats are per node). */
export interface Master {
  node: string;
  client: Redis;
}

export async function connectMasters(nodes: string[]): Promise<Master[]> {
  const masters = nodes.map((node) => {
    const [host, port] = node.split(':');
    const client = new Redis({ host: host!, port: Number(port), maxRetriesPerRequest: 1, lazyConnect: true });
    client.on('error', () => {});
    return { node, client };
  });
  try {
    await Promise.all(masters.map((m) => m.client.connect()));
  } catch (error) {
    for (const m of masters) m.client.disconnect();
    throw error;
  }
  return masters;
}

/** Each master's Redis pid by `redis host:port`, so the CPU meter counts them among the bench's processes. */
export async function redisPids(masters: Master[]): Promise<Record<string, number>> {
  return Object.fromEntries(
    await Promise.all(masters.map(async (m) => [`redis ${m.node}`, Number(/process_id:(\d+)/.exec(await m.client.info('server'))?.[1] ?? 0)] as const)),
  );
}

export async function resetCommandStats(masters: Master[]): Promise<void> {
  await Promise.all(masters.map((m) => m.client.call('CONFIG', 'RESETSTAT')));
}

/** Each master's load since its last RESETSTAT, over a run of `seconds` that used `cpu`. */
export async function shardLoads(masters: Master[], cpu: CpuUse, seconds: number): Promise<ShardLoad[]> {
  const stats = await Promise.all(masters.map(async (m) => parseCommandStats(String(await m.client.info('commandstats')))));
  return masters.map((m, i) => {
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
      callsPerSec: calls / seconds,
      hmget: commandstats.hmget?.calls ?? 0,
      usec,
      cpuCores: cpu.byProcess[`redis ${m.node}`] ?? 0,
      byPurpose,
      commandstats,
    };
  });
}

/**
 * The per-master max/mean of value reads that the slot map predicts for reads of entity i weighted by
 * `weights(i)`, without mitigation: what the keys alone would do to the shards.
 */
export async function predictedReadsMaxOverMean(masters: Master[], entities: number): Promise<(weights: (i: number) => number) => number> {
  const slotMaster = await slotMap(masters[0]!.client);
  const masterOfEntity = (i: number) => slotMaster[calculateSlot(`fr:{${ENTITY}:${entityKey(i)}}`)] ?? '?';
  return (weights) => {
    const perMaster = new Map<string, number>(masters.map((m) => [m.node, 0]));
    for (let i = 0; i < entities; i++) perMaster.set(masterOfEntity(i), (perMaster.get(masterOfEntity(i)) ?? 0) + weights(i));
    return maxOverMean([...perMaster.values()]);
  };
}

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

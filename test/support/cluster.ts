// A Redis Cluster for the tests: masters on free ports, created with redis-cli, waited on until every node agrees
// on the slot map.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveServers, removeTempDir, makeTempDir, run, STARTUP_TIMEOUT_MS, type ManagedProcess } from './managed-process.js';
import { freePorts, HOST, retryOnPortClash } from './ports.js';
import { launchRedis, parseInfo, redisBinary, redisCall } from './redis.js';

export interface RedisCluster {
  /** One `127.0.0.1:PORT` per master. */
  nodes: string[];
  /** Stops every node and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

const CLUSTER_SLOTS = 16384;

/**
 * `CLUSTER SLOTS` reduced to a canonical string "start-end@masterPort,...", sorted by start
 * slot, or undefined unless the ranges cover all 16384 slots without gaps or overlaps.
 */
function slotMap(reply: unknown): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const ranges = (reply as unknown[][])
    .map((entry) => ({ start: Number(entry[0]), end: Number(entry[1]), master: Number((entry[2] as unknown[])[1]) }))
    .sort((a, b) => a.start - b.start);
  let next = 0;
  for (const r of ranges) {
    if (r.start !== next) return undefined;
    next = r.end + 1;
  }
  if (next !== CLUSTER_SLOTS) return undefined;
  return ranges.map((r) => `${r.start}-${r.end}@${r.master}`).join(',');
}

/**
 * True once every node reports cluster_state:ok with all slots assigned and all nodes
 * known, and all nodes return the same complete slot map. `redis-cli --cluster create`
 * returns before the nodes have finished gossiping, so a client connecting right then
 * could still see a partial view; this waits that out.
 */
async function clusterConverged(ports: number[]): Promise<boolean> {
  try {
    const maps = new Set<string>();
    for (const port of ports) {
      const info = parseInfo(String(await redisCall(port, 'CLUSTER', 'INFO')));
      if (
        info.get('cluster_state') !== 'ok' ||
        info.get('cluster_slots_assigned') !== String(CLUSTER_SLOTS) ||
        info.get('cluster_slots_ok') !== String(CLUSTER_SLOTS) ||
        info.get('cluster_known_nodes') !== String(ports.length) ||
        info.get('cluster_size') !== String(ports.length)
      ) {
        return false;
      }
      const map = slotMap(await redisCall(port, 'CLUSTER', 'SLOTS'));
      if (map === undefined) return false;
      maps.add(map);
    }
    return maps.size === 1;
  } catch {
    return false;
  }
}

/**
 * Starts a Redis Cluster of `opts.masters` (default 3, the minimum redis-cli accepts)
 * masters and no replicas, each in its own temp dir on free ports, and waits until every
 * node agrees that all 16384 slots are covered.
 */
export async function startRedisCluster(opts: { masters?: number } = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`);

  return retryOnPortClash(async () => {
    // Each node needs two ports: clients, and the cluster bus. The bus port defaults to
    // port+10000, which nobody checked was free (or even <= 65535), so pick it too.
    const ports = await freePorts(2 * masters);
    const nodes = Array.from({ length: masters }, (_, i) => ({ port: ports[2 * i]!, busPort: ports[2 * i + 1]!, dir: '', proc: undefined as ManagedProcess | undefined }));

    const stopNodes = async () => {
      await Promise.all(nodes.map(async (node) => {
        // SIGKILL: a cluster node saves nodes.conf on a clean shutdown, which nobody needs.
        await node.proc?.stop('SIGKILL');
        if (node.dir) await removeTempDir(node.dir);
      }));
    };

    try {
      await Promise.all(nodes.map(async (node) => {
        node.dir = await makeTempDir('redis-cluster-');
        node.proc = await launchRedis(node.port, node.dir, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(node.dir, 'nodes.conf'),
          '--cluster-port', String(node.busPort),
          '--cluster-node-timeout', '5000',
        ]);
      }));

      const addresses = nodes.map((n) => `${HOST}:${n.port}`);
      await run('redis-cli --cluster create', redisBinary('redis-cli'), ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { cwd: nodes[0]!.dir });

      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      while (!(await clusterConverged(nodes.map((n) => n.port)))) {
        const dead = nodes.find((n) => !n.proc!.running);
        if (dead) {
          await dead.proc!.exited;
          throw dead.proc!.failure('exited while the cluster was forming');
        }
        if (Date.now() > deadline) {
          throw new Error(`Redis Cluster on ${addresses.join(' ')} did not converge (cluster_state:ok, all ${CLUSTER_SLOTS} slots, same slot map on every node) within ${STARTUP_TIMEOUT_MS} ms`);
        }
        await sleep(100);
      }

      let stopped = false;
      const cluster: RedisCluster = {
        nodes: addresses,
        async stop() {
          if (stopped) return;
          stopped = true;
          liveServers.delete(cluster);
          await stopNodes();
        },
      };
      liveServers.add(cluster);
      return cluster;
    } catch (err) {
      await stopNodes();
      throw err;
    }
  });
}

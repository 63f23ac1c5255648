// The online store on Redis, standalone or Redis Cluster (server mode with REDIS_URL / REDIS_CLUSTER_NODES).
// One class serves both: the only difference between them is how commands are grouped into pipelines (one
// pipeline for a standalone server, one per cluster node for a cluster), which node-batch.ts decides. Where
// each thing lives in Redis: layout.ts; the late-event guard: guarded-set.ts; hot-key replicas: replicas.ts.
//
// Failing fast: the clients never queue commands while disconnected and time commands out after
// `commandTimeoutMs` (REDIS_COMMAND_TIMEOUT), so when Redis is down a read or write rejects at once with
// UNAVAILABLE (the caller reports it; the registry keeps answering) instead of piling up requests; they keep
// reconnecting forever in the background, so the store recovers by itself when Redis is back.
import { Cluster, Redis } from 'ioredis';
import {
  LAG_RETENTION_MS,
  READ_COUNT_RETENTION_MS,
  storeUnavailable,
  type LagCounts,
  type OnlineStore,
  type ReadCount,
  type StoredValue,
  type ValueWrite,
} from '../store.js';
import { entityKeyOf, type ValueKey } from '../keys.js';
import { defineGuardedSet, guardedSet } from './guarded-set.js';
import { HashRead } from './hash-read.js';
import { defineReadHashes, readHashes, splitReply, valuesAsked } from './hash-reads.js';
import { CHANGES_CHANNEL, encodeValue, lagHashKey, readCountsKey, readTotalKey, valueHashKey } from './layout.js';
import { NodeBatch, type BatchCounts, type RedisClient } from './node-batch.js';
import { Replicas } from './replicas.js';

const CONNECT_TIMEOUT_MS = 1_000;
/** Reconnect forever, backing off to one attempt a second. */
const reconnectDelay = (times: number) => Math.min(times * 100, 1_000);
/** How long close() waits for a graceful QUIT before cutting the connection. */
const QUIT_TIMEOUT_MS = 1_000;

export class RedisOnlineStore implements OnlineStore {
  private closed = false;
  private readonly counts: BatchCounts = { trips: 0, commandsPerNode: new Map() };
  /** Hashes read (several in one command): lets tests see that a key shared by rows is read once. */
  private hashReads = 0;
  private readonly replicas = new Replicas(() => this.batch());
  private subscriber?: RedisClient;

  /**
   * A standalone Redis server, e.g. `redis://127.0.0.1:6379`. A command that gets no answer within
   * `commandTimeoutMs` fails: a hung server must not hang the request (REDIS_COMMAND_TIMEOUT).
   */
  static standalone(url: string, commandTimeoutMs: number): RedisOnlineStore {
    const client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: reconnectDelay,
    });
    // Name it by address only: the URL may carry a password.
    const { hostname, port } = new URL(url);
    return new RedisOnlineStore(client, `redis ${hostname}:${port || 6379}`);
  }

  /** A Redis Cluster, from any of its masters (the client discovers the others). */
  static cluster(nodes: readonly { host: string; port: number }[], commandTimeoutMs: number): RedisOnlineStore {
    const client = new Cluster([...nodes], {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      // Per-node connections: ioredis forces their offline queue on, so the command timeout is what bounds a
      // command sent to a node that stopped answering.
      redisOptions: {
        maxRetriesPerRequest: 0,
        commandTimeout: commandTimeoutMs,
        connectTimeout: CONNECT_TIMEOUT_MS,
      },
    });
    return new RedisOnlineStore(client, `redis cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`);
  }

  constructor(
    private readonly client: RedisClient,
    readonly name: string,
  ) {
    // Connection errors are reported by the calls that fail (as UNAVAILABLE); an 'error' event without a
    // listener would crash the process.
    client.on('error', () => {});
    if (client instanceof Cluster) client.on('node error', () => {});
    defineGuardedSet(client);
    defineReadHashes(client);
  }

  get roundTrips(): number {
    return this.counts.trips;
  }

  get hashesRead(): number {
    return this.hashReads;
  }

  get commandsPerNode(): ReadonlyMap<string, number> {
    return this.counts.commandsPerNode;
  }

  async write(writes: readonly ValueWrite[], lag: readonly LagCounts[]): Promise<boolean[]> {
    const applied = new Array<boolean>(writes.length).fill(false);
    // All the writes to one hash go into one script call: one atomic compare-and-set per entity key.
    const byHash = new Map<string, number[]>();
    writes.forEach((write, index) => {
      if (!Number.isFinite(write.eventTime) || !Number.isFinite(write.ingestTime)) {
        throw new Error(`write ${index}: eventTime and ingestTime must be epoch milliseconds`);
      }
      const key = valueHashKey(write);
      const indices = byHash.get(key);
      if (indices) indices.push(index);
      else byHash.set(key, [index]);
    });

    const batch = this.batch();
    for (const [key, indices] of byHash) {
      const args = indices.flatMap((index) => {
        const write = writes[index]!;
        return [write.ref, String(write.eventTime), encodeValue(write)];
      });
      batch.add(
        key,
        (pipeline) => guardedSet(pipeline, key, args),
        (reply) => {
          const flags = reply as number[];
          indices.forEach((index, i) => (applied[index] = flags[i] === 1));
        },
      );
      // Every copy of a hot key gets the write, through the same guard: a late event wins on none of them.
      for (const replica of this.replicas.of(entityKeyOf(writes[indices[0]!]!)) ?? []) {
        batch.add(replica, (pipeline) => guardedSet(pipeline, replica, args));
      }
    }
    for (const counts of lag) {
      if (counts.bins.size === 0) continue;
      const key = lagHashKey(counts.ref, counts.bucketStart);
      for (const [bin, count] of counts.bins) batch.add(key, (pipeline) => pipeline.hincrby(key, String(bin), count));
      batch.add(key, (pipeline) => pipeline.pexpire(key, LAG_RETENTION_MS));
    }
    await batch.run();
    return applied;
  }

  async read(keys: readonly ValueKey[]): Promise<(StoredValue | null)[]> {
    // Each hash is read once, with each of its fields once, however often it is asked for.
    const hashes = new Map<string, HashRead>();
    const readOf = new Array<HashRead>(keys.length);
    const fieldOf = new Array<number>(keys.length);
    // A read asks for the features of a key one after another: the key before names the same hash, and is
    // the only one to compare with, so that a hash key is built once per run of keys rather than once per value.
    let read: HashRead | undefined;
    let previous: ValueKey | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (!read || key.entityKey !== previous!.entityKey || key.entity !== previous!.entity) {
        const hash = valueHashKey(key);
        read = hashes.get(hash);
        if (!read) hashes.set(hash, (read = new HashRead(hash)));
      }
      previous = key;
      readOf[i] = read;
      fieldOf[i] = read.field(key.ref);
    }
    // All the hashes of one node are read in one call (hash-reads.ts), in groups of hashes asking for the same
    // fields: usually one group per entity of the read.
    const batch = this.batch();
    const groupsOfNode = new Map<string, HashRead[][]>();
    for (const read of hashes.values()) {
      // A replicated hot key is read from any of its copies, at random: its load spreads over their masters.
      const copies = this.replicas.ofHash(read.hash);
      const pick = copies ? Math.floor(Math.random() * (copies.length + 1)) : 0;
      if (pick > 0) read.source = copies![pick - 1]!;
      const node = batch.nodeOf(read.source);
      let groups = groupsOfNode.get(node);
      if (!groups) groupsOfNode.set(node, (groups = []));
      const group = groups.find((reads) => reads[0]!.sameFields(read));
      if (group) group.push(read);
      else groups.push([read]);
    }
    this.hashReads += hashes.size;
    const unsplit: HashRead[] = [];
    for (const groups of groupsOfNode.values()) {
      const asked = groups.map((group) => ({ hashes: group.map((read) => read.source), fields: group[0]!.refs }));
      batch.add(
        asked[0]!.hashes[0]!,
        (commands) => readHashes(commands, asked),
        (reply) => {
          const parts = splitReply(reply, valuesAsked(asked));
          if (!parts) return void unsplit.push(...groups.flat());
          let offset = 0;
          for (const group of groups) {
            for (const read of group) {
              read.answered(parts, offset);
              offset += read.refs.length;
            }
          }
        },
      );
    }
    await batch.run();
    if (unsplit.length > 0) await this.readEach(unsplit);
    const values = new Array<StoredValue | null>(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = readOf[i]!.value(fieldOf[i]!, this.name);
    return values;
  }

  /** An HMGET per hash, for the hashes whose joined reply did not split (a value written around the store). */
  private async readEach(reads: readonly HashRead[]): Promise<void> {
    const batch = this.batch();
    for (const read of reads) {
      // A present empty field becomes '|', as in the joined reply, where '' means absent.
      batch.add(read.source, (pipeline) => pipeline.hmget(read.source, ...read.refs), (reply) =>
        read.answered((reply as (string | null)[]).map((value) => (value === '' ? '|' : value)), 0),
      );
    }
    await batch.run();
  }

  async lagCounts(ref: string, bucketStarts: readonly number[]): Promise<Map<number, number>> {
    const total = new Map<number, number>();
    const batch = this.batch();
    for (const bucketStart of new Set(bucketStarts)) {
      const key = lagHashKey(ref, bucketStart);
      batch.add(
        key,
        (pipeline) => pipeline.hgetall(key),
        (reply) => {
          for (const [bin, count] of Object.entries(reply as Record<string, string>)) {
            total.set(Number(bin), (total.get(Number(bin)) ?? 0) + Number(count));
          }
        },
      );
    }
    await batch.run();
    return total;
  }

  async addReadCounts(bucketStart: number, top: readonly ReadCount[], total: number): Promise<void> {
    const key = readCountsKey(bucketStart);
    const totalKey = readTotalKey(bucketStart);
    const batch = this.batch();
    for (const { key: member, count } of top) batch.add(key, (pipeline) => pipeline.zincrby(key, count, member));
    batch.add(key, (pipeline) => pipeline.pexpire(key, READ_COUNT_RETENTION_MS));
    batch.add(key, (pipeline) => pipeline.incrby(totalKey, total));
    batch.add(key, (pipeline) => pipeline.pexpire(totalKey, READ_COUNT_RETENTION_MS));
    await batch.run();
  }

  async readCounts(bucketStarts: readonly number[], limit: number): Promise<{ top: ReadCount[]; total: number }> {
    const counts = new Map<string, number>();
    let total = 0;
    const batch = this.batch();
    for (const bucketStart of new Set(bucketStarts)) {
      const key = readCountsKey(bucketStart);
      batch.add(key, (pipeline) => pipeline.zrange(key, 0, -1, 'WITHSCORES'), (reply) => {
        const flat = reply as string[];
        for (let i = 0; i < flat.length; i += 2) counts.set(flat[i]!, (counts.get(flat[i]!) ?? 0) + Number(flat[i + 1]));
      });
      batch.add(key, (pipeline) => pipeline.get(readTotalKey(bucketStart)), (reply) => (total += Number(reply ?? 0)));
    }
    await batch.run();
    const top = [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count).slice(0, limit);
    return { top, total };
  }

  async publishChanges(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.client.publish(CHANGES_CHANNEL, JSON.stringify(keys));
    } catch (error) {
      throw storeUnavailable(this.name, error);
    }
  }

  async onChanges(listener: (keys: string[]) => void): Promise<() => Promise<void>> {
    // A connection in subscriber mode can do nothing else: it gets its own, which reconnects and
    // re-subscribes by itself (ioredis's autoResubscribe).
    // Unlike the data connection it may queue while disconnected: SUBSCRIBE is sent as soon as it connects,
    // even if Redis is down when the service starts.
    this.subscriber ??=
      this.client instanceof Cluster
        ? this.client.duplicate(undefined, { enableOfflineQueue: true })
        : this.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    const subscriber = this.subscriber;
    subscriber.on('error', () => {});
    const onMessage = (channel: string, message: string) => {
      if (channel === CHANGES_CHANNEL) listener(JSON.parse(message) as string[]);
    };
    subscriber.on('message', onMessage);
    void subscriber.subscribe(CHANGES_CHANNEL).catch(() => {});
    return async () => {
      subscriber.off('message', onMessage);
    };
  }

  /** The hash keys holding a value of `entityKey`: its primary copy, then its replicas. */
  copiesOf(entityKey: string): string[] {
    return this.replicas.copiesOf(entityKey);
  }

  get replicated(): ReadonlySet<string> {
    return this.replicas.replicated;
  }

  /** Replicas of hot keys live on a cluster's other masters; a standalone server has none to spread over. */
  async replicate(keys: ReadonlySet<string>, copies: number): Promise<void> {
    if (this.client instanceof Cluster) await this.replicas.replicate(this.client, keys, copies);
  }

  /** Connected (with the slot map, for a cluster), and every master answers a PING within `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.connected(timeoutMs);
    // A connection can look ready while the server no longer answers (paused, overloaded, half-open).
    const masters = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(masters.map((node) => node.ping())),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no PING answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now())))),
      ]);
    } catch (error) {
      throw storeUnavailable(this.name, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async connected(timeoutMs: number): Promise<void> {
    if (this.isReady()) return;
    if (this.closed) throw storeUnavailable(this.name, new Error('the store is closed'));
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        if (error) reject(storeUnavailable(this.name, error));
        else resolve();
      };
      const onReady = () => {
        if (this.isReady()) done();
      };
      const timer = setTimeout(() => done(new Error(`not ready after ${timeoutMs} ms (${this.client.status})`)), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriber?.disconnect();
    // QUIT lets replies in flight arrive; when the server is down it could wait for nothing, so bound it,
    // then cut the connection (which also stops reconnecting).
    if (this.client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.quit().catch(() => {}),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    if (this.client.status !== 'end') this.client.disconnect();
  }

  /** Connected, and for a cluster the slot map is known (so commands can be routed). */
  private isReady(): boolean {
    if (this.client.status !== 'ready') return false;
    return !(this.client instanceof Cluster) || this.client.slots.length > 0;
  }

  /** A batch of commands, one pipeline per node (node-batch.ts). */
  private batch(): NodeBatch {
    // Fail at once rather than send into a connection that is down: with the offline queue off ioredis would
    // reject anyway, but with a less helpful message, and a cluster without a slot map cannot route at all.
    if (this.closed) throw storeUnavailable(this.name, new Error('the store is closed'));
    if (!this.isReady()) throw storeUnavailable(this.name, new Error(`not connected (${this.client.status})`));
    return new NodeBatch(this.client, this.name, this.counts);
  }
}

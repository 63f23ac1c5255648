// The online store on Redis, standalone or Redis Cluster (server mode with REDIS_URL / REDIS_CLUSTER_NODES).
// One class serves both: the only difference between them is how commands are grouped into pipelines (one
// pipeline for a standalone server, one per cluster node for a cluster), which `nodeOf` decides.
//
// Key layout:
// - values: one hash per entity key, `fr:{<entity>:<entityKey>}`, one field per feature version ref
//   (`click_rate_7d@2`) holding `<eventTimeMs>|<ingestTimeMs>|<JSON value text>`. Every version of one
//   entity key lives in one hash, so reading all the features of a key is one HMGET, and the braces make
//   the whole key the cluster hash tag: one key, one slot, whatever the refs. Entity names are
//   `[a-z][a-z0-9_]*` (registry/model.ts), so the first `:` inside the braces separates entity from key and
//   two entities with the same entity key never share a hash.
// - event lag: one hash per (ref, bucket), `fr:lag:{<ref>}:<bucketStartMs>`, field = lag bin, value = count
//   (HINCRBY, so every instance's counts add up), expiring LAG_RETENTION_MS after its last write. The tag is
//   the ref, so all buckets of a ref sit in one slot and `lagCounts` is a single pipeline on a single node.
//
// - read counts (hot-key detection): a sorted set per time bucket, `fr:reads:{hot}:<bucketStartMs>`, member =
//   `<entity>:<entityKey>`, score = reads, and the bucket's total reads in `fr:reads:{hot}:<bucketStartMs>:total`.
// - replicas of hot keys (Redis Cluster): `fr:r:{<n>:<entity>:<entityKey>}`, the same hash as the primary copy,
//   with n chosen so that each copy's slot belongs to a different master (see `placeReplicas`). The slot of
//   each candidate is computed from the whole key string, as the cluster does: a `}` inside the entity key
//   ends the tag there, which is why n comes before the key.
//
// Failing fast: the clients never queue commands while disconnected and time commands out after
// COMMAND_TIMEOUT_MS, so when Redis is down a read or write rejects at once with UNAVAILABLE (the caller
// reports it; the registry keeps answering) instead of piling up requests; they keep reconnecting forever in
// the background, so the store recovers by itself when Redis is back.
import { createRequire } from 'node:module';
import { Cluster, Redis, type ChainableCommander } from 'ioredis';
import {
  LAG_RETENTION_MS,
  READ_COUNT_RETENTION_MS,
  entityKeyOf,
  storeUnavailable,
  type LagCounts,
  type OnlineStore,
  type ReadCount,
  type StoredValue,
  type ValueKey,
  type ValueWrite,
} from './store.js';

// ioredis computes slots with cluster-key-slot (CRC16 of the hash tag) and ships it as its own dependency; it
// has no type declarations, hence the typed require.
const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

/** A command that gets no answer within this long fails, unless REDIS_COMMAND_TIMEOUT says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 1_000;
/** Reconnect forever, backing off to one attempt a second. */
const reconnectDelay = (times: number) => Math.min(times * 100, 1_000);
/** How long close() waits for a graceful QUIT before cutting the connection. */
const QUIT_TIMEOUT_MS = 1_000;

// The late-event guard. It must compare and set atomically per key, or two writers (or a late event racing a
// fresh one) could both read the old value and the older write could land last; a Lua script runs atomically
// on the server, in one round trip. It takes exactly ONE key so that it is valid on a cluster (a script may
// only touch keys of one slot), and all the writes to that hash as (field, eventTime, encoded value) triples.
// A write is applied only if nothing is stored or the stored event time is strictly older: an equal event
// time is a replay, not news. A stored value whose event time cannot be parsed (written around the service)
// counts as absent, so the next write repairs it. Returns 1/0 per triple, in order.
const GUARDED_SET_LUA = `
local applied = {}
for i = 1, #ARGV, 3 do
  local field = ARGV[i]
  local eventTime = tonumber(ARGV[i + 1])
  local current = redis.call('HGET', KEYS[1], field)
  local stored = nil
  if current then
    local sep = string.find(current, '|', 1, true)
    if sep then stored = tonumber(string.sub(current, 1, sep - 1)) end
  end
  if stored == nil or stored < eventTime then
    redis.call('HSET', KEYS[1], field, ARGV[i + 2])
    applied[#applied + 1] = 1
  else
    applied[#applied + 1] = 0
  end
end
return applied
`;
/** Defined with defineCommand: ioredis sends EVALSHA, and the script body once per connection (EVAL) to load it. */
const GUARDED_SET = 'frGuardedSet';
type WithGuardedSet = { [GUARDED_SET](key: string, ...fieldTimeValueTriples: string[]): unknown };

type Client = Redis | Cluster;

/** Commands queued for one node: its pipeline, and what to do with each reply. */
interface NodeBatch {
  pipeline: ChainableCommander;
  onReply: ((reply: unknown) => void)[];
  /** The node's first address ('redis' for a standalone server): where commandsPerNode counts its commands. */
  shard: string;
}

export class RedisOnlineStore implements OnlineStore {
  private trips = 0;
  private closed = false;
  /** entity key (`<entity>:<entityKey>`) → the hash keys of its replica copies. */
  private readonly replicas = new Map<string, string[]>();
  private subscriber?: Client;

  readonly commandsPerNode = new Map<string, number>();

  /**
   * A standalone Redis server, e.g. `redis://127.0.0.1:6379`. A command that gets no answer within
   * `commandTimeoutMs` fails: a hung server must not hang the request (REDIS_COMMAND_TIMEOUT).
   */
  static standalone(url: string, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): RedisOnlineStore {
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
  static cluster(nodes: readonly { host: string; port: number }[], commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): RedisOnlineStore {
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
    private readonly client: Client,
    readonly name: string,
  ) {
    // Connection errors are reported by the calls that fail (as UNAVAILABLE); an 'error' event without a
    // listener would crash the process.
    client.on('error', () => {});
    if (client instanceof Cluster) client.on('node error', () => {});
    client.defineCommand(GUARDED_SET, { numberOfKeys: 1, lua: GUARDED_SET_LUA });
  }

  get roundTrips(): number {
    return this.trips;
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
        return [write.ref, String(write.eventTime), encode(write)];
      });
      batch.add(
        key,
        (pipeline) => (pipeline as unknown as WithGuardedSet)[GUARDED_SET](key, ...args),
        (reply) => {
          const flags = reply as number[];
          indices.forEach((index, i) => (applied[index] = flags[i] === 1));
        },
      );
      // Every copy of a hot key gets the write, through the same guard: a late event wins on none of them.
      for (const replica of this.replicas.get(entityKeyOf(writes[indices[0]!]!)) ?? []) {
        batch.add(replica, (pipeline) => (pipeline as unknown as WithGuardedSet)[GUARDED_SET](replica, ...args));
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
    // Each hash is read once, with each of its fields once, however often it is asked for. Each key remembers
    // which hash read and which field of it answers it, so that no hash key is built or looked up again once
    // the replies are in: at two entities a row, this per-hash work is what a multi-entity read pays extra.
    const hashes = new Map<string, HashRead>();
    const readOf = new Array<HashRead>(keys.length);
    const fieldOf = new Array<number>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const hash = valueHashKey(key);
      let read = hashes.get(hash);
      if (!read) hashes.set(hash, (read = new HashRead(hash)));
      readOf[i] = read;
      fieldOf[i] = read.field(key.ref);
    }
    const batch = this.batch();
    for (const read of hashes.values()) {
      // A replicated hot key is read from any of its copies, at random: its load spreads over their masters.
      const copies = this.replicas.size === 0 ? undefined : this.replicas.get(entityKeyOfHash(read.hash));
      const pick = copies ? Math.floor(Math.random() * (copies.length + 1)) : 0;
      if (pick > 0) read.source = copies![pick - 1]!;
      batch.add(read.source, (pipeline) => pipeline.hmget(read.source, ...read.refs), read.onReply);
    }
    await batch.run();
    const values = new Array<StoredValue | null>(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = readOf[i]!.value(fieldOf[i]!, this.name);
    return values;
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
    const batch = this.batch();
    for (const { key: member, count } of top) batch.add(key, (pipeline) => pipeline.zincrby(key, count, member));
    batch.add(key, (pipeline) => pipeline.pexpire(key, READ_COUNT_RETENTION_MS));
    batch.add(key, (pipeline) => pipeline.incrby(`${key}:total`, total));
    batch.add(key, (pipeline) => pipeline.pexpire(`${key}:total`, READ_COUNT_RETENTION_MS));
    await batch.run();
  }

  async readCounts(bucketStarts: readonly number[], limit: number): Promise<{ top: ReadCount[]; total: number }> {
    const keys = [...new Set(bucketStarts)].map(readCountsKey);
    const counts = new Map<string, number>();
    let total = 0;
    const batch = this.batch();
    for (const key of keys) {
      batch.add(key, (pipeline) => pipeline.zrange(key, 0, -1, 'WITHSCORES'), (reply) => {
        const flat = reply as string[];
        for (let i = 0; i < flat.length; i += 2) counts.set(flat[i]!, (counts.get(flat[i]!) ?? 0) + Number(flat[i + 1]));
      });
      batch.add(key, (pipeline) => pipeline.get(`${key}:total`), (reply) => (total += Number(reply ?? 0)));
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
    return [primaryHashOf(entityKey), ...(this.replicas.get(entityKey) ?? [])];
  }

  get replicated(): ReadonlySet<string> {
    return new Set(this.replicas.keys());
  }

  /**
   * Keeps R replica copies of each hot key on masters other than its primary's, chosen from the current slot
   * map (so they follow resharding), brings every copy up to date from the primary (the guard keeps newer
   * values), and drops the copies of keys that cooled. Called about once a second: that period bounds how far a
   * replica can lag behind its primary when a write missed it.
   */
  async replicate(keys: ReadonlySet<string>, copies: number): Promise<void> {
    if (!(this.client instanceof Cluster)) return;
    const cluster = this.client;
    const dropped: string[] = [];
    for (const [key, copies] of this.replicas) {
      if (!keys.has(key)) {
        dropped.push(...copies);
        this.replicas.delete(key);
      }
    }
    const wanted = new Map<string, string[]>();
    for (const key of keys) {
      const placed = placeReplicas(key, copies, (hash) => cluster.slots[calculateSlot(hash)]?.[0]);
      const previous = this.replicas.get(key) ?? [];
      dropped.push(...previous.filter((copy) => !placed.includes(copy)));
      if (placed.length > 0) wanted.set(key, placed);
      else this.replicas.delete(key);
    }
    // Seed before reading from them: read every primary, then write each field to every copy through the guard.
    const primaries = new Map<string, Record<string, string>>();
    const reads = this.batch();
    for (const key of wanted.keys()) {
      const hash = primaryHashOf(key);
      reads.add(hash, (pipeline) => pipeline.hgetall(hash), (reply) => primaries.set(key, reply as Record<string, string>));
    }
    await reads.run();
    const writes = this.batch();
    for (const [key, copies] of wanted) {
      const args = Object.entries(primaries.get(key) ?? {}).flatMap(([ref, raw]) => [ref, raw.slice(0, raw.indexOf('|')), raw]);
      for (const copy of copies) {
        if (args.length > 0) writes.add(copy, (pipeline) => (pipeline as unknown as WithGuardedSet)[GUARDED_SET](copy, ...args));
        writes.add(copy, (pipeline) => pipeline.pexpire(copy, REPLICA_TTL_MS));
      }
    }
    for (const copy of dropped) writes.add(copy, (pipeline) => pipeline.del(copy));
    await writes.run();
    for (const [key, copies] of wanted) this.replicas.set(key, copies);
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

  /**
   * Which pipeline a key's commands go to. A standalone server takes everything in one. An ioredis Cluster
   * pipeline refuses keys served by different nodes, so a cluster needs one pipeline per node: the node
   * list that serves the key's slot in the client's current slot map (master first; ioredis requires the
   * whole list to match, which in a consistent topology is one group per master).
   */
  private nodeOf(key: string): string {
    if (!(this.client instanceof Cluster)) return '';
    const slot = calculateSlot(key);
    const owners = this.client.slots[slot];
    if (!owners || owners.length === 0) throw storeUnavailable(this.name, new Error(`no node serves slot ${slot}`));
    return owners.join(',');
  }

  /**
   * Collects commands into one pipeline per node, then sends them all at once: one round trip per node
   * whatever the number of keys, which is what keeps a 1,000-key read or write cheap.
   */
  private batch() {
    // Fail at once rather than send into a connection that is down: with the offline queue off ioredis would
    // reject anyway, but with a less helpful message, and a cluster without a slot map cannot route at all.
    if (this.closed) throw storeUnavailable(this.name, new Error('the store is closed'));
    if (!this.isReady()) throw storeUnavailable(this.name, new Error(`not connected (${this.client.status})`));
    const nodes = new Map<string, NodeBatch>();
    return {
      add: (key: string, send: (pipeline: ChainableCommander) => unknown, onReply: (reply: unknown) => void = () => {}) => {
        const node = this.nodeOf(key);
        let batch = nodes.get(node);
        if (!batch) nodes.set(node, (batch = { pipeline: this.client.pipeline(), onReply: [], shard: node.split(',')[0] || 'redis' }));
        this.commandsPerNode.set(batch.shard, (this.commandsPerNode.get(batch.shard) ?? 0) + 1);
        send(batch.pipeline);
        batch.onReply.push(onReply);
      },
      run: async () => {
        const batches = [...nodes.values()];
        this.trips += batches.length;
        let results: ([Error | null, unknown][] | null)[];
        try {
          results = await Promise.all(batches.map((batch) => batch.pipeline.exec()));
        } catch (error) {
          throw storeUnavailable(this.name, error);
        }
        const replies = results.map((r) => r ?? [[new Error('pipeline discarded'), null] as [Error, unknown]]);
        const error = firstError(replies);
        if (error) {
          // ioredis retries a cluster pipeline after MOVED/ASK only when every command got the same
          // redirection, which a pipeline spanning many slots never does. Refresh the slot map before failing
          // so that the next call is routed right, instead of failing until some later refresh.
          if (this.client instanceof Cluster && /^(MOVED|ASK) /.test(error.message)) {
            const cluster = this.client;
            await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
          }
          throw storeUnavailable(this.name, error);
        }
        batches.forEach((batch, b) => replies[b]!.forEach(([, reply], i) => batch.onReply[i]!(reply)));
      },
    };
  }

}

/** Fields a hash read looks up in its list of fields; past this many it gets an index (no hash costs fields²). */
const FEW_FIELDS = 16;

/** One HMGET: the fields of one hash a read asks for, where it reads them from, and their values once read. */
class HashRead {
  readonly refs: string[] = [];
  private index?: Map<string, number>;
  /** The hash the HMGET reads: the primary copy, or a replica of a hot key. */
  source: string;
  private replies: (string | null)[] = [];
  private readonly decoded: (StoredValue | null | undefined)[] = [];

  constructor(readonly hash: string) {
    this.source = hash;
  }

  /** Where `ref` sits in this read's fields, added if it is not there yet. */
  field(ref: string): number {
    let at = this.index ? (this.index.get(ref) ?? -1) : this.refs.indexOf(ref);
    if (at < 0) {
      at = this.refs.push(ref) - 1;
      if (this.index) this.index.set(ref, at);
      else if (this.refs.length > FEW_FIELDS) this.index = new Map(this.refs.map((r, i) => [r, i]));
    }
    return at;
  }

  readonly onReply = (reply: unknown) => {
    this.replies = reply as (string | null)[];
  };

  /** The value of field `at`, decoded once however many keys ask for it. */
  value(at: number, store: string): StoredValue | null {
    let value = this.decoded[at];
    if (value === undefined) {
      const raw = this.replies[at] ?? null;
      value = raw === null ? null : decode(raw, this.source, this.refs[at]!, store);
      if (value && this.source !== this.hash) value.replica = true;
      this.decoded[at] = value;
    }
    return value;
  }
}

function decode(raw: string, hash: string, ref: string, store: string): StoredValue {
  const first = raw.indexOf('|');
  const second = first < 0 ? -1 : raw.indexOf('|', first + 1);
  const eventTime = Number(raw.slice(0, first));
  const ingestTime = Number(raw.slice(first + 1, second));
  if (second < 0 || first === 0 || second === first + 1 || !Number.isFinite(eventTime) || !Number.isFinite(ingestTime)) {
    // Not written by this store (someone wrote around it): say so rather than guess times.
    throw new Error(`online store ${store}: ${hash} field ${ref} does not hold <eventTime>|<ingestTime>|<value>`);
  }
  return { value: raw.slice(second + 1), eventTime, ingestTime };
}

/** The first error among the replies of every node, if any. */
function firstError(replies: [Error | null, unknown][][]): Error | undefined {
  for (const node of replies) {
    for (const [error] of node) if (error) return error;
  }
  return undefined;
}

/** The hash of one entity key; the braces make all of it the cluster hash tag. */
function valueHashKey(key: ValueKey): string {
  return `fr:{${key.entity}:${key.entityKey}}`;
}

/** `fr:{user:42}` → `user:42` */
const entityKeyOfHash = (hash: string) => hash.slice(4, -1);
const primaryHashOf = (entityKey: string) => `fr:{${entityKey}}`;

const CHANGES_CHANNEL = 'fr:changes';
/** Replicas expire if nobody refreshes them (every instance gone): a safety net, not the way they are dropped. */
const REPLICA_TTL_MS = 60_000;

/**
 * The hash keys of `count` replica copies of an entity key, each in a slot whose master differs from the
 * primary copy's and from the other copies': n = 0, 1, 2, … is tried in order, so every instance computes the
 * same placement from the same slot map. Fewer copies when the cluster has fewer other masters.
 */
export function placeReplicas(entityKey: string, count: number, masterOf: (hash: string) => string | undefined): string[] {
  const used = new Set([masterOf(primaryHashOf(entityKey))]);
  const copies: string[] = [];
  for (let n = 0; copies.length < count && n < 1_000; n++) {
    // n comes first inside the braces: a `}` in the entity key ends the hash tag early, and whatever follows
    // it would not change the slot, so with n last every copy of such a key would land on one slot.
    const copy = `fr:r:{${n}:${entityKey}}`;
    const master = masterOf(copy);
    if (master === undefined || used.has(master)) continue;
    used.add(master);
    copies.push(copy);
  }
  return copies;
}

function readCountsKey(bucketStart: number): string {
  return `fr:reads:{hot}:${bucketStart}`;
}

function lagHashKey(ref: string, bucketStart: number): string {
  return `fr:lag:{${ref}}:${bucketStart}`;
}

/** `<eventTimeMs>|<ingestTimeMs>|<JSON value text>`: the times come first, so `|` inside the JSON is harmless. */
function encode(write: ValueWrite): string {
  return `${write.eventTime}|${write.ingestTime}|${write.value}`;
}

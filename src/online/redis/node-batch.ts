// One pipeline per node: the store collects the commands of a read or write, then sends them all at once, so
// that a 1,000-key read or write costs one round trip per node whatever the number of keys.
import { Cluster, type ChainableCommander, type Redis } from 'ioredis';
import { storeUnavailable } from '../store.js';
import { slotOf } from './layout.js';

export type RedisClient = Redis | Cluster;

/** What every batch of one store adds to: round trips and commands per node (for tests and /metrics). */
export interface BatchCounts {
  trips: number;
  readonly commandsPerNode: Map<string, number>;
}

/** Queues one command on a pipeline, or sends it on the client itself (the same methods). */
type Send = (commands: ChainableCommander) => unknown;

/** Commands queued for one node, and what to do with each reply. */
interface NodePipeline {
  sends: Send[];
  onReply: ((reply: unknown) => void)[];
  /** The node's first address ('redis' for a standalone server): where commandsPerNode counts its commands. */
  shard: string;
}

const ignoreReply = () => {};

export class NodeBatch {
  private readonly nodes = new Map<string, NodePipeline>();

  /** `store` names the store in errors. The caller has checked that the client is connected. */
  constructor(
    private readonly client: RedisClient,
    private readonly store: string,
    private readonly counts: BatchCounts,
  ) {}

  /** Queues a command on `key` on the pipeline of the node serving it; `onReply` gets its reply after run(). */
  add(key: string, send: Send, onReply: (reply: unknown) => void = ignoreReply): void {
    const node = this.nodeOf(key);
    let batch = this.nodes.get(node);
    if (!batch) this.nodes.set(node, (batch = { sends: [], onReply: [], shard: node.split(',')[0] || 'redis' }));
    this.counts.commandsPerNode.set(batch.shard, (this.counts.commandsPerNode.get(batch.shard) ?? 0) + 1);
    batch.sends.push(send);
    batch.onReply.push(onReply);
  }

  /** Sends every node's commands at once, then hands each reply to its command's onReply, or fails with UNAVAILABLE. */
  async run(): Promise<void> {
    const batches = [...this.nodes.values()];
    this.counts.trips += batches.length;
    let results: ([Error | null, unknown][] | null)[];
    try {
      results = await Promise.all(batches.map((batch) => this.exec(batch)));
    } catch (error) {
      throw storeUnavailable(this.store, error);
    }
    const replies = results.map((r) => r ?? [[new Error('pipeline discarded'), null] as [Error, unknown]]);
    const error = firstError(replies);
    if (error) {
      // ioredis retries a cluster pipeline after MOVED/ASK only when every command got the same
      // redirection, which a pipeline spanning many slots never does. Refresh the slot map before failing
      // so that the next call is routed right, instead of failing until some later refresh.
      // A multi-hash read (hash-reads.ts) that meets a hash which moved fails with "non local key" instead.
      if (this.client instanceof Cluster && /^(MOVED|ASK) |non local key/.test(error.message)) {
        const cluster = this.client;
        await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
      }
      throw storeUnavailable(this.store, error);
    }
    batches.forEach((batch, b) => replies[b]!.forEach(([, reply], i) => batch.onReply[i]!(reply)));
  }

  /**
   * A node's commands in one pipeline; a lone command (a read sends one per node, hash-reads.ts) is sent on
   * the client itself. An ioredis pipeline is costly beyond its command: a loop of one-command pipelines
   * promoted megabytes a second to the old generation and made each minor GC 15 times longer (7 ms instead of
   * 0.4 ms), which single-key reads paid in their p99. Either way, the replies come as the pipeline's.
   */
  private async exec(batch: NodePipeline): Promise<[Error | null, unknown][] | null> {
    if (batch.sends.length === 1) {
      const sent = batch.sends[0]!(this.client as unknown as ChainableCommander) as Promise<unknown>;
      return sent.then(
        (reply): [Error | null, unknown][] => [[null, reply]],
        (error: unknown): [Error | null, unknown][] => [[error instanceof Error ? error : new Error(String(error)), null]],
      );
    }
    const pipeline = this.client.pipeline();
    for (const send of batch.sends) send(pipeline);
    return pipeline.exec();
  }

  /**
   * Which pipeline a key's commands go to. A standalone server takes everything in one. An ioredis Cluster
   * pipeline refuses keys served by different nodes, so a cluster needs one pipeline per node: the node
   * list that serves the key's slot in the client's current slot map (master first; ioredis requires the
   * whole list to match, which in a consistent topology is one group per master).
   */
  nodeOf(key: string): string {
    if (!(this.client instanceof Cluster)) return '';
    const slot = slotOf(key);
    const owners = this.client.slots[slot];
    if (!owners || owners.length === 0) throw storeUnavailable(this.store, new Error(`no node serves slot ${slot}`));
    return owners.join(',');
  }
}

/** The first error among the replies of every node, if any. */
function firstError(replies: [Error | null, unknown][][]): Error | undefined {
  for (const node of replies) {
    for (const [error] of node) if (error) return error;
  }
  return undefined;
}

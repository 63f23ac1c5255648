// The online store on PostgreSQL: the embedded default (PGlite) and server mode without Redis. Every call is one
// SQL statement, so one round trip (on embedded PGlite, a read of more than 5,000 keys is one per 5,000): reads
// join the requested keys (passed as arrays) to online_values; writes are one INSERT … ON CONFLICT DO UPDATE …
// WHERE stored.event_time < new.event_time, which PostgreSQL applies atomically per row, with the lag counts
// added by a data-modifying CTE of the same statement.
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../db/client.js';
import { isUnreachable } from '../db/unreachable.js';
import { inSlices } from '../core/event-loop.js';
import {
  LAG_RETENTION_MS,
  READ_COUNT_RETENTION_MS,
  storeUnavailable,
  type LagCounts,
  type OnlineStore,
  type ReadCount,
  type StoredValue,
  type ValueWrite,
} from './store.js';
import { valueKeyId, type ValueKey } from './keys.js';

export class PostgresOnlineStore implements OnlineStore {
  readonly name: string;
  private trips = 0;
  private lastPrune = 0;

  /**
   * Keys per read statement. PGlite runs in this process and holds the event loop for a whole statement, so
   * large reads go in slices; a PostgreSQL server reads them in one round trip.
   */
  private readonly keysPerRead: number;

  constructor(private readonly database: Database) {
    this.name = database.kind === 'pglite' ? 'postgres (embedded PGlite)' : 'postgres';
    this.keysPerRead = database.kind === 'pglite' ? PGLITE_KEYS_PER_READ : Infinity;
  }

  get roundTrips(): number {
    return this.trips;
  }

  async write(writes: readonly ValueWrite[], lag: readonly LagCounts[]): Promise<boolean[]> {
    if (writes.length === 0 && lag.length === 0) return [];
    // Rows in one order for every writer, so two concurrent batches lock shared keys in the same order and
    // cannot deadlock.
    const order = writes.map((_, i) => i).sort((a, b) => compareKeys(writes[a]!, writes[b]!));
    const sorted = order.map((i) => writes[i]!);
    const lagRows = lag.flatMap((l) => [...l.bins].map(([bin, count]) => ({ ref: l.ref, bucketStart: l.bucketStart, bin, count })));
    // Old lag buckets go at most once a minute, in the same statement as whichever write comes then.
    const now = Date.now();
    const prune = now - this.lastPrune >= 60_000;
    if (prune) this.lastPrune = now;
    const applied = await this.run(() =>
      queryRows<{ entity: string; entity_key: string; ref: string }>(
        this.database.db,
        sql`with lag as (
          insert into event_lag_counts (ref, bucket_start, bin, count)
          select * from unnest(${textArray(lagRows.map((r) => r.ref))}, ${bigintArray(lagRows.map((r) => r.bucketStart))},
                               ${intArray(lagRows.map((r) => r.bin))}, ${bigintArray(lagRows.map((r) => r.count))})
          on conflict (ref, bucket_start, bin) do update set count = event_lag_counts.count + excluded.count
        )${prune ? sql`, pruned as (delete from event_lag_counts where bucket_start < ${now - LAG_RETENTION_MS})` : sql``}
        insert into online_values (entity, entity_key, ref, value, event_time, ingest_time)
        select * from unnest(${textArray(sorted.map((w) => w.entity))}, ${textArray(sorted.map((w) => w.entityKey))},
                             ${textArray(sorted.map((w) => w.ref))}, ${textArray(sorted.map((w) => w.value))},
                             ${bigintArray(sorted.map((w) => w.eventTime))}, ${bigintArray(sorted.map((w) => w.ingestTime))})
        on conflict (entity, entity_key, ref) do update
          set value = excluded.value, event_time = excluded.event_time, ingest_time = excluded.ingest_time
          where online_values.event_time < excluded.event_time
        returning entity, entity_key, ref`,
      ),
    );
    const appliedKeys = new Set(applied.map((r) => valueKeyId({ entity: r.entity, entityKey: r.entity_key, ref: r.ref })));
    return writes.map((w) => appliedKeys.has(valueKeyId(w)));
  }

  async read(keys: readonly ValueKey[]): Promise<(StoredValue | null)[]> {
    return inSlices(keys, this.keysPerRead, (slice) => this.readSlice(slice));
  }

  private async readSlice(keys: readonly ValueKey[]): Promise<(StoredValue | null)[]> {
    if (keys.length === 0) return [];
    // Each row says which requested key it answers (its ordinality), so replies go back in order without a
    // key string built per row and per key.
    const rows = await this.run(() =>
      queryRows<{ at: string | number; value: string; event_time: string | number; ingest_time: string | number }>(
        this.database.db,
        sql`select k.at, v.value, v.event_time, v.ingest_time
            from unnest(${textArray(keys.map((k) => k.entity))}, ${textArray(keys.map((k) => k.entityKey))}, ${textArray(keys.map((k) => k.ref))})
              with ordinality as k(entity, entity_key, ref, at)
            join online_values v on v.entity = k.entity and v.entity_key = k.entity_key and v.ref = k.ref`,
      ),
    );
    const values = new Array<StoredValue | null>(keys.length).fill(null);
    for (const r of rows) {
      values[Number(r.at) - 1] = { value: r.value, eventTime: Number(r.event_time), ingestTime: Number(r.ingest_time) };
    }
    return values;
  }

  async lagCounts(ref: string, bucketStarts: readonly number[]): Promise<Map<number, number>> {
    const rows = await this.run(() =>
      queryRows<{ bin: number; count: string | number }>(
        this.database.db,
        sql`select bin, sum(count)::bigint as count from event_lag_counts
            where ref = ${ref} and bucket_start = any(${bigintArray([...bucketStarts])}) group by bin`,
      ),
    );
    return new Map(rows.map((r) => [r.bin, Number(r.count)]));
  }

  /** A query either answers or fails fast on its own; no connection to wait for. */
  async addReadCounts(bucketStart: number, top: readonly ReadCount[], total: number): Promise<void> {
    // A key too long for a btree index entry would fail the whole statement and lose every key's counts. No
    // entity key is that long (MAX_ENTITY_KEY_BYTES is at most 2 KiB), so such a key is left out, not counted.
    const rows = [...top.filter((r) => Buffer.byteLength(r.key, 'utf8') <= MAX_INDEXED_KEY_BYTES), { key: TOTAL, count: total }];
    await this.run(() =>
      this.database.db.execute(sql`with pruned as (delete from read_counts where bucket_start < ${bucketStart - READ_COUNT_RETENTION_MS})
        insert into read_counts (bucket_start, key, count)
        select ${bucketStart}::bigint, * from unnest(${textArray(rows.map((r) => r.key))}, ${bigintArray(rows.map((r) => r.count))})
        on conflict (bucket_start, key) do update set count = read_counts.count + excluded.count`),
    );
  }

  async readCounts(bucketStarts: readonly number[], limit: number): Promise<{ top: ReadCount[]; total: number }> {
    // The total (key '') sorts first, then the heaviest keys.
    const rows = await this.run(() =>
      queryRows<{ key: string; count: string | number }>(
        this.database.db,
        sql`select key, sum(count)::bigint as count from read_counts where bucket_start = any(${bigintArray([...bucketStarts])})
            group by key order by key = ${TOTAL} desc, sum(count) desc limit ${limit + 1}`,
      ),
    );
    const total = rows[0]?.key === TOTAL ? Number(rows.shift()!.count) : 0;
    return { top: rows.slice(0, limit).map((r) => ({ key: r.key, count: Number(r.count) })), total };
  }

  async publishChanges(keys: readonly string[]): Promise<void> {
    // NOTIFY payloads are limited to 8,000 bytes: send the keys in chunks.
    for (let start = 0; start < keys.length; ) {
      let end = start + 1;
      while (end < keys.length && JSON.stringify(keys.slice(start, end + 1)).length < 7_000) end++;
      const payload = JSON.stringify(keys.slice(start, end));
      await this.run(() => this.database.db.execute(sql`select pg_notify(${CHANGES_CHANNEL}, ${payload})`));
      start = end;
    }
  }

  onChanges(listener: (keys: string[]) => void): Promise<() => Promise<void>> {
    // An empty payload means the listener reconnected and may have missed changes: nothing to name, and the
    // cache's time bound covers it.
    return this.database.listen(CHANGES_CHANNEL, (payload) => payload && listener(JSON.parse(payload) as string[]));
  }

  /** Shard replication is a Redis Cluster matter: one PostgreSQL has no shards to spread over. */
  async replicate(): Promise<void> {}

  readonly replicated: ReadonlySet<string> = new Set();
  readonly commandsPerNode = new Map<string, number>();

  async ready(_timeoutMs?: number): Promise<void> {
    await this.run(() => queryRows(this.database.db, sql`select 1`));
  }

  /** The database belongs to the service, which closes it. */
  async close(): Promise<void> {}

  private async run<T>(statement: () => Promise<T>): Promise<T> {
    this.trips++;
    this.commandsPerNode.set('postgres', this.trips);
    try {
      return await statement();
    } catch (error) {
      if (isUnreachable(error)) throw storeUnavailable(this.name, error);
      throw error;
    }
  }
}

const PGLITE_KEYS_PER_READ = 5_000;
const TOTAL = '';
/** Longest text a PostgreSQL btree index entry holds with room to spare (its limit is about 2,700 bytes). */
const MAX_INDEXED_KEY_BYTES = 2_400;
const CHANGES_CHANNEL = 'online_changed';

function compareKeys(a: ValueKey, b: ValueKey): number {
  return a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.entityKey < b.entityKey ? -1 : a.entityKey > b.entityKey ? 1 : a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0;
}

// Arrays travel as one parameter each, cast so that PostgreSQL and PGlite agree on their type.
const textArray = (values: string[]) => sql`${sql.param(values)}::text[]`;
const bigintArray = (values: number[]) => sql`${sql.param(values)}::bigint[]`;
const intArray = (values: number[]) => sql`${sql.param(values)}::int[]`;

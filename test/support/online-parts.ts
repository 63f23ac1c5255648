// The online read and write paths as parts, for tests that call them directly: a service instance (its
// registry, registry cache and online store, on a real store) and, over the same store, an OnlineReader and a
// ValueWriter wired to real hot keys, a real hot-entity cache, real verdicts and real value distributions,
// all on one clock the test moves.
import { randomBytes } from 'node:crypto';
import type { Service } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { HotEntityCache } from '../../src/hotkeys/cache.js';
import { HotKeys } from '../../src/hotkeys/hot-keys.js';
import { ValueDistributions } from '../../src/monitoring/distributions.js';
import { MonitoredVerdicts } from '../../src/monitoring/verdicts.js';
import { EventLag } from '../../src/online/event-lag.js';
import { OnlineReader } from '../../src/online/reader.js';
import { ValueWriter } from '../../src/online/writer.js';
import { ANONYMOUS } from '../../src/core/principal.js';
import { backends } from './backends.js';
import { gqlOk, startTestService } from './service.js';

/** The stores the direct tests run on: embedded PGlite (freshPglite) and the test Redis server. */
export const directBackends = backends.filter((b) => b.name === 'embedded PGlite' || b.name === 'Redis');

export const LIMITS = { maxValuesPerRequest: 1_000, maxEntityKeyBytes: 256, maxWriteBatch: 100, maxFutureSkewMs: 60_000 };
export const LAG_WINDOW_MS = 5 * 60_000;
export const CACHE_BOUND_MS = 1_000;

export interface OnlineParts {
  database: Database;
  service: Service;
  /** Names unique to this suite (the Redis server is shared by every test file). */
  suffix: string;
  entity: string;
  producer: string;
  /** The clock of the reader, writer, event lag and verdicts: epoch milliseconds, moved by the test. */
  clock: { now: number };
  reader: OnlineReader;
  writer: ValueWriter;
  hotKeys: HotKeys;
  cache: HotEntityCache;
  eventLag: EventLag;
  distributions: ValueDistributions;
  /** Runs GraphQL that must succeed against the service. */
  ok(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>>;
  /** Registers a feature (its first version ACTIVE, a later one DRAFT) and binds the producer to it. */
  feature(name: string, valueType: string, extra?: Record<string, unknown>): Promise<string>;
  /** Registers a consumer pinned to `refs`. */
  consumer(name: string, refs: string[]): Promise<string>;
  /** Writes rows as the producer, through the ValueWriter under test. */
  write(rows: { ref: string; entityKey: string; value?: unknown; eventTime: number }[]): ReturnType<ValueWriter['write']>;
  close(): Promise<void>;
}

export async function openOnlineParts(backend: (typeof backends)[number]): Promise<OnlineParts> {
  const { database, env } = await backend.open();
  const service = await startTestService(database, env);
  const suffix = randomBytes(4).toString('hex');
  const entity = `user_${suffix}`;
  const producer = `job_${suffix}`;
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const { store } = service;
  const { registryCache } = service.services;
  // The settings' defaults, except that any key read at all is hot here: the test decides which keys are read.
  const defaults = loadConfig({});
  const hotKeys = new HotKeys(store, { ...defaults.hotKeys, shareThreshold: 0, minReadsPerSecond: 0 });
  const cache = new HotEntityCache(1_000, CACHE_BOUND_MS);
  const eventLag = new EventLag(store, LAG_WINDOW_MS, now);
  const distributions = new ValueDistributions(database.db, 60_000, defaults.monitoring.driftThreshold, defaults.monitoring.flushMs);
  const reader = new OnlineReader(store, registryCache, { hotSet: hotKeys, cache, verdicts: new MonitoredVerdicts(eventLag, distributions, now) }, LIMITS, now);
  const writer = new ValueWriter(store, registryCache, { hotSet: hotKeys, values: distributions }, LIMITS, now);
  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(service, query, variables);
  await ok(`mutation {
    registerEntity(name: "${entity}", keyName: "user_id") { name }
    registerProducer(name: "${producer}", owner: "growth") { name }
  }`);
  return {
    database,
    service,
    suffix,
    entity,
    producer,
    clock,
    reader,
    writer,
    hotKeys,
    cache,
    eventLag,
    distributions,
    ok,
    async feature(name, valueType, extra = {}) {
      const data = await ok(`mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref } } }`, {
        input: { feature: `${name}_${suffix}`, entity, owner: 'growth', valueType, maxAge: '1h', ...extra },
      });
      const ref = data.registerFeatureVersion.version.ref as string;
      await ok(`mutation ($refs: [String!]!) { bindProducer(producer: "${producer}", refs: $refs) { name } }`, { refs: [ref] });
      return ref;
    },
    async consumer(name, refs) {
      await ok(`mutation { registerConsumer(name: "${name}_${suffix}", owner: "search") { name } }`);
      await ok(`mutation ($refs: [String!]!) { bindConsumer(consumer: "${name}_${suffix}", refs: $refs) { name } }`, { refs });
      return `${name}_${suffix}`;
    },
    write: (rows) => writer.write(ANONYMOUS, producer, rows.map((r) => ({ ...r, eventTime: new Date(r.eventTime) }))),
    async close() {
      await hotKeys.stop();
      await service.close();
      await database.close();
    },
  };
}

// Prometheus metrics on /metrics (prom-client). Figures are read from the domain objects when Prometheus scrapes,
// so the read and write paths pay nothing for them. Labels are bounded: store shards and served-from sources,
// never an entity key.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { HotEntityCache } from '../hotkeys/cache.js';
import type { HotKeys } from '../hotkeys/hot-keys.js';
import type { OnlineReader } from '../online/reader.js';
import type { OnlineStore } from '../online/store.js';

export interface MetricSources {
  store: OnlineStore;
  hotKeys: HotKeys;
  cache: HotEntityCache;
  reader: OnlineReader;
}

/**
 * A counter that mirrors a running total kept elsewhere: on each scrape it adds what the total grew by, so
 * Prometheus sees a proper counter.
 */
function mirroredCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => Iterable<[Record<string, string>, number]>) {
  const seen = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const delta = total - (seen.get(key) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        seen.set(key, total);
      }
    },
  });
}

export function createMetrics({ store, hotKeys, cache, reader }: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'feature_registry_hot_keys',
    help: 'Entity keys that are hot now (share of reads above HOT_KEY_SHARE, cluster-wide)',
    registers: [registry],
    collect() {
      this.set(hotKeys.hotKeys.size);
    },
  });
  new Gauge({
    name: 'feature_registry_replicated_keys',
    help: 'Hot entity keys with replica copies on other Redis Cluster shards',
    registers: [registry],
    collect() {
      this.set(store.replicated.size);
    },
  });
  new Gauge({
    name: 'feature_registry_hot_cache_entries',
    help: 'Values held by the hot-entity cache of this instance',
    registers: [registry],
    collect() {
      this.set(cache.size);
    },
  });
  mirroredCounter(registry, 'feature_registry_hot_cache_hits_total', 'Reads of hot keys answered from the hot-entity cache', [], () => [[{}, cache.hits]]);
  mirroredCounter(registry, 'feature_registry_hot_cache_misses_total', 'Reads of hot keys the hot-entity cache could not answer', [], () => [[{}, cache.misses]]);
  mirroredCounter(registry, 'feature_registry_values_served_total', 'Online values served, by where they came from (STORE, CACHE, REPLICA)', ['served_from'], () =>
    Object.entries(reader.served).map(([servedFrom, n]) => [{ served_from: servedFrom }, n]),
  );
  mirroredCounter(registry, 'feature_registry_store_commands_total', 'Commands (Redis) or statements (PostgreSQL) sent to each online-store shard', ['shard'], () =>
    [...store.commandsPerNode].map(([shard, n]) => [{ shard }, n]),
  );
  return registry;
}

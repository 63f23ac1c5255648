// Prometheus metrics on /metrics (prom-client). Figures are read from the domain objects when Prometheus scrapes,
// so the read and write paths pay nothing for them. Labels are bounded: store shards and served-from sources,
// never an entity key.
// prom-client's Registry is called MetricsRegistry here: `Registry` is the domain's feature registry.
import { Counter, Gauge, Histogram, Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';
import type { OnlineObserver } from '../online/observer.js';
import type { Alerts } from './alerts.js';
import type { HotEntityCache } from '../hotkeys/cache.js';
import type { HotKeys } from '../hotkeys/hot-keys.js';
import type { OnlineReader } from '../online/reader.js';
import type { OnlineStore } from '../online/store.js';

export interface MetricSources {
  store: OnlineStore;
  hotKeys: HotKeys;
  cache: HotEntityCache;
  reader: OnlineReader;
  alerts: Alerts;
}

/**
 * The metrics the online paths report as they work (read flags, event lag, write outcomes, store latency),
 * created before the paths so that they can be handed the observer. Labels: version refs, flags, operations.
 */
export function createObserverMetrics(registry: MetricsRegistry): OnlineObserver {
  const flags = new Counter({ name: 'feature_registry_read_flags_total', help: 'Flags set on online values served, by version and flag', labelNames: ['ref', 'flag'], registers: [registry] });
  const lag = new Histogram({
    name: 'feature_registry_event_lag_seconds',
    help: 'Event lag (ingest time - event time) of written rows, by version',
    labelNames: ['ref'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400, 86400],
    registers: [registry],
  });
  const writes = new Counter({ name: 'feature_registry_rows_written_total', help: 'Rows of writeFeatureValues by outcome (accepted, superseded, rejected)', labelNames: ['outcome'], registers: [registry] });
  const store = new Histogram({
    name: 'feature_registry_store_seconds',
    help: 'Online-store calls of the read and write paths, by operation',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  return {
    lag: (ref, ms) => lag.observe({ ref }, ms / 1000),
    written(accepted, superseded, rejected) {
      writes.inc({ outcome: 'accepted' }, accepted);
      writes.inc({ outcome: 'superseded' }, superseded);
      writes.inc({ outcome: 'rejected' }, rejected);
    },
    flagged: (ref, flag, count) => flags.inc({ ref, flag }, count),
    storeCall: (operation, seconds) => store.observe({ operation }, seconds),
  };
}

/**
 * A counter that mirrors a running total kept elsewhere: on each scrape it adds what the total grew by, so
 * Prometheus sees a proper counter.
 */
function mirroredCounter(registry: MetricsRegistry, name: string, help: string, labelNames: string[], read: () => Iterable<[Record<string, string>, number]>) {
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

export function createMetrics(): MetricsRegistry {
  const registry = new MetricsRegistry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The figures read from the domain when Prometheus scrapes. */
export function registerSourceMetrics(registry: MetricsRegistry, { store, hotKeys, cache, reader, alerts }: MetricSources): void {
  /** A gauge set from the domain at each scrape: one value, or one per version ref. */
  const gauge = (name: string, help: string, read: () => number | Iterable<[string, number]>) =>
    new Gauge({
      name,
      help,
      labelNames: ['ref'],
      registers: [registry],
      collect() {
        this.reset();
        const value = read();
        if (typeof value === 'number') this.set(value);
        else for (const [ref, v] of value) this.set({ ref }, v);
      },
    });
  gauge(
    'feature_registry_binding_mismatches',
    'Consumer bindings to a version no producer writes (while another is produced), or to a deprecated or retired one',
    () => alerts.last.mismatches,
  );
  gauge('feature_registry_drift_psi', "PSI of each version's latest value-distribution bucket against its first day", () => alerts.last.drift);
  gauge('feature_registry_event_lag_exceeds_window', "1 where a version's p95 event lag over LAG_WINDOW exceeds its window (or maxAge)", () =>
    [...alerts.last.lagging].map(([ref, lagging]) => [ref, lagging ? 1 : 0] as [string, number]),
  );
  gauge('feature_registry_hot_keys', 'Entity keys that are hot now (share of reads above HOT_KEY_SHARE, cluster-wide)', () => hotKeys.hotKeys.size);
  gauge('feature_registry_replicated_keys', 'Hot entity keys with replica copies on other Redis Cluster shards', () => store.replicated.size);
  gauge('feature_registry_hot_cache_entries', 'Values held by the hot-entity cache of this instance', () => cache.size);
  mirroredCounter(registry, 'feature_registry_hot_cache_hits_total', 'Reads of hot keys answered from the hot-entity cache', [], () => [[{}, cache.hits]]);
  mirroredCounter(registry, 'feature_registry_hot_cache_misses_total', 'Reads of hot keys the hot-entity cache could not answer', [], () => [[{}, cache.misses]]);
  mirroredCounter(registry, 'feature_registry_values_served_total', 'Online values served, by where they came from (STORE, CACHE, REPLICA)', ['served_from'], () =>
    Object.entries(reader.served).map(([servedFrom, n]) => [{ served_from: servedFrom }, n]),
  );
  mirroredCounter(registry, 'feature_registry_store_commands_total', 'Commands (Redis) or statements (PostgreSQL) sent to each online-store shard', ['shard'], () =>
    [...store.commandsPerNode].map(([shard, n]) => [{ shard }, n]),
  );
}

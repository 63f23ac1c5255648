// Failures of the backing stores (the registry database and the online store), made visible: each one is
// counted in feature_registry_store_errors_total{store,operation}, and logged without flooding the log while a
// store is down: the first error of a spell in full, then one summary line per interval with the count by
// operation, until an interval passes without error (the next error then starts a new spell).
import type { Logger } from 'pino';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';

/** The `store` label: which backing store failed. */
export type StoreKind = 'database' | 'online';

/** Reports one failed call of a store; `operation` is the call (read, write, ping...). */
export type StoreErrorReport = (operation: string, error: unknown) => void;

interface Spell {
  counts: Map<string, number>;
  lastError: unknown;
  timer: NodeJS.Timeout;
}

export class StoreErrors {
  private readonly errors: Counter<'store' | 'operation'>;
  private readonly spells = new Map<StoreKind, Spell>();

  constructor(
    private readonly logger: Logger,
    registry: MetricsRegistry,
    private readonly summaryMs: number,
  ) {
    this.errors = new Counter({
      name: 'feature_registry_store_errors_total',
      help: 'Failed calls to the backing stores, by store (database, online) and operation',
      labelNames: ['store', 'operation'],
      registers: [registry],
    });
  }

  /** The report function of one store; `name` says which one in the log (e.g. `redis 10.0.0.1:6379`). */
  reporter(store: StoreKind, name: string): StoreErrorReport {
    return (operation, error) => this.report(store, name, operation, error);
  }

  private report(store: StoreKind, name: string, operation: string, error: unknown): void {
    this.errors.inc({ store, operation });
    const spell = this.spells.get(store);
    if (spell) {
      spell.counts.set(operation, (spell.counts.get(operation) ?? 0) + 1);
      spell.lastError = error;
      return;
    }
    this.logger.error({ err: error, store: name, operation }, `${store} store ${name}: ${operation} failed`);
    const timer = setInterval(() => this.summarize(store, name), this.summaryMs);
    timer.unref();
    this.spells.set(store, { counts: new Map(), lastError: error, timer });
  }

  private summarize(store: StoreKind, name: string): void {
    const spell = this.spells.get(store)!;
    const total = [...spell.counts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) {
      clearInterval(spell.timer);
      this.spells.delete(store);
      return;
    }
    this.logger.error(
      { store: name, errors: total, byOperation: Object.fromEntries(spell.counts), lastError: (spell.lastError as Error)?.message ?? String(spell.lastError) },
      `${store} store ${name}: ${total} more failed calls in the last ${this.summaryMs / 1000} s`,
    );
    spell.counts = new Map();
  }

  /** Stops the summary timers (a spell in progress is not summarized). */
  close(): void {
    for (const spell of this.spells.values()) clearInterval(spell.timer);
    this.spells.clear();
  }
}

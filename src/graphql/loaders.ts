// Per-request loaders: DataLoaders over the registry, so a query that walks features → versions → producers
// costs one query per level instead of one per object; and a value batch over the online store, so that every
// value a request reads, in every alias, goes into one batch (one round trip per store node). Each is built on
// first use.
import DataLoader from 'dataloader';
import type { LoadedValue, ReadKey, ValueBatch } from '../online/ports.js';
import type { OnlineReader } from '../online/reader.js';
import type { Registry } from '../registry/registry.js';

type Keyed<T> = (keys: readonly string[]) => Promise<T[]>;

/** One loader that finds each key's single item by `keyOf`, or null. */
function byKey<T>(load: Keyed<T>, keyOf: (item: T) => string): DataLoader<string, T | null> {
  return new DataLoader(async (keys) => {
    const found = new Map((await load(keys)).map((item) => [keyOf(item), item]));
    return keys.map((key) => found.get(key) ?? null);
  });
}

/** One loader that groups each key's items by `keyOf`. */
function groupedBy<T>(load: Keyed<T>, keyOf: (item: T) => string): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
    for (const item of await load(keys)) groups.get(keyOf(item))?.push(item);
    return keys.map((key) => groups.get(key)!);
  });
}

/** One loader over a lookup that already answers with a map. */
function fromMap<T>(load: (keys: readonly string[]) => Promise<Map<string, T[]>>): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const found = await load(keys);
    return keys.map((key) => found.get(key) ?? []);
  });
}

export function createRegistryLoaders(registry: Registry) {
  return {
    entity: byKey((names) => registry.entities(names), (e) => e.name),
    feature: byKey((names) => registry.features(names), (f) => f.name),
    featuresOfEntity: groupedBy((names) => registry.featuresOfEntities(names), (f) => f.entity),
    versionsOfFeature: groupedBy((names) => registry.versionsOfFeatures(names), (v) => v.feature),
    producer: byKey((names) => registry.parties('producer', names), (p) => p.name),
    consumer: byKey((names) => registry.parties('consumer', names), (c) => c.name),
    producersOfVersion: fromMap((refs) => registry.partiesOfVersions('producer', refs)),
    consumersOfVersion: fromMap((refs) => registry.partiesOfVersions('consumer', refs)),
    versionsOfProducer: fromMap((names) => registry.versionsOfParties('producer', names)),
    bindingsOfProducer: fromMap((names) => registry.producerBindings(names)),
    versionsOfConsumer: fromMap((names) => registry.versionsOfParties('consumer', names)),
  };
}

export type RegistryLoaders = ReturnType<typeof createRegistryLoaders>;

/** Keys one store read takes at most; the per-request value limit keeps a request's batches far below it. */
const MAX_BATCH_KEYS = 100_000;

/** Keys asked for in one turn, read together. */
interface PendingBatch {
  keys: number;
  asks: { keys: readonly ReadKey[]; resolve: (values: (LoadedValue | Error)[]) => void }[];
}

/**
 * One request's value batch over the reader: every loadMany of one turn (each alias, each read of the
 * request) goes into one loadValues call, scheduled as DataLoader schedules its batches (after the promise
 * jobs of the turn), so a request still reads all its values in one round trip per store node. Unlike a
 * DataLoader it keeps no promise, cache entry or key string per value: a read asks for a thousand values at
 * a time, and the stores already read a key asked for twice once (one HMGET field, one SQL row per key).
 */
export class ValueLoader implements ValueBatch {
  values = 0;
  private pending?: PendingBatch;

  constructor(private readonly load: (keys: readonly ReadKey[]) => Promise<LoadedValue[]>) {}

  loadMany(keys: readonly ReadKey[]): Promise<(LoadedValue | Error)[]> {
    return new Promise((resolve) => {
      let batch = this.pending;
      if (!batch || batch.keys + keys.length > MAX_BATCH_KEYS) {
        const next: PendingBatch = (batch = this.pending = { keys: 0, asks: [] });
        void Promise.resolve().then(() => process.nextTick(() => this.dispatch(next)));
      }
      batch.keys += keys.length;
      batch.asks.push({ keys, resolve });
    });
  }

  /** Reads a batch's keys in one call and hands each ask its values (or, if the read failed, its error for each). */
  private dispatch(batch: PendingBatch): void {
    if (this.pending === batch) this.pending = undefined;
    const { asks } = batch;
    const keys = asks.length === 1 ? asks[0]!.keys : asks.flatMap((ask) => ask.keys);
    this.load(keys).then(
      (values) => {
        let at = 0;
        for (const ask of asks) ask.resolve(asks.length === 1 ? values : values.slice(at, (at += ask.keys.length)));
      },
      (error: unknown) => {
        const failed = error instanceof Error ? error : new Error(String(error));
        for (const ask of asks) ask.resolve(ask.keys.map(() => failed));
      },
    );
  }
}

/** A request's value batch over `reader`. */
export function createValueLoader(reader: Pick<OnlineReader, 'loadValues'>): ValueLoader {
  return new ValueLoader((keys) => reader.loadValues(keys));
}

/** The loaders of one request, as resolvers find them in their context. */
export interface RequestLoaders {
  loaders: RegistryLoaders;
  /** Batches every online value the request needs into one store round trip per node. */
  values: ValueLoader;
}

interface LoaderSources {
  registry: Registry;
  reader: OnlineReader;
}

/**
 * Getters that build a request's loaders on first use and keep them on the context. They sit on the
 * context's prototype, not on the context: Apollo copies a context's own properties into a clone for each
 * operation (Object.assign, which calls getters), and would so build every loader for every request.
 */
const LAZY_LOADERS = {
  get loaders(): RegistryLoaders {
    const context = this as unknown as LoaderSources & { registryLoaders?: RegistryLoaders };
    return (context.registryLoaders ??= createRegistryLoaders(context.registry));
  },
  get values(): ValueLoader {
    const context = this as unknown as LoaderSources & { valueLoader?: ValueLoader };
    return (context.valueLoader ??= createValueLoader(context.reader));
  },
};

/**
 * `context` with its request's loaders, each built on first use: an online read, the busiest request, never
 * needs the registry loaders, and a registry query never needs the value loader.
 */
export function withLoaders<T extends LoaderSources>(context: T): T & RequestLoaders {
  return Object.assign(Object.create(LAZY_LOADERS) as RequestLoaders, context);
}

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

/**
 * One request's value batch over the reader, a DataLoader whose keys are whole asks (the keys of one read
 * field, a thousand values at a time), not single values: every ask of one turn (each alias, each read of the
 * request) goes into one loadValues call, so a request still reads all its values in one round trip per store
 * node, while no promise, cache entry or key string is made per value. Nothing is cached (an ask is a fresh
 * array each time), and the stores already read a key asked for twice once (one hash field, one SQL row).
 */
export class ValueLoader implements ValueBatch {
  values = 0;
  private readonly asks: DataLoader<readonly ReadKey[], (LoadedValue | Error)[]>;

  constructor(load: (keys: readonly ReadKey[]) => Promise<LoadedValue[]>) {
    this.asks = new DataLoader(
      async (asks) => {
        const values = await load(asks.length === 1 ? asks[0]! : asks.flat());
        if (asks.length === 1) return [values];
        let at = 0;
        return asks.map((ask) => values.slice(at, (at += ask.length)));
      },
      { cache: false },
    );
  }

  /** The values of `keys`, in order; if the read failed, its error in place of each. */
  loadMany(keys: readonly ReadKey[]): Promise<(LoadedValue | Error)[]> {
    return this.asks.load(keys).catch((error: unknown) => {
      const failed = error instanceof Error ? error : new Error(String(error));
      return keys.map(() => failed);
    });
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

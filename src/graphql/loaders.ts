// Per-request DataLoaders over the registry, so a query that walks features → versions → producers costs
// one query per level instead of one per object.
import DataLoader from 'dataloader';
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

// The registry's state as a manifest (DESIGN section 7, `export`), so that an existing registry can move into
// git: what planning that manifest against the same registry would find nothing to change in.
import { liveVersion, type FeatureVersion } from './model.js';
import type { RegistryQueries } from './queries.js';

/**
 * Every entity; every feature with a version not RETIRED, as its live version (a newer DRAFT a producer writes
 * instead: a rollout under way), else its latest; producers with the features they write, consumers with those
 * they read.
 */
export async function exportManifest(registry: RegistryQueries): Promise<Record<string, unknown>> {
  const [entities, features, producers, consumers] = await Promise.all([
    registry.entities(),
    registry.features(),
    registry.parties('producer'),
    registry.parties('consumer'),
  ]);
  const [versions, producerVersions, consumerVersions] = await Promise.all([
    registry.versionsOfFeatures(features.map((f) => f.name)),
    registry.versionsOfParties('producer', producers.map((p) => p.name)),
    registry.versionsOfParties('consumer', consumers.map((c) => c.name)),
  ]);
  const produced = new Set([...producerVersions.values()].flat().map((v) => v.ref));
  const exported = new Map<string, FeatureVersion>();
  for (const feature of features) {
    const version = exportedVersion(versions.filter((v) => v.feature === feature.name), produced);
    if (version) exported.set(feature.name, version);
  }
  const featuresOf = (bound: FeatureVersion[] | undefined) => [
    ...new Set((bound ?? []).filter((v) => v.status !== 'RETIRED' && exported.has(v.feature)).map((v) => v.feature)),
  ];
  return {
    entities: entities.map((e) => ({ name: e.name, keyName: e.keyName, ...present({ description: e.description, owner: e.owner }) })),
    features: features
      .filter((f) => exported.has(f.name))
      .map((f) => {
        const v = exported.get(f.name)!;
        return {
          name: f.name,
          entity: f.entity,
          owner: f.owner,
          valueType: v.valueType,
          ...present({ window: v.window }),
          maxAge: v.maxAge,
          ...present({ aggregation: v.aggregation, description: v.description, nullable: v.nullable || null }),
        };
      }),
    producers: producers.map((p) => ({ name: p.name, owner: p.owner, ...present({ description: p.description }), writes: featuresOf(producerVersions.get(p.name)) })),
    consumers: consumers.map((c) => ({ name: c.name, owner: c.owner, ...present({ description: c.description }), reads: featuresOf(consumerVersions.get(c.name)) })),
  };
}

/** A feature's version in an export: see exportManifest. */
function exportedVersion(versions: FeatureVersion[], produced: Set<string>): FeatureVersion | undefined {
  const candidates = versions.filter((v) => v.status !== 'RETIRED');
  const live = liveVersion(candidates);
  const rollout = candidates.filter((v) => v.status === 'DRAFT' && v.version > (live?.version ?? 0) && produced.has(v.ref)).at(-1);
  return rollout ?? live ?? candidates.at(-1);
}

/** The fields whose value is not null. */
function present(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined));
}

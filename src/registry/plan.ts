// Definitions as code (DESIGN section 7): what applying a manifest would change in the registry (the plan),
// carrying it out (all or nothing, and only if it is still the plan the caller reviewed), and the registry's
// state as a manifest (export, in manifest-export.ts). The plan is computed here and only here, so the canonical form of a definition
// and the rules of what a manifest means live in one place; the command-line tool only shows what this says.
//
// What a manifest means:
// - a feature entry resolves to the existing version with the same canonical definition (any status but
//   RETIRED), or becomes a new version (the feature's first ACTIVE, later ones DRAFT): "the manifest's version";
// - a consumer is pinned to the manifest's version once it is not a DRAFT; while it is, the consumer stays;
// - a producer is bound to the manifest's version of what it `writes` and unbound from the rest, except that
//   while that version is a DRAFT a binding to the live version is kept (shadow writes); bindings to RETIRED
//   versions are history and left alone;
// - `writes` / `reads` may name a feature the manifest does not define: it stands for its live version;
// - what the manifest does not name is left alone, and nothing is ever deleted.
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { requireAnyTeamRole, type Principal } from '../core/principal.js';
import { CodedError, conflict, notFound } from '../core/errors.js';
import { compareDefinitions } from './compatibility.js';
import { sortKeysDeep } from './definition.js';
import { entryError, forEntry, parseManifest, type EntityEntry, type EntryRef, type FeatureEntry, type Manifest, type PartyEntry } from './manifest.js';
import { formatRef, liveVersion, type Entity, type Feature, type FeatureVersion, type Party, type VersionStatus } from './model.js';
import { exportManifest } from './manifest-export.js';
import type { DefinitionPlan, From, PlanAction } from './plan-actions.js';
import { planText } from './plan-text.js';
import type { Registry } from './registry.js';

export type { DefinitionPlan, From, PlanAction } from './plan-actions.js';

/** A planned action, the manifest entry it comes from (named when it is refused), and how to carry it out. */
interface Step {
  action: PlanAction;
  at: EntryRef;
  run: (registry: Registry, principal: Principal) => Promise<void>;
}

/** Where a feature of the manifest ends up: an existing version, or one to register. */
interface Resolved {
  ref: string;
  status: VersionStatus;
  /** The feature's live version, when it is another one. */
  live?: FeatureVersion;
}

// One key for every instance, so that applies against one database run one at a time.
const APPLY_LOCK = sql`select pg_advisory_xact_lock(hashtext('feature-registry:applyDefinitions'))`;

export class Definitions {
  constructor(private readonly registry: Registry) {}

  /** What applying `manifest` would change now. Any caller may plan: it changes nothing. */
  async plan(manifest: unknown): Promise<DefinitionPlan> {
    return planOf(await steps(this.registry, parseManifest(manifest)));
  }

  /**
   * Applies `manifest` in one transaction, one apply at a time: the plan is computed again inside it, refused
   * (CONFLICT) when it is not `expectedPlan`, and carried out action by action through the registry's own rules
   * (the caller needs what each equivalent mutation needs). Any refusal rolls back every action.
   */
  async apply(principal: Principal, manifest: unknown, expectedPlan?: string | null): Promise<DefinitionPlan> {
    requireAnyTeamRole(principal, 'owner', 'applying definitions');
    const parsed = parseManifest(manifest);
    return this.registry.atomically(async (registry, tx) => {
      await tx.execute(APPLY_LOCK);
      const planned = await steps(registry, parsed);
      const plan = planOf(planned);
      if (expectedPlan != null && expectedPlan !== plan.hash) {
        throw conflict(
          `the registry changed since the plan was made (reviewed ${expectedPlan.slice(0, 12)}, now ${plan.hash.slice(0, 12)}): nothing was applied; review the new plan and apply it`,
          { expectedPlan, plan: plan.hash },
        );
      }
      for (const step of planned.steps) {
        try {
          await step.run(registry, principal);
        } catch (error) {
          if (error instanceof CodedError && !('entry' in (error.details ?? {}))) throw entryError(step.at, error);
          throw error;
        }
      }
      return plan;
    });
  }

  /** The registry's current state as a manifest (manifest-export.ts says which version each feature exports as). */
  export(): Promise<Record<string, unknown>> {
    return exportManifest(this.registry);
  }
}

/** What a manifest asks of the registry now: steps in order (entities, versions, producers, consumers) and notes. */
interface Steps {
  steps: Step[];
  notes: string[];
}

/** The steps that bring the registry to what `manifest` says. */
async function steps(registry: Registry, manifest: Manifest): Promise<Steps> {
  const builder = new StepBuilder(manifest, await RegistryState.load(registry, manifest));
  const planned = [
    ...manifest.entities.flatMap((entry) => builder.entity(entry)),
    ...manifest.features.flatMap((entry) => builder.feature(entry)),
    ...manifest.producers.flatMap((entry) => builder.producer(entry)),
    ...manifest.consumers.flatMap((entry) => builder.consumer(entry)),
  ];
  return { steps: planned, notes: builder.notes };
}

/** What the registry holds now of everything a manifest names, read once. */
class RegistryState {
  private constructor(
    readonly entities: Map<string, Entity>,
    readonly features: Map<string, Feature>,
    private readonly versions: FeatureVersion[],
    readonly producers: Party[],
    readonly consumers: Party[],
    readonly producerVersions: Map<string, FeatureVersion[]>,
    readonly consumerVersions: Map<string, FeatureVersion[]>,
    /** Live version ref → the consumers pinned to it. */
    readonly pinnedToLive: Map<string, Party[]>,
  ) {}

  static async load(registry: Registry, manifest: Manifest): Promise<RegistryState> {
    const partyFeatures = [...manifest.producers, ...manifest.consumers].flatMap((p) => p.features);
    const featureNames = [...new Set([...manifest.features.map((f) => f.name), ...partyFeatures])];
    const entityNames = [...new Set([...manifest.entities.map((e) => e.name), ...manifest.features.map((f) => f.entity)])];
    const producerNames = manifest.producers.map((p) => p.name);
    const consumerNames = manifest.consumers.map((c) => c.name);
    // One query after another: inside applyDefinitions they share the transaction's one connection.
    const entities = await registry.entities(entityNames);
    const features = await registry.features(featureNames);
    const versions = await registry.versionsOfFeatures(featureNames);
    const producers = await registry.parties('producer', producerNames);
    const consumers = await registry.parties('consumer', consumerNames);
    const producerVersions = await registry.versionsOfParties('producer', producerNames);
    const consumerVersions = await registry.versionsOfParties('consumer', consumerNames);
    const lives = features.map((f) => liveVersion(versions.filter((v) => v.feature === f.name))).filter((v) => v !== undefined);
    return new RegistryState(
      new Map(entities.map((e) => [e.name, e])),
      new Map(features.map((f) => [f.name, f])),
      versions,
      producers,
      consumers,
      producerVersions,
      consumerVersions,
      await registry.partiesOfVersions('consumer', lives.map((v) => v.ref)),
    );
  }

  versionsOf(feature: string): FeatureVersion[] {
    return this.versions.filter((v) => v.feature === feature);
  }
}

/** Turns manifest entries into steps against one registry state; remembers where each feature resolved. */
class StepBuilder {
  readonly notes: string[] = [];
  private readonly resolved = new Map<string, Resolved>();

  constructor(
    private readonly manifest: Manifest,
    private readonly state: RegistryState,
  ) {}

  entity(entry: EntityEntry): Step[] {
    const existing = this.state.entities.get(entry.name);
    const input = { name: entry.name, keyName: entry.keyName, description: entry.description, owner: entry.owner };
    const run = async (r: Registry, principal: Principal) => void (await r.registerEntity(principal, input));
    if (!existing) {
      const owner = entry.owner ? { owner: entry.owner } : {};
      return [{ action: { action: 'registerEntity', entity: entry.name, keyName: entry.keyName, description: entry.description ?? null, ...owner }, at: entry.at, run }];
    }
    if (existing.keyName !== entry.keyName) {
      throw entryError(entry.at, conflict(`entity ${entry.name} is registered with key name ${existing.keyName}, not ${entry.keyName}: a key name never changes`));
    }
    const description = changed(existing.description, entry.description);
    const owner = changed(existing.owner, entry.owner);
    if (!description && !owner) return [];
    return [{ action: { action: 'describeEntity', entity: entry.name, ...(description ? { description } : {}), ...(owner ? { owner } : {}) }, at: entry.at, run }];
  }

  /** The existing version with the same definition, or a new one (the number it will get, compared with the live one). */
  feature(entry: FeatureEntry): Step[] {
    forEntry(entry.at, () => {
      const feature = this.state.features.get(entry.name);
      if (!this.state.entities.has(entry.entity) && !this.manifest.entities.some((e) => e.name === entry.entity)) {
        throw notFound(`entity ${entry.entity} is neither registered nor in the manifest's entities`);
      }
      if (feature && feature.entity !== entry.entity) throw conflict(`feature ${entry.name} describes entity ${feature.entity}, not ${entry.entity}: a feature describes one entity`);
      if (feature && feature.owner !== entry.owner) throw conflict(`feature ${entry.name} is owned by team ${feature.owner}, not ${entry.owner}: a feature keeps its owner`);
    });
    const existing = this.state.versionsOf(entry.name);
    const live = liveVersion(existing);
    const identical = existing.find((v) => v.definitionHash === entry.definitionHash);
    if (identical?.status === 'RETIRED') {
      throw entryError(entry.at, conflict(`this definition is ${identical.ref}, RETIRED since ${identical.sunsetAt?.toISOString()}: a retired definition cannot come back; change it (its description, say) to register a new version`));
    }
    if (identical) {
      this.resolved.set(entry.name, { ref: identical.ref, status: identical.status, live: live?.ref === identical.ref ? undefined : live });
      if (identical.status === 'DEPRECATED') this.notes.push(`${identical.ref} is DEPRECATED (sunset ${identical.sunsetAt?.toISOString()}): consumers pinned to it read flagged values`);
      return [];
    }
    const version = Math.max(0, ...existing.map((v) => v.version)) + 1;
    const ref = formatRef(entry.name, version);
    const status: VersionStatus = version === 1 ? 'ACTIVE' : 'DRAFT';
    this.resolved.set(entry.name, { ref, status, live });
    const comparison = live ? compareDefinitions(live, entry.definition) : null;
    const action: PlanAction = {
      action: 'registerVersion',
      ref,
      feature: entry.name,
      version,
      status,
      entity: entry.entity,
      owner: entry.owner,
      definitionHash: entry.definitionHash,
      definition: entry.definition,
      compatibility: comparison?.compatibility ?? null,
      reasons: comparison?.reasons ?? [],
      comparedWith: live?.ref ?? null,
      pinnedConsumers: live ? (this.state.pinnedToLive.get(live.ref) ?? []).map((c) => c.name) : [],
    };
    const input = { feature: entry.name, entity: entry.entity, owner: entry.owner, ...entry.definition };
    const run = async (r: Registry, principal: Principal) => {
      const registered = await r.registerFeatureVersion(principal, input);
      // Applies are serialised, but a registration through the API may still land in between.
      if (!registered.created || registered.version.ref !== ref) {
        throw conflict(`${entry.name} became ${registered.version.ref} instead of ${ref}: the registry changed during the apply; plan again`);
      }
    };
    return [{ action, at: entry.at, run }];
  }

  /** Bound to the manifest's version of what it writes (and the live one while that is a DRAFT), unbound from the rest. */
  producer(entry: PartyEntry): Step[] {
    const bound = this.state.producerVersions.get(entry.name) ?? [];
    const boundRefs = new Set(bound.map((v) => v.ref));
    const target = new Set<string>();
    for (const feature of entry.features) {
      const version = this.versionFor(entry.at, feature);
      target.add(version.ref);
      if (version.status === 'DRAFT' && version.live && boundRefs.has(version.live.ref)) {
        target.add(version.live.ref);
        this.notes.push(`${entry.name} stays bound to ${version.live.ref} while ${version.ref} is a DRAFT: it shadow-writes both`);
      }
    }
    const bind = [...target].filter((ref) => !boundRefs.has(ref));
    const unbind = bound.filter((v) => !target.has(v.ref) && v.status !== 'RETIRED').map((v) => v.ref);
    return [
      ...partySteps('producer', entry, this.state.producers),
      ...(bind.length === 0 ? [] : [{ action: { action: 'bindProducer', producer: entry.name, refs: bind }, at: entry.at, run: async (r, p) => void (await r.bindProducer(p, entry.name, bind)) } satisfies Step]),
      ...(unbind.length === 0 ? [] : [{ action: { action: 'unbindProducer', producer: entry.name, refs: unbind }, at: entry.at, run: async (r, p) => void (await r.unbindProducer(p, entry.name, unbind)) } satisfies Step]),
    ];
  }

  /** Pinned to the manifest's version of what it reads, once that is no longer a DRAFT. */
  consumer(entry: PartyEntry): Step[] {
    const pins = new Map((this.state.consumerVersions.get(entry.name) ?? []).map((v) => [v.feature, v.ref]));
    const planned = partySteps('consumer', entry, this.state.consumers);
    for (const feature of entry.features) {
      const version = this.versionFor(entry.at, feature);
      const pinned = pins.get(feature) ?? null;
      if (pinned === version.ref) continue;
      if (version.status === 'DRAFT') {
        this.notes.push(`${entry.name} stays ${pinned ? `on ${pinned}` : `without ${feature}`} while ${version.ref} is a DRAFT: validate and activate it, then apply again`);
        continue;
      }
      planned.push({
        action: { action: 'pinConsumer', consumer: entry.name, feature, from: pinned, to: version.ref },
        at: entry.at,
        run: async (r, p) => void (await r.bindConsumer(p, entry.name, [version.ref])),
      });
    }
    return planned;
  }

  /** The manifest's version of `feature`, or for a feature it does not define, the registry's live version. */
  private versionFor(at: EntryRef, feature: string): Resolved {
    return (
      this.resolved.get(feature) ??
      forEntry(at, () => {
        if (!this.state.features.has(feature)) throw notFound(`feature ${feature} is neither registered nor in the manifest's features`);
        const live = liveVersion(this.state.versionsOf(feature));
        if (!live) throw conflict(`feature ${feature} has no ACTIVE version: define it in the manifest's features`);
        return { ref: live.ref, status: live.status };
      })
    );
  }
}

/** Registering a producer or consumer, or changing its description; another owner is a CONFLICT. */
function partySteps(kind: 'producer' | 'consumer', entry: PartyEntry, registered: Party[]): Step[] {
  const existing = registered.find((p) => p.name === entry.name);
  const run = async (r: Registry, principal: Principal) =>
    void (await r.registerParty(principal, kind, { name: entry.name, owner: entry.owner, description: entry.description }));
  const Kind = kind === 'producer' ? 'Producer' : 'Consumer';
  if (!existing) {
    return [{ action: { action: `register${Kind}`, name: entry.name, owner: entry.owner, description: entry.description ?? null }, at: entry.at, run }];
  }
  if (existing.owner !== entry.owner) {
    throw entryError(entry.at, conflict(`${kind} ${entry.name} is owned by team ${existing.owner}, not ${entry.owner}`));
  }
  const description = changed(existing.description, entry.description);
  return description ? [{ action: { action: `describe${Kind}`, name: entry.name, description }, at: entry.at, run }] : [];
}

/** from → to when the manifest names a value (`to` not undefined) that differs from the registry's. */
function changed<T>(from: T | null, to: T | null | undefined): From<T | null> | undefined {
  return to === undefined || from === to ? undefined : { from, to };
}

function planOf(planned: Steps): DefinitionPlan {
  const actions = planned.steps.map((s) => s.action);
  const hash = createHash('sha256').update(JSON.stringify(sortKeysDeep(actions))).digest('hex');
  const notes = [...new Set(planned.notes)];
  return { hash, changes: actions.length, actions, notes, text: planText(actions, notes, hash) };
}

// Online reads: the consumer's pinned versions (from the in-process registry cache), each requested row's
// stored values, each key read as the entity it was sent for (rows.ts), gathered into one batch per request
// (the request's ValueBatch, which the GraphQL layer builds over loadValues) and read in one round
// trip per store node (a read of more than 5,000 values in slices of 5,000, so that it never holds the event
// loop for long), and the flags that make a feature store's quiet failures visible in the response itself.
import { badInput, notFound, type CodedError } from '../core/errors.js';
import { inSlices } from '../core/event-loop.js';
import type { RegistryCache, RegistrySnapshot } from '../registry/cache.js';
import { parseRef, type FeatureVersion, type LastWrites } from '../registry/model.js';
import { checkName } from '../core/text.js';
import { parseDuration } from '../core/durations.js';
import { inFlagOrder, versionFlagSet, withTypeMismatch, type ReadFlag, type VersionFlagSet } from './flags.js';
import { FlagTally } from './flag-tally.js';
import { entityKeyOf } from './keys.js';
import { NO_OBSERVER, type OnlineObserver } from './observer.js';
import type { HotSet, HotValueCache, LoadedValue, ReadKey, ServedFrom, SettledVerdicts, ValueBatch, VersionVerdicts } from './ports.js';
import type { OnlineStore } from './store.js';
import { servedValue } from './values.js';
import { checkExpectations, unmetExpectations, type ExpectedDefinition, type ReadWarning } from './expectations.js';
import { checkSentRows, entitiesOf, keyRows, selectPins, type EntityKey, type KeyedRow, type RowsRequest } from './rows.js';
import { ConsumerReads, plansOf, statusesHoldUntil, type ConsumerRead } from './consumer-reads.js';

/** Versions planned at once; a consumer pinned to more is planned in slices, yielding in between. */
const VERSIONS_PER_SLICE = 16;

/** Values handed to the batch at once: its per-value work for 90,000 values held the loop for 1 s. */
const KEYS_PER_SLICE = 5_000;

export interface OnlineValue {
  ref: string;
  feature: string;
  version: number;
  /**
   * A value that fits its version's type is its stored JSON text (a JsonText: written out as it is, or as the
   * value it stands for by JSON.stringify); a misfit (TYPE_MISMATCH) is what that text parses to.
   */
  value: unknown;
  /**
   * Epoch milliseconds: the read path builds no Date per value, and the DateTime scalar formats it without one
   * (core/rfc3339.ts), only for the values whose eventTime a response selects.
   */
  eventTime: number | null;
  ageMs: number | null;
  flags: ReadFlag[];
  servedFrom: ServedFrom;
}

export interface OnlineRow {
  entityKey: string;
  keys: readonly EntityKey[];
  features: OnlineValue[];
}

export interface OnlineFeaturesResult {
  rows: OnlineRow[];
  flagCounts: { flag: ReadFlag; count: number }[];
  /** Why flags were set, once per feature (a definition the client expects that is no longer the pin). */
  warnings: ReadWarning[];
}

/**
 * A request asking for more online values than one request may load. The GraphQL limits refuse it before it
 * runs, from the same count; the reader refuses it again, so nothing gets past the limit (pins that changed in
 * between, an entry point that skips the estimate).
 */
export const tooManyValues = (values: number, maxValues: number): CodedError =>
  badInput(
    `this request reads ${values} online values (keys × versions, over all its reads); at most ${maxValues} are allowed per request (MAX_VALUES_PER_REQUEST): ask for fewer keys or a smaller consumer per request`,
    { values, maxValues },
  );

/** What a read knows about one version before it looks at any value; reused by every read while it holds. */
interface ReadPlan {
  version: FeatureVersion;
  entity: string;
  maxAgeMs: number;
  /** How long a value may be served from the hot-entity cache. */
  cacheForMs: number;
  /**
   * The flags of this version's values (mismatch, deprecated, retired, lagging, drift, in READ_FLAGS order), and
   * the same with MISSING or STALE in front: arrays shared by every value and read, never changed.
   */
  flags: VersionFlagSet;
  /** RETIRED versions are not served: their values are not even read. */
  serve: boolean;
}

/** A read's plans, in response order, and those whose values are read, each with its entity's place in a row's `byEntity`. */
interface PlannedRead {
  plans: readonly ReadPlan[];
  served: readonly { plan: ReadPlan; entity: number }[];
}

function plannedRead(plans: readonly ReadPlan[], entities: readonly { entity: string }[]): PlannedRead {
  const served = plans.filter((p) => p.serve).map((plan) => ({ plan, entity: entities.findIndex((e) => e.entity === plan.entity) }));
  return { plans, served };
}

/** What the reader is wired to (see ports.ts): hot keys and their cache, version verdicts, what it reports. */
export interface ReaderPorts {
  hotSet: HotSet;
  cache: HotValueCache;
  verdicts: VersionVerdicts;
  observer?: OnlineObserver;
}

export interface ReaderLimits {
  /** Most values one request may load. */
  maxValuesPerRequest: number;
  /** Longest key a read may ask for, in UTF-8 bytes (a longer one cannot have been written). */
  maxEntityKeyBytes: number;
}

export class OnlineReader {
  /** Values served so far, by source (for /metrics). */
  readonly served: Record<ServedFrom, number> = { STORE: 0, CACHE: 0, REPLICA: 0 };
  private readonly hotSet: HotSet;
  private readonly cache: HotValueCache;
  private readonly verdicts: VersionVerdicts;
  private readonly observer: OnlineObserver;
  /** The last plan of each version read, by ref: the next read reuses it while nothing it says has changed. */
  private readonly plans = new Map<string, ReadPlan>();
  /** Each consumer's last reads, with their plans: the next read with the same features reuses them while they hold. */
  private readonly consumerReads = new ConsumerReads<PlannedRead>();

  constructor(
    private readonly store: OnlineStore,
    private readonly registryCache: RegistryCache,
    ports: ReaderPorts,
    private readonly limits: ReaderLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.hotSet = ports.hotSet;
    this.cache = ports.cache;
    this.verdicts = ports.verdicts;
    this.observer = ports.observer ?? NO_OBSERVER;
  }

  /**
   * The values of `keys`, in order: from the hot-entity cache where the key is hot and the cached copy young
   * enough, and from the store (one round trip per node) for the rest. A request's ValueBatch calls this once
   * with every value the request needs.
   */
  async loadValues(keys: readonly ReadKey[]): Promise<LoadedValue[]> {
    const now = this.now();
    const loaded = new Array<LoadedValue>(keys.length);
    if (!this.hotSet.anyHot) return this.fetch(keys, keys.map((_, i) => i), loaded, now);
    const misses: number[] = [];
    keys.forEach((key, i) => {
      const entityKey = entityKeyOf(key);
      const cached = this.hotSet.isHot(entityKey) ? this.cache.get(entityKey, key.ref, now) : undefined;
      if (cached === undefined) misses.push(i);
      else loaded[i] = { stored: cached, servedFrom: 'CACHE' };
    });
    return misses.length === 0 ? loaded : this.fetch(keys, misses, loaded, now);
  }

  /** Reads `misses` (indexes into `keys`) from the store into `loaded`, caching the values of hot keys. */
  private async fetch(keys: readonly ReadKey[], misses: number[], loaded: LoadedValue[], now: number): Promise<LoadedValue[]> {
    const started = performance.now();
    const fetched = await this.store.read(misses.map((i) => keys[i]!));
    this.observer.storeCall('read', (performance.now() - started) / 1000);
    // Nothing hot (most of the time): no key is named for the hot set, which would build a string per value.
    const anyHot = this.hotSet.anyHot;
    for (let j = 0; j < misses.length; j++) {
      const i = misses[j]!;
      const stored = fetched[j]!;
      loaded[i] = { stored, servedFrom: stored?.replica ? 'REPLICA' : 'STORE' };
      if (!anyHot) continue;
      const key = keys[i]!;
      const entityKey = entityKeyOf(key);
      if (this.hotSet.isHot(entityKey)) this.cache.set(entityKey, key.ref, stored, now, key.cacheForMs);
    }
    return loaded;
  }

  /**
   * The consumer's pinned version of each feature (or of each feature in `request.features`), for each row, in
   * request order. Everything a client can get wrong is refused before anything is read.
   */
  async onlineFeatures(consumerName: string, request: RowsRequest, batch: ValueBatch, expect?: readonly ExpectedDefinition[] | null): Promise<OnlineFeaturesResult> {
    // Malformed arguments are BAD_USER_INPUT here as in every registry lookup; well-formed unknown ones NOT_FOUND.
    checkName(consumerName, 'consumer name');
    const sent = checkSentRows(request, this.limits.maxEntityKeyBytes);
    const expected = checkExpectations(expect);
    const snapshot = await this.registryCache.snapshot();
    if (!snapshot.consumer(consumerName)) throw notFound(`consumer ${consumerName} is not registered`);
    const now = this.now();
    const features = request.features ?? null;
    const consumerRead = this.consumerReads.find(consumerName, features, expected, snapshot, now) ?? this.selectRead(snapshot, consumerName, features, expected, now);
    const rows = keyRows(sent, consumerRead.entities, features !== null);
    this.count(batch, rows.length * consumerRead.pins.length);
    // Who still writes what: one answer for every pin of the read.
    const writes = await this.registryCache.writes.lastWrites();
    const plans = plansOf(consumerRead, writes, now) ?? (await this.planRead(snapshot, consumerRead, writes, now));
    const result = await this.read(plans, consumerRead.entities, rows, batch, now);
    result.warnings = consumerRead.warnings as ReadWarning[];
    return result;
  }

  /** What `consumer` reads with these features and expectations now, remembered while it holds. */
  private selectRead(snapshot: RegistrySnapshot, consumer: string, features: readonly string[] | null, expected: readonly ExpectedDefinition[], now: number): ConsumerRead<PlannedRead> {
    const at = new Date(now);
    const allPins = snapshot.pins(consumer, at);
    const pins = selectPins(consumer, allPins, features);
    const unmet = unmetExpectations(consumer, expected, allPins, (ref) => snapshot.version(ref, at));
    // Said for the features this read returns, and for those the consumer no longer reads at all.
    const read = new Set(pins.map((pin) => pin.feature));
    const pinned = new Set(allPins.map((pin) => pin.feature));
    const consumerRead: ConsumerRead<PlannedRead> = {
      features: features && [...features],
      expected,
      until: statusesHoldUntil(allPins, now),
      pins,
      entities: entitiesOf(pins, (pin) => snapshot.entityOf(pin.feature)!),
      unmet,
      warnings: [...unmet.values()].filter((w) => read.has(w.feature) || !pinned.has(w.feature)),
    };
    this.consumerReads.remember(consumer, snapshot, consumerRead);
    return consumerRead;
  }

  /**
   * The plans of a consumer's read. Most reads find every verdict known (they are remembered for a while) and
   * plan at once, and the plans are kept with the read while those verdicts hold; otherwise a plan may query lag
   * and drift: a few versions at a time.
   */
  private async planRead(snapshot: RegistrySnapshot, consumerRead: ConsumerRead<PlannedRead>, writes: LastWrites, now: number): Promise<PlannedRead> {
    const at = new Date(now);
    const { pins, unmet, entities } = consumerRead;
    const mismatched = (pin: FeatureVersion) => unmet.has(pin.feature) || snapshot.production(pin.feature, writes, at)?.mismatch(pin) != null;
    const plans = this.plansNow(snapshot, pins, mismatched);
    if (!plans) {
      const asked = await inSlices(pins, VERSIONS_PER_SLICE, (slice) => Promise.all(slice.map((version) => this.plan(snapshot, version, mismatched(version)))));
      return plannedRead(asked, entities);
    }
    let until = consumerRead.until;
    for (const pin of pins) if (pin.status !== 'RETIRED') until = Math.min(until, this.verdicts.heldUntil(pin));
    const planned = plannedRead(plans, entities);
    consumerRead.planned = { writes, until, plans: planned };
    return planned;
  }

  /** One version for each key, without a consumer (exploration). */
  async featureValues(ref: string, entityKeys: readonly string[], batch: ValueBatch): Promise<OnlineFeaturesResult> {
    parseRef(ref);
    const sent = checkSentRows({ entityKeys }, this.limits.maxEntityKeyBytes);
    const snapshot = await this.registryCache.snapshot();
    const now = new Date(this.now());
    const version = snapshot.version(ref, now);
    if (!version) throw notFound(`feature version ${ref} is not registered`);
    this.count(batch, entityKeys.length);
    const plan = await this.plan(snapshot, version, false);
    const entities = [{ entity: plan.entity, features: [version.feature] }];
    return this.read(plannedRead([plan], entities), entities, keyRows(sent, entities, false), batch, now.getTime());
  }

  /** Counts a read's values against the request's limit, before anything is loaded. */
  private count(batch: ValueBatch, values: number): void {
    batch.values += values;
    if (batch.values > this.limits.maxValuesPerRequest) throw tooManyValues(batch.values, this.limits.maxValuesPerRequest);
  }

  /** Every pin's plan, when every verdict they need is known; undefined when one must be asked (plan()). */
  private plansNow(snapshot: RegistrySnapshot, pins: readonly FeatureVersion[], mismatched: (pin: FeatureVersion) => boolean): ReadPlan[] | undefined {
    const plans = new Array<ReadPlan>(pins.length);
    for (let i = 0; i < pins.length; i++) {
      const version = pins[i]!;
      const verdicts = version.status === 'RETIRED' ? NOT_JUDGED : this.verdicts.settled(version);
      if (!verdicts) return undefined;
      plans[i] = this.planOf(snapshot, version, mismatched(version), verdicts);
    }
    return plans;
  }

  /**
   * mismatched: a consumer's pin nobody produces while another version is, or another definition than the one
   * the client expects (see expectations.ts); never for a read without a consumer.
   */
  private async plan(snapshot: RegistrySnapshot, version: FeatureVersion, mismatched: boolean): Promise<ReadPlan> {
    if (version.status === 'RETIRED') return this.planOf(snapshot, version, mismatched, NOT_JUDGED);
    const [lagging, drifting] = await Promise.all([this.verdicts.isLagging(version), this.verdicts.isDrifting(version)]);
    return this.planOf(snapshot, version, mismatched, { lagging, drifting });
  }

  /** The version's plan: the one of the last read while it still holds (same version, entity and flags), else a new one. */
  private planOf(snapshot: RegistrySnapshot, version: FeatureVersion, mismatched: boolean, { lagging, drifting }: SettledVerdicts): ReadPlan {
    const entity = snapshot.entityOf(version.feature)!;
    const flags = versionFlagSet({ mismatched, status: version.status, lagging, drifting });
    const last = this.plans.get(version.ref);
    if (last && last.version === version && last.entity === entity && last.flags === flags) return last;
    // Parsed here, once per plan: a plan lasts as long as its version's verdicts.
    const maxAgeMs = parseDuration(version.maxAge, 'maxAge');
    const plan: ReadPlan = {
      version,
      entity,
      maxAgeMs,
      cacheForMs: this.cache.boundFor(maxAgeMs),
      flags,
      serve: version.status !== 'RETIRED',
    };
    this.plans.set(version.ref, plan);
    return plan;
  }

  /**
   * Reads the plans for every row: each served plan's value under the row's key for the plan's entity (a key is
   * only ever read as the entity it was sent for), all in one batch. The batch reads a key shared by several
   * rows once. `entities`: those of the plans, in the order of each row's `byEntity`.
   */
  private async read({ plans, served }: PlannedRead, entities: readonly { entity: string }[], keyed: KeyedRow[], batch: ValueBatch, now: number): Promise<OnlineFeaturesResult> {
    entities.forEach(({ entity }, e) => this.hotSet.record(entity, keyed.map((row) => row.byEntity[e]!)));
    // Plain loops: one key per value, and no array per row to flatten.
    const keys = new Array<ReadKey>(keyed.length * served.length);
    let k = 0;
    for (const row of keyed) {
      for (const { plan, entity } of served) keys[k++] = { entity: plan.entity, entityKey: row.byEntity[entity]!, ref: plan.version.ref, cacheForMs: plan.cacheForMs };
    }
    const loaded = await inSlices(keys, KEYS_PER_SLICE, (slice) => batch.loadMany(slice));
    const tally = new FlagTally(plans);
    let next = 0;
    const rows = keyed.map(({ entityKey, keys }) => ({
      entityKey,
      keys,
      features: plans.map((plan, p) => {
        const one = plan.serve ? loaded[next++]! : null;
        if (one instanceof Error) throw one;
        const value = this.value(plan, one, now);
        this.served[value.servedFrom]++;
        tally.add(p, value.flags);
        return value;
      }),
    }));
    return { rows, warnings: [], flagCounts: inFlagOrder(tally.counts(this.observer)) };
  }

  // Called for every value of every response: it builds flags in READ_FLAGS order without sorting and shares
  // the version's flag array where nothing is added, because at 1,000 values a request this is the hot path.
  private value(plan: ReadPlan, loaded: LoadedValue | null, now: number): OnlineValue {
    const { version } = plan;
    const stored = loaded?.stored ?? null;
    const servedFrom = loaded?.servedFrom ?? 'STORE';
    if (!stored) {
      return {
        ref: version.ref,
        feature: version.feature,
        version: version.version,
        value: null,
        eventTime: null,
        ageMs: null,
        flags: plan.serve ? plan.flags.missing : plan.flags.present,
        servedFrom,
      };
    }
    const ageMs = now - stored.eventTime;
    let flags = ageMs > plan.maxAgeMs ? plan.flags.stale : plan.flags.present;
    // The stored text as it is, when it fits the type (values.ts); a misfit is served as what it parses to, or
    // as the text itself when it does not parse.
    let value: unknown = servedValue(version.valueType, version.nullable, stored.value);
    if (value === undefined) {
      flags = withTypeMismatch(flags);
      value = parsedOrText(stored.value);
    }
    return {
      ref: version.ref,
      feature: version.feature,
      version: version.version,
      value,
      eventTime: stored.eventTime,
      ageMs,
      flags,
      servedFrom,
    };
  }
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The verdicts of a version that is not judged: a RETIRED one, whose values are not even read. */
const NOT_JUDGED: SettledVerdicts = { lagging: false, drifting: false };

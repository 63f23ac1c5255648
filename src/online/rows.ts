// The rows of an online read: which key of which entity each row carries, and which of the consumer's features
// it reads. A model often reads features of several entities at once (user and merchant features for one
// transaction), so a row holds one key per entity, and a key is only ever looked up as the entity it was sent
// for: `u1` the user and `u1` the merchant are different values. `entityKeys` stays as the shorthand for a read
// whose features all describe one entity; where it cannot say which entity a key belongs to, it is refused
// rather than guessed.
import { badInput } from '../core/errors.js';
import { type FeatureVersion } from '../registry/model.js';
import { checkName } from '../core/text.js';
import { checkEntityKeys, entityKeyProblem } from '../core/text.js';
import { entityKeyOf } from './keys.js';

export interface EntityKey {
  entity: string;
  key: string;
}

/** What a request sends: exactly one of `entityKeys` and `rows`, and optionally the features to read. */
export interface RowsRequest {
  entityKeys?: readonly string[] | null;
  rows?: readonly { keys: readonly EntityKey[] }[] | null;
  features?: readonly string[] | null;
}

/** The rows as sent, checked for form (keys, entity names, no entity twice) before the registry is consulted. */
export type SentRows = { entityKeys: readonly string[] } | { rows: readonly { keys: readonly EntityKey[] }[] };

/** A row ready to read. */
export interface KeyedRow {
  /** The key of a row of one key; `entity:key` pairs joined by commas for a row of several (a label). */
  entityKey: string;
  /** The row's keys as sent (for entityKeys: the key with the entity of the features read). */
  keys: readonly EntityKey[];
  /** The row's key for each entity the read needs, in the order of the read's `entities`. */
  byEntity: string[];
}

/** How many names an error message lists before it says how many more there are. */
const NAMES_IN_A_MESSAGE = 10;

const listed = (names: readonly string[]) =>
  names.length <= NAMES_IN_A_MESSAGE
    ? names.join(', ')
    : `${names.slice(0, NAMES_IN_A_MESSAGE).join(', ')} and ${names.length - NAMES_IN_A_MESSAGE} more`;

const ROW_EXAMPLE = '{ keys: [{ entity: "user", key: "u1" }, { entity: "merchant", key: "m7" }] }';

/** Checks the form of what a request sent: exactly one of entityKeys and rows, every key and entity well-formed. */
export function checkSentRows(request: RowsRequest, maxKeyBytes: number): SentRows {
  const { entityKeys, rows } = request;
  if (entityKeys != null && rows != null) {
    throw badInput('send either entityKeys (keys of one entity) or rows (a key per entity), not both');
  }
  if (entityKeys != null) {
    checkEntityKeys(entityKeys, maxKeyBytes);
    return { entityKeys };
  }
  if (rows == null) {
    throw badInput(`send entityKeys (keys of one entity) or rows (a key per entity, such as ${ROW_EXAMPLE})`);
  }
  // Every row names the same few entities: each name is checked once per request.
  const entityNames = new Set<string>();
  // Plain loops: this runs for every key of every row, before anything is read.
  for (let i = 0; i < rows.length; i++) {
    const keys = rows[i]!.keys;
    const byEntity = indexByEntity(keys);
    for (let j = 0; j < keys.length; j++) {
      const { entity, key } = keys[j]!;
      if (!entityNames.has(entity)) entityNames.add(checkName(entity, `rows[${i}].keys[${j}].entity`));
      const problem = entityKeyProblem(key, maxKeyBytes);
      if (problem) throw badInput(`rows[${i}].keys[${j}].key ${problem}`, { row: i, key: j });
      const first = firstIndex(keys, byEntity, entity);
      if (first < j) {
        throw badInput(
          `rows[${i}].keys[${j}] repeats entity ${entity} (rows[${i}].keys[${first}] has it): a row holds one key per entity; put the other key in a row of its own`,
          { row: i, key: j },
        );
      }
    }
  }
  return { rows };
}

/**
 * The consumer's pins a request reads: all of them, or those of the features it names, in the order it names
 * them. A feature the consumer is not pinned to is refused: the consumer's pins decide what a model may read.
 */
export function selectPins(consumer: string, pins: readonly FeatureVersion[], features: readonly string[] | null | undefined): FeatureVersion[] {
  if (features == null) return [...pins];
  if (features.length === 0) throw badInput('features is empty: leave it out to read every feature the consumer is pinned to, or name some');
  const byFeature = new Map(pins.map((pin) => [pin.feature, pin]));
  const seen = new Set<string>();
  return features.map((feature, i) => {
    const pin = byFeature.get(feature);
    if (!pin) {
      const asRef = /^(.+)@\d+$/.exec(feature);
      const hint = asRef && byFeature.has(asRef[1]!) ? `name the feature (${asRef[1]}): the consumer's pin decides the version; ` : '';
      throw badInput(
        `features[${i}]: consumer ${consumer} is not pinned to feature ${JSON.stringify(feature)}; ${hint}it is pinned to ${listed([...byFeature.keys()]) || 'nothing'}: ask for those, or pin it with bindConsumer`,
        { index: i },
      );
    }
    if (seen.has(feature)) throw badInput(`features[${i}] names ${feature} again: name each feature once`, { index: i });
    seen.add(feature);
    return pin;
  });
}

/** The entities `pins` describe, in the order they first occur, each with the features that need it. */
export function entitiesOf(pins: readonly FeatureVersion[], entityOf: (pin: FeatureVersion) => string): { entity: string; features: string[] }[] {
  const byEntity = new Map<string, string[]>();
  for (const pin of pins) {
    const entity = entityOf(pin);
    const features = byEntity.get(entity);
    if (features) features.push(pin.feature);
    else byEntity.set(entity, [pin.feature]);
  }
  return [...byEntity].map(([entity, features]) => ({ entity, features }));
}

/**
 * The rows to read, with each row's key for each of `entities` (those the read's features describe, each with
 * the features that need it). Refused: entityKeys when the features describe several entities, and a row without
 * a key for an entity they need. A row's key for an entity no feature needs is kept in its `keys` and not read.
 */
export function keyRows(sent: SentRows, entities: readonly { entity: string; features: readonly string[] }[], subset: boolean): KeyedRow[] {
  if ('entityKeys' in sent) {
    if (entities.length > 1) {
      const spans = entities.map((e) => `${e.entity}: ${listed(e.features)}`).join('; ');
      const what = subset ? 'the features asked for describe' : 'the consumer is pinned to features of';
      throw badInput(
        `${what} several entities (${spans}), and entityKeys cannot say which entity a key belongs to: send rows with a key per entity, such as ${ROW_EXAMPLE}, or name features of one entity in features`,
        { entities: entities.map((e) => e.entity) },
      );
    }
    const entity = entities[0]?.entity;
    return sent.entityKeys.map((key) => ({ entityKey: key, keys: entity === undefined ? [] : [{ entity, key }], byEntity: entity === undefined ? [] : [key] }));
  }
  // Plain loops: this runs for every row, and a closure and a mapped array per row cost a multi-entity read more
  // than finding its keys did.
  const keyed = new Array<KeyedRow>(sent.rows.length);
  for (let i = 0; i < keyed.length; i++) {
    const { keys } = sent.rows[i]!;
    const index = indexByEntity(keys);
    const byEntity = new Array<string>(entities.length);
    for (let e = 0; e < entities.length; e++) {
      const { entity, features } = entities[e]!;
      const found = keys[firstIndex(keys, index, entity)];
      if (!found) {
        throw badInput(
          `rows[${i}] has no key for entity ${entity}, which ${listed(features)} describe${features.length === 1 ? 's' : ''}: add { entity: "${entity}", key: … } to its keys, or leave those features out with features`,
          { row: i, entity },
        );
      }
      byEntity[e] = found.key;
    }
    keyed[i] = { entityKey: keys.length === 1 ? keys[0]!.key : rowLabel(keys), keys, byEntity };
  }
  return keyed;
}

/** A row of several keys named for logs: `entity:key` pairs joined by commas, built without an array per row. */
function rowLabel(keys: readonly EntityKey[]): string {
  let label = '';
  for (let j = 0; j < keys.length; j++) label += `${j === 0 ? '' : ','}${entityKeyOf({ entity: keys[j]!.entity, entityKey: keys[j]!.key })}`;
  return label;
}

/** Rows of at most this many keys are searched along; longer ones get an index, so that no row costs keys². */
const SHORT_ROW = 8;

/** Where each entity first occurs in a long row's keys; undefined for a short row. */
function indexByEntity(keys: readonly EntityKey[]): Map<string, number> | undefined {
  if (keys.length <= SHORT_ROW) return undefined;
  const index = new Map<string, number>();
  keys.forEach(({ entity }, j) => {
    if (!index.has(entity)) index.set(entity, j);
  });
  return index;
}

/** Where `entity` first occurs in `keys` (-1 when it does not). */
function firstIndex(keys: readonly EntityKey[], index: Map<string, number> | undefined, entity: string): number {
  if (index) return index.get(entity) ?? -1;
  for (let j = 0; j < keys.length; j++) if (keys[j]!.entity === entity) return j;
  return -1;
}

// A definitions manifest (DESIGN section 7): the entities, features, producers and consumers a team keeps in
// git, as JSON (the command-line tool turns YAML into it). Checked strictly here, once, before anything is
// planned: unknown keys are refused rather than ignored (a typo must not silently drop a field), and every
// problem names its entry, `features[2] (click_rate_7d): window "7 days" is not a duration …`.
import { CodedError, badInput } from '../core/errors.js';
import { freeText, textProblem } from '../core/text.js';
import { canonicalDefinition, definitionHash, type Definition } from './definition.js';
import { checkName } from '../core/text.js';

export const MANIFEST_SECTIONS = ['entities', 'features', 'producers', 'consumers'] as const;
export type ManifestSection = (typeof MANIFEST_SECTIONS)[number];

/**
 * Bounds on one manifest, so that planning it (which reads the registry for every name in it) stays a matter
 * of milliseconds: entries over all sections, the manifest's size as JSON, and how deep JSON may nest.
 */
export const MAX_MANIFEST_ENTRIES = 2_000;
export const MAX_MANIFEST_BYTES = 1_048_576;
const MAX_JSON_DEPTH = 16;

/** Where an entry sits in the manifest: what every message about it names. */
export interface EntryRef {
  section: ManifestSection;
  index: number;
  name: string;
}

export const entryLabel = (at: EntryRef) => `${at.section}[${at.index}] (${at.name})`;

export interface EntityEntry {
  at: EntryRef;
  name: string;
  keyName: string;
  /** undefined: not named in the manifest, so left as it is. */
  description?: string | null;
  owner?: string;
}

export interface FeatureEntry {
  at: EntryRef;
  name: string;
  entity: string;
  owner: string;
  definition: Definition;
  definitionHash: string;
}

export interface PartyEntry {
  at: EntryRef;
  name: string;
  owner: string;
  description?: string | null;
  /** Feature names: what a producer writes (complete) or a consumer reads. */
  features: string[];
}

export interface Manifest {
  entities: EntityEntry[];
  features: FeatureEntry[];
  producers: PartyEntry[];
  consumers: PartyEntry[];
}

/** The keys each entry may have; `required` ones must be present. */
const FIELDS: Record<ManifestSection, { required: string[]; optional: string[] }> = {
  entities: { required: ['name', 'keyName'], optional: ['description', 'owner'] },
  features: { required: ['name', 'entity', 'owner', 'valueType', 'maxAge'], optional: ['window', 'aggregation', 'description', 'nullable'] },
  producers: { required: ['name', 'owner', 'writes'], optional: ['description'] },
  consumers: { required: ['name', 'owner', 'reads'], optional: ['description'] },
};

/** A problem with one entry: the message names it, and `entry` lets a tool say which file it came from. */
export function entryError(at: EntryRef, error: CodedError): CodedError {
  return new CodedError(error.code, `${entryLabel(at)}: ${error.message}`, { entry: at, problem: error.message });
}

/** Runs `check` for one entry, naming the entry in any coded error it throws. */
export function forEntry<T>(at: EntryRef, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof CodedError && !('entry' in (error.details ?? {}))) throw entryError(at, error);
    throw error;
  }
}

/** Checks a manifest strictly and brings every definition to canonical form; throws BAD_USER_INPUT naming the entry. */
export function parseManifest(input: unknown): Manifest {
  if (!isObject(input)) throw badInput('a manifest is a JSON object with the keys entities, features, producers, consumers (each optional)');
  const unknown = Object.keys(input).filter((key) => !(MANIFEST_SECTIONS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw badInput(`unknown top-level key ${unknown.map((k) => JSON.stringify(k)).join(', ')}: a manifest has ${MANIFEST_SECTIONS.join(', ')}`);
  }
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
  } catch {
    throw badInput(`the manifest nests deeper than JSON allows here (at most ${MAX_JSON_DEPTH} levels inside an entry)`);
  }
  if (bytes > MAX_MANIFEST_BYTES) {
    throw badInput(`the manifest is ${bytes} bytes as JSON; at most ${MAX_MANIFEST_BYTES} are accepted: split it by team or by entity`);
  }
  const sections = Object.fromEntries(
    MANIFEST_SECTIONS.map((section) => {
      const value = input[section];
      if (value === undefined || value === null) return [section, []];
      if (!Array.isArray(value)) throw badInput(`${section} must be a list of entries`);
      return [section, value];
    }),
  ) as Record<ManifestSection, unknown[]>;
  const entries = MANIFEST_SECTIONS.reduce((n, s) => n + sections[s].length, 0);
  if (entries > MAX_MANIFEST_ENTRIES) {
    throw badInput(`the manifest has ${entries} entries; at most ${MAX_MANIFEST_ENTRIES} are accepted: split it by team or by entity`);
  }

  const manifest: Manifest = {
    entities: checkSection(sections.entities, 'entities', (e) => ({
      name: checkName(e.name as string, 'name'),
      keyName: checkName(string(e, 'keyName'), 'keyName'),
      ...('description' in e ? { description: freeText(optionalString(e, 'description'), 'description') } : {}),
      ...(e.owner == null ? {} : { owner: checkName(string(e, 'owner'), 'owner') }),
    })),
    features: checkSection(sections.features, 'features', (e) => {
      const names = {
        name: checkName(e.name as string, 'name'),
        entity: checkName(string(e, 'entity'), 'entity'),
        owner: checkName(string(e, 'owner'), 'owner'),
      };
      const definition = canonicalDefinition({
        feature: names.name,
        entity: names.entity,
        owner: names.owner,
        valueType: string(e, 'valueType'),
        window: optionalString(e, 'window'),
        maxAge: string(e, 'maxAge'),
        aggregation: e.aggregation,
        description: freeText(optionalString(e, 'description'), 'description'),
        nullable: optionalBoolean(e, 'nullable'),
      });
      return {
        ...names,
        definition,
        definitionHash: definitionHash(definition),
      };
    }),
    producers: checkSection(sections.producers, 'producers', (e) => party(e, 'writes')),
    consumers: checkSection(sections.consumers, 'consumers', (e) => party(e, 'reads')),
  };
  return manifest;
}

function party(e: Record<string, unknown>, listKey: 'writes' | 'reads'): Omit<PartyEntry, 'at'> {
  const list = e[listKey];
  if (!Array.isArray(list)) throw badInput(`${listKey} must be a list of feature names, e.g. [click_rate_7d]`);
  const features = list.map((name, i) => {
    if (typeof name !== 'string') throw badInput(`${listKey}[${i}] must be a feature name`);
    if (name.includes('@')) throw badInput(`${listKey}[${i}] ${JSON.stringify(name)}: name the feature, not a version: the manifest's definition decides the version`);
    return checkName(name, `${listKey}[${i}]`);
  });
  const repeated = features.find((name, i) => features.indexOf(name) !== i);
  if (repeated) throw badInput(`${listKey} names ${repeated} twice`);
  return {
    name: checkName(e.name as string, 'name'),
    owner: checkName(string(e, 'owner'), 'owner'),
    ...('description' in e ? { description: freeText(optionalString(e, 'description'), 'description') } : {}),
    features,
  };
}

/** Checks every entry of a section with `check`, refusing unknown or missing keys and repeated names. */
function checkSection<T>(entries: unknown[], section: ManifestSection, check: (entry: Record<string, unknown>) => T): (T & { at: EntryRef })[] {
  const { required, optional } = FIELDS[section];
  const seen = new Map<string, number>();
  return entries.map((entry, index) => {
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name : '?';
    const at: EntryRef = { section, index, name: textProblem(name, { maxLength: 63 }) ? '?' : name };
    return forEntry(at, () => {
      if (!isObject(entry)) throw badInput(`an entry is a mapping with the keys ${[...required, ...optional].join(', ')}`);
      const unknownKeys = Object.keys(entry).filter((key) => !required.includes(key) && !optional.includes(key));
      if (unknownKeys.length > 0) {
        throw badInput(`unknown key ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')}: an entry of ${section} has ${[...required, ...optional].join(', ')}`);
      }
      const missing = required.filter((key) => entry[key] === undefined || entry[key] === null);
      if (missing.length > 0) throw badInput(`missing ${missing.join(', ')}`);
      checkStrings(entry);
      if (typeof entry.name !== 'string') throw badInput('name must be a string');
      const first = seen.get(entry.name);
      if (first !== undefined) throw badInput(`${section}[${first}] has the same name: each is named once per manifest`);
      seen.set(entry.name, index);
      return { at, ...check(entry) };
    });
  });
}

/**
 * Every string of an entry, keys of nested JSON included, must be storable as it is (no NUL, no lone
 * surrogate: PostgreSQL would refuse the first, silently alter the second), and JSON may nest only so deep.
 * Walked without recursion, so no input can exhaust the stack.
 */
function checkStrings(entry: Record<string, unknown>): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: entry, path: '', depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (depth > MAX_JSON_DEPTH) throw badInput(`${path} nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (typeof value === 'string') {
      const problem = textProblem(value, { multiline: true });
      if (problem) throw badInput(`${path || 'a value'} ${problem}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        const keyProblem = textProblem(key, { multiline: false });
        if (keyProblem) throw badInput(`a key of ${path || 'the entry'} ${keyProblem}`);
        pending.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 });
      }
    }
  }
}

function string(entry: Record<string, unknown>, key: string): string {
  const value = entry[key];
  if (typeof value !== 'string') throw badInput(`${key} must be a string (got ${describe(value)})`);
  return value;
}

function optionalString(entry: Record<string, unknown>, key: string): string | null {
  return entry[key] === undefined || entry[key] === null ? null : string(entry, key);
}

function optionalBoolean(entry: Record<string, unknown>, key: string): boolean {
  const value = entry[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badInput(`${key} must be true or false (got ${describe(value)})`);
  return value;
}

const describe = (value: unknown) => (Array.isArray(value) ? 'a list' : value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 80));

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

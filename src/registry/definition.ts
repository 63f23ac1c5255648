// A feature version's definition in canonical form, and its content hash. Two inputs that mean the same thing
// (keys of `aggregation` in another order, "7d" spelt "168h") hash the same, so registering them again
// returns the existing version instead of creating a new one.
import { createHash } from 'node:crypto';
import { badInput } from '../core/errors.js';
import { freeText, jsonProblem, type JsonRules } from '../core/text.js';
import { canonicalDuration } from '../core/durations.js';
import { VALUE_TYPES, type ValueType } from './model.js';

export interface FeatureVersionInput {
  feature: string;
  entity: string;
  owner: string;
  valueType: string;
  window?: string | null;
  maxAge: string;
  aggregation?: unknown;
  description?: string | null;
  nullable?: boolean | null;
}

export interface Definition {
  valueType: ValueType;
  window: string | null;
  maxAge: string;
  aggregation: Record<string, unknown> | null;
  description: string | null;
  /** Whether a value may be null; otherwise writing null is refused. */
  nullable: boolean;
}

const MAX_AGGREGATION_BYTES = 16_384;
/**
 * An aggregation says what a feature computes ({"function": "mean", "source": "clicks", "metadata": {…}}): a few
 * levels are all it needs. Its strings may span lines (an expression) but hold no NUL and no lone surrogate,
 * which jsonb would refuse or turn into U+FFFD.
 */
const AGGREGATION_RULES: JsonRules = { maxDepth: 16, text: { multiline: true } };

/** Validates the definition part of an input and brings it to canonical form. */
export function canonicalDefinition(input: FeatureVersionInput): Definition {
  if (!(VALUE_TYPES as readonly string[]).includes(input.valueType)) {
    throw badInput(`valueType ${JSON.stringify(input.valueType)} is not one of ${VALUE_TYPES.join(', ')}`);
  }
  // The trimmed text is both what is hashed and what is stored.
  const description = freeText(input.description, 'description');
  return {
    valueType: input.valueType as ValueType,
    window: input.window == null ? null : canonicalDuration(input.window, 'window'),
    maxAge: canonicalDuration(input.maxAge, 'maxAge'),
    aggregation: canonicalAggregation(input.aggregation),
    description,
    nullable: input.nullable === true,
  };
}

function canonicalAggregation(aggregation: unknown): Record<string, unknown> | null {
  if (aggregation === undefined || aggregation === null) return null;
  if (typeof aggregation !== 'object' || Array.isArray(aggregation)) {
    throw badInput('aggregation must be a JSON object, e.g. {"function": "mean", "source": "clicks"}');
  }
  // Before anything that recurses over it (sorting its keys, serialising it).
  const problem = jsonProblem(aggregation, AGGREGATION_RULES);
  if (problem) throw badInput(`aggregation ${problem}`);
  const sorted = sortKeysDeep(aggregation) as Record<string, unknown>;
  if (JSON.stringify(sorted).length > MAX_AGGREGATION_BYTES) {
    throw badInput(`aggregation is larger than ${MAX_AGGREGATION_BYTES} bytes of JSON`);
  }
  return sorted;
}

/**
 * The same JSON with every object's keys in sorted order. jsonb hands keys back in an order of its own (shorter
 * keys first), so anything read from the database is brought back to this form before it is compared or shown.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** sha256 of the canonical definition; the order of `Definition`'s fields is fixed by this function. */
export function definitionHash(definition: Definition): string {
  const fields: unknown[] = [
    definition.valueType,
    definition.window,
    definition.maxAge,
    definition.aggregation,
    definition.description,
  ];
  // `nullable` came later: it joins the hash only when set, so definitions registered before keep their hash.
  if (definition.nullable) fields.push('nullable');
  const canonical = JSON.stringify(fields);
  return createHash('sha256').update(canonical).digest('hex');
}

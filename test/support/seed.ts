// The registrations most tests start from, sent as one mutation: entities, feature versions, then producers and
// consumers, each followed by its bindings. Mutation fields run in order, so each finds what the ones before it
// registered.
import { expect } from 'vitest';
import { gql } from './service.js';

export interface Seed {
  entities?: { name: string; keyName: string; description?: string }[];
  /** FeatureVersionInput: feature, entity, owner, valueType, maxAge, and any other field. */
  features?: Record<string, unknown>[];
  producers?: { name: string; owner: string; refs?: string[] }[];
  consumers?: { name: string; owner: string; refs?: string[] }[];
}

/** Registers and binds what `seed` lists (with `key` as the bearer, where auth is on); every field must succeed. */
export async function seed(service: { url: string }, what: Seed, key?: string): Promise<void> {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  /** A variable holding `value`, for the field's argument. */
  const arg = (type: string, value: unknown) => {
    const name = `v${declarations.length}`;
    declarations.push(`$${name}: ${type}`);
    variables[name] = value;
    return `$${name}`;
  };
  const fields: string[] = [];
  for (const [i, entity] of (what.entities ?? []).entries()) {
    const description = entity.description === undefined ? '' : `, description: ${arg('String', entity.description)}`;
    fields.push(`entity${i}: registerEntity(name: ${arg('String!', entity.name)}, keyName: ${arg('String!', entity.keyName)}${description}) { name }`);
  }
  for (const [i, input] of (what.features ?? []).entries()) {
    fields.push(`feature${i}: registerFeatureVersion(input: ${arg('FeatureVersionInput!', input)}) { created }`);
  }
  for (const [side, list] of [['Producer', what.producers], ['Consumer', what.consumers]] as const) {
    for (const [i, { name, owner, refs }] of (list ?? []).entries()) {
      fields.push(`register${side}${i}: register${side}(name: ${arg('String!', name)}, owner: ${arg('String!', owner)}) { name }`);
      if (refs) fields.push(`bind${side}${i}: bind${side}(${side.toLowerCase()}: ${arg('String!', name)}, refs: ${arg('[String!]!', refs)}) { name }`);
    }
  }
  const response = await gql(service, `mutation (${declarations.join(', ')}) {\n${fields.join('\n')}\n}`, variables, key);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
}

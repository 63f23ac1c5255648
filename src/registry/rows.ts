// Stored rows as the domain sees them: the one mapping from the registry's tables to its model objects, shared
// by the queries, the commands and the in-process snapshot (cache.ts), so that a version reads the same
// whichever path loaded it.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { consumerBindings, consumers, features, featureVersions, producerBindings, producers } from '../db/schema.js';
import { sortKeysDeep } from './definition.js';
import { effectiveStatus, formatRef, parseRef, type FeatureVersion, type ProducerBindingRow, type ValueType, type VersionStatus } from './model.js';

export type VersionRow = typeof featureVersions.$inferSelect;

export type PartyKind = 'producer' | 'consumer';

export const PARTY_TABLES = { producer: producers, consumer: consumers } as const;

/** The bindings table of a kind of party, and its column naming the party. */
export function bindingsOf(kind: PartyKind) {
  return kind === 'producer'
    ? { table: producerBindings, party: producerBindings.producer }
    : { table: consumerBindings, party: consumerBindings.consumer };
}

/** A stored version as the domain sees it at `now` (its status turns RETIRED once its sunset has passed). */
export function versionFromRow(row: VersionRow, now: Date): FeatureVersion {
  return {
    ref: formatRef(row.feature, row.version),
    feature: row.feature,
    version: row.version,
    status: effectiveStatus(row.status as VersionStatus, row.sunsetAt, now),
    valueType: row.valueType as ValueType,
    window: row.window,
    maxAge: row.maxAge,
    aggregation: sortKeysDeep(row.aggregation) as Record<string, unknown> | null,
    description: row.description,
    nullable: row.nullable,
    definitionHash: row.definitionHash,
    createdAt: row.createdAt,
    sunsetAt: row.sunsetAt,
  };
}

/** A stored producer binding as the production rules (model.ts) take it. */
export const producerBindingFromRow = (row: typeof producerBindings.$inferSelect): ProducerBindingRow => ({
  producer: row.producer,
  ref: formatRef(row.feature, row.version),
  boundAt: row.createdAt,
});

/** A feature's columns without its version counter, which is the commands' business alone. */
export const featureColumns = {
  name: features.name,
  entity: features.entity,
  owner: features.owner,
  createdAt: features.createdAt,
};

/** `(feature, version) in (...)` for the versions `refs` name (BAD_USER_INPUT for a malformed ref). */
export function isOneOfRefs(feature: PgColumn, version: PgColumn, refs: readonly string[]): SQL {
  const keys = refs.map(parseRef);
  return sql`(${feature}, ${version}) in (${sql.join(
    keys.map((k) => sql`(${k.feature}, ${k.version})`),
    sql`, `,
  )})`;
}

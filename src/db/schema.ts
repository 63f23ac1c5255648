// The registry's tables. drizzle-kit generates the SQL migrations in migrations/ from this file;
// the immutability and change-notification triggers live in a hand-written migration beside them.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const entities = pgTable('entities', {
  name: text('name').primaryKey(),
  keyName: text('key_name').notNull(),
  description: text('description'),
  // The team that may change the entity; null: only an admin may (entities registered before owners existed).
  owner: text('owner'),
  createdAt: createdAt(),
});

export const features = pgTable('features', {
  name: text('name').primaryKey(),
  entity: text('entity')
    .notNull()
    .references(() => entities.name),
  owner: text('owner').notNull(),
  // The highest version number handed out. Incremented under the feature's row lock, so concurrent
  // registrations get distinct numbers, and never decremented, so numbers are never reused.
  latestVersion: integer('latest_version').notNull().default(0),
  createdAt: createdAt(),
});

export const featureVersions = pgTable(
  'feature_versions',
  {
    feature: text('feature')
      .notNull()
      .references(() => features.name),
    version: integer('version').notNull(),
    // Definition columns: immutable once inserted (enforced by a trigger).
    valueType: text('value_type').notNull(),
    window: text('window'),
    maxAge: text('max_age').notNull(),
    aggregation: jsonb('aggregation'),
    description: text('description'),
    // Whether a value may be null. Added after the first release: false keeps old definitions' hashes.
    nullable: boolean('nullable').notNull().default(false),
    definitionHash: text('definition_hash').notNull(),
    createdAt: createdAt(),
    // Lifecycle columns: the only ones an UPDATE may touch.
    status: text('status').notNull(),
    sunsetAt: timestamp('sunset_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.feature, t.version] }),
    unique('feature_versions_definition_unique').on(t.feature, t.definitionHash),
    check('feature_versions_status_check', sql`${t.status} in ('DRAFT', 'ACTIVE', 'DEPRECATED', 'RETIRED')`),
    check(
      'feature_versions_value_type_check',
      sql`${t.valueType} in ('INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST')`,
    ),
  ],
);

export const producers = pgTable('producers', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  description: text('description'),
  createdAt: createdAt(),
});

export const consumers = pgTable('consumers', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  description: text('description'),
  createdAt: createdAt(),
});

export const producerBindings = pgTable(
  'producer_bindings',
  {
    producer: text('producer')
      .notNull()
      .references(() => producers.name),
    feature: text('feature').notNull(),
    version: integer('version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.producer, t.feature, t.version] }),
    foreignKey({ columns: [t.feature, t.version], foreignColumns: [featureVersions.feature, featureVersions.version] }),
    index('producer_bindings_version_idx').on(t.feature, t.version),
  ],
);

// The primary key (consumer, feature) is what makes "one version per feature" hold.
export const consumerBindings = pgTable(
  'consumer_bindings',
  {
    consumer: text('consumer')
      .notNull()
      .references(() => consumers.name),
    feature: text('feature').notNull(),
    version: integer('version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.consumer, t.feature] }),
    foreignKey({ columns: [t.feature, t.version], foreignColumns: [featureVersions.feature, featureVersions.version] }),
    index('consumer_bindings_version_idx').on(t.feature, t.version),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial('id').primaryKey(),
    // SHA-256 of the key: keys are 256-bit random strings, so a fast hash is enough (no dictionary to guess from).
    keyHash: text('key_hash').notNull().unique(),
    team: text('team').notNull(),
    role: text('role').notNull(),
    // What the key is for, in its creator's words (null for keys made before labels existed).
    label: text('label'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    // To the minute: each instance records a key's use at most once a minute.
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [check('api_keys_role_check', sql`${t.role} in ('reader', 'producer', 'owner', 'admin')`)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().default(sql`now()`),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [index('audit_log_target_idx').on(t.target)],
);

// The PostgreSQL online store (embedded mode, and server mode without Redis): the latest value of each
// (entity key, feature version). The value is the validated JSON text; times are epoch milliseconds.
export const onlineValues = pgTable(
  'online_values',
  {
    entity: text('entity').notNull(),
    entityKey: text('entity_key').notNull(),
    ref: text('ref').notNull(),
    value: text('value').notNull(),
    eventTime: bigint('event_time', { mode: 'number' }).notNull(),
    ingestTime: bigint('ingest_time', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.entity, t.entityKey, t.ref] })],
);

// Event-lag observations per version and time bucket, as counts per logarithmic lag bin (src/online/lag-histogram.ts).
export const eventLagCounts = pgTable(
  'event_lag_counts',
  {
    ref: text('ref').notNull(),
    bucketStart: bigint('bucket_start', { mode: 'number' }).notNull(),
    bin: integer('bin').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ref, t.bucketStart, t.bin] })],
);

// Read counts of entity keys per time bucket, for hot-key detection in the PostgreSQL store: each instance adds
// its heaviest keys every second; the key '' holds the bucket's total reads.
export const readCounts = pgTable(
  'read_counts',
  {
    bucketStart: bigint('bucket_start', { mode: 'number' }).notNull(),
    key: text('key').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucketStart, t.key] })],
);

// Value distributions per version and time bucket (DISTRIBUTION_BUCKET, default 1 h), fed by the write path:
// each instance aggregates in memory and adds its figures here every few seconds. Numbers are the values
// themselves (INT64, FLOAT64), 0/1 (BOOL), or lengths (STRING, lists).
export const valueDistributions = pgTable(
  'value_distributions',
  {
    ref: text('ref').notNull(),
    bucketStart: bigint('bucket_start', { mode: 'number' }).notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    nullCount: bigint('null_count', { mode: 'number' }).notNull(),
    integralCount: bigint('integral_count', { mode: 'number' }).notNull(),
    min: doublePrecision('min'),
    max: doublePrecision('max'),
    // Exact decimals, not doubles: a sum of squares of FLOAT64 values near 1e308 is far beyond a double's range.
    sum: numeric('sum').notNull(),
    sumSquares: numeric('sum_squares').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ref, t.bucketStart] })],
);

// The histogram of each distribution bucket: logarithmic bins 5% wide, signed (src/monitoring/value-bins.ts).
export const valueDistributionBins = pgTable(
  'value_distribution_bins',
  {
    ref: text('ref').notNull(),
    bucketStart: bigint('bucket_start', { mode: 'number' }).notNull(),
    bin: integer('bin').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ref, t.bucketStart, t.bin] })],
);

// Entity keys producers shadow-wrote to DRAFT versions (at most 1,000 per version): where validation compares
// the DRAFT with the live version, key by key.
export const shadowKeys = pgTable(
  'shadow_keys',
  {
    ref: text('ref').notNull(),
    entityKey: text('entity_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ref, t.entityKey] })],
);

// When each DRAFT version was last shadow-written: a validation report older than that no longer vouches for it.
export const shadowWrites = pgTable('shadow_writes', {
  ref: text('ref').primaryKey(),
  lastWriteAt: timestamp('last_write_at', { withTimezone: true }).notNull(),
});

// Validation reports of DRAFT versions against the live version: pass/fail per check, with the numbers.
export const validationReports = pgTable(
  'validation_reports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ref: text('ref').notNull(),
    comparedWith: text('compared_with'),
    createdAt: createdAt(),
    passed: boolean('passed').notNull(),
    sampleSize: integer('sample_size').notNull(),
    checks: jsonb('checks').notNull(),
  },
  (t) => [index('validation_reports_ref_idx').on(t.ref, t.createdAt)],
);

// When each producer last wrote each version (an accepted or superseded row), as far as any instance has told:
// each instance keeps the times in memory and adds them here every few seconds with GREATEST, so the newest
// write of all instances wins. It has no registry_changed trigger on purpose: a flush must not make every
// instance reload its registry snapshot. Read with a short TTL by the verdicts on bindings (moved on or not).
export const producerWrites = pgTable(
  'producer_writes',
  {
    producer: text('producer').notNull(),
    feature: text('feature').notNull(),
    version: integer('version').notNull(),
    lastWrittenAt: timestamp('last_written_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.producer, t.feature, t.version] })],
);

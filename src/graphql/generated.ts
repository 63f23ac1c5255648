// Generated from schema.graphql by `npm run codegen`: do not edit.
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Entity as EntityModel, Feature as FeatureModel, FeatureVersion as FeatureVersionModel, Party as PartyModel, ProducerBinding as ProducerBindingModel, BindingMismatch as BindingMismatchModel } from '../registry/model.js';
import type { AuditEntry as AuditEntryModel } from '../registry/audit-trail.js';
import type { OnlineFeaturesResult as OnlineFeaturesResultModel, OnlineRow as OnlineRowModel, OnlineValue as OnlineValueModel } from '../online/reader.js';
import type { WriteResult as WriteResultModel } from '../online/writer.js';
import type { EventLagStats as EventLagStatsModel } from '../online/event-lag.js';
import type { HotKey as HotKeyModel } from '../hotkeys/hot-keys.js';
import type { DistributionBucket as DistributionBucketModel } from '../monitoring/distributions.js';
import type { ValidationReport as ValidationReportModel } from '../monitoring/validation.js';
import type { RegisteredVersion as RegisteredVersionModel } from '../registry/registry.js';
import type { ApiKeyRecord as ApiKeyRecordModel } from '../auth/keys.js';
import type { RequestContext } from './context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An RFC 3339 timestamp, e.g. 2026-11-26T12:00:00Z. */
  DateTime: { input: Date; output: Date | number; }
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
};

export type Alert = {
  __typename?: 'Alert';
  kind: AlertKind;
  message: Scalars['String']['output'];
  /** When this instance first saw it; it clears with its cause. */
  since: Scalars['DateTime']['output'];
  /** A version ref, `consumer → ref`, or `entity:entityKey`. */
  subject: Scalars['String']['output'];
  threshold?: Maybe<Scalars['Float']['output']>;
  value?: Maybe<Scalars['Float']['output']>;
};

export type AlertKind =
  | 'DRIFT'
  | 'HOT_KEY'
  | 'LAG_EXCEEDS_WINDOW'
  | 'VERSION_MISMATCH';

/** An API key as its holders and admins see it: never its secret, nor a hash of it. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  /** After this the key is refused (401); null: it does not expire. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  /** What the key is for; null for keys made before labels existed. */
  label?: Maybe<Scalars['String']['output']>;
  /** When it was last used, to the minute (each instance records it at most once a minute). */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  /** reader, producer, owner or admin. */
  role: Scalars['String']['output'];
  team: Scalars['String']['output'];
};

/** One registry change. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  action: Scalars['String']['output'];
  /** The API key that made it (`team:role#id`), or `anonymous` with auth off. */
  actor: Scalars['String']['output'];
  after?: Maybe<Scalars['JSON']['output']>;
  at: Scalars['DateTime']['output'];
  before?: Maybe<Scalars['JSON']['output']>;
  reason?: Maybe<Scalars['String']['output']>;
  subject: Scalars['String']['output'];
};

export type BindingMismatch = {
  __typename?: 'BindingMismatch';
  consumer: Consumer;
  pinned: FeatureVersion;
  /** The versions of the feature that producers write now. */
  produced: Array<FeatureVersion>;
  reason: Scalars['String']['output'];
};

/**
 * How a new definition relates to the feature's live (latest ACTIVE) version.
 * - IDENTICAL: the same definition; the existing version is returned.
 * - COMPATIBLE: nothing consumers compute with changes (description, aggregation.metadata, a stricter maxAge, null no longer allowed).
 * - WIDENING: every old value is still valid (INT64 → FLOAT64, a longer maxAge, null allowed).
 * - BREAKING: the values mean something else (another or narrower type, another aggregation or window).
 */
export type Compatibility =
  | 'BREAKING'
  | 'COMPATIBLE'
  | 'IDENTICAL'
  | 'WIDENING';

export type Consumer = {
  __typename?: 'Consumer';
  description?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  owner: Scalars['String']['output'];
  versions: Array<FeatureVersion>;
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  key: ApiKey;
  /** The secret to send as "Authorization: Bearer <secret>": shown only here, stored only as a hash. */
  secret: Scalars['String']['output'];
};

/**
 * A plan: the actions applying a manifest would carry out, each a JSON object with an `action`
 * (registerEntity, describeEntity, registerVersion, registerProducer, describeProducer, registerConsumer,
 * describeConsumer, bindProducer, unbindProducer, pinConsumer). Identical definitions show nothing.
 */
export type DefinitionPlan = {
  __typename?: 'DefinitionPlan';
  actions: Array<Scalars['JSON']['output']>;
  /** How many actions; 0 when the registry already matches the manifest. */
  changes: Scalars['Int']['output'];
  /** sha256 of the canonical actions: pass it to applyDefinitions as expectedPlan. */
  hash: Scalars['String']['output'];
  /** What stays waiting: a DRAFT to validate and activate, consumers that stay where they are, shadow writes. */
  notes: Array<Scalars['String']['output']>;
  /** The plan as a readable table. */
  text: Scalars['String']['output'];
};

/**
 * The distribution of a version's accepted values in one time bucket. The numbers are the values (INT64,
 * FLOAT64), 0/1 (BOOL), or lengths (STRING and lists).
 */
export type DistributionBucket = {
  __typename?: 'DistributionBucket';
  count: Scalars['Int']['output'];
  end: Scalars['DateTime']['output'];
  /** Logarithmic bins 5% wide, in value order. */
  histogram: Array<HistogramBin>;
  /** Share of non-null values that are whole numbers (a FLOAT64 feature fed integer-division results shows 1.0). */
  integralShare?: Maybe<Scalars['Float']['output']>;
  max?: Maybe<Scalars['Float']['output']>;
  mean?: Maybe<Scalars['Float']['output']>;
  min?: Maybe<Scalars['Float']['output']>;
  nullCount: Scalars['Int']['output'];
  p50?: Maybe<Scalars['Float']['output']>;
  p90?: Maybe<Scalars['Float']['output']>;
  p99?: Maybe<Scalars['Float']['output']>;
  start: Scalars['DateTime']['output'];
  stddev?: Maybe<Scalars['Float']['output']>;
};

export type Entity = {
  __typename?: 'Entity';
  description?: Maybe<Scalars['String']['output']>;
  features: Array<Feature>;
  keyName: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** The team whose owners may change it; null: admin-owned (only an admin may change it). */
  owner?: Maybe<Scalars['String']['output']>;
};

export type EntityKey = {
  __typename?: 'EntityKey';
  entity: Scalars['String']['output'];
  key: Scalars['String']['output'];
};

export type EntityKeyInput = {
  entity: Scalars['String']['input'];
  key: Scalars['String']['input'];
};

/** One row's keys: one per entity. An entity that no feature read needs is allowed and not read. */
export type EntityRowInput = {
  keys: Array<EntityKeyInput>;
};

export type EventLagStats = {
  __typename?: 'EventLagStats';
  /** p95 exceeds the version's window (or maxAge): this sets PRODUCER_LAGGING on reads. */
  exceedsWindow: Scalars['Boolean']['output'];
  maxMs?: Maybe<Scalars['Float']['output']>;
  p50Ms?: Maybe<Scalars['Float']['output']>;
  p95Ms?: Maybe<Scalars['Float']['output']>;
  p99Ms?: Maybe<Scalars['Float']['output']>;
  ref: Scalars['String']['output'];
  samples: Scalars['Int']['output'];
};

/** A feature and the definitionHash of the version a client expects for it (the one it was built for). */
export type ExpectedDefinitionInput = {
  /** FeatureVersion.definitionHash: 64 lowercase hex digits. */
  definitionHash: Scalars['String']['input'];
  feature: Scalars['String']['input'];
};

export type Feature = {
  __typename?: 'Feature';
  entity: Entity;
  name: Scalars['String']['output'];
  owner: Scalars['String']['output'];
  versions: Array<FeatureVersion>;
};

export type FeatureValueInput = {
  /** 1 to MAX_ENTITY_KEY_BYTES (default 256) bytes of UTF-8: well-formed, no control characters. */
  entityKey: Scalars['String']['input'];
  /** When the event happened; at most MAX_FUTURE_SKEW (default 30s) in the future. Kept to the millisecond: finer digits are dropped. */
  eventTime: Scalars['DateTime']['input'];
  /** name@N, or the bare feature name when the producer is bound to exactly one live version of it (two: CONFLICT). */
  ref: Scalars['String']['input'];
  /** Checked strictly against the version's type: INT64 beyond ±2^53 as a decimal string; strings without NUL or lone surrogates. */
  value?: InputMaybe<Scalars['JSON']['input']>;
};

export type FeatureVersion = {
  __typename?: 'FeatureVersion';
  aggregation?: Maybe<Scalars['JSON']['output']>;
  consumers: Array<Consumer>;
  createdAt: Scalars['DateTime']['output'];
  /** sha256 of the canonical definition. */
  definitionHash: Scalars['String']['output'];
  description?: Maybe<Scalars['String']['output']>;
  feature: Feature;
  maxAge: Scalars['String']['output'];
  nullable: Scalars['Boolean']['output'];
  producers: Array<Producer>;
  ref: Scalars['String']['output'];
  status: VersionStatus;
  sunsetAt?: Maybe<Scalars['DateTime']['output']>;
  valueType: ValueType;
  version: Scalars['Int']['output'];
  window?: Maybe<Scalars['String']['output']>;
};

export type FeatureVersionInput = {
  /** Function, source, expression: part of the definition. */
  aggregation?: InputMaybe<Scalars['JSON']['input']>;
  /** Part of the definition. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** The entity it describes (registered first). */
  entity: Scalars['String']['input'];
  /** Feature name, [a-z][a-z0-9_]*. */
  feature: Scalars['String']['input'];
  /** Freshness budget: a value older than this is STALE. */
  maxAge: Scalars['String']['input'];
  /** Whether a value may be null (default false): part of the definition. */
  nullable?: InputMaybe<Scalars['Boolean']['input']>;
  /** The owning team. A feature keeps one owner. */
  owner: Scalars['String']['input'];
  valueType: ValueType;
  /** Aggregation window such as "5m" or "7d"; null for non-windowed features. */
  window?: InputMaybe<Scalars['String']['input']>;
};

export type FlagCount = {
  __typename?: 'FlagCount';
  count: Scalars['Int']['output'];
  flag: ReadFlag;
};

export type HistogramBin = {
  __typename?: 'HistogramBin';
  count: Scalars['Int']['output'];
  lower: Scalars['Float']['output'];
  upper: Scalars['Float']['output'];
};

export type HotKey = {
  __typename?: 'HotKey';
  /** Served from the hot-entity cache of this instance. */
  cached: Scalars['Boolean']['output'];
  entity: Scalars['String']['output'];
  entityKey: Scalars['String']['output'];
  /** Reads per second over the window, all instances together. */
  readsPerSecond: Scalars['Float']['output'];
  /** Replicated to other Redis Cluster shards. */
  replicated: Scalars['Boolean']['output'];
  /** Share of all entity-key reads in the window. */
  share: Scalars['Float']['output'];
  /** When this key turned hot (share above HOT_KEY_SHARE); null when it is in the list but not hot. */
  since?: Maybe<Scalars['DateTime']['output']>;
};

/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * DRAFT → ACTIVE. Needs a passing validation report newer than the DRAFT's last shadow write, unless force is
   * true, which needs a reason. Both are kept in the audit log.
   * DEPRECATED → ACTIVE before the sunset is a rollback: it needs a reason, clears sunsetAt and is audited as
   * version.reactivated. RETIRED is final.
   */
  activateFeatureVersion?: Maybe<FeatureVersion>;
  /**
   * Applies a definitions manifest in one transaction (all or nothing), one apply at a time. With expectedPlan
   * (a plan's hash), refused with CONFLICT when the plan has changed since: nothing is applied. Each action needs
   * what its mutation needs (registerFeatureVersion, bindProducer, ...). Returns the plan it carried out.
   */
  applyDefinitions?: Maybe<DefinitionPlan>;
  /** Pins a consumer to one version per feature; binding another version of a feature replaces the old binding. */
  bindConsumer?: Maybe<Consumer>;
  /** Binds a producer to the versions it writes: a grant from each feature's team (an owner of it, or an admin). */
  bindProducer?: Maybe<Producer>;
  /**
   * Creates an API key and returns its secret, shown this once. An admin creates any key; an owner creates keys
   * for its own team up to the owner role. label says what it is for; expiresAt, when given, must be in the future.
   */
  createApiKey?: Maybe<CreatedApiKey>;
  /** → DEPRECATED, served (and flagged) until sunsetAt, then RETIRED. */
  deprecateFeatureVersion?: Maybe<FeatureVersion>;
  registerConsumer?: Maybe<Consumer>;
  /**
   * Registers an entity (a kind of thing features describe), owned by owner (the caller must be an owner of that
   * team), else by the caller's team (admin-owned when an admin registers it). Registering it again with the same
   * key name returns it; a new description or owner needs an owner of the entity's team, or an admin.
   */
  registerEntity?: Maybe<Entity>;
  /** Registers a feature version: an identical definition returns the existing version (created: false); a different one creates N+1 as DRAFT. */
  registerFeatureVersion?: Maybe<RegisterFeatureVersionPayload>;
  registerProducer?: Maybe<Producer>;
  /** Revokes a key (for good; revoking it again returns it unchanged): an admin any key, an owner its own team's keys up to the owner role. */
  revokeApiKey?: Maybe<ApiKey>;
  /**
   * Removes a producer's bindings to refs (refs it is not bound to are left alone): for an owner of the feature's
   * team or of the producer's team, or an admin.
   */
  unbindProducer?: Maybe<Producer>;
  /** Checks a DRAFT against history (its shadow-written values against the live version's) and stores the report. */
  validateFeatureVersion?: Maybe<ValidationReport>;
  /**
   * Writes online values as a producer bound to each row's version. Bad rows are rejected one by one (with their
   * index); the others are applied. A row not newer than the stored value for its key is superseded, not applied.
   */
  writeFeatureValues?: Maybe<WriteResult>;
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationActivateFeatureVersionArgs = {
  force?: InputMaybe<Scalars['Boolean']['input']>;
  reason?: InputMaybe<Scalars['String']['input']>;
  ref: Scalars['String']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationApplyDefinitionsArgs = {
  expectedPlan?: InputMaybe<Scalars['String']['input']>;
  manifest: Scalars['JSON']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationBindConsumerArgs = {
  consumer: Scalars['String']['input'];
  refs: Array<Scalars['String']['input']>;
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationBindProducerArgs = {
  producer: Scalars['String']['input'];
  refs: Array<Scalars['String']['input']>;
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationCreateApiKeyArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  label: Scalars['String']['input'];
  role: Scalars['String']['input'];
  team: Scalars['String']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationDeprecateFeatureVersionArgs = {
  reason?: InputMaybe<Scalars['String']['input']>;
  ref: Scalars['String']['input'];
  sunsetAt: Scalars['DateTime']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationRegisterConsumerArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  owner: Scalars['String']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationRegisterEntityArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  keyName: Scalars['String']['input'];
  name: Scalars['String']['input'];
  owner?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationRegisterFeatureVersionArgs = {
  input: FeatureVersionInput;
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationRegisterProducerArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  owner: Scalars['String']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationUnbindProducerArgs = {
  producer: Scalars['String']['input'];
  refs: Array<Scalars['String']['input']>;
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationValidateFeatureVersionArgs = {
  ref: Scalars['String']['input'];
};


/**
 * Mutations run one after another, in the order written. Their results are nullable so that each field reports its
 * own result or error: a field that fails is null with its error, and the fields before and after it keep the
 * results they committed.
 */
export type MutationWriteFeatureValuesArgs = {
  producer: Scalars['String']['input'];
  rows: Array<FeatureValueInput>;
};

export type OnlineFeaturesResult = {
  __typename?: 'OnlineFeaturesResult';
  /** How many values carry each flag, over the whole response (flags that occur). */
  flagCounts: Array<FlagCount>;
  /** One per requested key (entityKeys) or row (rows), in request order. */
  rows: Array<OnlineRow>;
  /** Why values carry a flag, once per feature: a definition the read expects (expect) that is no longer the consumer's pin. */
  warnings: Array<ReadWarning>;
};

export type OnlineRow = {
  __typename?: 'OnlineRow';
  /**
   * The key, for a row of one key (every entityKeys read); for a row of several, its keys as entity:key in
   * request order joined by commas (user:u1,merchant:m7): a label for logs, read keys to tell them apart.
   */
  entityKey: Scalars['String']['output'];
  features: Array<OnlineValue>;
  /** The row's keys as sent, one per entity (for entityKeys: the key, with the entity of the features read). */
  keys: Array<EntityKey>;
};

export type OnlineValue = {
  __typename?: 'OnlineValue';
  /** now − eventTime */
  ageMs?: Maybe<Scalars['Float']['output']>;
  eventTime?: Maybe<Scalars['DateTime']['output']>;
  feature: Scalars['String']['output'];
  flags: Array<ReadFlag>;
  ref: Scalars['String']['output'];
  servedFrom: ServedFrom;
  value?: Maybe<Scalars['JSON']['output']>;
  version: Scalars['Int']['output'];
};

export type Producer = {
  __typename?: 'Producer';
  /** Each version the producer is bound to, when it last wrote it, and whether it has moved on from it. */
  bindings: Array<ProducerBinding>;
  description?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  owner: Scalars['String']['output'];
  versions: Array<FeatureVersion>;
};

/**
 * A producer's binding to a version as it is now. The producer has moved on when it has not written the version
 * for longer than its budget (maxAge, or window when longer; a new binding gets one budget of grace) while
 * another version of the feature is being written: the version then no longer counts as produced.
 */
export type ProducerBinding = {
  __typename?: 'ProducerBinding';
  /** The newest row the producer wrote to this version (accepted or superseded), as far as the service knows (a few seconds behind); null when never. */
  lastWrittenAt?: Maybe<Scalars['DateTime']['output']>;
  movedOn: Scalars['Boolean']['output'];
  version: FeatureVersion;
};

export type Query = {
  __typename?: 'Query';
  /** What is wrong now: LAG_EXCEEDS_WINDOW, VERSION_MISMATCH, DRIFT, HOT_KEY, with since-when and the figures. */
  alerts: Array<Alert>;
  /** API keys, never their secrets: every key for an admin, its own team's for an owner; other roles are refused. */
  apiKeys: Array<ApiKey>;
  /**
   * The audit log, newest first: every registry change with who made it, before and after, and its reason.
   * subject: `kind:name` as recorded (`version:click_rate_7d@2`, `producer:clicks_pipeline`), or a bare name or ref
   * (matches every kind); action: e.g. `version.activate`; before: entries older than this time (to page back);
   * limit: 1 to 1000.
   */
  auditLog: Array<AuditEntry>;
  /** Consumer bindings whose version no producer writes while another version has a producer, or whose version is deprecated or retired. */
  bindingMismatches: Array<BindingMismatch>;
  consumer?: Maybe<Consumer>;
  entity?: Maybe<Entity>;
  /** Event lag (ingest time − event time) of a version over the recent window (LAG_WINDOW, default 5 minutes). Null for an unknown version. */
  eventLag?: Maybe<EventLagStats>;
  /** The registry's current state as a manifest (the live version of each feature), so it can move into git. */
  exportDefinitions: Scalars['JSON']['output'];
  /** A feature with its versions. */
  feature?: Maybe<Feature>;
  /** One version for each key, without a consumer: for exploration. */
  featureValues: OnlineFeaturesResult;
  /** A version by ref, e.g. click_rate_7d@2. */
  featureVersion?: Maybe<FeatureVersion>;
  features: Array<Feature>;
  /** The cluster-wide most-read entity keys over the hot-key window (HOT_KEY_WINDOW, default 60 s), hottest first. */
  hotKeys: Array<HotKey>;
  /**
   * The consumer's pinned version of each feature for each row, in request order, with freshness and version flags.
   * Send exactly one of entityKeys (the shorthand when every feature read describes one entity) and rows (a key per
   * entity: { keys: [{ entity: "user", key: "u1" }, { entity: "merchant", key: "m7" }] }). features: read only these
   * features of the consumer's pins (by feature name, in this order); all of them when left out.
   * expect: the definition each feature should have (what a generated client was generated against): a feature
   * whose pin has another definitionHash now is flagged VERSION_MISMATCH, and warnings says why.
   */
  onlineFeatures: OnlineFeaturesResult;
  /**
   * What applying a definitions manifest would change now (DESIGN section 7): entities to register, new versions
   * (their number, compatibility and the consumers pinned to the live version), producers to bind or unbind,
   * consumers to pin. manifest: { entities, features, producers, consumers }, as the registry CLI sends it. A
   * refused entry is named in the message and in extensions.entry { section, index, name } (extensions.problem:
   * the message without the entry), so a tool can say which file it came from.
   */
  planDefinitions: DefinitionPlan;
  producer?: Maybe<Producer>;
  /** The validation reports of a version, newest first. */
  validationReports: Array<ValidationReport>;
  /** A version's value distribution per time bucket (DISTRIBUTION_BUCKET, default 1 h) starting within [from, to); default the last 24 hours. */
  valueDistribution: Array<DistributionBucket>;
};


export type QueryAuditLogArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['DateTime']['input']>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  subject?: InputMaybe<Scalars['String']['input']>;
};


export type QueryConsumerArgs = {
  name: Scalars['String']['input'];
};


export type QueryEntityArgs = {
  name: Scalars['String']['input'];
};


export type QueryEventLagArgs = {
  ref: Scalars['String']['input'];
};


export type QueryFeatureArgs = {
  name: Scalars['String']['input'];
};


export type QueryFeatureValuesArgs = {
  entityKeys: Array<Scalars['String']['input']>;
  ref: Scalars['String']['input'];
};


export type QueryFeatureVersionArgs = {
  ref: Scalars['String']['input'];
};


export type QueryHotKeysArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOnlineFeaturesArgs = {
  consumer: Scalars['String']['input'];
  entityKeys?: InputMaybe<Array<Scalars['String']['input']>>;
  expect?: InputMaybe<Array<ExpectedDefinitionInput>>;
  features?: InputMaybe<Array<Scalars['String']['input']>>;
  rows?: InputMaybe<Array<EntityRowInput>>;
};


export type QueryPlanDefinitionsArgs = {
  manifest: Scalars['JSON']['input'];
};


export type QueryProducerArgs = {
  name: Scalars['String']['input'];
};


export type QueryValidationReportsArgs = {
  ref: Scalars['String']['input'];
};


export type QueryValueDistributionArgs = {
  from?: InputMaybe<Scalars['DateTime']['input']>;
  ref: Scalars['String']['input'];
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

/**
 * Flags on an online value: the quiet failures of a feature store, made explicit.
 * - MISSING: no value stored for this key and version.
 * - STALE: now − eventTime > the version's maxAge.
 * - VERSION_MISMATCH: no producer writes the consumer's pinned version while one writes another version of the feature;
 *   or the read expects another definition than the pin (onlineFeatures expect, sent by a generated client).
 * - DEPRECATED_VERSION: the pinned version is deprecated (value still served until its sunset).
 * - RETIRED_VERSION: the pinned version is past its sunset (value not served).
 * - PRODUCER_LAGGING: the version's recent event lag (p95) exceeds its window, or maxAge where it has none.
 * - TYPE_MISMATCH: the stored value does not conform to the version's type (written around the API).
 * - DRIFT: the version's latest value distribution differs from its reference (its first day) beyond DRIFT_PSI.
 */
export type ReadFlag =
  | 'DEPRECATED_VERSION'
  | 'DRIFT'
  | 'MISSING'
  | 'PRODUCER_LAGGING'
  | 'RETIRED_VERSION'
  | 'STALE'
  | 'TYPE_MISMATCH'
  | 'VERSION_MISMATCH';

/** Why a feature's values carry a flag, said once per response rather than on every value. */
export type ReadWarning = {
  __typename?: 'ReadWarning';
  feature: Scalars['String']['output'];
  flag: ReadFlag;
  message: Scalars['String']['output'];
};

export type RegisterFeatureVersionPayload = {
  __typename?: 'RegisterFeatureVersionPayload';
  /** The live version it was compared with. */
  comparedWith?: Maybe<FeatureVersion>;
  /** Null for a feature's first version: there is nothing to compare with. */
  compatibility?: Maybe<Compatibility>;
  /** False when an identical definition was already registered and that version is returned. */
  created: Scalars['Boolean']['output'];
  /** Consumers pinned to that version: the ones to move (with bindConsumer) once this version is ACTIVE. */
  pinnedConsumers: Array<Consumer>;
  /** What changed, one reason per change. */
  reasons: Array<Scalars['String']['output']>;
  version: FeatureVersion;
};

export type RowError = {
  __typename?: 'RowError';
  code: Scalars['String']['output'];
  index: Scalars['Int']['output'];
  message: Scalars['String']['output'];
};

/** Where an online value was read from. */
export type ServedFrom =
  /** this instance's hot-entity cache (never older than HOT_CACHE_BOUND, nor a tenth of maxAge) */
  | 'CACHE'
  /** a replica copy of a hot key on another Redis Cluster shard */
  | 'REPLICA'
  /** the store's primary copy */
  | 'STORE';

/** One check: type, shared_keys, psi, mean_shift, stddev_ratio, null_rate_change, integral_share_change. */
export type ValidationCheck = {
  __typename?: 'ValidationCheck';
  message: Scalars['String']['output'];
  name: Scalars['String']['output'];
  passed: Scalars['Boolean']['output'];
  threshold?: Maybe<Scalars['Float']['output']>;
  value?: Maybe<Scalars['Float']['output']>;
};

/** A DRAFT version checked against the live version, key by key, before it goes live. */
export type ValidationReport = {
  __typename?: 'ValidationReport';
  checks: Array<ValidationCheck>;
  /** The live (latest ACTIVE) version it was compared with; null when there is none. */
  comparedWith?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  passed: Scalars['Boolean']['output'];
  ref: Scalars['String']['output'];
  /** Keys with a value in both versions. */
  sampleSize: Scalars['Int']['output'];
};

export type ValueType =
  | 'BOOL'
  | 'FLOAT64'
  | 'FLOAT64_LIST'
  | 'INT64'
  | 'STRING'
  | 'STRING_LIST';

/** A version's lifecycle; it only moves forward. DEPRECATED turns RETIRED when its sunset passes. */
export type VersionStatus =
  | 'ACTIVE'
  | 'DEPRECATED'
  | 'DRAFT'
  | 'RETIRED';

export type WriteResult = {
  __typename?: 'WriteResult';
  /** Rows applied. */
  accepted: Scalars['Int']['output'];
  errors: Array<RowError>;
  /** Invalid rows: nothing of them written. */
  rejected: Scalars['Int']['output'];
  /** Rows older than (or as old as) the stored value, or than a newer row for the same key in the batch: not applied, not an error. */
  superseded: Scalars['Int']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Alert: ResolverTypeWrapper<Alert>;
  AlertKind: AlertKind;
  ApiKey: ResolverTypeWrapper<ApiKeyRecordModel>;
  AuditEntry: ResolverTypeWrapper<AuditEntryModel>;
  BindingMismatch: ResolverTypeWrapper<BindingMismatchModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Compatibility: Compatibility;
  Consumer: ResolverTypeWrapper<PartyModel>;
  CreatedApiKey: ResolverTypeWrapper<Omit<CreatedApiKey, 'key'> & { key: ResolversTypes['ApiKey'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DefinitionPlan: ResolverTypeWrapper<DefinitionPlan>;
  DistributionBucket: ResolverTypeWrapper<DistributionBucketModel>;
  Entity: ResolverTypeWrapper<EntityModel>;
  EntityKey: ResolverTypeWrapper<EntityKey>;
  EntityKeyInput: EntityKeyInput;
  EntityRowInput: EntityRowInput;
  EventLagStats: ResolverTypeWrapper<EventLagStatsModel>;
  ExpectedDefinitionInput: ExpectedDefinitionInput;
  Feature: ResolverTypeWrapper<FeatureModel>;
  FeatureValueInput: FeatureValueInput;
  FeatureVersion: ResolverTypeWrapper<FeatureVersionModel>;
  FeatureVersionInput: FeatureVersionInput;
  FlagCount: ResolverTypeWrapper<FlagCount>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  HistogramBin: ResolverTypeWrapper<HistogramBin>;
  HotKey: ResolverTypeWrapper<HotKeyModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OnlineFeaturesResult: ResolverTypeWrapper<OnlineFeaturesResultModel>;
  OnlineRow: ResolverTypeWrapper<OnlineRowModel>;
  OnlineValue: ResolverTypeWrapper<OnlineValueModel>;
  Producer: ResolverTypeWrapper<PartyModel>;
  ProducerBinding: ResolverTypeWrapper<ProducerBindingModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReadFlag: ReadFlag;
  ReadWarning: ResolverTypeWrapper<ReadWarning>;
  RegisterFeatureVersionPayload: ResolverTypeWrapper<RegisteredVersionModel>;
  RowError: ResolverTypeWrapper<RowError>;
  ServedFrom: ServedFrom;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ValidationCheck: ResolverTypeWrapper<ValidationCheck>;
  ValidationReport: ResolverTypeWrapper<ValidationReportModel>;
  ValueType: ValueType;
  VersionStatus: VersionStatus;
  WriteResult: ResolverTypeWrapper<WriteResultModel>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Alert: Alert;
  ApiKey: ApiKeyRecordModel;
  AuditEntry: AuditEntryModel;
  BindingMismatch: BindingMismatchModel;
  Boolean: Scalars['Boolean']['output'];
  Consumer: PartyModel;
  CreatedApiKey: Omit<CreatedApiKey, 'key'> & { key: ResolversParentTypes['ApiKey'] };
  DateTime: Scalars['DateTime']['output'];
  DefinitionPlan: DefinitionPlan;
  DistributionBucket: DistributionBucketModel;
  Entity: EntityModel;
  EntityKey: EntityKey;
  EntityKeyInput: EntityKeyInput;
  EntityRowInput: EntityRowInput;
  EventLagStats: EventLagStatsModel;
  ExpectedDefinitionInput: ExpectedDefinitionInput;
  Feature: FeatureModel;
  FeatureValueInput: FeatureValueInput;
  FeatureVersion: FeatureVersionModel;
  FeatureVersionInput: FeatureVersionInput;
  FlagCount: FlagCount;
  Float: Scalars['Float']['output'];
  HistogramBin: HistogramBin;
  HotKey: HotKeyModel;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  OnlineFeaturesResult: OnlineFeaturesResultModel;
  OnlineRow: OnlineRowModel;
  OnlineValue: OnlineValueModel;
  Producer: PartyModel;
  ProducerBinding: ProducerBindingModel;
  Query: Record<PropertyKey, never>;
  ReadWarning: ReadWarning;
  RegisterFeatureVersionPayload: RegisteredVersionModel;
  RowError: RowError;
  String: Scalars['String']['output'];
  ValidationCheck: ValidationCheck;
  ValidationReport: ValidationReportModel;
  WriteResult: WriteResultModel;
};

export type AlertResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Alert'] = ResolversParentTypes['Alert']> = {
  kind?: Resolver<ResolversTypes['AlertKind'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  since?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  threshold?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type ApiKeyResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  team?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type AuditEntryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AuditEntry'] = ResolversParentTypes['AuditEntry']> = {
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  after?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  before?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type BindingMismatchResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BindingMismatch'] = ResolversParentTypes['BindingMismatch']> = {
  consumer?: Resolver<ResolversTypes['Consumer'], ParentType, ContextType>;
  pinned?: Resolver<ResolversTypes['FeatureVersion'], ParentType, ContextType>;
  produced?: Resolver<Array<ResolversTypes['FeatureVersion']>, ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ConsumerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Consumer'] = ResolversParentTypes['Consumer']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  versions?: Resolver<Array<ResolversTypes['FeatureVersion']>, ParentType, ContextType>;
};

export type CreatedApiKeyResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CreatedApiKey'] = ResolversParentTypes['CreatedApiKey']> = {
  key?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  secret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DefinitionPlanResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['DefinitionPlan'] = ResolversParentTypes['DefinitionPlan']> = {
  actions?: Resolver<Array<ResolversTypes['JSON']>, ParentType, ContextType>;
  changes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  hash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  notes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  text?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type DistributionBucketResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['DistributionBucket'] = ResolversParentTypes['DistributionBucket']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  end?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  histogram?: Resolver<Array<ResolversTypes['HistogramBin']>, ParentType, ContextType>;
  integralShare?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  max?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  mean?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  min?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  nullCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  p50?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p90?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p99?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  start?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  stddev?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type EntityResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Entity'] = ResolversParentTypes['Entity']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  features?: Resolver<Array<ResolversTypes['Feature']>, ParentType, ContextType>;
  keyName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type EntityKeyResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EntityKey'] = ResolversParentTypes['EntityKey']> = {
  entity?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type EventLagStatsResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EventLagStats'] = ResolversParentTypes['EventLagStats']> = {
  exceedsWindow?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  maxMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p50Ms?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p95Ms?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p99Ms?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  samples?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type FeatureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Feature'] = ResolversParentTypes['Feature']> = {
  entity?: Resolver<ResolversTypes['Entity'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  versions?: Resolver<Array<ResolversTypes['FeatureVersion']>, ParentType, ContextType>;
};

export type FeatureVersionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FeatureVersion'] = ResolversParentTypes['FeatureVersion']> = {
  aggregation?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  consumers?: Resolver<Array<ResolversTypes['Consumer']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  definitionHash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  feature?: Resolver<ResolversTypes['Feature'], ParentType, ContextType>;
  maxAge?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nullable?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  producers?: Resolver<Array<ResolversTypes['Producer']>, ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['VersionStatus'], ParentType, ContextType>;
  sunsetAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  valueType?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  window?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type FlagCountResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FlagCount'] = ResolversParentTypes['FlagCount']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  flag?: Resolver<ResolversTypes['ReadFlag'], ParentType, ContextType>;
};

export type HistogramBinResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['HistogramBin'] = ResolversParentTypes['HistogramBin']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lower?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  upper?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type HotKeyResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['HotKey'] = ResolversParentTypes['HotKey']> = {
  cached?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  entity?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  entityKey?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  readsPerSecond?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  replicated?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  share?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  since?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  activateFeatureVersion?: Resolver<Maybe<ResolversTypes['FeatureVersion']>, ParentType, ContextType, RequireFields<MutationActivateFeatureVersionArgs, 'ref'>>;
  applyDefinitions?: Resolver<Maybe<ResolversTypes['DefinitionPlan']>, ParentType, ContextType, RequireFields<MutationApplyDefinitionsArgs, 'manifest'>>;
  bindConsumer?: Resolver<Maybe<ResolversTypes['Consumer']>, ParentType, ContextType, RequireFields<MutationBindConsumerArgs, 'consumer' | 'refs'>>;
  bindProducer?: Resolver<Maybe<ResolversTypes['Producer']>, ParentType, ContextType, RequireFields<MutationBindProducerArgs, 'producer' | 'refs'>>;
  createApiKey?: Resolver<Maybe<ResolversTypes['CreatedApiKey']>, ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'label' | 'role' | 'team'>>;
  deprecateFeatureVersion?: Resolver<Maybe<ResolversTypes['FeatureVersion']>, ParentType, ContextType, RequireFields<MutationDeprecateFeatureVersionArgs, 'ref' | 'sunsetAt'>>;
  registerConsumer?: Resolver<Maybe<ResolversTypes['Consumer']>, ParentType, ContextType, RequireFields<MutationRegisterConsumerArgs, 'name' | 'owner'>>;
  registerEntity?: Resolver<Maybe<ResolversTypes['Entity']>, ParentType, ContextType, RequireFields<MutationRegisterEntityArgs, 'keyName' | 'name'>>;
  registerFeatureVersion?: Resolver<Maybe<ResolversTypes['RegisterFeatureVersionPayload']>, ParentType, ContextType, RequireFields<MutationRegisterFeatureVersionArgs, 'input'>>;
  registerProducer?: Resolver<Maybe<ResolversTypes['Producer']>, ParentType, ContextType, RequireFields<MutationRegisterProducerArgs, 'name' | 'owner'>>;
  revokeApiKey?: Resolver<Maybe<ResolversTypes['ApiKey']>, ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  unbindProducer?: Resolver<Maybe<ResolversTypes['Producer']>, ParentType, ContextType, RequireFields<MutationUnbindProducerArgs, 'producer' | 'refs'>>;
  validateFeatureVersion?: Resolver<Maybe<ResolversTypes['ValidationReport']>, ParentType, ContextType, RequireFields<MutationValidateFeatureVersionArgs, 'ref'>>;
  writeFeatureValues?: Resolver<Maybe<ResolversTypes['WriteResult']>, ParentType, ContextType, RequireFields<MutationWriteFeatureValuesArgs, 'producer' | 'rows'>>;
};

export type OnlineFeaturesResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['OnlineFeaturesResult'] = ResolversParentTypes['OnlineFeaturesResult']> = {
  flagCounts?: Resolver<Array<ResolversTypes['FlagCount']>, ParentType, ContextType>;
  rows?: Resolver<Array<ResolversTypes['OnlineRow']>, ParentType, ContextType>;
  warnings?: Resolver<Array<ResolversTypes['ReadWarning']>, ParentType, ContextType>;
};

export type OnlineRowResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['OnlineRow'] = ResolversParentTypes['OnlineRow']> = {
  entityKey?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  features?: Resolver<Array<ResolversTypes['OnlineValue']>, ParentType, ContextType>;
  keys?: Resolver<Array<ResolversTypes['EntityKey']>, ParentType, ContextType>;
};

export type OnlineValueResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['OnlineValue'] = ResolversParentTypes['OnlineValue']> = {
  ageMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  eventTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  feature?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  flags?: Resolver<Array<ResolversTypes['ReadFlag']>, ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  servedFrom?: Resolver<ResolversTypes['ServedFrom'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ProducerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Producer'] = ResolversParentTypes['Producer']> = {
  bindings?: Resolver<Array<ResolversTypes['ProducerBinding']>, ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  versions?: Resolver<Array<ResolversTypes['FeatureVersion']>, ParentType, ContextType>;
};

export type ProducerBindingResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ProducerBinding'] = ResolversParentTypes['ProducerBinding']> = {
  lastWrittenAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  movedOn?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['FeatureVersion'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  alerts?: Resolver<Array<ResolversTypes['Alert']>, ParentType, ContextType>;
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  auditLog?: Resolver<Array<ResolversTypes['AuditEntry']>, ParentType, ContextType, RequireFields<QueryAuditLogArgs, 'limit'>>;
  bindingMismatches?: Resolver<Array<ResolversTypes['BindingMismatch']>, ParentType, ContextType>;
  consumer?: Resolver<Maybe<ResolversTypes['Consumer']>, ParentType, ContextType, RequireFields<QueryConsumerArgs, 'name'>>;
  entity?: Resolver<Maybe<ResolversTypes['Entity']>, ParentType, ContextType, RequireFields<QueryEntityArgs, 'name'>>;
  eventLag?: Resolver<Maybe<ResolversTypes['EventLagStats']>, ParentType, ContextType, RequireFields<QueryEventLagArgs, 'ref'>>;
  exportDefinitions?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  feature?: Resolver<Maybe<ResolversTypes['Feature']>, ParentType, ContextType, RequireFields<QueryFeatureArgs, 'name'>>;
  featureValues?: Resolver<ResolversTypes['OnlineFeaturesResult'], ParentType, ContextType, RequireFields<QueryFeatureValuesArgs, 'entityKeys' | 'ref'>>;
  featureVersion?: Resolver<Maybe<ResolversTypes['FeatureVersion']>, ParentType, ContextType, RequireFields<QueryFeatureVersionArgs, 'ref'>>;
  features?: Resolver<Array<ResolversTypes['Feature']>, ParentType, ContextType>;
  hotKeys?: Resolver<Array<ResolversTypes['HotKey']>, ParentType, ContextType, RequireFields<QueryHotKeysArgs, 'limit'>>;
  onlineFeatures?: Resolver<ResolversTypes['OnlineFeaturesResult'], ParentType, ContextType, RequireFields<QueryOnlineFeaturesArgs, 'consumer'>>;
  planDefinitions?: Resolver<ResolversTypes['DefinitionPlan'], ParentType, ContextType, RequireFields<QueryPlanDefinitionsArgs, 'manifest'>>;
  producer?: Resolver<Maybe<ResolversTypes['Producer']>, ParentType, ContextType, RequireFields<QueryProducerArgs, 'name'>>;
  validationReports?: Resolver<Array<ResolversTypes['ValidationReport']>, ParentType, ContextType, RequireFields<QueryValidationReportsArgs, 'ref'>>;
  valueDistribution?: Resolver<Array<ResolversTypes['DistributionBucket']>, ParentType, ContextType, RequireFields<QueryValueDistributionArgs, 'ref'>>;
};

export type ReadWarningResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReadWarning'] = ResolversParentTypes['ReadWarning']> = {
  feature?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  flag?: Resolver<ResolversTypes['ReadFlag'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type RegisterFeatureVersionPayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['RegisterFeatureVersionPayload'] = ResolversParentTypes['RegisterFeatureVersionPayload']> = {
  comparedWith?: Resolver<Maybe<ResolversTypes['FeatureVersion']>, ParentType, ContextType>;
  compatibility?: Resolver<Maybe<ResolversTypes['Compatibility']>, ParentType, ContextType>;
  created?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  pinnedConsumers?: Resolver<Array<ResolversTypes['Consumer']>, ParentType, ContextType>;
  reasons?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['FeatureVersion'], ParentType, ContextType>;
};

export type RowErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['RowError'] = ResolversParentTypes['RowError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ValidationCheckResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ValidationCheck'] = ResolversParentTypes['ValidationCheck']> = {
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  passed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  threshold?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type ValidationReportResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ValidationReport'] = ResolversParentTypes['ValidationReport']> = {
  checks?: Resolver<Array<ResolversTypes['ValidationCheck']>, ParentType, ContextType>;
  comparedWith?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  passed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sampleSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type WriteResultResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WriteResult'] = ResolversParentTypes['WriteResult']> = {
  accepted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['RowError']>, ParentType, ContextType>;
  rejected?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  superseded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  Alert?: AlertResolvers<ContextType>;
  ApiKey?: ApiKeyResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  BindingMismatch?: BindingMismatchResolvers<ContextType>;
  Consumer?: ConsumerResolvers<ContextType>;
  CreatedApiKey?: CreatedApiKeyResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DefinitionPlan?: DefinitionPlanResolvers<ContextType>;
  DistributionBucket?: DistributionBucketResolvers<ContextType>;
  Entity?: EntityResolvers<ContextType>;
  EntityKey?: EntityKeyResolvers<ContextType>;
  EventLagStats?: EventLagStatsResolvers<ContextType>;
  Feature?: FeatureResolvers<ContextType>;
  FeatureVersion?: FeatureVersionResolvers<ContextType>;
  FlagCount?: FlagCountResolvers<ContextType>;
  HistogramBin?: HistogramBinResolvers<ContextType>;
  HotKey?: HotKeyResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  OnlineFeaturesResult?: OnlineFeaturesResultResolvers<ContextType>;
  OnlineRow?: OnlineRowResolvers<ContextType>;
  OnlineValue?: OnlineValueResolvers<ContextType>;
  Producer?: ProducerResolvers<ContextType>;
  ProducerBinding?: ProducerBindingResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReadWarning?: ReadWarningResolvers<ContextType>;
  RegisterFeatureVersionPayload?: RegisterFeatureVersionPayloadResolvers<ContextType>;
  RowError?: RowErrorResolvers<ContextType>;
  ValidationCheck?: ValidationCheckResolvers<ContextType>;
  ValidationReport?: ValidationReportResolvers<ContextType>;
  WriteResult?: WriteResultResolvers<ContextType>;
};


// Generated from schema.graphql by `npm run codegen`: do not edit.
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Entity as EntityModel, Feature as FeatureModel, FeatureVersion as FeatureVersionModel, Party as PartyModel, BindingMismatch as BindingMismatchModel } from '../registry/model.js';
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
  DateTime: { input: Date; output: Date; }
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
};

export type BindingMismatch = {
  __typename?: 'BindingMismatch';
  consumer: Consumer;
  pinned: FeatureVersion;
  /** The versions of the feature that producers write now. */
  produced: Array<FeatureVersion>;
  reason: Scalars['String']['output'];
};

export type Consumer = {
  __typename?: 'Consumer';
  description?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  owner: Scalars['String']['output'];
  versions: Array<FeatureVersion>;
};

export type Entity = {
  __typename?: 'Entity';
  description?: Maybe<Scalars['String']['output']>;
  features: Array<Feature>;
  keyName: Scalars['String']['output'];
  name: Scalars['String']['output'];
};

export type Feature = {
  __typename?: 'Feature';
  entity: Entity;
  name: Scalars['String']['output'];
  owner: Scalars['String']['output'];
  versions: Array<FeatureVersion>;
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
  /** The owning team. A feature keeps one owner. */
  owner: Scalars['String']['input'];
  valueType: ValueType;
  /** Aggregation window such as "5m" or "7d"; null for non-windowed features. */
  window?: InputMaybe<Scalars['String']['input']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** DRAFT → ACTIVE. The reason is kept in the audit log. */
  activateFeatureVersion: FeatureVersion;
  /** Pins a consumer to one version per feature; binding another version of a feature replaces the old binding. */
  bindConsumer: Consumer;
  /** Binds a producer to the versions it writes. */
  bindProducer: Producer;
  /** → DEPRECATED, served (and flagged) until sunsetAt, then RETIRED. */
  deprecateFeatureVersion: FeatureVersion;
  registerConsumer: Consumer;
  /** Registers an entity (a kind of thing features describe). Registering it again with the same key name returns it. */
  registerEntity: Entity;
  /** Registers a feature version: an identical definition returns the existing version (created: false); a different one creates N+1 as DRAFT. */
  registerFeatureVersion: RegisterFeatureVersionPayload;
  registerProducer: Producer;
};


export type MutationActivateFeatureVersionArgs = {
  reason?: InputMaybe<Scalars['String']['input']>;
  ref: Scalars['String']['input'];
};


export type MutationBindConsumerArgs = {
  consumer: Scalars['String']['input'];
  refs: Array<Scalars['String']['input']>;
};


export type MutationBindProducerArgs = {
  producer: Scalars['String']['input'];
  refs: Array<Scalars['String']['input']>;
};


export type MutationDeprecateFeatureVersionArgs = {
  reason?: InputMaybe<Scalars['String']['input']>;
  ref: Scalars['String']['input'];
  sunsetAt: Scalars['DateTime']['input'];
};


export type MutationRegisterConsumerArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  owner: Scalars['String']['input'];
};


export type MutationRegisterEntityArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  keyName: Scalars['String']['input'];
  name: Scalars['String']['input'];
};


export type MutationRegisterFeatureVersionArgs = {
  input: FeatureVersionInput;
};


export type MutationRegisterProducerArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  owner: Scalars['String']['input'];
};

export type Producer = {
  __typename?: 'Producer';
  description?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  owner: Scalars['String']['output'];
  versions: Array<FeatureVersion>;
};

export type Query = {
  __typename?: 'Query';
  /** Consumer bindings whose version no producer writes while another version has a producer, or whose version is deprecated or retired. */
  bindingMismatches: Array<BindingMismatch>;
  consumer?: Maybe<Consumer>;
  entity?: Maybe<Entity>;
  /** A feature with its versions. */
  feature?: Maybe<Feature>;
  /** A version by ref, e.g. click_rate_7d@2. */
  featureVersion?: Maybe<FeatureVersion>;
  features: Array<Feature>;
  producer?: Maybe<Producer>;
};


export type QueryConsumerArgs = {
  name: Scalars['String']['input'];
};


export type QueryEntityArgs = {
  name: Scalars['String']['input'];
};


export type QueryFeatureArgs = {
  name: Scalars['String']['input'];
};


export type QueryFeatureVersionArgs = {
  ref: Scalars['String']['input'];
};


export type QueryProducerArgs = {
  name: Scalars['String']['input'];
};

export type RegisterFeatureVersionPayload = {
  __typename?: 'RegisterFeatureVersionPayload';
  /** False when an identical definition was already registered and that version is returned. */
  created: Scalars['Boolean']['output'];
  version: FeatureVersion;
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
  BindingMismatch: ResolverTypeWrapper<BindingMismatchModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Consumer: ResolverTypeWrapper<PartyModel>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Entity: ResolverTypeWrapper<EntityModel>;
  Feature: ResolverTypeWrapper<FeatureModel>;
  FeatureVersion: ResolverTypeWrapper<FeatureVersionModel>;
  FeatureVersionInput: FeatureVersionInput;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Producer: ResolverTypeWrapper<PartyModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RegisterFeatureVersionPayload: ResolverTypeWrapper<Omit<RegisterFeatureVersionPayload, 'version'> & { version: ResolversTypes['FeatureVersion'] }>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ValueType: ValueType;
  VersionStatus: VersionStatus;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  BindingMismatch: BindingMismatchModel;
  Boolean: Scalars['Boolean']['output'];
  Consumer: PartyModel;
  DateTime: Scalars['DateTime']['output'];
  Entity: EntityModel;
  Feature: FeatureModel;
  FeatureVersion: FeatureVersionModel;
  FeatureVersionInput: FeatureVersionInput;
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  Producer: PartyModel;
  Query: Record<PropertyKey, never>;
  RegisterFeatureVersionPayload: Omit<RegisterFeatureVersionPayload, 'version'> & { version: ResolversParentTypes['FeatureVersion'] };
  String: Scalars['String']['output'];
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

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type EntityResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Entity'] = ResolversParentTypes['Entity']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  features?: Resolver<Array<ResolversTypes['Feature']>, ParentType, ContextType>;
  keyName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
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
  producers?: Resolver<Array<ResolversTypes['Producer']>, ParentType, ContextType>;
  ref?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['VersionStatus'], ParentType, ContextType>;
  sunsetAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  valueType?: Resolver<ResolversTypes['ValueType'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  window?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  activateFeatureVersion?: Resolver<ResolversTypes['FeatureVersion'], ParentType, ContextType, RequireFields<MutationActivateFeatureVersionArgs, 'ref'>>;
  bindConsumer?: Resolver<ResolversTypes['Consumer'], ParentType, ContextType, RequireFields<MutationBindConsumerArgs, 'consumer' | 'refs'>>;
  bindProducer?: Resolver<ResolversTypes['Producer'], ParentType, ContextType, RequireFields<MutationBindProducerArgs, 'producer' | 'refs'>>;
  deprecateFeatureVersion?: Resolver<ResolversTypes['FeatureVersion'], ParentType, ContextType, RequireFields<MutationDeprecateFeatureVersionArgs, 'ref' | 'sunsetAt'>>;
  registerConsumer?: Resolver<ResolversTypes['Consumer'], ParentType, ContextType, RequireFields<MutationRegisterConsumerArgs, 'name' | 'owner'>>;
  registerEntity?: Resolver<ResolversTypes['Entity'], ParentType, ContextType, RequireFields<MutationRegisterEntityArgs, 'keyName' | 'name'>>;
  registerFeatureVersion?: Resolver<ResolversTypes['RegisterFeatureVersionPayload'], ParentType, ContextType, RequireFields<MutationRegisterFeatureVersionArgs, 'input'>>;
  registerProducer?: Resolver<ResolversTypes['Producer'], ParentType, ContextType, RequireFields<MutationRegisterProducerArgs, 'name' | 'owner'>>;
};

export type ProducerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Producer'] = ResolversParentTypes['Producer']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  owner?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  versions?: Resolver<Array<ResolversTypes['FeatureVersion']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  bindingMismatches?: Resolver<Array<ResolversTypes['BindingMismatch']>, ParentType, ContextType>;
  consumer?: Resolver<Maybe<ResolversTypes['Consumer']>, ParentType, ContextType, RequireFields<QueryConsumerArgs, 'name'>>;
  entity?: Resolver<Maybe<ResolversTypes['Entity']>, ParentType, ContextType, RequireFields<QueryEntityArgs, 'name'>>;
  feature?: Resolver<Maybe<ResolversTypes['Feature']>, ParentType, ContextType, RequireFields<QueryFeatureArgs, 'name'>>;
  featureVersion?: Resolver<Maybe<ResolversTypes['FeatureVersion']>, ParentType, ContextType, RequireFields<QueryFeatureVersionArgs, 'ref'>>;
  features?: Resolver<Array<ResolversTypes['Feature']>, ParentType, ContextType>;
  producer?: Resolver<Maybe<ResolversTypes['Producer']>, ParentType, ContextType, RequireFields<QueryProducerArgs, 'name'>>;
};

export type RegisterFeatureVersionPayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['RegisterFeatureVersionPayload'] = ResolversParentTypes['RegisterFeatureVersionPayload']> = {
  created?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['FeatureVersion'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  BindingMismatch?: BindingMismatchResolvers<ContextType>;
  Consumer?: ConsumerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Entity?: EntityResolvers<ContextType>;
  Feature?: FeatureResolvers<ContextType>;
  FeatureVersion?: FeatureVersionResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Producer?: ProducerResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RegisterFeatureVersionPayload?: RegisterFeatureVersionPayloadResolvers<ContextType>;
};


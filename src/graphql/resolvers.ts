// Resolvers: thin translations between the GraphQL contract and the domain. No rules live here.
import { badInput, notFound } from '../core/errors.js';
import { checkName } from '../core/text.js';
import { entityKeyOf } from '../online/keys.js';
import type { Resolvers } from './generated.js';
import { DateTime, JSON } from './scalars.js';

/** A nested object that must exist (the database's foreign keys guarantee it). */
function present<T>(value: T | null, what: string): T {
  if (value === null) throw notFound(`${what} is not registered`);
  return value;
}

export const resolvers: Resolvers = {
  DateTime,
  JSON,

  Query: {
    // A malformed name is BAD_USER_INPUT, as a malformed ref is; a well-formed unknown one is null.
    entity: (_, { name }, { loaders }) => loaders.entity.load(checkName(name, 'entity name')),
    feature: (_, { name }, { loaders }) => loaders.feature.load(checkName(name, 'feature name')),
    features: (_, __, { registry }) => registry.features(),
    featureVersion: async (_, { ref }, { registry }) => (await registry.version(ref)) ?? null,
    producer: (_, { name }, { loaders }) => loaders.producer.load(checkName(name, 'producer name')),
    consumer: (_, { name }, { loaders }) => loaders.consumer.load(checkName(name, 'consumer name')),
    bindingMismatches: (_, __, { registry }) => registry.bindingMismatches(),
    onlineFeatures: (_, { consumer, expect, ...request }, { reader, values }) => reader.onlineFeatures(consumer, request, values, expect),
    featureValues: (_, { ref, entityKeys }, { reader, values }) => reader.featureValues(ref, entityKeys, values),
    eventLag: async (_, { ref }, { registry, eventLag }) => {
      const version = await registry.version(ref);
      return version ? eventLag.stats(version) : null;
    },
    valueDistribution: async (_, { ref, from, to }, { registry, distributions }) => {
      if (!(await registry.version(ref))) throw notFound(`feature version ${ref} is not registered`);
      for (const [name, time] of [['from', from], ['to', to]] as const) {
        if (time && Number.isNaN(time.getTime())) throw badInput(`${name} is not an RFC 3339 time`);
      }
      return distributions.buckets(ref, from ?? undefined, to ?? undefined);
    },
    alerts: (_, __, { alerts }) => alerts.current(),
    auditLog: (_, query, { registry, principal }) => registry.auditLog(principal, query),
    validationReports: (_, { ref }, { validator }) => validator.reports(ref),
    planDefinitions: (_, { manifest }, { definitions }) => definitions.plan(manifest),
    exportDefinitions: (_, __, { definitions }) => definitions.export(),
    hotKeys: (_, { limit }, { hotKeys }) => {
      if (limit !== null && limit !== undefined && (limit < 1 || limit > 1000)) throw badInput('limit must be from 1 to 1000');
      return hotKeys.list(limit ?? 10);
    },
    apiKeys: (_, __, { apiKeys, principal }) => apiKeys.list(principal),
  },

  Mutation: {
    registerEntity: (_, args, { registry, principal }) => registry.registerEntity(principal, args),
    registerFeatureVersion: (_, { input }, { registry, principal }) => registry.registerFeatureVersion(principal, input),
    validateFeatureVersion: (_, { ref }, { validator, principal }) => validator.validate(principal, ref),
    activateFeatureVersion: (_, { ref, force, reason }, { registry, principal }) =>
      registry.activateFeatureVersion(principal, ref, { force, reason }),
    deprecateFeatureVersion: (_, { ref, sunsetAt, reason }, { registry, principal }) =>
      registry.deprecateFeatureVersion(principal, ref, sunsetAt, reason),
    registerProducer: (_, args, { registry, principal }) => registry.registerParty(principal, 'producer', args),
    registerConsumer: (_, args, { registry, principal }) => registry.registerParty(principal, 'consumer', args),
    bindProducer: (_, { producer, refs }, { registry, principal }) => registry.bindProducer(principal, producer, refs),
    unbindProducer: (_, { producer, refs }, { registry, principal }) => registry.unbindProducer(principal, producer, refs),
    bindConsumer: (_, { consumer, refs }, { registry, principal }) => registry.bindConsumer(principal, consumer, refs),
    writeFeatureValues: (_, { producer, rows }, { writer, principal }) => writer.write(principal, producer, rows),
    createApiKey: (_, input, { apiKeys, principal }) => apiKeys.create(principal, input),
    applyDefinitions: (_, { manifest, expectedPlan }, { definitions, principal }) => definitions.apply(principal, manifest, expectedPlan),
    revokeApiKey: (_, { id }, { apiKeys, principal }) => apiKeys.revoke(principal, id),
  },

  ApiKey: {
    id: (key) => String(key.id),
  },
  Entity: {
    features: (entity, _, { loaders }) => loaders.featuresOfEntity.load(entity.name),
  },
  Feature: {
    entity: async (feature, _, { loaders }) => present(await loaders.entity.load(feature.entity), `entity ${feature.entity}`),
    versions: (feature, _, { loaders }) => loaders.versionsOfFeature.load(feature.name),
  },
  FeatureVersion: {
    feature: async (version, _, { loaders }) => present(await loaders.feature.load(version.feature), `feature ${version.feature}`),
    producers: (version, _, { loaders }) => loaders.producersOfVersion.load(version.ref),
    consumers: (version, _, { loaders }) => loaders.consumersOfVersion.load(version.ref),
  },
  Producer: {
    versions: (producer, _, { loaders }) => loaders.versionsOfProducer.load(producer.name),
    bindings: (producer, _, { loaders }) => loaders.bindingsOfProducer.load(producer.name),
  },
  Consumer: {
    versions: (consumer, _, { loaders }) => loaders.versionsOfConsumer.load(consumer.name),
  },
  RegisterFeatureVersionPayload: {
    pinnedConsumers: async (payload, _, { loaders }) =>
      (await Promise.all(payload.pinnedConsumers.map((name) => loaders.consumer.load(name)))).filter((c) => c !== null),
  },
  HotKey: {
    cached: (key, _, { cache }) => cache.has(entityKeyOf(key)),
    replicated: (key, _, { hotKeys }) => hotKeys.isReplicated(entityKeyOf(key)),
  },
  BindingMismatch: {
    consumer: async (mismatch, _, { loaders }) => present(await loaders.consumer.load(mismatch.consumer), `consumer ${mismatch.consumer}`),
  },
};

// GraphQL Code Generator: resolver types from schema.graphql, so the compiler catches any drift between the
// SDL and the resolvers. Run by `npm run codegen` (and by `npm test` before the type check).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/graphql/generated.ts': {
      plugins: [{ add: { content: '// Generated from schema.graphql by `npm run codegen`: do not edit.' } }, 'typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: './context.js#RequestContext',
        enumsAsTypes: true,
        mapperTypeSuffix: 'Model',
        strictScalars: true,
        scalars: { DateTime: { input: 'Date', output: 'Date | number' }, JSON: 'unknown' },
        mappers: {
          Entity: '../registry/model.js#Entity',
          Feature: '../registry/model.js#Feature',
          FeatureVersion: '../registry/model.js#FeatureVersion',
          Producer: '../registry/model.js#Party',
          Consumer: '../registry/model.js#Party',
          BindingMismatch: '../registry/model.js#BindingMismatch',
          AuditEntry: '../registry/audit-trail.js#AuditEntry',
          OnlineFeaturesResult: '../online/reader.js#OnlineFeaturesResult',
          OnlineRow: '../online/reader.js#OnlineRow',
          OnlineValue: '../online/reader.js#OnlineValue',
          WriteResult: '../online/writer.js#WriteResult',
          EventLagStats: '../online/event-lag.js#EventLagStats',
          HotKey: '../hotkeys/hot-keys.js#HotKey',
          DistributionBucket: '../monitoring/distributions.js#DistributionBucket',
          ValidationReport: '../monitoring/validation.js#ValidationReport',
          RegisterFeatureVersionPayload: '../registry/registry.js#RegisteredVersion',
          ApiKey: '../auth/keys.js#ApiKeyRecord',
        },
      },
    },
  },
};

export default config;

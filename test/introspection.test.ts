// Introspection is on in every mode, NODE_ENV=production included (the playground needs it to show the schema),
// unless INTROSPECTION=off.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { freshPglite } from './support/backends.js';
import { codes, gql, startTestService } from './support/service.js';

describe('introspection', () => {
  let database: Database;
  const nodeEnv = process.env.NODE_ENV;

  beforeAll(async () => {
    database = await freshPglite();
    // Apollo Server reads NODE_ENV when it is constructed: its default turns introspection off in production.
    process.env.NODE_ENV = 'production';
  });
  afterAll(async () => {
    process.env.NODE_ENV = nodeEnv;
    await database?.close();
  });

  it('answers the playground introspection query with NODE_ENV=production', async () => {
    const service = await startTestService(database);
    try {
      const response = await gql(service, getIntrospectionQuery());
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data!.__schema.types.map((t: { name: string }) => t.name)).toContain('OnlineFeaturesResult');
    } finally {
      await service.close();
    }
  });

  it('refuses introspection with INTROSPECTION=off', async () => {
    const service = await startTestService(database, { INTROSPECTION: 'off' });
    try {
      const response = await gql(service, '{ __schema { queryType { name } } }');
      expect(response.status).toBe(400);
      expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(response.errors![0]!.message).toMatch(/introspection/i);
      // Everything else is served as usual.
      expect((await gql(service, '{ features { name } }')).data).toEqual({ features: [] });
    } finally {
      await service.close();
    }
  });
});

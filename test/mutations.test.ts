// Mutations run one after another, in the order written, and each field reports its own result or error: a
// failing field never hides what the others committed (mutation results are nullable for that reason).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import type { Database } from '../src/db/client.js';
import { backends, codes, gql, gqlOk, startTestService } from './support/service.js';

describe.each(backends)('mutations on $name', (backend) => {
  let database: Database;
  let service: Service;

  beforeAll(async () => {
    database = await backend.open();
    service = await startTestService(database);
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  it('commits and reports fields two and three when field one fails', async () => {
    const response = await gql(service, `mutation {
      first: activateFeatureVersion(ref: "nothing@1", force: true, reason: "test") { ref }
      second: registerEntity(name: "item", keyName: "item_id") { name }
      third: registerFeatureVersion(input: { feature: "views", entity: "item", owner: "growth", valueType: INT64, maxAge: "1h" }) { created version { ref } }
    }`);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({
      first: null,
      second: { name: 'item' },
      // Registering a feature of `item` works only once the second field has committed: the fields ran in order.
      third: { created: true, version: { ref: 'views@1' } },
    });
    expect(codes(response)).toEqual(['NOT_FOUND']);
    expect((response.errors![0] as { path?: string[] }).path).toEqual(['first']);
    expect(await gqlOk(service, '{ entity(name: "item") { features { name } } }')).toEqual({ entity: { features: [{ name: 'views' }] } });
  });

  it('reports each failing field with its own error, between committed ones', async () => {
    const response = await gql(service, `mutation {
      a: registerProducer(name: "pipe", owner: "growth") { name }
      b: bindProducer(producer: "pipe", refs: ["missing@1"]) { name }
      c: bindProducer(producer: "pipe", refs: ["views@1"]) { name versions { ref } }
      d: registerEntity(name: "BAD NAME", keyName: "x") { name }
    }`);
    expect(response.data).toEqual({ a: { name: 'pipe' }, b: null, c: { name: 'pipe', versions: [{ ref: 'views@1' }] }, d: null });
    expect(response.errors!.map((e) => [(e as { path?: string[] }).path, e.extensions?.code])).toEqual([
      [['b'], 'NOT_FOUND'],
      [['d'], 'BAD_USER_INPUT'],
    ]);
  });
});

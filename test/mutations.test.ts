// Mutations run one after another, in the order written, and each field reports its own result or error: a
// failing field never hides what the others committed (mutation results are nullable for that reason).
import { describe, expect, it } from 'vitest';
import { registryBackends } from './support/backends.js';
import { codes, gql, gqlOk, withService } from './support/service.js';

describe.each(registryBackends)('mutations on $name', (backend) => {
  const fixture = withService(backend);

  it('commits and reports fields two and three when field one fails', async () => {
    const response = await gql(fixture.service, `mutation {
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
    expect(await gqlOk(fixture.service, '{ entity(name: "item") { features { name } } }')).toEqual({ entity: { features: [{ name: 'views' }] } });
  });

  it('reports each failing field with its own error, between committed ones', async () => {
    const response = await gql(fixture.service, `mutation {
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

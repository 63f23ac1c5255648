// The HTTP surface: GraphQL over GET and POST, health, limits on depth, cost, list length and body size, and
// errors that never leak internals.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedded, freshPglite } from './support/backends.js';
import { codes, gql, startTestService, withService } from './support/service.js';

describe('HTTP surface', () => {
  const fixture = withService(embedded, { env: { MAX_LIST_LENGTH: '50', MAX_QUERY_DEPTH: '8', MAX_QUERY_COST: '5000' } });

  beforeAll(async () => {
    await gql(fixture.service, `mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
      registerProducer(name: "job", owner: "growth") { name }
    }`);
  });

  it('answers health and readiness', async () => {
    expect(await (await fetch(`${fixture.service.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${fixture.service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves queries over GET and refuses mutations over GET', async () => {
    const query = await fetch(`${fixture.service.url}/graphql?query=${encodeURIComponent('{ feature(name: "ctr") { versions { ref } } }')}`);
    expect(await query.json()).toEqual({ data: { feature: { versions: [{ ref: 'ctr@1' }] } } });
    const mutation = await fetch(`${fixture.service.url}/graphql?query=${encodeURIComponent('mutation { registerEntity(name: "x", keyName: "x") { name } }')}`);
    expect(mutation.status).toBe(405);
  });

  it('answers null for unknown things rather than an error', async () => {
    const response = await gql(fixture.service, '{ entity(name: "nobody") { name } feature(name: "nope") { name } featureVersion(ref: "ctr@9") { ref } producer(name: "x") { name } consumer(name: "y") { name } }');
    expect(response).toEqual({ status: 200, data: { entity: null, feature: null, featureVersion: null, producer: null, consumer: null } });
  });

  it('refuses a query deeper than the limit', async () => {
    const response = await gql(fixture.service, '{ features { versions { feature { versions { feature { versions { feature { versions { feature { name } } } } } } } } } }');
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.errors![0]!.message).toMatch(/exceeds maximum operation depth of 8/);
  });

  it('refuses a query costing more than the limit, saying what it cost', async () => {
    const response = await gql(fixture.service, '{ features { versions { producers { versions { consumers { versions { ref } } } } } } }');
    expect(codes(response)).toEqual(['QUERY_TOO_COSTLY']);
    expect(response.errors![0]!.message).toMatch(/query cost \d+ exceeds the limit of 5000/);
    expect(response.data).toBeUndefined();
  });

  it('refuses a list argument longer than the limit, naming it, and writes nothing', async () => {
    const refs = Array.from({ length: 51 }, () => 'ctr@1');
    const response = await gql(fixture.service, 'mutation ($refs: [String!]!) { bindProducer(producer: "job", refs: $refs) { name } }', { refs });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/argument refs of bindProducer has 51 items; at most 50/);
    expect((await gql(fixture.service, '{ producer(name: "job") { versions { ref } } }')).data).toEqual({ producer: { versions: [] } });
    const fits = await gql(fixture.service, 'mutation ($refs: [String!]!) { bindProducer(producer: "job", refs: $refs) { name } }', { refs: refs.slice(1) });
    expect(fits.errors).toBeUndefined();
  });

  it('refuses malformed requests with coded errors', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${fixture.service.url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });
    const broken = await post('{"query": ');
    expect(broken.status).toBe(400);
    expect(JSON.stringify(await broken.json())).not.toMatch(/at .*\.js/);

    const syntax = await gql(fixture.service, '{ features { name ');
    expect(codes(syntax)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const unknownField = await gql(fixture.service, '{ features { colour } }');
    expect(codes(unknownField)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const wrongType = await gql(fixture.service, 'query ($n: String!) { feature(name: $n) { name } }', { n: 42 });
    expect(codes(wrongType)).toEqual(['BAD_USER_INPUT']);

    const huge = await post(JSON.stringify({ query: '{ features { name } }', variables: { pad: 'x'.repeat(17 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('reports an internal failure without its details', async () => {
    const scratch = await freshPglite();
    const broken = await startTestService(scratch);
    // A bug, as far as the service can tell: a table it needs is gone while the database itself answers.
    await scratch.db.execute(sql`drop table features cascade`);
    try {
      const response = await gql(broken, '{ features { name } }');
      expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(response.status).toBe(500);
      expect(response.errors![0]!.message).toBe('internal error: the service logged the details');
      expect(JSON.stringify(response)).not.toMatch(/stacktrace|PGlite|relation|\.ts:\d+/i);
    } finally {
      await broken.close();
      await scratch.close();
    }
  });

  it('answers 503 UNAVAILABLE, not an internal error, when its database is closed', async () => {
    const scratch = await freshPglite();
    const doomed = await startTestService(scratch);
    await scratch.close();
    try {
      const response = await gql(doomed, '{ features { name } }');
      expect(response.status).toBe(503);
      expect(codes(response)).toEqual(['UNAVAILABLE']);
      expect(JSON.stringify(response)).not.toMatch(/stacktrace|PGlite|\.ts:\d+/i);
      expect((await fetch(`${doomed.url}/readyz`)).status).toBe(503);
    } finally {
      await doomed.close();
    }
  });
});

// The HTTP status tells the truth, in both media types: client mistakes are 4xx (400, 413 for size, 401, 403),
// an outage is 503 UNAVAILABLE, only a bug is 500, and a response with data is 200 with its errors. With
// application/graphql-response+json the GraphQL-over-HTTP rules hold exactly (any data → 200); with
// application/json a request that produced nothing at all (every root field null with its error) gets its error's
// status too.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import { createApiKey } from '../src/auth/keys.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { startPostgres, type PostgresServer } from './support/servers.js';
import { freshPglite } from './support/backends.js';
import { startTestService } from './support/service.js';

const JSON_MEDIA = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const MEDIA_TYPES = [JSON_MEDIA, GRAPHQL_RESPONSE] as const;

interface Answer {
  status: number;
  contentType: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function send(service: Service, accept: string, body: unknown, key?: string): Promise<Answer> {
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json()) as Answer['body'] };
}

const codesOf = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);

describe('HTTP statuses', () => {
  let database: Database;
  let service: Service;
  let admin: string;
  let reader: string;

  beforeAll(async () => {
    database = await freshPglite();
    admin = (await createApiKey(database.db, 'platform', 'admin')).key;
    reader = (await createApiKey(database.db, 'growth', 'reader')).key;
    service = await startTestService(database, {
      AUTH: 'on',
      MAX_LIST_LENGTH: '5',
      MAX_WRITE_BATCH: '3',
      MAX_QUERY_COST: '5000',
      MAX_QUERY_BYTES: '2000',
    });
    const setup = await send(service, JSON_MEDIA, {
      query: `mutation {
        registerEntity(name: "user", keyName: "user_id") { name }
        registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { created }
        registerProducer(name: "job", owner: "growth") { name }
        bindProducer(producer: "job", refs: ["ctr@1"]) { name }
      }`,
    }, admin);
    expect(setup.body.errors).toBeUndefined();
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ ref: 'ctr@1', entityKey: `k${i}`, value: 1, eventTime: new Date().toISOString() }));

  /** [what, request body, key, expected code, status with application/json, with application/graphql-response+json] */
  const cases: [string, () => unknown, () => string | undefined, string, number, number][] = [
    ['a syntax error', () => ({ query: '{ features { name ' }), () => reader, 'GRAPHQL_PARSE_FAILED', 400, 400],
    ['an unknown field', () => ({ query: '{ features { colour } }' }), () => reader, 'GRAPHQL_VALIDATION_FAILED', 400, 400],
    ['variables of the wrong type', () => ({ query: 'query ($n: String!) { feature(name: $n) { name } }', variables: { n: 42 } }), () => reader, 'BAD_USER_INPUT', 400, 400],
    ['a query over the cost limit', () => ({ query: '{ features { versions { producers { versions { consumers { versions { ref } } } } } } }' }), () => reader, 'QUERY_TOO_COSTLY', 400, 400],
    ['a list over MAX_LIST_LENGTH', () => ({ query: '{ featureValues(ref: "ctr@1", entityKeys: ["a","b","c","d","e","f"]) { rows { entityKey } } }' }), () => reader, 'BAD_USER_INPUT', 400, 400],
    [
      'a write over MAX_WRITE_BATCH',
      () => ({ query: 'mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "job", rows: $rows) { accepted } }', variables: { rows: rows(4) } }),
      () => admin,
      'BAD_USER_INPUT',
      400,
      400,
    ],
    ['a query text over MAX_QUERY_BYTES', () => ({ query: `{ features { name } } # ${'x'.repeat(2000)}` }), () => reader, 'PAYLOAD_TOO_LARGE', 413, 413],
    ['no API key', () => ({ query: '{ features { name } }' }), () => undefined, 'UNAUTHENTICATED', 401, 401],
    ['an unknown consumer (data: null)', () => ({ query: '{ onlineFeatures(consumer: "nobody", entityKeys: ["a"]) { rows { entityKey } } }' }), () => reader, 'NOT_FOUND', 400, 400],
    // Nothing was done, but the response has data ({ registerEntity: null }): GraphQL over HTTP wants 200 then.
    ['a forbidden mutation', () => ({ query: 'mutation { registerEntity(name: "item", keyName: "item_id") { name } }' }), () => reader, 'FORBIDDEN', 403, 200],
    [
      'a persisted query whose hash does not match',
      () => ({ query: '{ features { name } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
      () => reader,
      'PERSISTED_QUERY_HASH_MISMATCH',
      400,
      400,
    ],
  ];

  for (const [what, body, key, code, jsonStatus, graphqlResponseStatus] of cases) {
    it(`answers ${what} with ${jsonStatus} (${JSON_MEDIA}) and ${graphqlResponseStatus} (${GRAPHQL_RESPONSE}), code ${code}`, async () => {
      for (const [accept, status] of [[JSON_MEDIA, jsonStatus], [GRAPHQL_RESPONSE, graphqlResponseStatus]] as const) {
        const answer = await send(service, accept, body(), key());
        expect(answer.status, accept).toBe(status);
        expect(codesOf(answer), accept).toEqual([code]);
        if (status !== 413) expect(answer.contentType, accept).toContain(accept);
      }
    });
  }

  it('answers 200 with partial data: one mutation field failed, the other committed', async () => {
    for (const accept of MEDIA_TYPES) {
      const answer = await send(service, accept, {
        query: `mutation {
          entity: registerEntity(name: "item_${accept.length}", keyName: "item_id") { name }
          missing: activateFeatureVersion(ref: "nope@1", force: true, reason: "test") { ref }
        }`,
      }, admin);
      expect(answer.status, accept).toBe(200);
      expect(answer.body.data).toEqual({ entity: { name: `item_${accept.length}` }, missing: null });
      expect(codesOf(answer)).toEqual(['NOT_FOUND']);
    }
  });

  it('answers 405 for a mutation over GET, as before', async () => {
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent('mutation { registerEntity(name: "x", keyName: "x") { name } }')}`, {
      headers: { accept: GRAPHQL_RESPONSE, authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(405);
  });

  it('answers a bug with 500 INTERNAL_SERVER_ERROR in both media types', async () => {
    const scratch = await freshPglite();
    const broken = await startTestService(scratch);
    await scratch.db.execute(sql`drop table features cascade`);
    try {
      for (const accept of MEDIA_TYPES) {
        const answer = await send(broken, accept, { query: '{ features { name } }' });
        expect(answer.status, accept).toBe(500);
        expect(codesOf(answer)).toEqual(['INTERNAL_SERVER_ERROR']);
      }
    } finally {
      await broken.close();
      await scratch.close();
    }
  });
});

describe('registry queries with PostgreSQL down', () => {
  let postgres: PostgresServer;
  let database: Database;
  let service: Service;

  beforeAll(async () => {
    postgres = await startPostgres();
    database = await connectPostgres(postgres.url);
    await migrate(database);
    service = await startTestService(database, { DATABASE_URL: postgres.url, AUTH: 'off' });
    const ok = await send(service, JSON_MEDIA, { query: 'mutation { registerEntity(name: "user", keyName: "user_id") { name } }' });
    expect(ok.body.errors).toBeUndefined();
    await postgres.stop();
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await database?.close().catch(() => {});
    await postgres?.stop();
  });

  it('answers 503 UNAVAILABLE, not 500, quickly, in both media types', async () => {
    for (const accept of MEDIA_TYPES) {
      const started = performance.now();
      const answer = await send(service, accept, { query: '{ features { name } }' });
      expect(answer.status, accept).toBe(503);
      expect(codesOf(answer)).toEqual(['UNAVAILABLE']);
      expect(answer.body.errors![0]!.message).toMatch(/registry database is unreachable; retry/);
      expect(JSON.stringify(answer.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stacktrace/);
      expect(performance.now() - started).toBeLessThan(3_000);
    }
  });

  it('answers a nullable registry field with its UNAVAILABLE error: 503 in application/json, 200 with data in the spec media type', async () => {
    const json = await send(service, JSON_MEDIA, { query: '{ entity(name: "user") { name } }' });
    expect(json.status).toBe(503);
    expect(codesOf(json)).toEqual(['UNAVAILABLE']);
    const spec = await send(service, GRAPHQL_RESPONSE, { query: '{ entity(name: "user") { name } }' });
    expect(spec.status).toBe(200);
    expect(spec.body.data).toEqual({ entity: null });
    expect(codesOf(spec)).toEqual(['UNAVAILABLE']);
  });

  it('answers an online read that needs the registry with 503 UNAVAILABLE', async () => {
    const answer = await send(service, JSON_MEDIA, { query: '{ onlineFeatures(consumer: "ranker", entityKeys: ["a"]) { rows { entityKey } } }' });
    expect(answer.status).toBe(503);
    expect(codesOf(answer)).toEqual(['UNAVAILABLE']);
  });

  it('answers a registry mutation with 503 UNAVAILABLE', async () => {
    const answer = await send(service, JSON_MEDIA, { query: 'mutation { registerEntity(name: "item", keyName: "item_id") { name } }' });
    expect(answer.status).toBe(503);
    expect(codesOf(answer)).toEqual(['UNAVAILABLE']);
  });
});

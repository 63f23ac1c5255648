// Request limits that hold whatever the request looks like: lists checked whatever @skip/@include say, costs
// never remembered across different variables, parser and validator limits that answer 4xx quickly (oversized
// queries, fragment cycles, hundreds of thousands of aliases), and the process staying healthy throughout.
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import { checkListLengths, listSitesOf } from '../src/graphql/list-lengths.js';
import { embedded } from './support/backends.js';
import { seed } from './support/seed.js';
import { codes, gql, gqlOk, startTestService, withService } from './support/service.js';

const COSTLY = `query ($skip: Boolean!) {
  features @skip(if: $skip) { versions { producers { versions { consumers { versions { ref } } } } } }
}`;

/** POSTs a raw body and says how long the answer took. */
async function post(service: Service, body: string): Promise<{ status: number; json: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${service.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = await response.json();
  return { status: response.status, json, ms: performance.now() - started };
}

describe('request limits', () => {
  const fixture = withService(embedded, { env: { MAX_LIST_LENGTH: '50', MAX_QUERY_COST: '5000', MAX_WRITE_BATCH: '20' } });

  beforeAll(async () => {
    await seed(fixture.service, {
      entities: [{ name: 'user', keyName: 'user_id' }],
      features: [{ feature: 'ctr', entity: 'user', owner: 'growth', valueType: 'FLOAT64', maxAge: '1h' }],
      producers: [{ name: 'job', owner: 'growth', refs: ['ctr@1'] }],
    });
  });

  describe('@skip and @include', () => {
    it('prices a query as it runs: primed with @skip(if: true), the same text with false is refused', async () => {
      expect(await gql(fixture.service, COSTLY, { skip: true })).toEqual({ status: 200, data: {} });
      const refused = await gql(fixture.service, COSTLY, { skip: false });
      expect(refused.status).toBe(400);
      expect(codes(refused)).toEqual(['QUERY_TOO_COSTLY']);
      // And the other way round: a refusal is not remembered either.
      expect((await gql(fixture.service, COSTLY, { skip: true })).status).toBe(200);
    });

    it('checks list lengths whatever the directives say, once primed or not', async () => {
      const read = `query ($keys: [String!]!, $skip: Boolean!) {
        featureValues(ref: "ctr@1", entityKeys: $keys) @skip(if: $skip) { rows { entityKey } }
      }`;
      expect((await gql(fixture.service, read, { keys: ['a'], skip: true })).status).toBe(200);
      for (const length of [51, 50_000]) {
        for (const skip of [true, false]) {
          const refused = await gql(fixture.service, read, { keys: Array.from({ length }, (_, i) => `k${i}`), skip });
          expect(refused.status).toBe(400);
          expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
          expect(refused.errors![0]!.message).toMatch(new RegExp(`argument entityKeys of featureValues has ${length} items; at most 50`));
        }
      }
    });

    it('checks lists inside skipped fragments, literal lists and variable defaults', async () => {
      const keys = JSON.stringify(Array.from({ length: 51 }, (_, i) => `k${i}`));
      const shapes = [
        `{ ...F @include(if: false) } fragment F on Query { featureValues(ref: "ctr@1", entityKeys: ${keys}) { rows { entityKey } } }`,
        `{ ... @skip(if: true) { featureValues(ref: "ctr@1", entityKeys: ${keys}) { rows { entityKey } } } }`,
        `query ($keys: [String!]! = ${keys}) { featureValues(ref: "ctr@1", entityKeys: $keys) @skip(if: true) { rows { entityKey } } }`,
      ];
      for (const query of shapes) {
        const refused = await gql(fixture.service, query);
        expect(refused.status, query).toBe(400);
        expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
        expect(refused.errors![0]!.message).toMatch(/has 51 items; at most 50/);
      }
    });

    it('refuses an over-large write batch, even skipped, and writes nothing', async () => {
      const write = `mutation ($rows: [FeatureValueInput!]!, $skip: Boolean!) {
        writeFeatureValues(producer: "job", rows: $rows) @skip(if: $skip) { accepted }
      }`;
      const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ ref: 'ctr@1', entityKey: `w${i}`, value: i, eventTime: new Date().toISOString() }));
      for (const skip of [true, false]) {
        const refused = await gql(fixture.service, write, { rows: rows(21), skip });
        expect(refused.status).toBe(400);
        expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
        expect(refused.errors![0]!.message).toMatch(/argument rows of writeFeatureValues has 21 items; at most 20/);
      }
      const stored = await gqlOk(fixture.service, '{ featureValues(ref: "ctr@1", entityKeys: ["w0"]) { rows { features { value } } } }');
      expect(stored.featureValues.rows[0].features[0].value).toBeNull();
      expect((await gqlOk(fixture.service, write, { rows: rows(20), skip: false })).writeFeatureValues).toEqual({ accepted: 20 });
    });
  });

  describe('parser and validator limits', () => {
    it('refuses a 9.7 MB query with 700,000 variable definitions at once, and stays healthy', async () => {
      const definitions = Array.from({ length: 700_000 }, (_, i) => `$v${i}: Int`).join(', ');
      const query = `query (${definitions}) { features { name } }`;
      expect(query.length).toBeGreaterThan(9_000_000);
      const refused = await post(fixture.service, JSON.stringify({ query }));
      expect(refused.status).toBe(413);
      expect(refused.json.errors[0].extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 100_000 });
      expect(refused.json.errors[0].message).toMatch(/MAX_QUERY_BYTES/);
      expect(refused.ms).toBeLessThan(2_000);
      expect((await fetch(`${fixture.service.url}/healthz`)).status).toBe(200);
    });

    it('refuses a query with more tokens than MAX_QUERY_TOKENS while parsing', async () => {
      // 4,000 aliases: 12,000 tokens in 70 KB, within MAX_QUERY_BYTES.
      const query = `{ ${Array.from({ length: 4_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
      expect(query.length).toBeLessThan(100_000);
      const refused = await post(fixture.service, JSON.stringify({ query }));
      expect(refused.status).toBe(400);
      expect(refused.json.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(refused.json.errors[0].message).toMatch(/more tha\w* 10000 tokens/);
    });

    it('refuses fragment cycles with a validation error, not a stack overflow', async () => {
      const cycles = [
        '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
        '{ ...A } fragment A on Query { ...A }',
        '{ features { ...F } } fragment F on Feature { entity { features { ...F } } }',
      ];
      for (const query of cycles) {
        const refused = await gql(fixture.service, query);
        expect(refused.status, query).toBe(400);
        expect(codes(refused)).toContain('GRAPHQL_VALIDATION_FAILED');
        expect(refused.errors!.map((e) => e.message).join()).toMatch(/Cannot spread fragment/);
      }
    });

    it('measures depth through fragments, each fragment once', async () => {
      // 20 fragments each spreading the next twice: 2^20 paths if fragments were walked again at each spread.
      const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Feature { a: entity { features { ...F${i + 1} } } b: entity { features { ...F${i + 1} } } }`);
      const query = `{ features { ...F0 } } ${fragments.join(' ')} fragment F20 on Feature { name }`;
      const started = performance.now();
      const refused = await gql(fixture.service, query);
      expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(refused.errors![0]!.message).toMatch(/exceeds maximum operation depth of 12/);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('answers 600,000 aliased fields with 4xx, and 150,000 of them without overflowing the depth rule', async () => {
      const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
      const huge = await post(fixture.service, JSON.stringify({ query: aliases(600_000) }));
      expect(huge.status).toBe(413);
      expect(huge.ms).toBeLessThan(2_000);

      // With the text and token limits raised, the document reaches validation; graphql-depth-limit overflowed
      // the stack there (HTTP 500).
      const lax = await startTestService(fixture.database, { MAX_QUERY_BYTES: '16000000', MAX_QUERY_TOKENS: '10000000', MAX_QUERY_COST: '100000000' });
      try {
        const answered = await post(lax, JSON.stringify({ query: aliases(150_000) }));
        expect(answered.status).toBe(200);
        expect(Object.keys(answered.json.data)).toHaveLength(150_000);
      } finally {
        await lax.close();
      }
    });
  });
});

// The schema has no input type that refers to itself today; the list-length walk must not miss a list behind
// such a cycle when one is added, whichever type of the cycle a request meets first.
describe('list lengths behind input types that refer to each other', () => {
  const schema = buildSchema(`input A { b: B, l: [String] } input B { a: A } input C { c: C, s: String } type Query { f(y: A, x: B, z: C): Int }`);
  const document = parse('query ($y: A, $x: B, $z: C) { f(y: $y, x: $x, z: $z) }');
  const sites = listSitesOf(schema, document, document.definitions[0] as OperationDefinitionNode, () => false);
  const limits = { maxListLength: 3, maxWriteBatch: 10 };

  it('refuses a list too long reached through the cycle, and walks a cycle without lists to its end', () => {
    expect(() => checkListLengths(sites, { y: {}, x: { a: { b: { a: { l: ['1', '2', '3', '4'] } } } } }, limits)).toThrow(
      /argument x\.a\.b\.a\.l of f has 4 items; at most 3/,
    );
    expect(() => checkListLengths(sites, { y: { l: ['1', '2', '3'] }, x: { a: { l: [] } }, z: { c: { c: { s: 'x' } } } }, limits)).not.toThrow();
  });
});

// The writer of results' JSON (src/graphql/result-json.ts), held to JSON.stringify: real operations run by
// graphql-jit on a service's own schema and services (embedded PGlite), the README's and the shapes clients
// send (aliases, fragments, a field selected twice, __typename, nested lists, every flag), over values of every
// type at their edges, are written by both and must give the same bytes. Then, through HTTP: the values come
// back as written on both paths of /graphql, and a stored text the writer did not produce is served as it is.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { getOperationAST, parse, validate, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../src/core/principal.js';
import { compileOptions, run } from '../src/graphql/executor.js';
import { resolvers } from '../src/graphql/resolvers.js';
import { compileDataJson, MAX_WRITER_FIELDS, resultJson } from '../src/graphql/result-json.js';
import { requestContext } from '../src/http/request-context.js';
import { schemaPath } from '../src/server.js';
import { graphqlBlocks, README } from './support/readme.js';
import { embedded } from './support/backends.js';
import { gql, gqlOk, withService } from './support/service.js';

const schema = makeExecutableSchema({ typeDefs: fs.readFileSync(schemaPath, 'utf8'), resolvers });

const s = randomBytes(4).toString('hex');
const entity = `user_${s}`;
const producer = `job_${s}`;
const consumer = `model_${s}`;

/** Values of every type at their edges, each under its own key. */
const EDGES: Record<string, { type: string; values: unknown[] }> = {
  float: { type: 'FLOAT64', values: [0, -0, 0.1, -1.5, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2, 123456789.123] },
  int: { type: 'INT64', values: [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), '9223372036854775807', '-9223372036854775808'] },
  bool: { type: 'BOOL', values: [true, false] },
  text: { type: 'STRING', values: ['', 'plain', 'quote " backslash \\ slash /', 'tab\tnew\nline\r\u0001\u001f\u007f', 'naïve ü 日本 😀', 'sep \u2028 \u2029', '</script>'] },
  floats: { type: 'FLOAT64_LIST', values: [[], [1, 2.5, -0, 1e-7]] },
  tags: { type: 'STRING_LIST', values: [[], ['a', 'b "c"', 'ü\n']] },
};
const keysOf = (values: unknown[]) => values.map((_, i) => `k${i}`);

const READ = `query ($consumer: String!, $keys: [String!]) {
  onlineFeatures(consumer: $consumer, entityKeys: $keys) {
    rows { entityKey keys { entity key } features { ref feature version value eventTime ageMs flags servedFrom } }
    flagCounts { flag count }
    warnings { feature flag message }
  }
}`;
const SHAPED = `query Shaped($consumer: String!, $keys: [String!]) {
  __typename
  read: onlineFeatures(consumer: $consumer, entityKeys: $keys) {
    __typename
    rows { ...Row entityKey keys { key } }
    counts: flagCounts { count flag count }
  }
  again: onlineFeatures(consumer: $consumer, entityKeys: $keys) { rows { features { v: value value } } }
}
fragment Row on OnlineRow { keys { entity } features { ... on OnlineValue { value ref } ...Value flags } }
fragment Value on OnlineValue { eventTime value age: ageMs }`;
const REGISTRY = `{
  features { name owner entity { name keyName } versions { ref version status valueType nullable maxAge window aggregation description createdAt sunsetAt definitionHash } }
  auditLog(limit: 20) { at actor action subject before after reason }
  exportDefinitions
  bindingMismatches { __typename }
}`;

describe('the result writer against JSON.stringify', () => {
  const fixture = withService(embedded);
  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);

  beforeAll(async () => {
    for (const block of graphqlBlocks(README).filter((b) => b.trimStart().startsWith('mutation'))) {
      const response = await gql(fixture.service, block);
      expect(response.status, `${block}\n${JSON.stringify(response.errors)}`).toBe(200);
    }
    await ok(`mutation { registerEntity(name: "${entity}", keyName: "user_id") { name } registerProducer(name: "${producer}", owner: "growth") { name } registerConsumer(name: "${consumer}", owner: "search") { name } }`);
    const refs: string[] = [];
    for (const [name, { type, values }] of Object.entries(EDGES)) {
      const data = await ok(`mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref } } }`, {
        input: { feature: `${name}_${s}`, entity, owner: 'growth', valueType: type, maxAge: '1h' },
      });
      const ref = data.registerFeatureVersion.version.ref as string;
      refs.push(ref);
      await ok(`mutation ($refs: [String!]!) { bindProducer(producer: "${producer}", refs: $refs) { name } }`, { refs: [ref] });
      const eventTime = new Date(Date.now() - 1_000).toISOString();
      const rows = values.map((value, i) => ({ ref, entityKey: `k${i}`, value, eventTime }));
      const written = await ok(
        `mutation ($producer: String!, $rows: [FeatureValueInput!]!) { writeFeatureValues(producer: $producer, rows: $rows) { accepted errors { message } } }`,
        { producer, rows },
      );
      expect(written.writeFeatureValues, name).toEqual({ accepted: values.length, errors: [] });
    }
    await ok(`mutation ($refs: [String!]!) { bindConsumer(consumer: "${consumer}", refs: $refs) { name } }`, { refs });
  });

  /**
   * Runs `query` as the service would (graphql-jit, the service's context and compile options; `serialized`:
   * every leaf through its type's serializer, as graphql-js does) and writes its data both ways.
   */
  async function bothWays(query: string, variables: Record<string, unknown> = {}, serialized = false) {
    const document = parse(query);
    expect(validate(schema, document), query).toEqual([]);
    const operation = getOperationAST(document)!;
    const compiled = compileQuery(schema, document, undefined, serialized ? {} : compileOptions(schema, document, operation));
    if (!isCompiledQuery(compiled)) throw new Error(JSON.stringify(compiled.errors));
    const result: ExecutionResult = await run(compiled, requestContext(fixture.service.services, ANONYMOUS, false), variables);
    const dataJson = compileDataJson(schema, document, operation);
    // The README shows a refusal too: its data is null, which the writer is never given (resultJson).
    const written = dataJson && result.data ? dataJson(result.data) : JSON.stringify(result.data);
    return { result, dataJson, written, stringified: JSON.stringify(result.data) };
  }

  it('writes the data of every operation in the corpus as JSON.stringify does, value texts as they are', async () => {
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'missing'];
    const corpus: [string, Record<string, unknown>?][] = [
      ...graphqlBlocks(README).filter((b) => !b.trimStart().startsWith('mutation')).map((query): [string] => [query]),
      [READ, { consumer, keys }],
      [SHAPED, { consumer, keys }],
      [REGISTRY],
      [`query ($ref: String!) { featureValues(ref: $ref, entityKeys: ["k0", "k1", "nobody"]) { rows { entityKey features { value flags } } } }`, { ref: `text_${s}@1` }],
    ];
    let answered = 0;
    for (const [query, variables] of corpus) {
      const { result, dataJson, written, stringified } = await bothWays(query, variables);
      expect(dataJson, query).toBeDefined();
      expect(written, query).toBe(stringified);
      if (result.data) answered++;
    }
    expect(answered).toBeGreaterThanOrEqual(corpus.length - 2);
  });

  it("writes mutations' results as JSON.stringify does (the README's, run again: some now refused)", async () => {
    for (const mutation of graphqlBlocks(README).filter((b) => b.trimStart().startsWith('mutation'))) {
      const { dataJson, written, stringified } = await bothWays(mutation);
      expect(dataJson, mutation).toBeDefined();
      expect(written, mutation).toBe(stringified);
    }
  });

  it('serves every value as it was written, through HTTP on both paths, in the bytes JSON.stringify would write', async () => {
    const bodies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${fixture.service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: READ, variables: { consumer, keys: keysOf(EDGES.text!.values) } }),
      });
      bodies.push((await response.text()).replace(/"ageMs":\d+/g, '"ageMs":0'));
    }
    // The first went through Apollo, the repeat through the fast path.
    expect(bodies[1]).toBe(bodies[0]);
    const body = JSON.parse(bodies[0]!);
    expect(bodies[0]).toBe(`${JSON.stringify(body)}\n`);
    const byFeature = new Map<string, unknown[]>();
    for (const row of body.data.onlineFeatures.rows) {
      for (const f of row.features) byFeature.set(f.feature, [...(byFeature.get(f.feature) ?? []), f.value]);
    }
    for (const [name, { values }] of Object.entries(EDGES)) {
      const expected = keysOf(EDGES.text!.values).map((_, i) => (i < values.length ? values[i] : null));
      // -0 is written by JSON.stringify as 0, as a client's JSON.parse reads it back.
      expect(byFeature.get(`${name}_${s}`), name).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('serves a stored text another writer left, as it is when it fits and flagged when it does not', async () => {
    const ref = `float_${s}@1`;
    const at = Date.now() - 1_000;
    await fixture.service.store.write(
      [
        { entity, entityKey: 'spaced', ref, value: '1.50', eventTime: at, ingestTime: at },
        { entity, entityKey: 'huge', ref, value: '1e999', eventTime: at, ingestTime: at },
        { entity, entityKey: 'word', ref, value: '"1.5"', eventTime: at, ingestTime: at },
      ],
      [],
    );
    const query = `query ($ref: String!) { featureValues(ref: $ref, entityKeys: ["spaced", "huge", "word"]) { rows { features { value flags } } } }`;
    const bodies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${fixture.service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { ref } }),
      });
      bodies.push(await response.text());
    }
    expect(bodies[1]).toBe(bodies[0]);
    // 1e999 parses to Infinity, which JSON writes as null.
    expect(bodies[0]).toBe(
      '{"data":{"featureValues":{"rows":[{"features":[{"value":1.50,"flags":[]}]},{"features":[{"value":null,"flags":["TYPE_MISMATCH"]}]},{"features":[{"value":"1.5","flags":["TYPE_MISMATCH"]}]}]}}}\n',
    );
  });

  it('leaves to JSON.stringify what it cannot know before the operation runs', async () => {
    const compile = (query: string) => {
      const document = parse(query);
      return compileDataJson(schema, document, getOperationAST(document)!);
    };
    expect(compile('query ($skip: Boolean!) { features @skip(if: $skip) { name } }')).toBeUndefined();
    expect(compile('query ($on: Boolean!) { features { ... @include(if: $on) { name } } }')).toBeUndefined();
    expect(compile('{ __schema { queryType { name } } }')).toBeUndefined();
    const fields = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `f${i}: __typename`).join(' ')} }`;
    expect(compile(fields(MAX_WRITER_FIELDS + 1))).toBeUndefined();
    expect(compile(fields(MAX_WRITER_FIELDS))).toBeDefined();
    // With errors, the whole body is JSON.stringify's, and a value text stands for its value.
    const { result, dataJson } = await bothWays(`{ hotKeys(limit: 0) { entity } features { name } }`);
    expect(result.errors).toHaveLength(1);
    expect(resultJson(result, dataJson)).toBe(`${JSON.stringify({ errors: result.errors, data: result.data })}\n`);
  });

  it("serves the online read's leaves as their serializers would, without running them", async () => {
    const rowsRead = `query ($consumer: String!, $rows: [EntityRowInput!]) {
      onlineFeatures(consumer: $consumer, rows: $rows, features: ["float_${s}", "text_${s}"]) { rows { entityKey keys { entity key } features { ref version value ageMs flags servedFrom } } flagCounts { flag count } }
    }`;
    const reads: [string, Record<string, unknown>][] = [
      [READ, { consumer, keys: ['k0', 'k1', 'k9', 'missing'] }],
      [SHAPED, { consumer, keys: ['k0', 'missing'] }],
      [rowsRead, { consumer, rows: [{ keys: [{ entity, key: 'k1' }, { entity: 'merchant', key: 'k1' }] }, { keys: [{ entity, key: 'nobody' }] }] }],
    ];
    for (const [query, variables] of reads) {
      const document = parse(query);
      expect(compileOptions(schema, document, getOperationAST(document)!), query).toEqual({ disableLeafSerialization: true });
      // ageMs is the time between the value's event and the read: the two reads run a few milliseconds apart.
      const data = async (serialized: boolean) => (await bothWays(query, variables, serialized)).written.replace(/"(ageMs|age)":\d+/g, '"$1":0');
      const [fast, reference] = [await data(false), await data(true)];
      expect(fast, query).toBe(reference);
      expect(fast, query).toMatch(/"flags":\["MISSING"\]/);
    }
    // Any leaf outside the online read's answer, here a registry count and names from SQL, keeps its serializer.
    for (const query of [REGISTRY, `{ features { name } onlineFeatures(consumer: "${consumer}", entityKeys: ["k0"]) { rows { entityKey } } }`, '{ __schema { queryType { name } } }']) {
      const document = parse(query);
      expect(compileOptions(schema, document, getOperationAST(document)!), query).toEqual({ disableLeafSerialization: false });
    }
  });
});

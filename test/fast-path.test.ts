// The fast path is an optimisation, not a second server: a corpus of requests (every query of the README, the
// shapes clients send, and the mistakes, refusals and failures) goes to two instances over the same PostgreSQL
// registry and Redis store, one with the fast path (the default) and one with FAST_PATH=off, where Apollo
// serves everything. Each request is sent to the fast instance twice, so that the second is a repeat, and the
// answers must be the same bytes: status, every header but Date, body. The instance's own counter says which
// requests the fast path answered, so a corpus that never reaches it fails.
//
// One value is not the same from one request to the next: ageMs, the age of a value when it is read, grows with
// the clock. The values read here were written with fixed event times months ago, so ageMs keeps its number of
// digits between the two reads (Content-Length is compared as sent); only its digits are masked in the body.
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Service } from '../src/app.js';
import { createApiKey } from '../src/auth/keys.js';
import type { Database } from '../src/db/client.js';
import { graphqlBlocks, README } from './support/readme.js';
import { freshPostgres } from './support/backends.js';
import { gql, startTestService } from './support/service.js';

interface CorpusRequest {
  name: string;
  method?: 'GET' | 'POST' | 'PUT';
  /** Path and query string; /graphql when absent. */
  path?: string;
  headers?: Record<string, string>;
  /** The raw body (text or bytes); a value is sent as its JSON. */
  body?: string | Buffer | object;
  /** Whether the repeat is the fast path's to answer (false: Apollo answers it on both instances). */
  fast: boolean;
  /** The bearer key's name; admin when absent, none for null. */
  key?: keyof Keys | null;
}

interface Keys {
  admin: string;
  reader: string;
  growthProducer: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request as written (node:http: the Host header and the bytes are the test's to choose). */
function send(url: string, request: CorpusRequest, keys: Keys): Promise<Answer> {
  const body =
    request.body === undefined ? undefined : typeof request.body === 'string' || Buffer.isBuffer(request.body) ? request.body : JSON.stringify(request.body);
  const key = request.key === null ? undefined : keys[request.key ?? 'admin'];
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...request.headers,
  };
  return new Promise((resolve, reject) => {
    const sent = http.request(`${url}${request.path ?? '/graphql'}`, { method: request.method ?? (body === undefined ? 'GET' : 'POST'), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const { date: _, ...kept } = res.headers;
        resolve({ status: res.statusCode!, headers: kept, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** ageMs grows with the clock between two reads (see the top of the file); nothing else is masked. */
const maskAges = (answer: Answer): Answer => ({ ...answer, body: answer.body.replace(/"ageMs":\d+(\.\d+)?/g, (age) => age.replace(/\d/g, '9')) });

const get = (query: string, variables?: object, extra = '') =>
  `/graphql?query=${encodeURIComponent(query)}${variables ? `&variables=${encodeURIComponent(JSON.stringify(variables))}` : ''}${extra}`;

const ONLINE = `query Online($consumer: String!, $keys: [String!]) {
  onlineFeatures(consumer: $consumer, entityKeys: $keys) { rows { entityKey features { ref value eventTime ageMs flags } } flagCounts { flag count } }
}`;
const SKIPPED = `query Skipped($skip: Boolean!, $include: Boolean!) {
  features @skip(if: $skip) { name versions { ref producers { versions { consumers { versions { ref } } } } } }
  entity(name: "user") @include(if: $include) { name keyName }
}`;
const FRAGMENTS = `query Fragments { first: feature(name: "click_rate_7d") { ...Described } second: feature(name: "sessions_1d") { ... on Feature { owner versions { ...Version } } } }
fragment Described on Feature { name owner entity { name } versions { ...Version } }
fragment Version on FeatureVersion { ref version status valueType maxAge window createdAt sunsetAt }`;
const TWO_OPERATIONS = `query A { entity(name: "user") { name } } query B { features { name } }`;
const VALUES = `query Values($ref: String!, $keys: [String!]!) { featureValues(ref: $ref, entityKeys: $keys) { rows { entityKey features { value eventTime ageMs flags } } } }`;
const keysOf = (count: number) => Array.from({ length: count }, (_, i) => `u${i}`);

/** The requests, in order: a request meant to be refused after its text was primed comes after one that primes it. */
function corpus(): CorpusRequest[] {
  const readmeQueries = graphqlBlocks(README)
    .filter((block) => !block.trimStart().startsWith('mutation'))
    .map((query, i): CorpusRequest => ({ name: `README query ${i + 1}`, body: { query }, fast: true }));
  return [
    ...readmeQueries,
    { name: 'variables', body: { query: ONLINE, variables: { consumer: 'ranking_model', keys: ['u1', 'u2', 'u3'] } }, fast: true },
    { name: 'operation name given', body: { query: ONLINE, operationName: 'Online', variables: { consumer: 'ranking_model', keys: ['u1'] } }, fast: true },
    { name: 'null variables and operation name', body: { query: '{ features { name } }', variables: null, operationName: null }, fast: true },
    { name: 'aliases', body: { query: '{ a: features { name } b: features { n: name o: owner } c: entity(name: "user") { k: keyName } }' }, fast: true },
    { name: 'fragments, named and inline', body: { query: FRAGMENTS }, fast: true },
    { name: '@skip true, @include false', body: { query: SKIPPED, variables: { skip: true, include: false } }, fast: true },
    { name: '@skip false, @include true: the same text priced as it runs', body: { query: SKIPPED, variables: { skip: false, include: true } }, fast: false },
    { name: 'two operations, the first chosen', body: { query: TWO_OPERATIONS, operationName: 'A' }, fast: true },
    { name: 'two operations, the second chosen', body: { query: TWO_OPERATIONS, operationName: 'B' }, fast: true },
    { name: 'two operations, none chosen', body: { query: TWO_OPERATIONS }, fast: false },
    { name: 'two operations, an unknown one chosen', body: { query: TWO_OPERATIONS, operationName: 'C' }, fast: false },
    { name: 'one operation, an unknown name given (never kept, found by the fuzz test)', body: { query: '{ features { name } }', operationName: 'NoSuchOperation' }, fast: false },
    { name: '__typename and introspection', body: { query: '{ __typename __type(name: "ReadFlag") { enumValues { name } } }' }, fast: true },
    { name: 'GET', path: get('{ feature(name: "click_rate_7d") { versions { ref } } }'), fast: true },
    { name: 'GET with variables', path: get(ONLINE, { consumer: 'ranking_model', keys: ['u1'] }), fast: true },
    { name: 'GET with the query given twice', path: get('{ features { name } }', undefined, `&query=${encodeURIComponent('{ features { name } }')}`), fast: false },
    { name: 'GET with unparseable variables', path: `${get(ONLINE)}&variables=%7Bnope`, fast: false },
    { name: 'GET with a content type', path: get('{ features { name } }'), headers: { 'content-type': 'text/plain' }, fast: false },
    { name: 'GET of a mutation', path: get('mutation { registerEntity(name: "x", keyName: "x_id") { name } }'), fast: false },
    { name: 'Accept: application/graphql-response+json', body: { query: '{ features { name } }' }, headers: { accept: 'application/graphql-response+json' }, fast: true },
    { name: 'Accept: application/json', body: { query: '{ features { name } }' }, headers: { accept: 'application/json' }, fast: true },
    { name: 'Accept: a list of types', body: { query: '{ features { name } }' }, headers: { accept: 'application/graphql-response+json, application/json;q=0.9' }, fast: false },
    { name: 'Accept: a word that names no media type', body: { query: '{ features { name } }' }, headers: { accept: 'constructor' }, fast: false },
    { name: 'Accept: nothing it can answer', body: { query: '{ features { name } }' }, headers: { accept: 'text/csv' }, fast: false },
    // Errors raised while the operation runs: the fast path formats them and chooses the status.
    { name: 'unknown consumer (NOT_FOUND, no data)', body: { query: ONLINE, variables: { consumer: 'nobody', keys: ['u1'] } }, fast: true },
    {
      name: 'unknown consumer, graphql-response+json',
      body: { query: ONLINE, variables: { consumer: 'nobody', keys: ['u1'] } },
      headers: { accept: 'application/graphql-response+json' },
      fast: true,
    },
    { name: 'an answer that is not ASCII', body: { query: '{ entity(name: "naïve_ü") { name } }' }, fast: true },
    { name: 'malformed ref (BAD_USER_INPUT)', body: { query: VALUES, variables: { ref: 'no ref', keys: ['u1'] } }, fast: true },
    { name: 'one field fails, one answers (partial data)', body: { query: '{ hotKeys(limit: 0) { entity } features { name } }' }, fast: true },
    { name: 'hotKeys limit out of range, alone (no data)', body: { query: '{ hotKeys(limit: 0) { entity } }' }, fast: true },
    { name: 'a reader may not list every key (FORBIDDEN at run time)', body: { query: '{ apiKeys { team role } }' }, key: 'reader', fast: true },
    { name: 'a producer lists its own team', body: { query: '{ apiKeys { team role label } }' }, key: 'growthProducer', fast: true },
    // Refused before anything runs: Apollo answers, on both instances.
    { name: 'list too long', body: { query: VALUES, variables: { ref: 'click_rate_7d@1', keys: keysOf(51) } }, fast: false },
    { name: 'list at the limit', body: { query: VALUES, variables: { ref: 'click_rate_7d@1', keys: keysOf(50) } }, fast: true },
    { name: 'too many values', body: { query: ONLINE, variables: { consumer: 'fraud_model', keys: keysOf(40) } }, fast: false },
    { name: 'variables of the wrong type', body: { query: VALUES, variables: { ref: 7, keys: ['u1'] } }, fast: false },
    { name: 'a required variable missing', body: { query: VALUES, variables: { keys: ['u1'] } }, fast: false },
    { name: 'no key', body: { query: '{ features { name } }' }, key: null, fast: false },
    { name: 'an unknown key', body: { query: '{ features { name } }' }, headers: { authorization: 'Bearer frk_nope' }, key: null, fast: false },
    { name: 'a foreign Host', body: { query: '{ features { name } }' }, headers: { host: 'attacker.example' }, fast: false },
    { name: 'an allowed Host', body: { query: '{ features { name } }' }, headers: { host: 'registry.internal:4000' }, fast: true },
    { name: 'too deep', body: { query: '{ features { versions { feature { versions { feature { versions { feature { versions { feature { name } } } } } } } } } }' }, fast: false },
    { name: 'a list priced by its limit', body: { query: '{ hotKeys(limit: 5000) { entity } }' }, fast: false },
    { name: 'too costly', body: { query: '{ features { versions { producers { versions { consumers { versions { producers { versions { ref } } } } } } } } }' }, fast: false },
    { name: 'query text too long', body: { query: `{ features { name } }${' '.repeat(1_000)}` }, fast: false },
    { name: 'unknown field', body: { query: '{ features { colour } }' }, fast: false },
    { name: 'syntax error', body: { query: '{ features { name }' }, fast: false },
    { name: 'a mutation', body: { query: 'mutation { registerEntity(name: "user", keyName: "other_id") { name } }' }, fast: false },
    { name: 'persisted query extension', body: { query: '{ features { name } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, fast: false },
    { name: 'variables as a JSON string', body: { query: VALUES, variables: JSON.stringify({ ref: 'click_rate_7d@1', keys: ['u1'] }) }, fast: false },
    { name: 'a batch', body: [{ query: '{ features { name } }' }, { query: '{ entity(name: "user") { name } }' }], fast: false },
    { name: 'malformed JSON', body: '{"query": "{ features { name } }"', fast: false },
    { name: 'JSON that is not an object', body: '"{ features { name } }"', fast: false },
    { name: 'an empty body', body: '', fast: false },
    // Plain JSON in UTF-8 is read without body-parser; everything else is body-parser's, from the same bytes.
    { name: 'JSON after whitespace', body: ` \n${JSON.stringify({ query: '{ features { name } }' })}`, fast: true },
    { name: 'a BOM before the JSON', body: `\uFEFF${JSON.stringify({ query: '{ features { name } }' })}`, fast: true },
    { name: 'the charset named, in capitals', body: { query: '{ features { name } }' }, headers: { 'content-type': 'Application/JSON; charset=UTF-8' }, fast: true },
    { name: 'an unsupported charset', body: { query: '{ features { name } }' }, headers: { 'content-type': 'application/json; charset=latin1' }, fast: false },
    { name: 'gzip-compressed', body: gzipSync(JSON.stringify({ query: '{ features { name } }' })), headers: { 'content-encoding': 'gzip' }, fast: true },
    { name: 'chunked, no length', body: { query: '{ features { name } }' }, headers: { 'transfer-encoding': 'chunked' }, fast: true },
    {
      name: 'invalid UTF-8 in a string',
      body: Buffer.concat([Buffer.from('{"query":"{ features { name } }","operationName":"'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]),
      fast: false,
    },
    { name: 'malformed after its first brace', body: '{"query": nope}', fast: false },
    { name: 'a raw NUL inside a string', body: '{"query":"{ features { name } }\u0000"}', fast: false },
    { name: 'a lone surrogate, escaped, as the operation name', body: '{"query":"{ features { name } }","operationName":"\\ud800"}', fast: false },
    { name: 'not JSON at all', body: 'query=%7B%20features%20%7B%20name%20%7D%20%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' }, fast: false },
    { name: 'a PUT', method: 'PUT', body: { query: '{ features { name } }' }, fast: false },
    { name: 'another path', path: '/graphql/', body: { query: '{ features { name } }' }, fast: false },
    { name: 'the health probe', path: '/healthz', fast: false },
  ];
}

describe('fast path against Apollo, byte for byte', () => {
  let database: Database;
  let fast: Service;
  let apollo: Service;
  const keys = {} as Keys;

  beforeAll(async () => {
    const { url, database: opened } = await freshPostgres();
    database = opened;
    keys.admin = (await createApiKey(database.db, 'platform', 'admin')).key;
    keys.reader = (await createApiKey(database.db, 'growth', 'reader')).key;
    keys.growthProducer = (await createApiKey(database.db, 'growth', 'producer', { label: 'clicks' })).key;
    // A Redis database of its own: other suites write the README's names into the shared server's default one.
    const env = {
      DATABASE_URL: url,
      REDIS_URL: `${inject('redisUrl')}/7`,
      AUTH: 'on',
      ALLOWED_HOSTS: 'registry.internal',
      MAX_LIST_LENGTH: '50',
      MAX_QUERY_DEPTH: '8',
      MAX_QUERY_COST: '5000',
      MAX_VALUES_PER_REQUEST: '60',
      MAX_QUERY_BYTES: '1000',
      // Producers' write times reach PostgreSQL at once, so that both instances see the same.
      PRODUCER_WRITES_FLUSH: '10ms',
      PRODUCER_WRITES_TTL: '10ms',
    };
    fast = await startTestService(database, env);
    for (const block of graphqlBlocks(README).filter((b) => b.trimStart().startsWith('mutation'))) {
      const response = await gql(fast, block, undefined, keys.admin);
      expect(response.status, `${block}\n${JSON.stringify(response.errors)}`).toBe(200);
    }
    // Started after the writes: its registry snapshot and caches begin where the fast instance's are now.
    apollo = await startTestService(database, { ...env, FAST_PATH: 'off' });
  }, 120_000);

  afterAll(async () => {
    await fast?.close();
    await apollo?.close();
    await database?.close();
  });

  const served = async (service: Service) => {
    const metrics = await (await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${keys.admin}` } })).text();
    // An instance without the fast path has no such counter: it answered nothing that way.
    return Number(/^feature_registry_graphql_fast_path_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };

  it('answers every request of the corpus with the same status, headers and bytes, and serves the repeats it should', async () => {
    const fastServed: string[] = [];
    for (const request of corpus()) {
      const viaApollo = maskAges(await send(apollo.url, request, keys));
      const first = maskAges(await send(fast.url, request, keys));
      const before = await served(fast);
      const repeat = maskAges(await send(fast.url, request, keys));
      if ((await served(fast)) > before) fastServed.push(request.name);
      expect(first, `${request.name}: first request`).toEqual(viaApollo);
      expect(repeat, `${request.name}: repeat`).toEqual(viaApollo);
    }
    expect(fastServed).toEqual(corpus().filter((r) => r.fast).map((r) => r.name));
    expect(await served(apollo)).toBe(0);
  });

  it('is off with FAST_PATH=off, and refuses any other setting', async () => {
    expect(apollo.url).toBeDefined();
    const { loadConfig } = await import('../src/config.js');
    expect(loadConfig({ FAST_PATH: 'off' }).fastPath).toBe(false);
    expect(loadConfig({}).fastPath).toBe(true);
    expect(() => loadConfig({ FAST_PATH: 'sometimes' })).toThrow(/FAST_PATH="sometimes": expected "on" or "off"/);
  });
});

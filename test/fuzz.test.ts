// A seeded fuzz test of client input, on every online store (embedded PGlite, PostgreSQL, Redis, the shared Redis
// Cluster): well-formed GraphQL requests carrying malformed data (NUL, lone surrogates of both kinds, control
// characters, huge strings, values of the wrong JSON type, malformed refs and durations, future and invalid
// times, deeply nested JSON). It asserts that no response is an HTTP 5xx or an INTERNAL_SERVER_ERROR, then reads
// back everything stored, from the database and the online store directly, and checks that each string passes
// the text rules. The generator never produces U+FFFD, so a stored U+FFFD is a lone surrogate some store
// silently replaced. The seed is printed; FUZZ_SEED=<n> replays a run.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Cluster, Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { DEFAULT_MAX_ENTITY_KEY_BYTES } from '../src/config.js';
import { entityKeyProblem, MAX_TEXT_LENGTH, textProblem } from '../src/core/text.js';
import { seededRandom } from '../bench/zipf.js';
import { backends } from './support/backends.js';
import { gql, gqlOk, withService } from './support/service.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
const REQUESTS_PER_STORE = 1_200;
const MALFORMED_REQUESTS = 600;

/** Random inputs of every malformed kind, drawn from one PRNG. */
class Inputs {
  constructor(
    private readonly random: () => number,
    private readonly names: { entity: string; refs: string[]; lifecycleRefs: string[]; producer: string; consumer: string },
  ) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A code point from a mix of ranges (never U+FFFD, never a surrogate). */
  private char(): string {
    const range = this.pick([
      [0x20, 0x7e], [0x20, 0x7e], [0x00, 0x1f], [0x7f, 0x9f], [0xa0, 0x2ff], [0x2000, 0x206f], [0x4e00, 0x4fff], [0xfe00, 0xfffc], [0x1f300, 0x1f6ff],
    ] as const);
    return String.fromCodePoint(range[0] + this.int(range[1] - range[0] + 1));
  }

  /** A string that breaks some rule (or none): the pieces clients get wrong. */
  string(): string {
    const pieces = [
      () => '\u0000',
      () => '\ud800',
      () => '\udbff',
      () => '\udc00',
      () => '\udfff',
      () => '\udc00\ud800', // a pair the wrong way round
      () => '\ud83d\ude42', // a well-formed pair
      () => this.pick(['\t', '\n', '\r', '\u0001', '\u001b', '\u007f', '\u0085', '\u2028', '\ufeff']),
      () => this.pick(['}', '{', ':', '|', '@', '"', '\\', ' ', '%', '*', '[', ']']),
      () => 'é'.repeat(1 + this.int(300)),
      () => 'x'.repeat(this.pick([255, 256, 257, 2_049, 3_000, 70_000])),
      () => Array.from({ length: 1 + this.int(12) }, () => this.char()).join(''),
      () => randomWord(this.random),
      () => '',
      () => '   ',
    ];
    let text = '';
    for (let i = 0, n = 1 + this.int(4); i < n; i++) text += this.pick(pieces)();
    if (this.chance(0.01)) text += 'y'.repeat(this.pick([4_001, 4_001, 20_000, 100_000, 1_000_000]));
    return text;
  }

  /** Mostly valid keys, sometimes malformed ones. */
  entityKey(): string {
    return this.chance(0.5) ? `k${this.int(50)}` : this.string();
  }

  name(): string {
    return this.chance(0.3) ? `n_${this.int(20)}` : this.string();
  }

  ref(): string {
    if (this.chance(0.4)) return this.pick(this.names.refs);
    const base = this.pick(this.names.refs).split('@')[0]!;
    return this.pick([
      `${base}@0`, `${base}@-1`, `${base}@1.5`, `${base}@99999999999`, `${base}@`, '@1', `${base.toUpperCase()}@1`,
      `${base}@1${this.string()}`, `${this.string()}@1`, this.string(), `${base}@01`,
    ]);
  }

  /** A ref for lifecycle changes: never one of the versions written to, which must stay writable. */
  otherRef(): string {
    return this.pick([() => this.pick(this.names.lifecycleRefs), () => `n_${this.int(20)}@${1 + this.int(3)}`, () => this.string()])();
  }

  duration(): string {
    return this.pick(['5m', '1h30m', '7d', '0s', '-1h', '1.5h', '10000d', '1h30', '', ' ', '99999999999999999999d', '1 h', '5M', `5m${this.string()}`, this.string()]);
  }

  time(): string {
    const now = Date.now();
    return this.pick([
      () => new Date(now - this.int(3_600_000)).toISOString(),
      () => `${new Date(now - this.int(3_600_000)).toISOString().slice(0, 23)}${this.int(1000)}Z`,
      () => new Date(now + 31_000 + this.int(1e9)).toISOString(),
      () => '2099-01-01T00:00:00Z',
      () => '1970-01-01T00:00:00Z',
      () => '0001-01-01T00:00:00Z',
      () => '0000-01-01T00:00:00Z',
      () => '9999-12-31T23:59:59.999Z',
      () => '+275760-09-13T00:00:00Z',
      () => '-271821-04-20T00:00:00Z',
      () => '2026-13-01T00:00:00Z',
      () => '2026-02-30T12:00:00Z',
      () => '2026-11-26T12:00:00+14:00',
      () => '2026-11-26t12:00:00z',
      () => 'yesterday',
      () => '',
      () => this.string(),
    ])();
  }

  /** A JSON value of any type, sometimes deeply nested, sometimes with bad strings. */
  json(depth = 0): unknown {
    if (depth === 0 && this.chance(0.05)) return nested(this.pick([17, 65, 1_000, 3_000]));
    const kinds = [
      () => this.pick([0, -0, 1, -1, 0.5, 1e308, -1.7e308, 5e-324, 2 ** 53 + 1, 2 ** 63, 1e21]),
      () => this.pick([true, false, null]),
      () => this.string(),
      () => this.pick(['42', '9223372036854775807', '9223372036854775808', '-0', '1e3', '0x10', 'NaN']),
      () => (depth < 3 ? Array.from({ length: this.int(5) }, () => this.json(depth + 1)) : []),
      () => (depth < 3 ? Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.string(), this.json(depth + 1)])) : {}),
    ];
    return this.pick(kinds)();
  }

  row(): Record<string, unknown> {
    return { ref: this.ref(), entityKey: this.entityKey(), value: this.json(), eventTime: this.time() };
  }

  /** One well-formed GraphQL request carrying malformed data. */
  request(): { query: string; variables: Record<string, unknown> } {
    const { producer, consumer } = this.names;
    const ops: (() => { query: string; variables: Record<string, unknown> })[] = [
      () => ({
        query: `mutation ($p: String!, $rows: [FeatureValueInput!]!) { writeFeatureValues(producer: $p, rows: $rows) { accepted superseded rejected errors { index code } } }`,
        variables: { p: this.chance(0.9) ? producer : this.name(), rows: Array.from({ length: 1 + this.int(25) }, () => this.row()) },
      }),
      () => ({
        query: `query ($r: String!, $k: [String!]!) { featureValues(ref: $r, entityKeys: $k) { rows { entityKey features { value flags } } } }`,
        variables: { r: this.ref(), k: Array.from({ length: 1 + this.int(20) }, () => this.entityKey()) },
      }),
      () => ({
        query: `query ($c: String!, $k: [String!]!) { onlineFeatures(consumer: $c, entityKeys: $k) { rows { features { value } } flagCounts { flag count } } }`,
        variables: { c: this.chance(0.8) ? consumer : this.name(), k: Array.from({ length: 1 + this.int(20) }, () => this.entityKey()) },
      }),
      () => ({
        query: `mutation ($n: String!, $k: String!, $d: String) { registerEntity(name: $n, keyName: $k, description: $d) { name } }`,
        variables: { n: this.name(), k: this.name(), d: this.string() },
      }),
      () => ({
        query: `mutation ($i: FeatureVersionInput!) { registerFeatureVersion(input: $i) { created version { ref } } }`,
        variables: {
          i: {
            feature: this.name(),
            entity: this.chance(0.7) ? this.names.entity : this.name(),
            owner: this.chance(0.7) ? 'growth' : this.name(),
            valueType: this.pick(['INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST']),
            window: this.chance(0.5) ? null : this.duration(),
            maxAge: this.duration(),
            aggregation: this.chance(0.3) ? null : this.json(),
            description: this.chance(0.3) ? null : this.string(),
          },
        },
      }),
      () => ({
        query: `mutation ($n: String!, $o: String!, $d: String) { registerProducer(name: $n, owner: $o, description: $d) { name } }`,
        variables: { n: this.name(), o: this.chance(0.7) ? 'growth' : this.name(), d: this.string() },
      }),
      () => ({
        query: `mutation ($n: String!, $o: String!, $d: String) { registerConsumer(name: $n, owner: $o, description: $d) { name } }`,
        variables: { n: this.name(), o: this.chance(0.7) ? 'search' : this.name(), d: this.string() },
      }),
      () => ({
        query: `mutation ($p: String!, $r: [String!]!) { bindProducer(producer: $p, refs: $r) { name } }`,
        variables: { p: this.chance(0.5) ? producer : this.name(), r: Array.from({ length: this.int(4) }, () => this.ref()) },
      }),
      () => ({
        query: `mutation ($c: String!, $r: [String!]!) { bindConsumer(consumer: $c, refs: $r) { name } }`,
        variables: { c: this.chance(0.5) ? consumer : this.name(), r: Array.from({ length: this.int(4) }, () => this.ref()) },
      }),
      () => ({
        query: `mutation ($r: String!, $f: Boolean, $why: String) { activateFeatureVersion(ref: $r, force: $f, reason: $why) { status } }`,
        variables: { r: this.otherRef(), f: this.chance(0.5), why: this.string() },
      }),
      () => ({
        query: `mutation ($r: String!, $t: DateTime!, $why: String) { deprecateFeatureVersion(ref: $r, sunsetAt: $t, reason: $why) { status } }`,
        variables: { r: this.otherRef(), t: this.chance(0.5) ? '2099-01-01T00:00:00Z' : this.time(), why: this.string() },
      }),
      () => ({ query: `mutation ($r: String!) { validateFeatureVersion(ref: $r) { passed } }`, variables: { r: this.otherRef() } }),
      () => ({
        query: `query ($n: String!, $r: String!) { entity(name: $n) { name } feature(name: $n) { name } producer(name: $n) { name } consumer(name: $n) { name } featureVersion(ref: $r) { ref } }`,
        variables: { n: this.name(), r: this.ref() },
      }),
      () => ({ query: `query ($r: String!) { eventLag(ref: $r) { samples p95Ms } }`, variables: { r: this.ref() } }),
      () => ({
        query: `query ($r: String!, $from: DateTime, $to: DateTime) { valueDistribution(ref: $r, from: $from, to: $to) { count mean stddev p50 } }`,
        variables: { r: this.ref(), from: this.chance(0.5) ? null : this.time(), to: this.chance(0.5) ? null : this.time() },
      }),
      () => ({ query: `query ($l: Int) { hotKeys(limit: $l) { entity entityKey } }`, variables: { l: this.pick([null, -1, 0, 1, 10, 1000, 1001, 2 ** 31 - 1]) } }),
    ];
    // Writes and reads, the busiest requests, three times as often as the rest.
    return this.pick([...ops, ops[0]!, ops[0]!, ops[1]!, ops[2]!])();
  }
}

function randomWord(random: () => number): string {
  return Array.from({ length: 1 + Math.floor(random() * 10) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
}

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
  return value;
}

/** Every string inside a JSON value (keys included), without recursion. */
function stringsIn(value: unknown): string[] {
  const found: string[] = [];
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') found.push(item);
    else if (Array.isArray(item)) pending.push(...item);
    else if (item !== null && typeof item === 'object') {
      for (const [key, element] of Object.entries(item)) {
        found.push(key);
        pending.push(element);
      }
    }
  }
  return found;
}

/** What is wrong with any stored string: NUL, a lone surrogate, or U+FFFD (which the generator never sends). */
function storedProblem(text: string): string | undefined {
  return textProblem(text, { anyControl: true }) ?? (text.includes('\ufffd') ? 'holds U+FFFD: a lone surrogate was stored' : undefined);
}

/** The tables whose every string is checked. */
const TABLES = [
  'entities', 'features', 'feature_versions', 'producers', 'consumers', 'producer_bindings', 'consumer_bindings', 'audit_log',
  'online_values', 'event_lag_counts', 'read_counts', 'value_distributions', 'shadow_keys', 'shadow_writes', 'validation_reports',
];

describe.each(backends)('fuzzed input on $name', (backend) => {
  const fixture = withService(backend);
  const s = randomBytes(4).toString('hex');
  const entity = `fz_${s}`;
  const producer = `fz_job_${s}`;
  const consumer = `fz_model_${s}`;
  const types = ['INT64', 'FLOAT64', 'BOOL', 'STRING', 'FLOAT64_LIST', 'STRING_LIST'];
  const refs = types.map((type) => `fz_${type.toLowerCase()}_${s}@1`);
  const lifecycleRefs = [`fz_life_${s}@1`, `fz_life_${s}@2`];

  beforeAll(async () => {
    await gqlOk(fixture.service, `mutation {
      registerEntity(name: "${entity}", keyName: "id") { name }
      registerProducer(name: "${producer}", owner: "growth") { name }
      registerConsumer(name: "${consumer}", owner: "search") { name }
    }`);
    for (const [i, valueType] of types.entries()) {
      await gqlOk(fixture.service, `mutation { registerFeatureVersion(input: { feature: "${refs[i]!.split('@')[0]}", entity: "${entity}", owner: "growth", valueType: ${valueType}, maxAge: "1h", nullable: ${i % 2 === 0} }) { created } }`);
    }
    for (const maxAge of ['1h', '2h']) {
      await gqlOk(fixture.service, `mutation { registerFeatureVersion(input: { feature: "fz_life_${s}", entity: "${entity}", owner: "growth", valueType: FLOAT64, maxAge: "${maxAge}" }) { created } }`);
    }
    await gqlOk(fixture.service, `mutation ($refs: [String!]!) {
      bindProducer(producer: "${producer}", refs: $refs) { name }
      bindConsumer(consumer: "${consumer}", refs: $refs) { name }
    }`, { refs });
  });

  it(`answers ${MALFORMED_REQUESTS} malformed HTTP requests (broken JSON, wrong shapes, mutated queries) with a 4xx, never a 5xx`, async () => {
    const random = seededRandom(SEED ^ 0x0bad_f00d);
    const inputs = new Inputs(random, { entity, refs, lifecycleRefs, producer, consumer });
    const failures: string[] = [];
    for (let i = 0; i < MALFORMED_REQUESTS; i++) {
      const request = malformedRequest(random, inputs);
      const response = await fetch(`${fixture.service.url}/graphql${request.search ?? ''}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      const text = await response.text();
      if (response.status >= 500 || text.includes('INTERNAL_SERVER_ERROR')) {
        failures.push(`request ${i}: HTTP ${response.status} ${text.slice(0, 200)} for ${request.method} ${request.search ?? ''} ${String(request.body).slice(0, 120)}`);
      }
    }
    expect(failures.slice(0, 5), `${failures.length} of ${MALFORMED_REQUESTS} requests failed (seed ${SEED})`).toEqual([]);
  });

  it(`answers ${REQUESTS_PER_STORE} malformed requests without a 5xx or an internal error, and stores nothing malformed`, async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}) on ${backend.name}`);
    const inputs = new Inputs(seededRandom(SEED), { entity, refs, lifecycleRefs, producer, consumer });
    const failures: string[] = [];
    let rejectedRows = 0;
    for (let i = 0; i < REQUESTS_PER_STORE; i++) {
      const { query, variables } = inputs.request();
      const response = await gql(fixture.service, query, variables);
      const internal = (response.errors ?? []).filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
      if (response.status >= 500 || internal.length > 0) {
        failures.push(`request ${i}: HTTP ${response.status} ${JSON.stringify(response.errors)?.slice(0, 300)} for ${query.slice(0, 80)} ${JSON.stringify(variables).slice(0, 300)}`);
      }
      rejectedRows += response.data?.writeFeatureValues?.rejected ?? 0;
    }
    await fixture.service.services.distributions.flush();
    await fixture.service.services.hotKeys.tick();
    expect(failures.slice(0, 5), `${failures.length} of ${REQUESTS_PER_STORE} requests failed (seed ${SEED})`).toEqual([]);
    expect(rejectedRows).toBeGreaterThan(500);

    // Everything in the database, every table and column, and each entity key and description by its own rule.
    const problems: string[] = [];
    const check = (where: string, text: string, problem = storedProblem(text)) => {
      if (problem) problems.push(`${where}: ${JSON.stringify(text.slice(0, 60))} ${problem}`);
    };
    for (const table of TABLES) {
      const rows = await queryRows<{ row: string }>(fixture.database.db, sql`select row_to_json(t)::text as row from ${sql.identifier(table)} t`);
      for (const { row } of rows) {
        const parsed = JSON.parse(row) as Record<string, unknown>;
        for (const text of stringsIn(parsed)) check(table, text);
        if (table === 'online_values') for (const text of stringsIn(JSON.parse(parsed.value as string))) check('online value', text);
        for (const column of ['entity_key']) if (typeof parsed[column] === 'string') check(`${table}.${column}`, parsed[column], entityKeyProblem(parsed[column], DEFAULT_MAX_ENTITY_KEY_BYTES));
        if (typeof parsed.description === 'string') {
          const description = parsed.description;
          check(`${table}.description`, description, textProblem(description, { multiline: true, maxLength: MAX_TEXT_LENGTH }) ?? (description.trim() !== description ? 'is not trimmed' : undefined));
        }
      }
    }
    if (storesValuesInDatabase(backend.name)) {
      const stored = await queryRows<{ n: string }>(fixture.database.db, sql`select count(*) as n from online_values where entity = ${entity}`);
      expect(Number(stored[0]!.n)).toBeGreaterThan(10);
    }

    // Everything in Redis under this suite's entity keys: key names, refs and values.
    if (fixture.env.REDIS_URL || fixture.env.REDIS_CLUSTER_NODES) {
      const hashes = await redisValues(fixture.env, `fr:{${entity}:*`);
      expect(hashes.size).toBeGreaterThan(10);
      for (const [key, fields] of hashes) {
        const entityKey = key.slice(`fr:{${entity}:`.length, -1);
        check('redis key', entityKey, storedProblem(entityKey) ?? entityKeyProblem(entityKey, DEFAULT_MAX_ENTITY_KEY_BYTES));
        for (const [ref, raw] of Object.entries(fields)) {
          check('redis field', ref);
          const json = raw.split('|').slice(2).join('|');
          for (const text of stringsIn(JSON.parse(json))) check('redis value', text);
        }
      }
    }
    expect(problems.slice(0, 10), `${problems.length} malformed strings stored`).toEqual([]);
  }, 180_000);
});

/** The PostgreSQL stores keep online values in the database itself. */
const storesValuesInDatabase = (name: string) => name === 'embedded PGlite' || name === 'PostgreSQL';

/** Every value hash whose key matches `pattern`, read straight from Redis or from every master of the cluster. */
async function redisValues(env: Record<string, string>, pattern: string): Promise<Map<string, Record<string, string>>> {
  const clients: Redis[] = [];
  let cluster: Cluster | undefined;
  if (env.REDIS_URL) clients.push(new Redis(env.REDIS_URL));
  else {
    cluster = new Cluster(env.REDIS_CLUSTER_NODES!.split(',').map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })));
    await cluster.ping();
    clients.push(...cluster.nodes('master'));
  }
  const found = new Map<string, Record<string, string>>();
  try {
    for (const client of clients) {
      for await (const keys of client.scanStream({ match: pattern, count: 1_000 })) {
        for (const key of keys as string[]) found.set(key, await client.hgetall(key));
      }
    }
  } finally {
    if (cluster) cluster.disconnect();
    else clients.forEach((c) => c.disconnect());
  }
  return found;
}

/** A request a careless or hostile client might send: every part of it may be wrong. */
function malformedRequest(random: () => number, inputs: Inputs): { method: string; search?: string; headers: Record<string, string>; body?: string } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const { query, variables } = inputs.request();
  const mutated = mutate(random, query);
  const json = (value: unknown) => JSON.stringify(value);
  const bodies = [
    () => json({ query: mutated, variables }),
    () => json({ query, variables }).slice(0, Math.floor(random() * 200)),
    () => json({ query: 42 }),
    () => json({ query, variables: 'not an object' }),
    () => json({ query, variables: [1, 2, 3] }),
    () => json({ query, operationName: 7 }),
    () => json({ query, operationName: 'NoSuchOperation' }),
    () => json([{ query }, { query }]),
    () => json('just a string'),
    () => json(null),
    () => json({ variables }),
    () => json({ query: `query Q($k: [String!]!) { featureValues(ref: "x@1", entityKeys: $k) { rows { entityKey } } } ${mutated}`, variables: { k: 'nope' } }),
    () => json({ query, extensions: { persistedQuery: { version: 1, sha256Hash: pick(['0'.repeat(64), 'zz', 42, '']) } } }),
    () => json({ query: `{ ${'a: __typename '.repeat(1 + Math.floor(random() * 2000))} }` }),
    () => json({ query: `${'{ features '.repeat(50)}${'}'.repeat(50)}` }),
    () => json({ query: `query ($s: Boolean!) { features @skip(if: $s) { name } }`, variables: pick([{}, { s: 'yes' }, { s: null }]) }),
    () => Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))).toString('latin1'),
    () => '',
  ];
  const body = pick(bodies)();
  return pick([
    () => ({ method: 'POST', headers: { 'content-type': pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/graphql', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']), accept: pick(['application/json', 'application/graphql-response+json', '*/*', 'text/html']) }, body }),
    () => ({ method: 'GET', search: `?query=${encodeURIComponent(mutated)}&variables=${encodeURIComponent(pick([json(variables), '{', 'null', '[]']))}`, headers: { accept: pick(['application/json', 'application/graphql-response+json']) } }),
    () => ({ method: pick(['PUT', 'DELETE', 'PATCH']), headers: { 'content-type': 'application/json' }, body }),
    () => ({ method: 'POST', headers: { 'content-type': 'application/json', authorization: pick(['Bearer', 'Bearer frk_not-a-key', `Bearer ${'x'.repeat(5000)}`, 'Basic Zm9vOmJhcg==']) }, body }),
  ])();
}

/** The query with a few characters deleted, repeated or replaced by GraphQL punctuation. */
function mutate(random: () => number, query: string): string {
  let text = query;
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const at = Math.floor(random() * (text.length + 1));
    const edit = Math.floor(random() * 3);
    const piece = '{}()[]:$@!"\\.,=#\n'.charAt(Math.floor(random() * 17));
    if (edit === 0) text = text.slice(0, at) + text.slice(at + 1);
    else if (edit === 1) text = text.slice(0, at) + piece + text.slice(at);
    else text = text.slice(0, at) + text.slice(at, at + 20).repeat(2) + text.slice(at + 20);
  }
  return text;
}

// Online reads by rows (a key per entity) and feature subsets, through the GraphQL API on every online store:
// a fraud model reads user and merchant features for one transaction; a key is only ever read as the entity it
// was sent for; every refusal says what to send instead and reads nothing; the read stays one store round
// trip per node with keys shared across rows read once; flags, flag counts, hot-key counting and the
// per-request value limit count each entity's keys.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { codes, gql, gqlOk, withService } from './support/service.js';
import { createValueLoader } from '../src/graphql/loaders.js';

const READ = `query ($consumer: String!, $keys: [String!], $rows: [EntityRowInput!], $features: [String!]) {
  onlineFeatures(consumer: $consumer, entityKeys: $keys, rows: $rows, features: $features) {
    rows { entityKey keys { entity key } features { ref feature value flags } }
    flagCounts { flag count }
  }
}`;
const VALUES = `query ($ref: String!, $keys: [String!]!) {
  featureValues(ref: $ref, entityKeys: $keys) { rows { entityKey keys { entity key } features { value flags } } }
}`;
const WRITE = `mutation ($producer: String!, $rows: [FeatureValueInput!]!) {
  writeFeatureValues(producer: $producer, rows: $rows) { accepted rejected errors { index message } }
}`;

/** The most values one request may read in these tests, so that a subset's lower price can be seen. */
const MAX_VALUES = 600;

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe.each(backends)('rows and feature subsets on $name', (backend) => {
  const fixture = withService(backend, {
    env: { MAX_VALUES_PER_REQUEST: String(MAX_VALUES), MAX_ENTITY_KEY_BYTES: '16', HOT_KEY_WINDOW: '3s', HOT_KEY_SHARE: '0.2', HOT_KEY_MIN_RATE: '5' },
  });
  // Names unique to this suite: the Redis servers are shared by every test file.
  const s = randomBytes(4).toString('hex');
  const user = `user_${s}`;
  const merchant = `merchant_${s}`;
  const producer = `job_${s}`;
  const fraud = `fraud_${s}`;
  const ranking = `ranking_${s}`;
  // Pins are ordered by feature name: the merchant's two, then the user's two.
  const f = { name: `m_name_${s}`, risk: `m_risk_${s}`, flag: `u_flag_${s}`, spend: `u_spend_${s}` };
  const ref = (feature: string) => `${feature}@1`;
  /** Keys of eight entities no feature describes: they make a row long. */
  const extraKeys = Array.from({ length: 8 }, (_, i) => ({ entity: `extra_${i}`, key: `x${i}` }));

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  const row = (keys: Record<string, string>) => ({ keys: Object.entries(keys).map(([entity, key]) => ({ entity, key })) });
  const read = async (variables: Record<string, unknown>) => (await ok(READ, variables)).onlineFeatures;
  /** The values of a response's rows by feature, for comparing without the refs and flags. */
  const valuesOf = (result: any) =>
    result.rows.map((r: any) => Object.fromEntries(r.features.map((v: any) => [v.feature, v.value])));
  const write = async (rows: { feature: string; key: string; value: unknown; eventTime?: string }[]) => {
    const result = (
      await ok(WRITE, { producer, rows: rows.map((r) => ({ ref: ref(r.feature), entityKey: r.key, value: r.value, eventTime: r.eventTime ?? ago(1000) })) })
    ).writeFeatureValues;
    expect(result).toMatchObject({ accepted: rows.length, rejected: 0 });
  };

  beforeAll(async () => {
    const register = (feature: string, entity: string, valueType: string) =>
      `r_${feature}: registerFeatureVersion(input: { feature: "${feature}", entity: "${entity}", owner: "risk", valueType: ${valueType}, maxAge: "1h" }) { created }`;
    await ok(`mutation {
      e1: registerEntity(name: "${user}", keyName: "user_id") { name }
      e2: registerEntity(name: "${merchant}", keyName: "merchant_id") { name }
    }`);
    await ok(`mutation {
      ${register(f.name, merchant, 'STRING')}
      ${register(f.risk, merchant, 'FLOAT64')}
      ${register(f.flag, user, 'BOOL')}
      ${register(f.spend, user, 'FLOAT64')}
      registerProducer(name: "${producer}", owner: "risk") { name }
      c1: registerConsumer(name: "${fraud}", owner: "risk") { name }
      c2: registerConsumer(name: "${ranking}", owner: "risk") { name }
    }`);
    const all = Object.values(f).map(ref);
    await ok(`mutation ($all: [String!]!) {
      bindProducer(producer: "${producer}", refs: $all) { name }
      b1: bindConsumer(consumer: "${fraud}", refs: $all) { name }
      b2: bindConsumer(consumer: "${ranking}", refs: ["${ref(f.spend)}"]) { name }
    }`, { all });
    // `u1` is a user and a merchant, with different values; `m7` only a merchant; `old` a merchant whose risk is stale.
    await write([
      { feature: f.spend, key: 'u1', value: 10 },
      { feature: f.flag, key: 'u1', value: true },
      { feature: f.spend, key: 'u2', value: 20 },
      { feature: f.flag, key: 'u2', value: false },
      { feature: f.name, key: 'u1', value: 'shop u1' },
      { feature: f.risk, key: 'u1', value: 0.9 },
      { feature: f.name, key: 'm7', value: 'shop m7' },
      { feature: f.risk, key: 'm7', value: 0.1 },
      { feature: f.risk, key: 'old', value: 0.5, eventTime: ago(2 * 3600_000) },
    ]);
  });

  it('reads user and merchant features for one transaction, each key as its own entity, in request order', async () => {
    const result = await read({
      consumer: fraud,
      rows: [row({ [user]: 'u1', [merchant]: 'm7' }), row({ [merchant]: 'u1', [user]: 'u2' })],
    });
    expect(result.rows.map((r: any) => r.keys)).toEqual([
      [{ entity: user, key: 'u1' }, { entity: merchant, key: 'm7' }],
      [{ entity: merchant, key: 'u1' }, { entity: user, key: 'u2' }],
    ]);
    expect(result.rows.map((r: any) => r.entityKey)).toEqual([`${user}:u1,${merchant}:m7`, `${merchant}:u1,${user}:u2`]);
    expect(result.rows[0].features.map((v: any) => v.ref)).toEqual([f.name, f.risk, f.flag, f.spend].map(ref));
    expect(valuesOf(result)).toEqual([
      { [f.name]: 'shop m7', [f.risk]: 0.1, [f.flag]: true, [f.spend]: 10 },
      { [f.name]: 'shop u1', [f.risk]: 0.9, [f.flag]: false, [f.spend]: 20 },
    ]);
    expect(result.flagCounts).toEqual([]);
  });

  it('never mixes keys that collide across entities: u1 the user and u1 the merchant hold their own values', async () => {
    const result = await read({ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: 'u1' }), row({ [user]: 'm7', [merchant]: 'u2' })] });
    expect(valuesOf(result)).toEqual([
      { [f.name]: 'shop u1', [f.risk]: 0.9, [f.flag]: true, [f.spend]: 10 },
      // m7 is a merchant, not a user; u2 a user, not a merchant: all four missing, none borrowed from the other entity.
      { [f.name]: null, [f.risk]: null, [f.flag]: null, [f.spend]: null },
    ]);
    expect(result.rows[1].features.map((v: any) => v.flags)).toEqual([['MISSING'], ['MISSING'], ['MISSING'], ['MISSING']]);
    // The single-entity forms agree.
    const users = await read({ consumer: ranking, keys: ['u1'] });
    expect(users.rows).toEqual([{ entityKey: 'u1', keys: [{ entity: user, key: 'u1' }], features: [{ ref: ref(f.spend), feature: f.spend, value: 10, flags: [] }] }]);
    const merchants = (await ok(VALUES, { ref: ref(f.risk), keys: ['u1'] })).featureValues;
    expect(merchants.rows).toEqual([{ entityKey: 'u1', keys: [{ entity: merchant, key: 'u1' }], features: [{ value: 0.9, flags: [] }] }]);
  });

  it('reads a subset of the pins, in the order asked; entityKeys serves a subset of one entity', async () => {
    const subset = await read({ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: 'm7' })], features: [f.spend, f.risk] });
    expect(subset.rows[0].features.map((v: any) => [v.ref, v.value])).toEqual([[ref(f.spend), 10], [ref(f.risk), 0.1]]);

    const oneEntity = await read({ consumer: fraud, keys: ['u2', 'u1'], features: [f.flag, f.spend] });
    expect(oneEntity.rows.map((r: any) => r.keys)).toEqual([[{ entity: user, key: 'u2' }], [{ entity: user, key: 'u1' }]]);
    expect(valuesOf(oneEntity)).toEqual([{ [f.flag]: false, [f.spend]: 20 }, { [f.flag]: true, [f.spend]: 10 }]);

    // A row's key for an entity no requested feature describes is kept in `keys` and not read.
    const extra = await read({ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: 'm7' })], features: [f.spend] });
    expect(extra.rows).toEqual([
      {
        entityKey: `${user}:u1,${merchant}:m7`,
        keys: [{ entity: user, key: 'u1' }, { entity: merchant, key: 'm7' }],
        features: [{ ref: ref(f.spend), feature: f.spend, value: 10, flags: [] }],
      },
    ]);
    // However many keys a row holds.
    const long = await read({ consumer: fraud, rows: [{ keys: [...extraKeys, { entity: merchant, key: 'm7' }, { entity: user, key: 'u1' }] }], features: [f.spend, f.risk] });
    expect(valuesOf(long)).toEqual([{ [f.spend]: 10, [f.risk]: 0.1 }]);
    // A row of one key is labelled by the key itself, as an entityKeys row is.
    const single = await read({ consumer: ranking, rows: [row({ [user]: 'u2' })] });
    expect(single.rows[0]).toMatchObject({ entityKey: 'u2', keys: [{ entity: user, key: 'u2' }] });
  });

  it('flags and counts each value of each row, whatever entity it describes', async () => {
    const result = await read({ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: 'old' }), row({ [user]: 'nobody', [merchant]: 'm7' })] });
    expect(result.rows.map((r: any) => r.features.map((v: any) => v.flags))).toEqual([
      [['MISSING'], ['STALE'], [], []],
      [[], [], ['MISSING'], ['MISSING']],
    ]);
    expect(result.rows[0].features[1].value).toBe(0.5);
    expect(result.flagCounts).toEqual([
      { flag: 'MISSING', count: 3 },
      { flag: 'STALE', count: 1 },
    ]);
  });

  it('refuses, reading nothing, whatever cannot be read as asked, and says what to send instead', async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ consumer: fraud, keys: ['u1'] }, new RegExp(`consumer is pinned to features of several entities \\(${merchant}: .*; ${user}: .*\\).*send rows with a key per entity`)],
      [{ consumer: fraud, keys: ['u1'], features: [f.spend, f.risk] }, /the features asked for describe several entities .*send rows with a key per entity.*or name features of one entity/],
      [{ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: 'm7' }), row({ [user]: 'u2' })] }, new RegExp(`rows\\[1\\] has no key for entity ${merchant}, which ${f.name}, ${f.risk} describe: add \\{ entity: "${merchant}", key: … \\}`)],
      [{ consumer: fraud, rows: [{ keys: [] }] }, new RegExp(`rows\\[0\\] has no key for entity ${merchant}`)],
      [{ consumer: ranking, keys: ['u1'], features: [f.risk] }, new RegExp(`features\\[0\\]: consumer ${ranking} is not pinned to feature "${f.risk}"; it is pinned to ${f.spend}: ask for those, or pin it with bindConsumer`)],
      [{ consumer: ranking, keys: ['u1'], features: [ref(f.spend)] }, new RegExp(`name the feature \\(${f.spend}\\): the consumer's pin decides the version`)],
      [{ consumer: fraud, rows: [row({ [user]: 'u1' }), { keys: [{ entity: user, key: 'u1' }, { entity: merchant, key: 'm7' }, { entity: user, key: 'u2' }] }] }, new RegExp(`rows\\[1\\]\\.keys\\[2\\] repeats entity ${user} \\(rows\\[1\\]\\.keys\\[0\\] has it\\): a row holds one key per entity`)],
      // A long row (indexed rather than searched along) too.
      [{ consumer: fraud, rows: [{ keys: [...extraKeys, { entity: user, key: 'u1' }, { entity: merchant, key: 'm7' }, { entity: 'extra_3', key: 'x' }] }] }, /rows\[0\]\.keys\[10\] repeats entity extra_3 \(rows\[0\]\.keys\[3\] has it\)/],
      [{ consumer: fraud, keys: ['u1'], rows: [row({ [user]: 'u1' })] }, /send either entityKeys \(keys of one entity\) or rows \(a key per entity\), not both/],
      [{ consumer: fraud }, /send entityKeys \(keys of one entity\) or rows \(a key per entity, such as \{ keys: /],
      [{ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: '' })] }, /rows\[0\]\.keys\[1\]\.key is empty/],
      [{ consumer: fraud, rows: [row({ [user]: 'u1', [merchant]: 'x'.repeat(17) })] }, /rows\[0\]\.keys\[1\]\.key is longer than 16 bytes of UTF-8/],
      [{ consumer: fraud, rows: [{ keys: [{ entity: 'User!', key: 'u1' }] }] }, /rows\[0\]\.keys\[0\]\.entity "User!" is not a valid name/],
      [{ consumer: fraud, keys: ['u1', 'x\u0000'] }, /entityKeys\[1\] contains a NUL character/],
      [{ consumer: fraud, rows: [row({ [user]: 'u1' })], features: [] }, /features is empty: leave it out to read every feature the consumer is pinned to/],
      [{ consumer: fraud, rows: [row({ [user]: 'u1' })], features: [f.spend, f.flag, f.spend] }, new RegExp(`features\\[2\\] names ${f.spend} again: name each feature once`)],
    ];
    for (const [variables, message] of refusals) {
      // Background work shares the store (hot-key counts, lag verdicts): the fewest trips of three attempts.
      let trips = Infinity;
      for (let attempt = 0; attempt < 3 && trips > 0; attempt++) {
        const before = fixture.service.store.roundTrips;
        const response = await gql(fixture.service, READ, variables);
        trips = Math.min(trips, fixture.service.store.roundTrips - before);
        expect(codes(response), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
        expect(response.errors![0]!.message).toMatch(message);
        expect(response.data).toBeNull();
      }
      expect(trips, JSON.stringify(variables)).toBe(0);
    }
  });

  it('prices rows × the features read against the per-request value limit, and caps every list', async () => {
    // 200 rows × 4 pins = 800 values: over the limit of 600; 200 rows × 2 features = 400: under it.
    const rows = Array.from({ length: 200 }, (_, i) => row({ [user]: `p${i}`, [merchant]: 'm7' }));
    const whole = await gql(fixture.service, READ, { consumer: fraud, rows });
    expect(codes(whole)).toEqual(['BAD_USER_INPUT']);
    expect(whole.errors![0]).toMatchObject({ message: /reads 800 online values .* at most 600/, extensions: { values: 800, maxValues: MAX_VALUES } });
    const subset = await read({ consumer: fraud, rows, features: [f.spend, f.risk] });
    expect(subset.rows).toHaveLength(200);
    expect(subset.flagCounts).toEqual([{ flag: 'MISSING', count: 200 }]);
    // The reader counts the same, when called without the estimate before execution.
    const { reader } = fixture.service.services;
    await expect(reader.onlineFeatures(fraud, { rows }, createValueLoader(reader))).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { values: 800 } });
    expect((await reader.onlineFeatures(fraud, { rows, features: [f.spend, f.risk] }, createValueLoader(reader))).rows).toHaveLength(200);

    // Every list is capped at MAX_LIST_LENGTH (1000): the rows, each row's keys, the features.
    const long = Array.from({ length: 1001 }, (_, i) => `k${i}`);
    const refusedLists: [Record<string, unknown>, RegExp][] = [
      [{ rows: long.map((key) => row({ [user]: key })) }, /argument rows of onlineFeatures has 1001 items; at most 1000/],
      [{ rows: [{ keys: long.map((key) => ({ entity: user, key })) }] }, /argument rows\[0\]\.keys of onlineFeatures has 1001 items; at most 1000/],
      [{ rows: [row({ [user]: 'u1' })], features: long }, /argument features of onlineFeatures has 1001 items; at most 1000/],
    ];
    for (const [variables, message] of refusedLists) {
      const response = await gql(fixture.service, READ, { consumer: fraud, ...variables });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.message).toMatch(message);
    }
    // Written in the query text rather than passed as a variable, a row's keys are named the same way.
    const literalKeys = long.map((key) => `{ entity: "${user}", key: "${key}" }`).join(' ');
    const literal = await gql(fixture.service, `{ onlineFeatures(consumer: "${fraud}", rows: [{ keys: [{ entity: "${user}", key: "u1" }] }, { keys: [${literalKeys}] }]) { rows { entityKey } } }`);
    expect(codes(literal)).toEqual(['BAD_USER_INPUT']);
    expect(literal.errors![0]!.message).toMatch(/argument rows\[1\]\.keys of onlineFeatures has 1001 items; at most 1000/);
  });

  it('counts each entity’s keys for hot-key detection', async () => {
    const HOT = '{ hotKeys(limit: 10) { entity entityKey } }';
    const deadline = Date.now() + 15_000;
    let hot: { entity: string; entityKey: string }[] = [];
    while (Date.now() < deadline) {
      for (let i = 0; i < 20; i++) await read({ consumer: fraud, rows: [row({ [user]: 'hot_u', [merchant]: 'hot_m' })] });
      hot = (await ok(HOT)).hotKeys;
      // Wait for these two keys, not any user and merchant key: earlier tests' keys are in the window too.
      if (hot.some((h) => h.entity === user && h.entityKey === 'hot_u') && hot.some((h) => h.entity === merchant && h.entityKey === 'hot_m')) break;
    }
    expect(hot).toEqual(expect.arrayContaining([{ entity: user, entityKey: 'hot_u' }, { entity: merchant, entityKey: 'hot_m' }]));
    // Each key under its own entity only: hot_u was never read as a merchant, nor hot_m as a user.
    expect(hot).not.toContainEqual({ entity: merchant, entityKey: 'hot_u' });
    expect(hot).not.toContainEqual({ entity: user, entityKey: 'hot_m' });
  });

  it('stays one store round trip per node, reading a key shared by several rows once', async () => {
    // 100 transactions of 100 users at 5 merchants: 105 distinct keys, each read once, all in one batch.
    const users = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const merchants = Array.from({ length: 5 }, (_, i) => `tm${i}`);
    await write([
      ...users.map((key, i) => ({ feature: f.spend, key, value: i })),
      ...merchants.map((key, i) => ({ feature: f.risk, key, value: i / 10 })),
    ]);
    const rows = users.map((key, i) => row({ [user]: key, [merchant]: merchants[i % 5]! }));
    await read({ consumer: fraud, rows }); // lag verdicts are looked up once and then remembered
    // Background work shares the store (hot-key counts every second, lag verdicts every 5 s): stop the one,
    // and take the fewest trips and commands of three reads so that the other cannot be counted as the read's.
    await fixture.service.services.hotKeys.stop();
    const store = fixture.service.store as typeof fixture.service.store & { hashesRead?: number };
    const commands = () => [...store.commandsPerNode.values()].reduce((a, b) => a + b, 0);
    let trips = Infinity;
    let sent = Infinity;
    let hashes = Infinity;
    let result: any;
    for (let attempt = 0; attempt < 3; attempt++) {
      const [tripsBefore, commandsBefore, hashesBefore] = [store.roundTrips, commands(), store.hashesRead ?? 0];
      result = await read({ consumer: fraud, rows });
      trips = Math.min(trips, store.roundTrips - tripsBefore);
      sent = Math.min(sent, commands() - commandsBefore);
      hashes = Math.min(hashes, (store.hashesRead ?? 0) - hashesBefore);
    }
    expect(trips).toBeGreaterThanOrEqual(1);
    expect(trips).toBeLessThanOrEqual(backend.name === 'Redis Cluster' ? 3 : 1);
    if (backend.name.startsWith('Redis')) {
      // One hash per entity key: 105 for 105 distinct keys, not one per row and entity (200), read by one
      // command per node (the users' fields and the merchants' fields in one call).
      expect(hashes).toBe(users.length + merchants.length);
      expect(sent).toBe(trips);
    }
    expect(valuesOf(result).slice(0, 6).map((v: any) => [v[f.spend], v[f.risk]])).toEqual([
      [0, 0],
      [1, 0.1],
      [2, 0.2],
      [3, 0.3],
      [4, 0.4],
      [5, 0],
    ]);
    // The single-entity read of the same users costs the same trips.
    let single = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = fixture.service.store.roundTrips;
      await read({ consumer: ranking, keys: users });
      single = Math.min(single, fixture.service.store.roundTrips - before);
    }
    expect(trips).toBeLessThanOrEqual(Math.max(single, backend.name === 'Redis Cluster' ? 3 : 1));
  });
});

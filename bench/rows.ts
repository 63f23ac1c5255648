// The rows scenario (`BENCH_SCENARIOS=rows`): what a multi-entity read costs per value, measured on one service
// against single-entity reads with the same selection. Each request of each read carries 2 × batch entity keys
// (batch rows of two entities, or single's 2 × batch users), so that none pays for a request more or less:
// - single: `entityKeys` × the user's ten features, the single-entity read the reads scenario measures (one
//   entity key, so one Redis hash, per ten values);
// - wide: `rows` of { user, merchant } × the user's ten and the merchant's ten features: a multi-entity read
//   with single's keys and values per request, so that per value it differs from single only by being a
//   multi-entity read. Its cost per value against single's is the target.
// - pair: the same values as multi, read today's way: two single-entity reads in one request (user keys × five
//   user features, merchant keys × five merchant features; two keys per ten values);
// - multi: `rows` of { user, merchant } × five user and five merchant features (a fraud model's transaction).
//   Against pair (the same keys and values) it has a target; against single it shows what a second key per ten
//   values costs (reading, counting and echoing a key is work per key, whichever way it is sent), with none.
// - urows: single's users, consumer and values, sent as `rows` of one user each. It has no target: it splits
//   wide ÷ single in two, the rows' form (urows ÷ single: objects to parse, coerce and check where single sends
//   strings) and a second entity per row (wide ÷ urows: half the rows, each of a user and a merchant).
// The cost is the service's CPU time per value served at max throughput. The machine's speed moves under the
// bench (2026-11-27: the same read cost 130 to 261 µs of CPU per request in consecutive 2-second runs), so the
// reads take turns in short windows (a quarter of a second, longer at batch 100), in BENCH_SECONDS ×
// BENCH_MAX_ROUNDS × 4 rounds (96 by default) at every batch size (interleave.ts), each round in an order of
// its own, each window's service CPU read from the kernel in nanoseconds. A read's cost per value is its CPU over all its windows ÷ its
// values; each ratio is the median over the rounds of the ratio of two reads measured next to each other, which
// a machine that gets busier or quieter meanwhile weighs on alike. Two runs of one identical read as two "reads"
// came out 1.001 and 1.004 this way, where 2-second slices of autocannon runs, 13 of them in a fixed order, gave
// 0.93 and 0.94.
import { performance } from 'node:perf_hooks';
import { createDatabase, startRedis } from '../test/support/servers.js';
import { startService } from './children.js';
import { CpuMeter, redisPid, type CpuUse } from './cpu.js';
import { interleave, type InterleavedRun } from './interleave.js';
import { CONNECTIONS, keySets, post } from './load.js';
import { gql, ingest, register } from './setup.js';
import { medianInterval, quantile } from './stats.js';
import { CONSUMER, ENTITY, FEATURES, MAX_AGE, OWNER, PRODUCER } from './workload.js';

export const MERCHANT = 'merchant';
/** The merchant's features: ten FLOAT64, version 1 each. */
const MERCHANT_FEATURES = Array.from({ length: 10 }, (_, i) => `m${i}`);
/** The fraud model: five user and five merchant features, 10 values per row as the single-entity read. */
const FRAUD = 'bench_fraud';
const FRAUD_FEATURES = [...FEATURES.slice(0, 5), ...MERCHANT_FEATURES.slice(0, 5)];
/** A wider fraud model: ten user and ten merchant features, 20 values per row from two keys, as single's 10 from one. */
const FRAUD_WIDE = 'bench_fraud_wide';
const FRAUD_WIDE_FEATURES = [...FEATURES, ...MERCHANT_FEATURES];
/** The same features split by entity, for the two single-entity reads of `pair`. */
const FRAUD_USERS = 'bench_fraud_users';
const FRAUD_MERCHANTS = 'bench_fraud_merchants';
/** Values each read asks for per unit of the batch: a row of a user and a merchant, or single's two users. */
const VALUES_PER_BATCH = { single: 20, wide: 20, pair: 10, multi: 10, urows: 20 } as const;
type ReadName = keyof typeof VALUES_PER_BATCH;
const READS = Object.keys(VALUES_PER_BATCH) as ReadName[];
/** One merchant for every ten users: rows share merchants, as transactions do. */
const USERS_PER_MERCHANT = 10;
const merchantKey = (i: number) => `m${i}`;

const SELECTION = 'rows { entityKey keys { entity key } features { ref value eventTime ageMs flags } }';
const SINGLE_QUERY = `query ($keys: [String!]!) { onlineFeatures(consumer: "${CONSUMER}", entityKeys: $keys) { ${SELECTION} } }`;
const MULTI_QUERY = `query ($rows: [EntityRowInput!]!) { onlineFeatures(consumer: "${FRAUD}", rows: $rows) { ${SELECTION} } }`;
const WIDE_QUERY = `query ($rows: [EntityRowInput!]!) { onlineFeatures(consumer: "${FRAUD_WIDE}", rows: $rows) { ${SELECTION} } }`;
const UROWS_QUERY = `query ($rows: [EntityRowInput!]!) { onlineFeatures(consumer: "${CONSUMER}", rows: $rows) { ${SELECTION} } }`;
const PAIR_QUERY = `query ($users: [String!]!, $merchants: [String!]!) {
  users: onlineFeatures(consumer: "${FRAUD_USERS}", entityKeys: $users) { ${SELECTION} }
  merchants: onlineFeatures(consumer: "${FRAUD_MERCHANTS}", entityKeys: $merchants) { ${SELECTION} }
}`;

export interface RowsRun {
  /** Rows per request. */
  batch: number;
  single: RowsLoad;
  wide: RowsLoad;
  pair: RowsLoad;
  multi: RowsLoad;
  urows: RowsLoad;
  /** wide ÷ single service CPU per value (median over the rounds): the same keys and values per request. */
  wideRatio: number;
  /** multi ÷ pair service CPU per value: the same values and keys, read as rows or as two entityKeys reads. */
  pairRatio: number;
  /** multi ÷ single service CPU per value: two keys per ten values against one (no target). */
  costRatio: number;
  /** urows ÷ single: the same keys, consumer and values, sent as rows of one user (no target: the rows' form). */
  formRatio: number;
  /** wide ÷ urows: rows of a user and a merchant against rows of one user, the same keys and values (no target). */
  entityRatio: number;
  /** Each round's ratios, in order: how far one round alone could be off. */
  roundRatios: { wide: number[]; pair: number[]; cost: number[]; form: number[]; entity: number[] };
  /** Where the medians of the two ratios with a target could as well have come out (95%, bootstrap over the rounds). */
  intervals: { wide: [number, number]; pair: [number, number] };
  /** How long each read's turn lasted. */
  windowMs: number;
  /** The machine's CPU over the whole interleaved run (all four reads). */
  cpu: CpuUse;
}

export interface RowsLoad {
  requests: number;
  reqPerSec: number;
  valuesPerSec: number;
  /** The service's CPU time per value served, µs: its CPU over all the read's windows ÷ the values they served. */
  serviceUsPerValue: number;
  p50Ms: number;
  p99Ms: number;
}

/** How long each read's turn lasts, at least. */
const WINDOW_MS = 250;

export interface RowsResult {
  users: number;
  merchants: number;
  runs: RowsRun[];
  seconds: number;
}

/** Above this ratio of costs per value a target is missed: a 5% margin for the noise of back-to-back runs. */
export const ROWS_COST_RATIO_TARGET = 1.05;

export async function benchRows(
  postgresUrl: string,
  settings: { entities: number; seconds: number; warmupSeconds: number; batches: number[]; maxRounds: number; nodeFlags: string[] },
  log: (message: string) => void,
  cpuNote: (cpu: CpuUse) => string,
): Promise<RowsResult> {
  const started = performance.now();
  const users = settings.entities;
  const merchants = Math.max(1, Math.floor(users / USERS_PER_MERCHANT));
  log('rows: starting Redis and the service');
  const redis = await startRedis();
  // A longer Redis command timeout than the default 500 ms: on a busy machine the ingest would otherwise stop
  // the run with UNAVAILABLE, and this scenario compares costs, not latency under a timeout.
  const service = await startService({
    env: { DATABASE_URL: await createDatabase(postgresUrl, 'bench_rows'), REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT: '5s' },
    nodeFlags: settings.nodeFlags,
  });
  try {
    await register(service.url);
    await registerMerchants(service.url);
    log(`rows: ingesting ${users} users × ${FEATURES.length} and ${merchants} merchants × ${MERCHANT_FEATURES.length} features`);
    await ingest(service.url, users);
    await ingest(service.url, merchants, 1_000, 4, { refs: MERCHANT_FEATURES.map((f) => `${f}@1`), keyOf: merchantKey });
    const meter = new CpuMeter({ service: service.pid, redis: await redisPid(redis.url) });

    const runs: RowsRun[] = [];
    for (const batch of settings.batches) {
      // Every read's request carries 2 × batch entity keys: single's are users; the others' rows carry a user
      // (the first half of the same keys) and a merchant each.
      const sets = keySets(2 * batch, users);
      const rowsOf = (keys: string[]) =>
        keys.slice(0, batch).map((key) => ({ keys: [{ entity: ENTITY, key }, { entity: MERCHANT, key: merchantKey(Number(key.slice(1)) % merchants) }] }));
      const bodies = (bodyOf: (keys: string[]) => Buffer) => sets.map(bodyOf);
      const reads = new Map<ReadName, Buffer[]>([
        ['single', bodies((keys) => body(SINGLE_QUERY, { keys }))],
        ['wide', bodies((keys) => body(WIDE_QUERY, { rows: rowsOf(keys) }))],
        ['pair', bodies((keys) => body(PAIR_QUERY, pairVariables(rowsOf(keys))))],
        ['multi', bodies((keys) => body(MULTI_QUERY, { rows: rowsOf(keys) }))],
        ['urows', bodies((keys) => body(UROWS_QUERY, { rows: userRowsOf(keys) }))],
      ]);
      await checkAnswers(service.url, sets[0]!, rowsOf(sets[0]!));
      const options = { pid: service.pid, connections: CONNECTIONS };
      const warmUp = await interleave(service.url, '/graphql', reads, { ...options, windowMs: Math.max(settings.warmupSeconds, 1) * 1000, rounds: 1 });
      // Each window long enough for five requests per connection, so that its end, where each connection
      // finishes its last request and the service is less busy, is a small part of it (an A/A check at batch 100
      // in windows of 500 ms, single measured as two reads: 1.009). As many rounds at every batch size: the
      // noise of a median depends on how many rounds it is over, and at batch 100, with windows four times as
      // long, a fixed time gave 24 rounds and a median that held to about ±6% (2026-11-27).
      const slowest = Math.max(...[...warmUp.latencies.values()].map((latency) => latency.at(0.5)));
      const windowMs = Math.max(WINDOW_MS, Math.ceil((5 * slowest) / 50) * 50);
      const rounds = Math.max(1, Math.round((settings.seconds * settings.maxRounds * 1000) / WINDOW_MS));
      log(`rows batch ${batch}: ${rounds} rounds of the five reads, ${windowMs} ms each (about ${Math.round((rounds * READS.length * windowMs) / 1000)} s)`);
      meter.start();
      const run = await interleave(service.url, '/graphql', reads, { ...options, windowMs, rounds });
      const cpu = meter.stop();
      service.assertRunning(`rows batch ${batch}`);
      runs.push(summarise(batch, windowMs, run, cpu));
      const last = runs.at(-1)!;
      log(`rows batch ${batch}: µs of service CPU per value: ${READS.map((name) => `${name} ${last[name].serviceUsPerValue.toFixed(2)}`).join(', ')} (${cpuNote(cpu)})`);
    }
    return { users, merchants, runs, seconds: (performance.now() - started) / 1000 };
  } finally {
    await service.stop();
    await redis.stop();
  }
}

const body = (query: string, variables: Record<string, unknown>) => Buffer.from(JSON.stringify({ query, variables }));

/** Each read's figures over all its windows, and the ratios of reads measured next to each other, round by round. */
function summarise(batch: number, windowMs: number, run: InterleavedRun, cpu: CpuUse): RowsRun {
  const windowsOf = (name: ReadName) => run.windows.filter((w) => w.read === name);
  const usPerValue = (name: ReadName, w: { cpuNs: number; requests: number }) => w.cpuNs / 1000 / (w.requests * batch * VALUES_PER_BATCH[name]);
  const load = (name: ReadName): RowsLoad => {
    const windows = windowsOf(name);
    const requests = windows.reduce((sum, w) => sum + w.requests, 0);
    const seconds = windows.reduce((sum, w) => sum + w.ms, 0) / 1000;
    const cpuNs = windows.reduce((sum, w) => sum + w.cpuNs, 0);
    const latency = run.latencies.get(name)!;
    return {
      requests,
      reqPerSec: requests / seconds,
      valuesPerSec: (requests * batch * VALUES_PER_BATCH[name]) / seconds,
      serviceUsPerValue: usPerValue(name, { cpuNs, requests }),
      p50Ms: latency.at(0.5),
      p99Ms: latency.at(0.99),
    };
  };
  const ratios = (read: ReadName, against: ReadName) => {
    const others = windowsOf(against);
    return windowsOf(read).map((w, i) => usPerValue(read, w) / usPerValue(against, others[i]!));
  };
  const roundRatios = {
    wide: ratios('wide', 'single'),
    pair: ratios('multi', 'pair'),
    cost: ratios('multi', 'single'),
    form: ratios('urows', 'single'),
    entity: ratios('wide', 'urows'),
  };
  const middle = (values: number[]) => quantile(values, 0.5);
  return {
    batch,
    single: load('single'),
    wide: load('wide'),
    pair: load('pair'),
    multi: load('multi'),
    urows: load('urows'),
    wideRatio: middle(roundRatios.wide),
    pairRatio: middle(roundRatios.pair),
    costRatio: middle(roundRatios.cost),
    formRatio: middle(roundRatios.form),
    entityRatio: middle(roundRatios.entity),
    roundRatios,
    intervals: { wide: medianInterval(roundRatios.wide), pair: medianInterval(roundRatios.pair) },
    windowMs,
    cpu,
  };
}

type Row = { keys: { entity: string; key: string }[] };

/** The rows' user keys and merchant keys, for the two single-entity reads of `pair`. */
const pairVariables = (rows: Row[]) => ({ users: rows.map((r) => r.keys[0]!.key), merchants: rows.map((r) => r.keys[1]!.key) });

/** single's users as rows of one user each, for urows. */
const userRowsOf = (keys: string[]): Row[] => keys.map((key) => ({ keys: [{ entity: ENTITY, key }] }));

/**
 * Entity `merchant`, features m0..m9 bound to the bench's producer, the fraud models pinned to their ten and
 * twenty features, and pair's two consumers to the fraud model's user and merchant features.
 */
async function registerMerchants(url: string): Promise<void> {
  await gql(url, `mutation { registerEntity(name: "${MERCHANT}", keyName: "merchant_id") { name } }`);
  for (const feature of MERCHANT_FEATURES) {
    await gql(url, `mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { created } }`, {
      input: { feature, entity: MERCHANT, owner: OWNER, valueType: 'FLOAT64', maxAge: MAX_AGE },
    });
  }
  await gql(
    url,
    `mutation ($merchant: [String!]!, $fraud: [String!]!, $wide: [String!]!, $users: [String!]!, $merchants: [String!]!) {
      bindProducer(producer: "${PRODUCER}", refs: $merchant) { name }
      registerConsumer(name: "${FRAUD}", owner: "${OWNER}") { name }
      bindConsumer(consumer: "${FRAUD}", refs: $fraud) { name }
      w: registerConsumer(name: "${FRAUD_WIDE}", owner: "${OWNER}") { name }
      bw: bindConsumer(consumer: "${FRAUD_WIDE}", refs: $wide) { name }
      u: registerConsumer(name: "${FRAUD_USERS}", owner: "${OWNER}") { name }
      bu: bindConsumer(consumer: "${FRAUD_USERS}", refs: $users) { name }
      m: registerConsumer(name: "${FRAUD_MERCHANTS}", owner: "${OWNER}") { name }
      bm: bindConsumer(consumer: "${FRAUD_MERCHANTS}", refs: $merchants) { name }
    }`,
    {
      merchant: refs(MERCHANT_FEATURES),
      fraud: refs(FRAUD_FEATURES),
      wide: refs(FRAUD_WIDE_FEATURES),
      users: refs(FRAUD_FEATURES.slice(0, 5)),
      merchants: refs(FRAUD_FEATURES.slice(5)),
    },
  );
}

const refs = (features: readonly string[]) => features.map((f) => `${f}@1`);

interface AnsweredRow {
  keys: { entity: string; key: string }[];
  features: { ref: string; value: unknown; flags: string[] }[];
}

/**
 * One answer of each read must be complete and right before anything is measured: every multi-entity row its
 * two keys and its fresh numbers, equal to the values the single-entity reads give for the same keys (multi's
 * to pair's, the user's to single's, the merchant's of wide to multi's where both have them).
 */
async function checkAnswers(url: string, keys: string[], rows: Row[]): Promise<void> {
  const answer = async (query: string, variables: Record<string, unknown>) => {
    const { status, body: parsed } = await post(`${url}/graphql`, body(query, variables));
    if (status !== 200 || parsed.errors?.length) throw new Error(`rows: HTTP ${status}: ${JSON.stringify(parsed).slice(0, 300)}`);
    return (parsed as unknown as { data: Record<string, { rows: AnsweredRow[] }> }).data;
  };
  const multi = (await answer(MULTI_QUERY, { rows })).onlineFeatures!.rows;
  const wide = (await answer(WIDE_QUERY, { rows })).onlineFeatures!.rows;
  const single = (await answer(SINGLE_QUERY, { keys })).onlineFeatures!.rows;
  const pair = await answer(PAIR_QUERY, pairVariables(rows));
  const urows = (await answer(UROWS_QUERY, { rows: userRowsOf(keys) })).onlineFeatures!.rows;
  // expected: the values a row must have, where another read gives them (undefined: any fresh number).
  const check = (name: string, answered: AnsweredRow[], features: string[], expected: (i: number) => unknown[], sent: Row[] = rows) =>
    answered.forEach((row, i) => {
      const where = `rows: ${name} row ${i} (${JSON.stringify(sent[i]!.keys)})`;
      if (JSON.stringify(row.keys) !== JSON.stringify(sent[i]!.keys)) throw new Error(`${where}: keys ${JSON.stringify(row.keys)}`);
      if (row.features.map((f) => f.ref).join() !== refs(features).join()) throw new Error(`${where}: features ${row.features.map((f) => f.ref).join()}`);
      const values = expected(i);
      row.features.forEach((f, j) => {
        if (typeof f.value !== 'number' || f.flags.length > 0 || (values[j] !== undefined && f.value !== values[j])) {
          throw new Error(`${where} ${f.ref}: ${JSON.stringify(f.value)} ${f.flags.join()}, expected ${JSON.stringify(values[j])} unflagged`);
        }
      });
    });
  if (multi.length !== rows.length || wide.length !== rows.length) throw new Error(`rows: ${multi.length} and ${wide.length} rows for ${rows.length}`);
  if (urows.length !== keys.length || single.length !== keys.length) throw new Error(`rows: ${urows.length} and ${single.length} rows for ${keys.length} users`);
  const valuesOf = (row: AnsweredRow) => row.features.map((f) => f.value);
  check('multi', multi, FRAUD_FEATURES, (i) => [...valuesOf(pair.users!.rows[i]!), ...valuesOf(pair.merchants!.rows[i]!)]);
  // Rows carry the first half of single's users; m5..m9 only wide reads.
  check('wide', wide, FRAUD_WIDE_FEATURES, (i) => [...valuesOf(single[i]!), ...valuesOf(pair.merchants!.rows[i]!)]);
  // urows: single's values, row by row.
  check('urows', urows, FEATURES, (i) => valuesOf(single[i]!), userRowsOf(keys));
  multi.forEach((row, i) => {
    if (valuesOf(row).slice(0, 5).join() !== valuesOf(single[i]!).slice(0, 5).join()) throw new Error(`rows: multi row ${i}: user values differ from single's`);
  });
}

/**
 * The scenario's targets, per batch size: the multi-entity read costs no more per value than the single-entity
 * one at the same keys per value (wide ÷ single), nor than the same values read as single-entity reads (multi ÷
 * pair). multi ÷ single is printed, with no target: it prices a second key per ten values.
 */
export function checkRowsTargets(result: RowsResult): { what: string; target: string; value: number; met: boolean }[] {
  return result.runs.flatMap((run) =>
    targetRatios(run).map(({ read, against, ratio, met }) => ({
      what: `rows batch ${run.batch}: ${read} ÷ ${against} service CPU per value`,
      target: `≤ ${ROWS_COST_RATIO_TARGET}`,
      value: ratio,
      met,
    })),
  );
}

/** The two ratios of a run that have a target, each with its verdict. */
const targetRatios = (run: RowsRun) =>
  ([['wide', 'single', run.wideRatio, run.intervals.wide], ['multi', 'pair', run.pairRatio, run.intervals.pair]] as const).map(([read, against, ratio, interval]) => ({
    read,
    against,
    ratio,
    interval,
    met: ratio <= ROWS_COST_RATIO_TARGET,
  }));

/** The scenario's lines in the bench's table. */
export function rowsLines(result: RowsResult, fmtInt: (n: number) => string, fmtMs: (n: number) => string, verdict: (met: boolean) => string): string[] {
  const lines = [
    '',
    'Rows: 2 × batch entity keys per request in every read. single (entityKeys of 2 × batch users × 10 features),',
    '  wide (batch rows of user + merchant × 10 + 10 features: single\'s keys and values), pair (entityKeys reads of',
    '  batch users × 5 and batch merchants × 5 in one request), multi (batch rows of user + merchant × 5 + 5: pair\'s',
    '  keys and values; two keys per 10 values) and urows (single\'s users, consumer and values as rows of one user),',
    `  ${fmtInt(result.users)} users, ${fmtInt(result.merchants)} merchants, at max on one service, taking turns in short windows:`,
    "  each read's CPU over all its windows, and each ratio the median of the ratios of reads measured next to each",
    '  other (the quartiles of those ratios below it)',
    `  ${'batch'.padEnd(7)}${'read'.padEnd(14)}${'req/s'.padStart(9)}${'values/s'.padStart(12)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'service µs/value'.padStart(18)}`,
  ];
  for (const run of result.runs) {
    for (const [name, load] of [['single', run.single], ['wide', run.wide], ['pair', run.pair], ['multi', run.multi], ['urows', run.urows]] as const) {
      lines.push(
        `  ${String(run.batch).padEnd(7)}${name.padEnd(14)}${fmtInt(load.reqPerSec).padStart(9)}${fmtInt(load.valuesPerSec).padStart(12)}` +
          `${fmtMs(load.p50Ms).padStart(9)}${fmtMs(load.p99Ms).padStart(9)}${load.serviceUsPerValue.toFixed(2).padStart(18)}`,
      );
    }
    for (const { read, against, ratio, interval, met } of targetRatios(run)) {
      const [low, high] = interval.map((r) => r.toFixed(3));
      lines.push(`  batch ${run.batch}: ${read} ÷ ${against} service CPU per value ${ratio.toFixed(3)} (95% bootstrap interval ${low} to ${high}), target ≤ ${ROWS_COST_RATIO_TARGET}: ${verdict(met)}`);
    }
    lines.push(`  batch ${run.batch}: multi ÷ single service CPU per value ${run.costRatio.toFixed(2)} (two keys per 10 values against one: the price of a key, no target)`);
    lines.push(
      `  batch ${run.batch}: wide ÷ single in two (no targets): urows ÷ single ${run.formRatio.toFixed(3)} (the rows' form), wide ÷ urows ${run.entityRatio.toFixed(3)} (a second entity per row)`,
    );
    const quartiles = (ratios: number[]) => [0.25, 0.5, 0.75].map((q) => quantile(ratios, q).toFixed(2)).join(' / ');
    lines.push(`    ${run.roundRatios.wide.length} rounds of ${run.windowMs} ms windows; round by round, quartiles: wide ÷ single ${quartiles(run.roundRatios.wide)}, multi ÷ pair ${quartiles(run.roundRatios.pair)}, multi ÷ single ${quartiles(run.roundRatios.cost)}, urows ÷ single ${quartiles(run.roundRatios.form)}, wide ÷ urows ${quartiles(run.roundRatios.entity)}`);
  }
  lines.push(`  Rows scenario: ${result.seconds.toFixed(0)} s.`);
  return lines;
}

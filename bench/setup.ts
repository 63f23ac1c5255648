// Registers the bench's entity, features, producer and consumer through the service's GraphQL API, then
// loads the online store through writeFeatureValues: the ingest figure is the service's write path end to
// end (HTTP, GraphQL, validation, the late-event guard's Lua compare-and-set, lag counts).
import { performance } from 'node:perf_hooks';
import { CONSUMER, ENTITY, FEATURES, MAX_AGE, OWNER, PRODUCER, REFS, entityKey } from './workload.js';
import { Percentiles } from './stats.js';

/** POSTs one GraphQL operation and returns its data; any HTTP or GraphQL error throws, saying which. */
export async function gql<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length || !response.ok || !body.data) {
    const errors = (body.errors ?? []).map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ');
    throw new Error(`HTTP ${response.status}: ${errors || text.slice(0, 300)}`);
  }
  return body.data;
}

/** Entity `user`, features f0..f9 (FLOAT64, version 1, maxAge 1h), a producer and a consumer bound to all. */
export async function register(url: string): Promise<void> {
  await gql(url, `mutation { registerEntity(name: "${ENTITY}", keyName: "user_id") { name } }`);
  for (const feature of FEATURES) {
    const data = await gql<{ registerFeatureVersion: { version: { ref: string; status: string } } }>(
      url,
      `mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) { version { ref status } } }`,
      { input: { feature, entity: ENTITY, owner: OWNER, valueType: 'FLOAT64', maxAge: MAX_AGE } },
    );
    const { ref, status } = data.registerFeatureVersion.version;
    if (ref !== `${feature}@1` || status !== 'ACTIVE') throw new Error(`registered ${ref} (${status}), expected ${feature}@1 ACTIVE`);
  }
  await gql(
    url,
    `mutation ($refs: [String!]!) {
      registerProducer(name: "${PRODUCER}", owner: "${OWNER}") { name }
      registerConsumer(name: "${CONSUMER}", owner: "${OWNER}") { name }
      bindProducer(producer: "${PRODUCER}", refs: $refs) { name }
      bindConsumer(consumer: "${CONSUMER}", refs: $refs) { name }
    }`,
    { refs: REFS },
  );
}

export interface IngestResult {
  rows: number;
  batches: number;
  batchRows: number;
  concurrency: number;
  seconds: number;
  rowsPerSec: number;
  /** Latency of one writeFeatureValues request, ms. */
  batchP50Ms: number;
  batchP99Ms: number;
}

export const WRITE_MUTATION = `mutation ($rows: [FeatureValueInput!]!) {
  writeFeatureValues(producer: "${PRODUCER}", rows: $rows) { accepted superseded rejected errors { index code message } }
}`;

/** What an ingest writes: these refs for each of the keys `keyOf(0)`, `keyOf(1)`, …: by default the user features. */
export interface IngestWorkload {
  refs: readonly string[];
  keyOf: (i: number) => string;
}

const USERS: IngestWorkload = { refs: REFS, keyOf: entityKey };

/**
 * Writes every feature of `entities` keys, `batchRows` rows per request, `concurrency` requests in flight.
 * Batch b holds whole entities (all ten features of each), as a pipeline that computes per entity would send.
 * Every batch must come back with all its rows accepted: a write path that drops or refuses rows must not
 * produce a good number.
 */
export async function ingest(url: string, entities: number, batchRows = 1_000, concurrency = 4, workload = USERS): Promise<IngestResult> {
  const entitiesPerBatch = Math.max(1, Math.floor(batchRows / workload.refs.length));
  const batches = Math.ceil(entities / entitiesPerBatch);
  const latencies = new Percentiles();
  let next = 0;
  let rows = 0;

  const worker = async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const first = batch * entitiesPerBatch;
      const batchRowsList = rowsFor(workload, first, Math.min(first + entitiesPerBatch, entities));
      const started = performance.now();
      const { writeFeatureValues: result } = await gql<{
        writeFeatureValues: { accepted: number; superseded: number; rejected: number; errors: { message: string }[] };
      }>(url, WRITE_MUTATION, { rows: batchRowsList });
      latencies.record(performance.now() - started);
      if (result.accepted !== batchRowsList.length) {
        throw new Error(
          `writeFeatureValues batch ${batch}: accepted ${result.accepted} of ${batchRowsList.length} rows ` +
            `(superseded ${result.superseded}, rejected ${result.rejected}${result.errors[0] ? `, first error: ${result.errors[0].message}` : ''})`,
        );
      }
      rows += result.accepted;
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    batches,
    batchRows: entitiesPerBatch * workload.refs.length,
    concurrency,
    seconds,
    rowsPerSec: rows / seconds,
    batchP50Ms: latencies.at(0.5),
    batchP99Ms: latencies.at(0.99),
  };
}

/** Every feature of keys [from, to): random values, event times a few seconds old (fresh, not STALE). */
function rowsFor({ refs, keyOf }: IngestWorkload, from: number, to: number) {
  const now = Date.now();
  const rows: { ref: string; entityKey: string; value: number; eventTime: string }[] = [];
  for (let i = from; i < to; i++) {
    const eventTime = new Date(now - 1_000 - Math.floor(Math.random() * 4_000)).toISOString();
    for (const ref of refs) rows.push({ ref, entityKey: keyOf(i), value: Math.random() * 100, eventTime });
  }
  return rows;
}

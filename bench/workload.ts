// The benchmark's workload, shared by the runner (bench/run.ts) and the raw baseline (bench/baseline.ts) so
// both sides serve exactly the same entity, features and keys.

export const ENTITY = 'user';
export const PRODUCER = 'bench_pipeline';
export const CONSUMER = 'bench_model';
export const OWNER = 'bench';

/** Ten FLOAT64 features, version 1 each. */
export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);
export const REFS = FEATURES.map((feature) => `${feature}@1`);

/** Every feature's freshness budget: values older than this are flagged STALE. */
export const MAX_AGE = '1h';
export const MAX_AGE_MS = 60 * 60 * 1000;

/** The i-th loaded entity key. */
export const entityKey = (i: number) => `u${i}`;

/** The online read every load run sends (the consumer is pinned to all ten features). */
export const READ_QUERY = `query ($keys: [String!]!) { onlineFeatures(consumer: "${CONSUMER}", entityKeys: $keys) { rows { entityKey features { ref value eventTime ageMs flags } } } }`;

/** The hot-key scenario's read: the same, plus where each value came from (STORE, CACHE or REPLICA). */
export const HOT_READ_QUERY = `query ($keys: [String!]!) { onlineFeatures(consumer: "${CONSUMER}", entityKeys: $keys) { rows { entityKey features { ref value eventTime ageMs flags servedFrom } } } }`;

/** One feature value as both servers return it. */
export interface FeatureValue {
  ref: string;
  value: unknown;
  eventTime: string | null;
  ageMs: number | null;
  flags: string[];
  /** Only in the hot-key scenario's answers (HOT_READ_QUERY). */
  servedFrom?: 'STORE' | 'CACHE' | 'REPLICA';
}

/** The body both servers answer with (the baseline builds the same JSON a GraphQL response would). */
export interface ReadResponse {
  data?: { onlineFeatures: { rows: { entityKey: string; features: FeatureValue[] }[] } } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

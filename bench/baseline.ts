// The raw baseline of the online-read benchmark: the least a server can do to answer the same read as the
// service's `onlineFeatures`, so that the service's throughput can be stated as a fraction of it.
//
// POST (any path) with `{ "entityKeys": [...] }` → the Redis work of a read as the store lays values out
// (src/online/redis/): one hash per entity key `fr:{<entity>:<entityKey>}`, HMGET of the ten refs, all the
// keys' HMGETs in ONE pipeline (the store itself now sends them inside one script call per node, hash-reads.ts;
// the baseline stays the plain way), each field decoded from `<eventTimeMs>|<ingestTimeMs>|<JSON value>`;
// then the same JSON a GraphQL response would carry (ref, value, eventTime as ISO string, ageMs, flags with
// STALE past maxAge and MISSING for no value). No GraphQL, no Express, no validation beyond the body shape.
// GET /readyz answers 200 once Redis is connected.
//
// Run by bench/run.ts as a child process with REDIS_URL and PORT set.
import http from 'node:http';
import { Redis } from 'ioredis';
import { ENTITY, MAX_AGE_MS, REFS, type FeatureValue } from './workload.js';

const redisUrl = process.env.REDIS_URL;
const port = Number(process.env.PORT);
if (!redisUrl || !Number.isInteger(port)) {
  console.error('baseline: REDIS_URL and PORT must be set');
  process.exit(2);
}

// The same client options as the service's standalone store, so that neither side gets a faster client.
const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500, connectTimeout: 1_000 });
redis.on('error', (error: Error) => console.error('baseline: redis:', error.message));

/** The service reads each hash once; random keys out of 100,000 almost never repeat, so neither do we. */
async function readRows(entityKeys: string[]) {
  const pipeline = redis.pipeline();
  for (const key of entityKeys) pipeline.hmget(`fr:{${ENTITY}:${key}}`, ...REFS);
  const replies = (await pipeline.exec()) ?? [];
  const now = Date.now();
  return entityKeys.map((entityKey, i) => {
    const [error, fields] = replies[i] ?? [new Error('no reply'), null];
    if (error) throw error;
    return { entityKey, features: REFS.map((ref, j) => featureValue(ref, (fields as (string | null)[])[j] ?? null, now)) };
  });
}

/** Decodes `<eventTimeMs>|<ingestTimeMs>|<JSON value text>` the way the store does. */
function featureValue(ref: string, raw: string | null, now: number): FeatureValue {
  if (raw === null) return { ref, value: null, eventTime: null, ageMs: null, flags: ['MISSING'] };
  const first = raw.indexOf('|');
  const second = raw.indexOf('|', first + 1);
  const eventTime = Number(raw.slice(0, first));
  const ageMs = now - eventTime;
  return {
    ref,
    value: JSON.parse(raw.slice(second + 1)),
    eventTime: new Date(eventTime).toISOString(),
    ageMs,
    flags: ageMs > MAX_AGE_MS ? ['STALE'] : [],
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/readyz') {
    const ready = redis.status === 'ready';
    return send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
  }
  if (req.method !== 'POST') return send(res, 405, { errors: [{ message: 'POST { "entityKeys": [...] }' }] });
  let entityKeys: unknown;
  try {
    entityKeys = (JSON.parse(await readBody(req)) as { entityKeys?: unknown }).entityKeys;
  } catch {
    return send(res, 400, { errors: [{ message: 'body is not JSON' }] });
  }
  if (!Array.isArray(entityKeys) || !entityKeys.every((k) => typeof k === 'string')) {
    return send(res, 400, { errors: [{ message: 'entityKeys must be a list of strings' }] });
  }
  send(res, 200, { data: { onlineFeatures: { rows: await readRows(entityKeys) } } });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error: unknown) => send(res, 500, { errors: [{ message: String(error) }] }));
});
server.listen(port, '127.0.0.1');

const stop = () => {
  server.close();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

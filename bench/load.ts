// The online-read load: request bodies over random loaded keys, a correctness check of each server's answer,
// and two ways of loading a server:
// - autocannon (closed loop, 16 connections): unthrottled for max throughput, or throttled with overallRate.
//   Its rate limiter lets each connection send its quota for the second back to back and then wait for the
//   next second, so a throttled run is a saturating burst for part of each second: its latency is close to the
//   latency at max, not the latency at that average rate. We report it (the brief asks for overallRate) with
//   its measured burstiness next to it.
// - paced (open loop, node:http, up to 16 connections): one request every 1/rate s, evenly spread; the
//   latency at a given rate that a steady stream of clients would see, queueing for a free connection included.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { CpuUse } from './cpu.js';
import { Percentiles, peakToMean } from './stats.js';
import { READ_QUERY, REFS, entityKey, type ReadResponse } from './workload.js';

export const CONNECTIONS = 16;

/** Where and what to send: one server, one batch size. */
export interface Target {
  name: 'service' | 'baseline';
  url: string;
  path: string;
  /** Request bodies over random keys; runs cycle through them. */
  bodies: Buffer[];
}

export interface LoadResult {
  mode: 'max' | 'overallRate' | 'paced';
  /** Requested rate (req/s); absent at max. */
  rate?: number;
  seconds: number;
  /** Completed requests with status 2xx and a body without errors. */
  ok: number;
  reqPerSec: number;
  /** Each request's own latency, ms, from a histogram at µs resolution (see stats.ts). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** autocannon's histogram (whole ms; at a fixed rate it adds synthetic samples for coordinated omission). */
  autocannonP50Ms?: number;
  autocannonP99Ms?: number;
  non2xx: number;
  /** 200 responses whose body carries `errors`. */
  mismatches: number;
  errors: number;
  timeouts: number;
  /** Busiest 100 ms window ÷ mean rate: ~1 steady, ~2 bursting half of each second. */
  peakToMean: number;
  /** Where the machine's CPU went during the run (set by the runner). */
  cpu?: CpuUse;
}

/** `count` key sets of `batch` random keys out of the `entities` loaded ones. */
export function keySets(batch: number, entities: number, count = 1_000): string[][] {
  return Array.from({ length: count }, () => Array.from({ length: batch }, () => entityKey(Math.floor(Math.random() * entities))));
}

export const graphqlBody = (keys: string[]) => Buffer.from(JSON.stringify({ query: READ_QUERY, variables: { keys } }));
export const rawBody = (keys: string[]) => Buffer.from(JSON.stringify({ entityKeys: keys }));

/** POSTs one body and returns the status and parsed answer (for checks, not for measuring). */
export async function post(url: string, body: Buffer): Promise<{ status: number; body: ReadResponse }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.toString('utf8') });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as ReadResponse };
  } catch {
    throw new Error(`${url}: HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}

/**
 * What is wrong with one read's answer, or undefined: status 200, no errors, one row per key in order, the ten
 * refs in order, every value a number with an event time and an age, and no flag (the data is fresh).
 */
export function readProblem(status: number, body: ReadResponse, keys: string[]): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`;
  if (body.errors?.length) return `errors: ${body.errors.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`;
  const rows = body.data?.onlineFeatures.rows;
  if (!rows) return 'no data.onlineFeatures.rows';
  if (rows.length !== keys.length) return `${rows.length} rows for ${keys.length} keys`;
  for (const [i, row] of rows.entries()) {
    if (row.entityKey !== keys[i]) return `row ${i} is ${row.entityKey}, expected ${keys[i]}`;
    if (row.features.map((f) => f.ref).join() !== REFS.join()) return `row ${i} has features ${row.features.map((f) => f.ref).join()}`;
    for (const f of row.features) {
      if (typeof f.value !== 'number') return `${row.entityKey} ${f.ref}: value ${JSON.stringify(f.value)} is not a number`;
      if (!f.eventTime || Number.isNaN(Date.parse(f.eventTime))) return `${row.entityKey} ${f.ref}: eventTime ${f.eventTime}`;
      if (typeof f.ageMs !== 'number' || f.ageMs < 0) return `${row.entityKey} ${f.ref}: ageMs ${f.ageMs}`;
      if (f.flags.length > 0) return `${row.entityKey} ${f.ref}: unexpected flags ${f.flags.join()}`;
    }
  }
  return undefined;
}

/** Where two correct answers for the same keys disagree on a value or an event time (ages differ by nature). */
export function valueDifference(a: ReadResponse, b: ReadResponse): string | undefined {
  const rowsA = a.data!.onlineFeatures.rows;
  const rowsB = b.data!.onlineFeatures.rows;
  for (const [i, row] of rowsA.entries()) {
    for (const [j, f] of row.features.entries()) {
      const g = rowsB[i]!.features[j]!;
      if (f.value !== g.value || f.eventTime !== g.eventTime) {
        return `${row.entityKey} ${f.ref}: ${JSON.stringify(f.value)} at ${f.eventTime} vs ${JSON.stringify(g.value)} at ${g.eventTime}`;
      }
    }
  }
  return undefined;
}

const hasErrors = (body: unknown) => String(body).includes('"errors"');

/** The latency percentiles a LoadResult carries. */
function latencyFigures(latencies: Percentiles) {
  return { p50Ms: latencies.at(0.5), p90Ms: latencies.at(0.9), p99Ms: latencies.at(0.99), p999Ms: latencies.at(0.999), maxMs: latencies.at(1) };
}

/**
 * autocannon for `seconds` over `connections` (16 unless told; 1 measures a single client's latency, one
 * request at a time); at max speed, or throttled to `rate` req/s overall.
 */
export async function runAutocannon(target: Target, seconds: number, { rate, connections = CONNECTIONS }: { rate?: number; connections?: number } = {}): Promise<LoadResult> {
  // Each connection cycles through its own slice of the bodies (prebuilt once, no per-request cost in the
  // load generator), so the connections do not send the same keys in step.
  const slices = Array.from({ length: connections }, (_, c) => target.bodies.filter((_, i) => i % connections === c));
  const requests = (slice: Buffer[]) => slice.map((body) => ({ method: 'POST' as const, path: target.path, body }));
  let nextClient = 0;
  const latencies = new Percentiles();
  const completions: number[] = [];
  const start = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: seconds,
        headers: { 'content-type': 'application/json' },
        requests: requests(slices[0]!),
        setupClient: (client) => client.setRequests(requests(slices[nextClient++ % connections]!)),
        verifyBody: (body) => !hasErrors(body),
        ...(rate ? { overallRate: rate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status < 200 || status >= 300) return;
      latencies.record(responseTime);
      completions.push(performance.now());
    });
  });
  const ok = Math.max(0, latencies.count - result.mismatches);
  return {
    mode: rate ? 'overallRate' : 'max',
    ...(rate ? { rate } : {}),
    seconds: result.duration,
    ok,
    reqPerSec: ok / result.duration,
    ...latencyFigures(latencies),
    autocannonP50Ms: result.latency.p50,
    autocannonP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    errors: result.errors,
    timeouts: result.timeouts,
    peakToMean: peakToMean(completions, start),
  };
}

/** Optional observers of a paced run (the hot-key scenario reads some answers to measure staleness). */
export interface PacedHooks {
  /**
   * Called with each successful answer (2xx, no `errors`): the request's index in the run (its body is
   * `bodies[index % bodies.length]`), when it was sent (performance.now()), and the raw body.
   */
  onResponse?: (index: number, sentAt: number, body: Buffer) => void;
}

/**
 * Open-loop load at `rate` req/s for `seconds`: request i is sent at start + i/rate (as closely as the timer
 * allows) over at most 16 keep-alive connections. Latency runs from the send to the end of the response, so
 * time spent waiting for a free connection counts.
 */
export async function runPaced(target: Target, seconds: number, rate: number, hooks: PacedHooks = {}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const url = new URL(target.path, target.url);
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies = new Percentiles();
  const completions: number[] = [];
  let sent = 0;
  let finished = 0;
  let non2xx = 0;
  let mismatches = 0;
  let errors = 0;
  let timeouts = 0;
  const start = performance.now();

  await new Promise<void>((resolve) => {
    const settle = () => {
      if (++finished === total) resolve();
    };
    const send = (index: number) => {
      const body = target.bodies[index % target.bodies.length]!;
      const sentAt = performance.now();
      const request = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const now = performance.now();
            const status = response.statusCode ?? 0;
            const answer = Buffer.concat(chunks);
            if (status < 200 || status >= 300) non2xx++;
            else if (hasErrors(answer)) mismatches++;
            else {
              latencies.record(now - sentAt);
              completions.push(now);
              hooks.onResponse?.(index, sentAt, answer);
            }
            settle();
          });
        },
      );
      request.setTimeout(10_000, () => {
        timeouts++;
        request.destroy(new Error('timeout'));
      });
      request.on('error', () => {
        errors++;
        settle();
      });
      request.end(body);
    };
    // A 1 ms timer sends whatever is due by now: a late tick sends its requests together, but the stream as a
    // whole keeps the rate.
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();

  const elapsed = (performance.now() - start) / 1000;
  return {
    mode: 'paced',
    rate,
    seconds: elapsed,
    ok: latencies.count,
    reqPerSec: latencies.count / elapsed,
    ...latencyFigures(latencies),
    non2xx,
    mismatches,
    errors: errors - timeouts,
    timeouts,
    peakToMean: peakToMean(completions, start),
  };
}

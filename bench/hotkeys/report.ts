// The hot-key scenario's section of the bench's table: the runs side by side, the service's hot-key list, then
// the cache's extra staleness.
import { failures, fmtInt, fmtMs, fmtRatio, latency } from '../format.js';
import type { HotKeysRun } from './phases.js';
import type { HotKeysResult } from './scenario.js';

/** The hot-key scenario: three runs side by side, then the cache's extra staleness. */
export function formatHotKeys(hot: HotKeysResult, note: (what: string) => string): string[] {
  const lines: string[] = [];
  const runs = (['zipf-off', 'zipf-on', 'zipf-on-writer', 'uniform-on'] as const).map((name) => hot.runs.find((r) => r.name === name));
  const row = (label: string, cell: (run: HotKeysRun) => string, target = '') =>
    lines.push(`${label.padEnd(42)}${runs.map((run) => (run ? cell(run) : '—').padStart(16)).join('')}   ${target}`.trimEnd());
  const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
  const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}` : '0');
  const { zipf } = hot;

  lines.push(
    `Hot keys: ${hot.cluster.length}-master Redis Cluster, ${fmtInt(hot.entities)} entities × 10 features, batch ${hot.batch}, ` +
      `${hot.secondsPerRun} s per run (${hot.stalenessSeconds} s with the writer), HOT_KEY_WINDOW ${hot.window}`,
  );
  lines.push(`  paced ${fmtInt(hot.rate)} req/s in every run: ${hot.rateFrom}`);
  lines.push(
    `  Zipf s = ${zipf.s}: hottest key ${fmtRatio(zipf.hottestShare)} of reads, top 10 keys ${fmtRatio(zipf.top10Share)}, ` +
      `top 10% of keys ${fmtRatio(zipf.top10PercentShare)}; ${zipf.keysAboveHotShare} keys at or above HOT_KEY_SHARE ${zipf.hotShare}`,
  );
  lines.push(
    `  ingest into the cluster: ${fmtInt(hot.ingest.rows)} rows, ${fmtInt(hot.ingest.rowsPerSec)} rows/s; ` +
      `service restarted between Zipf off and Zipf on; CONFIG RESETSTAT on every master before each run`,
  );
  row('', (run) => `${run.keys}, ${run.mitigation ? 'on' : 'off'}${run.staleness ? '+writer' : ''}`);
  row('  warm-up (s)', (run) => String(run.warmupSeconds));
  row('  requests, achieved req/s', (run) => `${fmtInt(run.load.ok)}, ${fmtInt(run.load.reqPerSec)}`);
  row('  p50 / p99 (ms)', (run) => latency(run.load), note('hot keys: Zipf p99 with mitigation ÷ uniform p99'));
  row('  per-shard max/mean: data commands', (run) => ratio(run.shardMaxOverMean), `${note('hot keys: per-shard max/mean, Zipf, mitigation on')} (zipf, on)`);
  row('    value reads (HMGET) alone', (run) => ratio(run.hmgetMaxOverMean));
  row('    all but detection bookkeeping', (run) => ratio(run.withoutDetectionMaxOverMean));
  row('    Redis time in data commands (usec)', (run) => ratio(run.usecMaxOverMean));
  row('    Redis process CPU', (run) => ratio(run.cpuMaxOverMean));
  row('    HMGET predicted, no mitigation', (run) =>
    run.keys === 'zipf' ? (run.mitigation ? '—' : ratio(zipf.expectedReadsMaxOverMean)) : ratio(zipf.expectedUniformReadsMaxOverMean),
  );
  row('  data commands/s per master', (run) => run.shards.map((s) => fmtInt(s.callsPerSec)).join('/'));
  row('    value reads (HMGET)/s', (run) => run.shards.map((s) => fmtInt(s.hmget / run.load.seconds)).join('/'));
  row('    detection (ZINCRBY, ZRANGE, GET, INCRBY)/s', (run) =>
    run.shards.map((s) => fmtInt((s.byPurpose.detection ?? 0) / run.load.seconds)).join('/'),
  );
  row('    other (writes, lag, replication, expiry)/s', (run) =>
    run.shards
      .map((s) => fmtInt((s.calls - s.hmget - (s.byPurpose.detection ?? 0)) / run.load.seconds))
      .join('/'),
  );
  row('  cache hit ratio', (run) => fmtRatio(run.metrics.cacheHitRatio));
  row('  served STORE/CACHE/REPLICA (%)', (run) => {
    const { STORE, CACHE, REPLICA } = run.metrics.served;
    const total = STORE + CACHE + REPLICA;
    return `${pct(STORE, total)}/${pct(CACHE, total)}/${pct(REPLICA, total)}`;
  });
  row('  hot keys / replicated / cache entries', (run) => `${run.metrics.hotKeys}/${run.metrics.replicatedKeys}/${fmtInt(run.metrics.cacheEntries)}`);
  for (const run of runs) {
    if (!run || run.hotKeys.length === 0) continue;
    lines.push(`  hotKeys(limit: 10), ${run.name}, halfway through (key, Zipf rank, share, cached, replicated):`);
    const cells = run.hotKeys.map(
      (k) => `${k.entityKey} #${k.zipfRank ?? '?'} ${fmtRatio(k.share)}${k.cached ? ' C' : ''}${k.replicated ? ' R' : ''}`,
    );
    for (let i = 0; i < cells.length; i += 4) lines.push(`    ${cells.slice(i, i + 4).map((c) => c.padEnd(26)).join('')}`.trimEnd());
  }
  lines.push('  C = cached, R = replicated. Counted data commands: HMGET, EVALSHA/EVAL, HGETALL, HINCRBY, PEXPIRE, ZINCRBY, INCRBY,');
  lines.push('  ZRANGE, GET, DEL, PUBLISH (what the store sends; HGET/HSET inside the guard script and admin commands are not).');
  lines.push('  Detection bookkeeping (each instance, every second: ZINCRBY of up to 256 candidates, ZRANGE + GET of the window\'s');
  lines.push('  buckets) all goes to the master of the `{hot}` hash tag (fr:reads:{hot}:*), whatever keys are read.');

  const st = runs[2]?.staleness;
  if (st) {
    lines.push('');
    lines.push(
      `Extra staleness from the cache (zipf, on+writer): a writer rewrote ${st.ref} of the ${st.writtenKeys} hottest keys every ${st.intervalMs} ms ` +
        `(${st.writtenKeysHot} of them listed hot)`,
    );
    lines.push(
      `  ${fmtInt(st.writes)} writes acknowledged, ${st.writeProblems} failed or partly refused${st.firstWriteProblem ? ` (first: ${st.firstWriteProblem})` : ''}; ` +
        `write p50 ${fmtMs(st.writeP50Ms)} ms, p99 ${fmtMs(st.writeP99Ms)} ms`,
    );
    lines.push(
      `  ${'served from'.padEnd(14)}${'reads'.padStart(8)}${'matched'.padStart(9)}${'behind'.padStart(8)}${'extra p50/p99/max (ms)'.padStart(26)}` +
        `${'superseded-for p99/max (ms)'.padStart(30)}${'wrong'.padStart(7)}`,
    );
    for (const source of ['CACHE', 'REPLICA', 'STORE'] as const) {
      const s = st.bySource[source];
      lines.push(
        `  ${source.padEnd(14)}${fmtInt(s.samples).padStart(8)}${fmtInt(s.matchedWrites).padStart(9)}${fmtInt(s.behind).padStart(8)}` +
          `${`${fmtMs(s.extraP50Ms)} / ${fmtMs(s.extraP99Ms)} / ${fmtMs(s.extraMaxMs)}`.padStart(26)}` +
          `${`${fmtMs(s.supersededForP99Ms)} / ${fmtMs(s.supersededForMaxMs)}`.padStart(30)}${String(s.wrongValues).padStart(7)}`,
      );
    }
    lines.push(
      `  bound = min(HOT_CACHE_BOUND ${st.hotCacheBoundMs} ms, maxAge/10 ${fmtInt(st.maxAgeTenthMs)} ms) = ${st.boundMs} ms; ` +
        `CACHE max extra staleness ${fmtMs(st.bySource.CACHE.extraMaxMs)} ms: ${note('hot keys: max extra staleness from the cache')}`,
    );
    lines.push('  extra = eventTime of the newest write acknowledged before the read was sent − eventTime served (0 if not older);');
    lines.push('  superseded-for = send time − ack time of the first write newer than the value served; behind = reads with extra > 0;');
    lines.push('  matched = values carrying a written event time; wrong = of those, a value that is not that write\'s number.');
  }
  for (const run of hot.runs) {
    const failed = failures(run.load);
    if (failed) lines.push(`  !! hot keys ${run.name}: ${failed}: its figures are suspect`);
  }
  if (hot.serviceProblems.length > 0) {
    lines.push(`  The service logged ${hot.serviceProblems.length} warning/error line(s) in the hot-key scenario; the first ones:`);
    for (const line of hot.serviceProblems.slice(0, 5)) lines.push(`    ${line.slice(0, 300)}`);
  }
  lines.push(`  Hot-key scenario: ${hot.seconds.toFixed(0)} s.`);
  return lines;
}

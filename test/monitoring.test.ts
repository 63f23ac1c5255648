// Monitoring: each alert appears when its cause starts and clears when it ends; every metric family is on
// /metrics; the Prometheus rules parse.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedded } from './support/backends.js';
import { seed } from './support/seed.js';
import { gql, gqlOk, withService } from './support/service.js';

const run = promisify(execFile);
const HOUR = 3_600_000;

describe('alerts and metrics', () => {
  const fixture = withService(embedded, { env: { HOT_KEY_WINDOW: '3s', HOT_KEY_SHARE: '0.3', HOT_KEY_MIN_RATE: '5' } });

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  const write = (rows: { ref: string; key: string; value: number; at: number }[]) =>
    ok('mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "job", rows: $rows) { accepted } }', {
      rows: rows.map((r) => ({ ref: r.ref, entityKey: r.key, value: r.value, eventTime: new Date(r.at).toISOString() })),
    });
  const alerts = async (kind: string) =>
    ((await ok('{ alerts { kind subject since message value threshold } }')).alerts as { kind: string; subject: string }[]).filter((a) => a.kind === kind);

  beforeAll(async () => {
    await seed(fixture.service, {
      entities: [{ name: 'user', keyName: 'user_id' }],
      features: [
        { feature: 'lagged', entity: 'user', owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', window: '1m' },
        { feature: 'drifty', entity: 'user', owner: 'growth', valueType: 'FLOAT64', maxAge: '100d' },
      ],
      producers: [{ name: 'job', owner: 'growth', refs: ['lagged@1', 'drifty@1'] }],
      consumers: [{ name: 'model', owner: 'search', refs: ['lagged@1'] }],
    });
  });

  it('LAG_EXCEEDS_WINDOW appears with late events and clears when they are outweighed', async () => {
    expect(await alerts('LAG_EXCEEDS_WINDOW')).toEqual([]);
    await write(Array.from({ length: 20 }, (_, i) => ({ ref: 'lagged@1', key: `late${i}`, value: 1, at: Date.now() - 10 * 60_000 })));
    expect(await alerts('LAG_EXCEEDS_WINDOW')).toEqual([expect.objectContaining({ subject: 'lagged@1', message: expect.stringMatching(/beyond its window 1m/) })]);
    await write(Array.from({ length: 400 }, (_, i) => ({ ref: 'lagged@1', key: `fresh${i}`, value: 1, at: Date.now() - 100 })));
    expect(await alerts('LAG_EXCEEDS_WINDOW')).toEqual([]);
  });

  it('VERSION_MISMATCH appears when producers move on without the consumer and clears when it follows', async () => {
    expect(await alerts('VERSION_MISMATCH')).toEqual([]);
    await ok(`mutation {
      registerFeatureVersion(input: { feature: "lagged", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "2h", window: "1m" }) { created }
      activateFeatureVersion(ref: "lagged@2", force: true, reason: "test") { status }
      registerProducer(name: "job_v2", owner: "growth") { name }
      bindProducer(producer: "job_v2", refs: ["lagged@2"]) { name }
      deprecateFeatureVersion(ref: "lagged@1", sunsetAt: "2099-01-01T00:00:00Z") { status }
    }`);
    const [alert] = await alerts('VERSION_MISMATCH');
    expect(alert).toMatchObject({ subject: 'model → lagged@1', message: expect.stringMatching(/deprecated/) });
    await ok('mutation { bindConsumer(consumer: "model", refs: ["lagged@2"]) { name } }');
    expect(await alerts('VERSION_MISMATCH')).toEqual([]);
  });

  it('DRIFT appears when the latest bucket moves from the first day and clears when it comes back', async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
    const bucket = (h: number, shift: number) =>
      Array.from({ length: 100 }, (_, i) => ({ ref: 'drifty@1', key: `b${h}_${i}`, value: shift + (i % 20), at: hour + h * HOUR + i }));
    // A full first day of ordinary hours is the reference; then one moved hour, then an ordinary one.
    await write(Array.from({ length: 24 }, (_, h) => bucket(h, 0)).flat());
    await fixture.service.services.distributions.flush();
    expect(await alerts('DRIFT')).toEqual([]);
    await write(bucket(24, 15));
    await fixture.service.services.distributions.flush();
    expect(await alerts('DRIFT')).toEqual([expect.objectContaining({ subject: 'drifty@1', threshold: 0.25 })]);
    await write(bucket(25, 0));
    await fixture.service.services.distributions.flush();
    expect(await alerts('DRIFT')).toEqual([]);
  });

  it('HOT_KEY appears while a key takes most reads and clears when it cools', async () => {
    const until = Date.now() + 3_000;
    while (Date.now() < until) await gql(fixture.service, '{ featureValues(ref: "lagged@2", entityKeys: ["viral"]) { rows { entityKey } } }');
    await expect.poll(async () => (await alerts('HOT_KEY')).map((a) => a.subject), { timeout: 5_000 }).toEqual(['user:viral']);
    await expect.poll(async () => (await alerts('HOT_KEY')).length, { timeout: 15_000, interval: 500 }).toBe(0);
  }, 30_000);

  it('serves every metric family on /metrics, with bounded labels', async () => {
    await gql(fixture.service, '{ onlineFeatures(consumer: "model", entityKeys: ["late1", "nobody"]) { rows { entityKey } } }');
    await fixture.service.services.alerts.current();
    const metrics = await (await fetch(`${fixture.service.url}/metrics`)).text();
    for (const family of [
      'feature_registry_read_flags_total',
      'feature_registry_event_lag_seconds',
      'feature_registry_rows_written_total',
      'feature_registry_binding_mismatches',
      'feature_registry_drift_psi',
      'feature_registry_event_lag_exceeds_window',
      'feature_registry_hot_keys',
      'feature_registry_hot_cache_hits_total',
      'feature_registry_values_served_total',
      'feature_registry_store_commands_total',
      'feature_registry_store_seconds',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(metrics, family).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
    }
    expect(metrics).toMatch(/^feature_registry_read_flags_total\{ref="lagged@2",flag="MISSING"\} [1-9]/m);
    expect(metrics).toMatch(/^feature_registry_rows_written_total\{outcome="accepted"\} [1-9]/m);
    expect(metrics).toMatch(/^feature_registry_drift_psi\{ref="drifty@1"\} /m);
    expect(metrics).not.toMatch(/late1|nobody|viral/);
  });
});

describe('Prometheus alert rules', () => {
  it.skipIf(!existsSync('/usr/bin/promtool'))('parse and check with promtool', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', 'src/monitoring/prometheus-rules.yml']);
    expect(stdout).toMatch(/SUCCESS: 4 rules found/);
  });
});

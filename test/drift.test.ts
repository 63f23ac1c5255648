// Drift: the PSI of a version's latest bucket against its reference (its first day) raises DRIFT on reads
// above the threshold. 24 stationary hourly buckets raise nothing; a one-standard-deviation shift does.
import { beforeAll, describe, expect, it } from 'vitest';
import { embedded } from './support/backends.js';
import { seed } from './support/seed.js';
import { gqlOk, withService } from './support/service.js';

const HOUR = 3_600_000;

/** Deterministic standard normal values (a seeded generator and Box–Muller), the same every run. */
function normals(seed: number, n: number): number[] {
  let state = seed;
  const uniform = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) + 1) / (2 ** 31 + 1);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

describe('drift', () => {
  const fixture = withService(embedded);
  const firstHour = Math.floor(Date.now() / HOUR) * HOUR - 26 * HOUR;

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  /** 500 values of N(mean, 2) with event times in hour `h` after the first one, on keys of their own. */
  const writeHour = (ref: string, h: number, mean: number) =>
    ok('mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "job", rows: $rows) { accepted } }', {
      rows: normals(h + 1, 500).map((z, i) => ({ ref, entityKey: `h${h}_${i}`, value: mean + 2 * z, eventTime: new Date(firstHour + h * HOUR + i).toISOString() })),
    });
  const flags = async (ref: string) => (await ok(`{ featureValues(ref: "${ref}", entityKeys: ["h24_1"]) { rows { features { flags } } flagCounts { flag count } } }`)).featureValues;

  beforeAll(async () => {
    await seed(fixture.service, {
      entities: [{ name: 'user', keyName: 'user_id' }],
      features: ['basket', 'steady'].map((feature) => ({ feature, entity: 'user', owner: 'growth', valueType: 'FLOAT64', maxAge: '100d' })),
      producers: [{ name: 'job', owner: 'growth', refs: ['basket@1', 'steady@1'] }],
    });
  });

  it('raises nothing over 24 stationary buckets, and DRIFT for a 1σ shift in the next one', async () => {
    const distributions = fixture.service.services.distributions;
    for (let h = 0; h < 24; h++) {
      expect((await writeHour('basket@1', h, 10)).writeFeatureValues.accepted).toBe(500);
      await writeHour('steady@1', h, 10);
      await distributions.flush();
      const drift = await distributions.drift('basket@1');
      expect(drift.drifting, `hour ${h}: PSI ${drift.psi}`).toBe(false);
      if (h > 0) expect(drift.psi).toBeLessThan(0.1);
    }
    await writeHour('basket@1', 24, 12); // one standard deviation up
    await writeHour('steady@1', 24, 10);
    await distributions.flush();
    const drift = await distributions.drift('basket@1');
    expect(drift).toMatchObject({ drifting: true, referenceBuckets: 24, threshold: 0.25 });
    expect(drift.psi).toBeGreaterThan(0.25);

    const drifted = await flags('basket@1');
    expect(drifted.rows[0].features[0].flags).toEqual(['DRIFT']);
    expect(drifted.flagCounts).toEqual([{ flag: 'DRIFT', count: 1 }]);
    expect((await flags('steady@1')).rows[0].features[0].flags).toEqual([]);
  }, 60_000);
});

// Validation before deployment: a DRAFT's shadow-written values against the live version's, key by key; the
// integer-division version fails and cannot be activated without force; a passing report must be newer than
// the last shadow write.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { populationStability } from '../src/monitoring/drift.js';
import { embedded, registryBackends } from './support/backends.js';
import { codes, gql, gqlOk, withService } from './support/service.js';

const VALIDATE = (ref: string) => `mutation { validateFeatureVersion(ref: "${ref}") { ref comparedWith passed sampleSize checks { name passed value threshold message } } }`;
const ACTIVATE = (ref: string, extra = '') => `mutation { activateFeatureVersion(ref: "${ref}"${extra}) { ref status } }`;

/** Clicks and impressions per user, fixed so the test is the same every run. */
const users = Array.from({ length: 200 }, (_, i) => ({ key: `u${i}`, clicks: 5 + ((i * 37) % 50), impressions: 100 + ((i * 53) % 200) }));

describe('population stability index', () => {
  it('is ~0 for the same distribution and large for a moved one', () => {
    const reference = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
    expect(populationStability(reference, reference)).toBeLessThan(0.01);
    expect(populationStability(reference, reference.map((x) => x + 10))).toBeGreaterThan(1);
  });
});

describe('validating a DRAFT before it goes live', () => {
  const fixture = withService(embedded);

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  const register = (extra: string) =>
    ok(`mutation { registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h", ${extra} }) { version { ref status } compatibility } }`);
  const write = (ref: string, value: (u: (typeof users)[number]) => number, eventTime = Date.now() - 1000) =>
    ok('mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "ctr_job", rows: $rows) { accepted rejected } }', {
      rows: users.map((u) => ({ ref, entityKey: u.key, value: value(u), eventTime: new Date(eventTime).toISOString() })),
    });

  beforeAll(async () => {
    await ok(`mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerProducer(name: "ctr_job", owner: "growth") { name }
    }`);
    await register('description: "clicks / impressions"');
    await ok('mutation { bindProducer(producer: "ctr_job", refs: ["ctr@1"]) { name } }');
    await write('ctr@1', (u) => u.clicks / u.impressions, Date.now() - 60_000);
  });

  it('passes a DRAFT whose shadow-written values look like the live ones, and activation follows', async () => {
    expect((await register('description: "clicks / impressions, deduplicated"')).registerFeatureVersion).toEqual({
      version: { ref: 'ctr@2', status: 'DRAFT' },
      compatibility: 'COMPATIBLE',
    });
    expect(codes(await gql(fixture.service, ACTIVATE('ctr@2')))).toEqual(['CONFLICT']);
    await ok('mutation { bindProducer(producer: "ctr_job", refs: ["ctr@2"]) { name } }');
    await write('ctr@2', (u) => (u.clicks * 0.99) / u.impressions);

    const report = (await ok(VALIDATE('ctr@2'))).validateFeatureVersion;
    expect(report).toMatchObject({ ref: 'ctr@2', comparedWith: 'ctr@1', passed: true, sampleSize: 200 });
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      'type',
      'shared_keys',
      'psi',
      'mean_shift',
      'stddev_ratio',
      'null_rate_change',
      'integral_share_change',
    ]);
    expect(report.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
    const stored = await queryRows<{ passed: boolean }>(fixture.database.db, sql`select passed from validation_reports where ref = 'ctr@2'`);
    expect(stored).toEqual([{ passed: true }]);
    // The stored reports read back through the API, newest first.
    const listed = (await ok('{ validationReports(ref: "ctr@2") { ref comparedWith passed sampleSize createdAt checks { name passed } } }')).validationReports;
    expect(listed).toEqual([{ ref: 'ctr@2', comparedWith: 'ctr@1', passed: true, sampleSize: 200, createdAt: expect.any(String), checks: report.checks.map((c: { name: string; passed: boolean }) => ({ name: c.name, passed: c.passed })) }]);
    expect((await ok('{ validationReports(ref: "ctr@9") { ref } }')).validationReports).toEqual([]);
    expect(codes(await gql(fixture.service, '{ validationReports(ref: "ctr@2\\u0000") { ref } }'))).toEqual(['BAD_USER_INPUT']);

    // A shadow write after the report: the report no longer vouches for what is stored.
    await write('ctr@2', (u) => (u.clicks * 0.98) / u.impressions);
    await fixture.service.services.distributions.flush();
    expect((await gql(fixture.service, ACTIVATE('ctr@2'))).errors![0]!.message).toMatch(/shadow-written after its last validation/);
    await ok(VALIDATE('ctr@2'));
    expect((await ok(ACTIVATE('ctr@2'))).activateFeatureVersion).toEqual({ ref: 'ctr@2', status: 'ACTIVE' });
  });

  it('fails a FLOAT64 version fed integer-division results, which cannot go live without force', async () => {
    await register('description: "clicks / impressions, in SQL"');
    await ok('mutation { bindProducer(producer: "ctr_job", refs: ["ctr@3"]) { name } }');
    await write('ctr@3', (u) => Math.floor(u.clicks / u.impressions));
    const report = (await ok(VALIDATE('ctr@3'))).validateFeatureVersion;
    expect(report).toMatchObject({ comparedWith: 'ctr@2', passed: false });
    const failed = report.checks.filter((c: { passed: boolean }) => !c.passed).map((c: { name: string }) => c.name);
    expect(failed).toEqual(expect.arrayContaining(['psi', 'mean_shift', 'integral_share_change']));
    expect(report.checks.find((c: { name: string }) => c.name === 'integral_share_change').message).toMatch(/share of whole numbers 1\.000 vs 0\.000/);

    expect((await gql(fixture.service, ACTIVATE('ctr@3'))).errors![0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/failed its last validation/) });
    expect(codes(await gql(fixture.service, ACTIVATE('ctr@3', ', force: true')))).toEqual(['BAD_USER_INPUT']);
    expect((await ok(ACTIVATE('ctr@3', ', force: true, reason: "hotfix, integer output accepted by the ranking team"'))).activateFeatureVersion.status).toBe('ACTIVE');
    const audit = await queryRows<{ action: string; reason: string }>(
      fixture.database.db,
      sql`select action, after->>'reason' as reason from audit_log where target = 'version:ctr@3' order by id desc limit 1`,
    );
    expect(audit).toEqual([{ action: 'version.activate.forced', reason: 'hotfix, integer output accepted by the ranking team' }]);
  });

  it('reports a DRAFT with no shadow writes as failing, and refuses to validate a live version', async () => {
    await register('description: "never written"');
    const report = (await ok(VALIDATE('ctr@4'))).validateFeatureVersion;
    expect(report).toMatchObject({ passed: false, sampleSize: 0, checks: [{ name: 'shadow_writes', passed: false }] });
    expect(codes(await gql(fixture.service, VALIDATE('ctr@1')))).toEqual(['CONFLICT']);
    expect(codes(await gql(fixture.service, VALIDATE('ctr@99')))).toEqual(['NOT_FOUND']);
  });
});

// The gate judges the shadow writes made before it, though the service buffers them for a few seconds; a
// flush that fails keeps them for the next one, and a key the database refuses costs only itself.
describe.each(registryBackends)('the activation gate on $name', (backend) => {
  const fixture = withService(backend);

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  const write = (ref: string, value: (u: (typeof users)[number]) => number) =>
    ok('mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "ctr_job", rows: $rows) { accepted rejected } }', {
      rows: users.map((u) => ({ ref, entityKey: u.key, value: value(u), eventTime: new Date(Date.now() - 1000).toISOString() })),
    });
  const ctr = (u: (typeof users)[number]) => u.clicks / u.impressions;

  /** A DRAFT `ctr@N` whose shadow-written values just passed validation. */
  async function validatedDraft(version: number, description: string) {
    await ok(`mutation { registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h", description: "${description}" }) { version { ref } } }`);
    const ref = `ctr@${version}`;
    await ok(`mutation { bindProducer(producer: "ctr_job", refs: ["${ref}"]) { name } }`);
    await write(ref, ctr);
    expect((await ok(VALIDATE(ref))).validateFeatureVersion.passed).toBe(true);
    return ref;
  }

  beforeAll(async () => {
    await ok(`mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerProducer(name: "ctr_job", owner: "growth") { name }
      registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { version { ref } }
      bindProducer(producer: "ctr_job", refs: ["ctr@1"]) { name }
    }`);
    await write('ctr@1', ctr);
  });

  it('refuses to activate a DRAFT shadow-written with values 1e9 times larger right after its validation', async () => {
    const ref = await validatedDraft(2, 'validated, then fed garbage');
    await write(ref, (u) => ctr(u) * 1e9);
    const refused = await gql(fixture.service, ACTIVATE(ref));
    expect(refused.errors![0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringMatching(/shadow-written after its last validation/) });
    expect((await ok(VALIDATE(ref))).validateFeatureVersion.passed).toBe(false);
    expect(codes(await gql(fixture.service, ACTIVATE(ref)))).toEqual(['CONFLICT']);
  });

  it('keeps the shadow writes of a failed flush for the next one: activation is refused meanwhile, and judges them after', async () => {
    const ref = await validatedDraft(3, 'validated, then fed garbage while the database refused the samples');
    // The database refuses the samples (the table is out of reach) while the values themselves are written.
    await fixture.database.db.execute(sql`alter table shadow_writes rename to shadow_writes_away`);
    try {
      await write(ref, (u) => ctr(u) * 1e9);
      expect(codes(await gql(fixture.service, ACTIVATE(ref)))).toEqual(['UNAVAILABLE']);
    } finally {
      await fixture.database.db.execute(sql`alter table shadow_writes_away rename to shadow_writes`);
    }
    expect((await gql(fixture.service, ACTIVATE(ref))).errors![0]!.message).toMatch(/shadow-written after its last validation/);
    expect((await ok(VALIDATE(ref))).validateFeatureVersion.passed).toBe(false);
  });

  it('stores the other shadow-written keys, and when the DRAFT was written, when one key cannot be stored', async () => {
    const ref = 'ctr@3';
    const before = await queryRows<{ n: number }>(fixture.database.db, sql`select count(*)::int as n from shadow_keys where ref = ${ref}`);
    const at = Date.now() + 60_000;
    // PostgreSQL text cannot hold NUL (the write path refuses such keys; this one comes from around it).
    for (const key of ['kept_a', 'bad\u0000key', 'kept_b']) fixture.service.services.distributions.recordShadow(ref, key, at);
    await fixture.service.services.distributions.flush();
    const keys = await queryRows<{ entity_key: string }>(fixture.database.db, sql`select entity_key from shadow_keys where ref = ${ref} and entity_key like 'kept_%' order by 1`);
    expect(keys.map((k) => k.entity_key)).toEqual(['kept_a', 'kept_b']);
    const after = await queryRows<{ n: number }>(fixture.database.db, sql`select count(*)::int as n from shadow_keys where ref = ${ref}`);
    expect(after[0]!.n).toBe(before[0]!.n + 2);
    const [written] = await queryRows<{ ms: number }>(fixture.database.db, sql`select (extract(epoch from last_write_at) * 1000)::float8 as ms from shadow_writes where ref = ${ref}`);
    expect(written!.ms).toBe(at);
  });
});

// Definitions as code: manifests planned and applied by the service, through GraphQL and through the
// `feature-registry` CLI run as a child process (`npx tsx src/cli/registry.ts …`) against a real service, on
// PostgreSQL and PGlite. What a manifest means is in src/registry/plan.ts; DESIGN section 7 has the format.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { registryBackends } from './support/backends.js';
import { createKeys } from './support/keys.js';
import { codes, gql, gqlOk, registryState, startTestService, withService } from './support/service.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Most tests here run the CLI as a child process several times (each start compiles TypeScript): seconds each
// on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const BASE = `
entities:
  - { name: user, keyName: user_id, description: a signed-up user }
features:
  - name: click_rate_7d
    entity: user
    owner: growth
    valueType: FLOAT64
    window: 7d
    maxAge: 1h
    aggregation: { function: mean, source: clicks }
    description: clicks per view over seven days
producers:
  - { name: clicks_pipeline, owner: growth, writes: [click_rate_7d] }
consumers:
  - { name: ranking_model, owner: search, reads: [click_rate_7d] }
`;
/** The same feature with another type and window: a BREAKING change. */
const BREAKING = BASE.replace('valueType: FLOAT64', 'valueType: INT64').replace('window: 7d', 'window: 30d');
/** The same feature with a stricter freshness budget and a new description: COMPATIBLE, validated by shadow writes. */
const COMPATIBLE = BASE.replace('maxAge: 1h', 'maxAge: 30m').replace('clicks per view over seven days', 'clicks per view over seven days, bots removed');

const PLAN = 'query ($manifest: JSON!) { planDefinitions(manifest: $manifest) { hash changes actions notes text } }';
const APPLY = 'mutation ($manifest: JSON!, $expectedPlan: String) { applyDefinitions(manifest: $manifest, expectedPlan: $expectedPlan) { hash changes actions } }';
const PINS = (consumer: string) => `{ consumer(name: "${consumer}") { versions { ref definitionHash } } }`;
const WRITES = (producer: string) => `{ producer(name: "${producer}") { versions { ref } } }`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI against `service` as a child process, with no terminal (stdin closed). */
function cli(service: { url: string }, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/cli/registry.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, REGISTRY_URL: service.url, REGISTRY_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes `files` (name → YAML) into a new temporary directory and returns its path. */
async function manifestDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'manifest-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

const yamlOf = async (text: string) => (await import('yaml')).parse(text) as Record<string, unknown>;

describe.each(registryBackends)('definitions as code on $name', (backend) => {
  const fixture = withService(backend);
  const temp: string[] = [];
  let base: string;

  const ok = (query: string, variables?: Record<string, unknown>) => gqlOk(fixture.service, query, variables);
  const file = async (text: string, name = 'manifest.yaml') => {
    const dir = await manifestDir({ [name]: text });
    temp.push(dir);
    return path.join(dir, name);
  };

  beforeAll(async () => {
    base = await file(BASE);
  });
  afterAll(async () => {
    await Promise.all(temp.map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  it('plans (exit 2), applies (exit 0), and then has nothing left to do (exit 0, no-op apply)', async () => {
    const planned = await cli(fixture.service, ['plan', base]);
    expect(planned.code, planned.stderr).toBe(2);
    expect(planned.stdout).toMatch(/^Plan: 6 changes$/m);
    expect(planned.stdout).toMatch(/\+ +version +click_rate_7d@1 +ACTIVE, FLOAT64, window 7d, maxAge 1h/);
    expect(planned.stdout).toMatch(/~ +pin +ranking_model +\(none\) → click_rate_7d@1/);

    const json = JSON.parse((await cli(fixture.service, ['plan', base, '--json'])).stdout);
    expect(json.actions.map((a: { action: string }) => a.action)).toEqual([
      'registerEntity',
      'registerVersion',
      'registerProducer',
      'bindProducer',
      'registerConsumer',
      'pinConsumer',
    ]);
    expect(json.hash).toMatch(planned.stdout.match(/plan ([0-9a-f]{64})/)![1]!);

    const applied = await cli(fixture.service, ['apply', base, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Applied 6 changes/);
    expect((await ok(PINS('ranking_model'))).consumer.versions.map((v: { ref: string }) => v.ref)).toEqual(['click_rate_7d@1']);
    expect((await ok(WRITES('clicks_pipeline'))).producer.versions).toEqual([{ ref: 'click_rate_7d@1' }]);

    const before = await registryState(fixture.database);
    const again = await cli(fixture.service, ['plan', base]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes: the registry matches the manifest\.$/m);
    const reapplied = await cli(fixture.service, ['apply', base, '--yes']);
    expect(reapplied.code).toBe(0);
    expect((await gqlOk(fixture.service, PLAN, { manifest: await yamlOf(BASE) })).planDefinitions).toMatchObject({ changes: 0, actions: [], notes: [] });
    expect(await registryState(fixture.database)).toEqual(before);
  });

  it('reads a directory of manifests as one file: the same plan, hash included', async () => {
    const dir = await manifestDir({
      '10-entities.yaml': BREAKING.slice(0, BREAKING.indexOf('features:')),
      '20-features.yml': BREAKING.slice(BREAKING.indexOf('features:'), BREAKING.indexOf('producers:')),
      '30-pipelines.yaml': BREAKING.slice(BREAKING.indexOf('producers:')),
      'notes.md': 'not a manifest: ignored',
    });
    temp.push(dir);
    const one = JSON.parse((await cli(fixture.service, ['plan', await file(BREAKING), '--json'])).stdout);
    const many = JSON.parse((await cli(fixture.service, ['plan', dir, '--json'])).stdout);
    expect(one.changes).toBeGreaterThan(0);
    expect(many).toEqual(one);
  });

  it('shows a breaking change with its compatibility, its reasons and the consumers pinned to the live version', async () => {
    const run = await cli(fixture.service, ['plan', await file(BREAKING)]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/\+ +version +click_rate_7d@2 +DRAFT, INT64, window 30d, maxAge 1h, BREAKING against click_rate_7d@1/);
    expect(run.stdout).toMatch(/valueType FLOAT64 → INT64/);
    expect(run.stdout).toMatch(/window 7d → 30d/);
    expect(run.stdout).toMatch(/consumers pinned to click_rate_7d@1: ranking_model/);
    expect(run.stdout).toMatch(/ranking_model stays on click_rate_7d@1 while click_rate_7d@2 is a DRAFT/);
    const { planDefinitions } = await ok(PLAN, { manifest: await yamlOf(BREAKING) });
    expect(planDefinitions.actions).toEqual([
      expect.objectContaining({ action: 'registerVersion', ref: 'click_rate_7d@2', version: 2, status: 'DRAFT', compatibility: 'BREAKING', comparedWith: 'click_rate_7d@1', pinnedConsumers: ['ranking_model'] }),
      { action: 'bindProducer', producer: 'clicks_pipeline', refs: ['click_rate_7d@2'] },
    ]);
  });

  it('rolls out through the manifest: DRAFT with shadow writes, validate, activate, apply again', async () => {
    const compatible = await file(COMPATIBLE);
    expect((await cli(fixture.service, ['apply', compatible, '--yes'])).code).toBe(0);
    expect((await ok(WRITES('clicks_pipeline'))).producer.versions).toEqual([{ ref: 'click_rate_7d@1' }, { ref: 'click_rate_7d@2' }]);
    expect((await ok(PINS('ranking_model'))).consumer.versions.map((v: { ref: string }) => v.ref)).toEqual(['click_rate_7d@1']);

    // Bound to two live versions, the bare name is ambiguous; each version is written by its number.
    const rows = (ref: string) => Array.from({ length: 30 }, (_, i) => ({ ref, entityKey: `u${i}`, value: (i % 7) / 10 + 0.05, eventTime: new Date(Date.now() - 1000).toISOString() }));
    const WRITE = 'mutation ($rows: [FeatureValueInput!]!) { writeFeatureValues(producer: "clicks_pipeline", rows: $rows) { accepted rejected errors { code message } } }';
    const ambiguous = (await ok(WRITE, { rows: rows('click_rate_7d').slice(0, 1) })).writeFeatureValues;
    expect(ambiguous).toMatchObject({ accepted: 0, rejected: 1, errors: [{ code: 'CONFLICT' }] });
    expect(ambiguous.errors[0].message).toMatch(/click_rate_7d@1 and click_rate_7d@2/);
    expect((await ok(WRITE, { rows: [...rows('click_rate_7d@1'), ...rows('click_rate_7d@2')] })).writeFeatureValues).toMatchObject({ accepted: 60, rejected: 0 });

    // Until the DRAFT is activated, applying again changes nothing and says what it waits for.
    const waiting = await cli(fixture.service, ['plan', compatible]);
    expect(waiting.code).toBe(0);
    expect(waiting.stdout).toMatch(/clicks_pipeline stays bound to click_rate_7d@1 while click_rate_7d@2 is a DRAFT/);

    expect((await ok('mutation { validateFeatureVersion(ref: "click_rate_7d@2") { passed } }')).validateFeatureVersion.passed).toBe(true);
    await ok('mutation { activateFeatureVersion(ref: "click_rate_7d@2") { status } }');
    const moved = await cli(fixture.service, ['apply', compatible, '--yes']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/- +unbind +clicks_pipeline +no longer writes click_rate_7d@1/);
    expect(moved.stdout).toMatch(/~ +pin +ranking_model +click_rate_7d@1 → click_rate_7d@2/);
    expect((await ok(WRITES('clicks_pipeline'))).producer.versions).toEqual([{ ref: 'click_rate_7d@2' }]);
    expect((await ok(PINS('ranking_model'))).consumer.versions.map((v: { ref: string }) => v.ref)).toEqual(['click_rate_7d@2']);

    // Bound to one live version again: the bare name is that version.
    const bare = (await ok(WRITE, { rows: [{ ...rows('click_rate_7d')[0]!, value: 0.5, eventTime: new Date().toISOString() }] })).writeFeatureValues;
    expect(bare).toMatchObject({ accepted: 1, rejected: 0 });
    const value = await ok('{ featureValues(ref: "click_rate_7d@2", entityKeys: ["u0"]) { rows { features { value } } } }');
    expect(value.featureValues.rows[0].features[0].value).toBe(0.5);
    const unbound = await gql(fixture.service, 'mutation { writeFeatureValues(producer: "clicks_pipeline", rows: [{ ref: "other_feature", entityKey: "u0", value: 1, eventTime: "2026-01-01T00:00:00Z" }]) { rejected errors { code } } }');
    expect(unbound.data!.writeFeatureValues).toEqual({ rejected: 1, errors: [{ code: 'FORBIDDEN' }] });
  });

  it('exports the registry as a manifest whose plan against the same registry changes nothing, mid-rollout too', async () => {
    // A DRAFT being shadow-written: the export names it, and keeps the producer and consumer as they are.
    expect((await cli(fixture.service, ['apply', await file(BREAKING.replace('maxAge: 1h', 'maxAge: 30m')), '--yes'])).code).toBe(0);
    const exported = await cli(fixture.service, ['export']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/valueType: INT64/);
    const planned = await cli(fixture.service, ['plan', await file(exported.stdout, 'exported.yaml')]);
    expect(planned.code, planned.stdout).toBe(0);
    expect(planned.stdout).toMatch(/^No changes/m);
  });

  it('refuses a plan that is stale: someone registered something since it was reviewed, and nothing is written', async () => {
    const manifest = await yamlOf(BASE.replace('maxAge: 1h', 'maxAge: 2h'));
    const { planDefinitions: reviewed } = await ok(PLAN, { manifest });
    expect(reviewed.actions[0]).toMatchObject({ action: 'registerVersion', version: 4 });
    await ok(`mutation { registerFeatureVersion(input: { feature: "click_rate_7d", entity: "user", owner: "growth", valueType: STRING, maxAge: "1h" }) { version { ref } } }`);
    const before = await registryState(fixture.database);
    const stale = await gql(fixture.service, APPLY, { manifest, expectedPlan: reviewed.hash });
    expect(codes(stale)).toEqual(['CONFLICT']);
    expect(stale.errors![0]!.message).toMatch(/changed since the plan was made/);
    expect(await registryState(fixture.database)).toEqual(before);
    const { planDefinitions: fresh } = await ok(PLAN, { manifest });
    expect(fresh.actions[0]).toMatchObject({ action: 'registerVersion', version: 5 });
    expect((await ok(APPLY, { manifest, expectedPlan: fresh.hash })).applyDefinitions.hash).toBe(fresh.hash);
  });

  it('lets one of two concurrent applies of a reviewed plan through; the other finds the plan changed', async () => {
    const manifest = await yamlOf(BASE.replace('maxAge: 1h', 'maxAge: 3h'));
    const { planDefinitions: reviewed } = await ok(PLAN, { manifest });
    const results = await Promise.all([1, 2].map(() => gql(fixture.service, APPLY, { manifest, expectedPlan: reviewed.hash })));
    expect(results.map(codes).sort()).toEqual([[], ['CONFLICT']]);
    const { feature } = await ok('{ feature(name: "click_rate_7d") { versions { maxAge } } }');
    expect(feature.versions.filter((v: { maxAge: string }) => v.maxAge === '3h')).toHaveLength(1);
  });

  it('refuses each bad manifest with exit 1, naming the file and the entry, and writes nothing', async () => {
    const bad: [string, string, RegExp][] = [
      ['YAML syntax', BASE.replace('writes: [click_rate_7d] }', 'writes: [click_rate_7d }'), /manifest\.yaml:14:\d+: Flow sequence in block collection must be sufficiently indented/],
      ['unknown key', BASE.replace('window: 7d', 'windw: 7d'), /manifest\.yaml: features\[0\] \(click_rate_7d\): unknown key "windw"/],
      ['unknown entity', BASE.replace('entity: user', 'entity: usr'), /manifest\.yaml: features\[0\] \(click_rate_7d\): entity usr is neither registered nor in the manifest's entities/],
      ['malformed duration', BASE.replace('window: 7d', 'window: 7 days'), /manifest\.yaml: features\[0\] \(click_rate_7d\): window "7 days" is not a duration/],
      ['unknown value type', BASE.replace('valueType: FLOAT64', 'valueType: FLOAT'), /manifest\.yaml: features\[0\] \(click_rate_7d\): valueType "FLOAT" is not one of INT64/],
      ['unknown top-level key', `${BASE}labels: [a]\n`, /manifest\.yaml:17: unknown top-level key "labels"/],
      ['a version in writes', BASE.replace('writes: [click_rate_7d]', 'writes: [click_rate_7d@1]'), /producers\[0\] \(clicks_pipeline\): writes\[0\] "click_rate_7d@1": name the feature/],
      ['another owner', BASE.replace('owner: growth\n', 'owner: ads\n'), /features\[0\] \(click_rate_7d\): feature click_rate_7d is owned by team growth, not ads/],
    ];
    for (const [what, text, message] of bad) {
      const before = await registryState(fixture.database);
      const run = await cli(fixture.service, ['apply', await file(text), '--yes']);
      expect(run.code, `${what}: ${run.stdout}${run.stderr}`).toBe(1);
      expect(run.stderr, what).toMatch(message);
      expect(await registryState(fixture.database), what).toEqual(before);
    }
    // In a directory, the file that holds the entry and the entry's index in that file.
    const dir = await manifestDir({ 'a.yaml': BASE, 'b.yaml': 'features:\n  - { name: other, entity: user, owner: growth, valueType: FLOAT64, maxAge: soon }\n' });
    temp.push(dir);
    const run = await cli(fixture.service, ['plan', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/b\.yaml: features\[0\] \(other\): maxAge "soon" is not a duration/);
  });

  it('refuses malformed input in a manifest as BAD_USER_INPUT, never a 500', async () => {
    const manifest = await yamlOf(BASE);
    const feature = (manifest.features as Record<string, unknown>[])[0]!;
    const cases: unknown[] = [
      { ...manifest, features: [{ ...feature, description: 'a\u0000b' }] },
      { ...manifest, features: [{ ...feature, aggregation: { function: 'mean', source: 'clicks\ud800' } }] },
      { ...manifest, features: [{ ...feature, aggregation: { ['fn\u0000']: 'mean' } }] },
      { ...manifest, entities: [{ name: 'user\ud800', keyName: 'user_id' }] },
      { ...manifest, features: [{ ...feature, aggregation: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }] },
      { ...manifest, consumers: Array.from({ length: 2001 }, (_, i) => ({ name: `c${i}`, owner: 'search', reads: [] })) },
      [manifest],
      'features: []',
    ];
    const before = await registryState(fixture.database);
    for (const bad of cases) {
      for (const query of [PLAN, APPLY]) {
        const response = await gql(fixture.service, query, { manifest: bad });
        // A client mistake with nothing done: 400 (see "Status codes" in the README).
        expect(response.status, JSON.stringify(response.errors)).toBe(400);
        expect(codes(response), JSON.stringify(response.errors)).toEqual(['BAD_USER_INPUT']);
      }
    }
    expect(await registryState(fixture.database)).toEqual(before);
  });

  it('answers an unknown command, a client without --out, and an apply with no terminal and no --yes with exit 1', async () => {
    const unknown = await cli(fixture.service, ['clients', '--consumer', 'ranking_model']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'clients'/);
    const client = await cli(fixture.service, ['client', '--consumer', 'ranking_model']);
    expect(client.code).toBe(1);
    expect(client.stderr).toMatch(/required option '--out <file>' not specified/);
    const before = await registryState(fixture.database);
    const run = await cli(fixture.service, ['apply', await file(BASE.replace('a signed-up user', 'someone who signed up'))]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/~ +entity +user +description "a signed-up user" → "someone who signed up"/);
    expect(run.stderr).toMatch(/no terminal to ask for confirmation/);
    expect(await registryState(fixture.database)).toEqual(before);
  });

  it('pins consumers to the same definitions in two registries with different histories', async () => {
    const other = (await backend.open()).database;
    const second = await startTestService(other);
    try {
      // The second registry saw two other definitions of the feature first.
      await gqlOk(second, `mutation {
        registerEntity(name: "user", keyName: "user_id", description: "a signed-up user") { name }
        a: registerFeatureVersion(input: { feature: "click_rate_7d", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h", description: "first try" }) { version { ref } }
        b: registerFeatureVersion(input: { feature: "click_rate_7d", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h", description: "second try" }) { version { ref } }
      }`);
      await gqlOk(second, 'mutation { activateFeatureVersion(ref: "click_rate_7d@2", force: true, reason: "the team chose it") { status } }');

      const first = (await backend.open()).database;
      const fresh = await startTestService(first);
      try {
        const manifest = await file(BASE);
        for (const registry of [fresh, second]) expect((await cli(registry, ['apply', manifest, '--yes'])).code).toBe(0);
        // In the second registry the manifest's definition is a new DRAFT: activate it, and apply again.
        expect((await gqlOk(second, PINS('ranking_model'))).consumer.versions).toEqual([]);
        await gqlOk(second, 'mutation { activateFeatureVersion(ref: "click_rate_7d@3", force: true, reason: "same as production") { status } }');
        expect((await cli(second, ['apply', manifest, '--yes'])).code).toBe(0);

        const [here] = (await gqlOk(fresh, PINS('ranking_model'))).consumer.versions;
        const [there] = (await gqlOk(second, PINS('ranking_model'))).consumer.versions;
        expect(here.ref).toBe('click_rate_7d@1');
        expect(there.ref).toBe('click_rate_7d@3');
        expect(there.definitionHash).toBe(here.definitionHash);
      } finally {
        await fresh.close();
        await first.close();
      }
    } finally {
      await second.close();
      await other.close();
    }
  });
});

describe.each(registryBackends)('definitions as code with auth on, on $name', (backend) => {
  const keys: Record<string, string> = {};
  let dir: string;
  const fixture = withService(backend, {
    env: { AUTH: 'on' },
    async beforeStart(database) {
      await createKeys(database.db, {
        admin: ['platform', 'admin'],
        growth: ['growth', 'owner'],
        reader: ['growth', 'reader'],
      }, keys);
    },
  });

  beforeAll(async () => {
    const response = await gql(fixture.service, `mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerFeatureVersion(input: { feature: "search_ctr", entity: "user", owner: "search", valueType: FLOAT64, maxAge: "1h" }) { created }
    }`, undefined, keys.admin);
    expect(response.errors).toBeUndefined();
    dir = await manifestDir({});
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const apply = async (name: string, text: string, key: string) => {
    await fs.writeFile(path.join(dir, name), text);
    return cli(fixture.service, ['apply', path.join(dir, name), '--yes', '--key', key]);
  };

  it("refuses a feature owned by another team, naming the file and the entry, and writes nothing", async () => {
    const before = await registryState(fixture.database);
    const run = await apply('search.yaml', 'features:\n  - { name: search_ctr, entity: user, owner: search, valueType: FLOAT64, maxAge: 2h }\n', keys.growth!);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/FORBIDDEN: .*search\.yaml: features\[0\] \(search_ctr\): registering a version of search_ctr is for team search/);
    expect(await registryState(fixture.database)).toEqual(before);
  });

  it('rolls back every earlier action when the last one is refused', async () => {
    const manifest = `
entities:
  - { name: item, keyName: item_id, owner: growth }
features:
  - { name: growth_ctr, entity: item, owner: growth, valueType: FLOAT64, maxAge: 1h }
producers:
  - { name: growth_pipe, owner: growth, writes: [growth_ctr, search_ctr] }
`;
    const { planDefinitions } = (await gql(fixture.service, PLAN, { manifest: await yamlOf(manifest) }, keys.reader)).data!;
    expect(planDefinitions.actions.map((a: { action: string }) => a.action)).toEqual(['registerEntity', 'registerVersion', 'registerProducer', 'bindProducer']);
    const before = await registryState(fixture.database);
    const run = await apply('growth.yaml', manifest, keys.growth!);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/FORBIDDEN: .*growth\.yaml: producers\[0\] \(growth_pipe\): binding producer growth_pipe to search_ctr@1/);
    expect(await registryState(fixture.database)).toEqual(before);

    // A reader may plan but not apply; the same manifest without the foreign feature applies whole.
    expect(codes(await gql(fixture.service, APPLY, { manifest: await yamlOf(manifest) }, keys.reader))).toEqual(['FORBIDDEN']);
    const allowed = await apply('growth.yaml', manifest.replace(', search_ctr]', ']'), keys.growth!);
    expect(allowed.code, allowed.stderr).toBe(0);
    const audit = await queryRows<{ action: string; actor: string }>(fixture.database.db, sql`select action, actor from audit_log order by id desc limit 4`);
    expect(audit.map((a) => a.action).sort()).toEqual(['entity.register', 'producer.bind', 'producer.register', 'version.register']);
    expect(new Set(audit.map((a) => a.actor.replace(/#\d+$/, '')))).toEqual(new Set(['growth:owner']));
  });
});

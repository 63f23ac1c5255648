// The registry contract, through the GraphQL API, on every registry backend (PostgreSQL server and PGlite):
// idempotent registration, N+1 on change, concurrency, refusals that write nothing, lifecycle, bindings and
// the mismatch report.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { registryBackends } from './support/backends.js';
import { codes, gql, registryState, withService } from './support/service.js';

const VERSION_FIELDS = 'ref version status valueType window maxAge aggregation description definitionHash createdAt sunsetAt';

const REGISTER = `mutation ($input: FeatureVersionInput!) {
  registerFeatureVersion(input: $input) { created version { ${VERSION_FIELDS} } }
}`;

describe.each(registryBackends)('registry on $name', (backend) => {
  const fixture = withService(backend);

  /** Runs `request`, expects one error with `code`, and checks that no table changed. */
  async function refused(code: string, request: () => ReturnType<typeof gql>, message?: RegExp) {
    const before = await registryState(fixture.database);
    const response = await request();
    expect(codes(response), JSON.stringify(response.errors)).toEqual([code]);
    if (message) expect(response.errors![0]!.message).toMatch(message);
    expect(await registryState(fixture.database)).toEqual(before);
    return response;
  }

  const register = (input: Record<string, unknown>) =>
    gql(fixture.service, REGISTER, {
      input: { entity: 'user', owner: 'growth', valueType: 'FLOAT64', maxAge: '1h', ...input },
    });

  beforeAll(async () => {
    const response = await gql(fixture.service, `mutation {
      user: registerEntity(name: "user", keyName: "user_id", description: "a signed-up user") { name }
      item: registerEntity(name: "item", keyName: "item_id") { name }
    }`);
    expect(response.errors).toBeUndefined();
  });

  describe('registration', () => {
    it('creates version 1 as ACTIVE and returns it again for an identical definition', async () => {
      const first = await register({ feature: 'click_rate_7d', window: '7d', aggregation: { function: 'mean', source: 'clicks' } });
      expect(first.errors).toBeUndefined();
      expect(first.data!.registerFeatureVersion).toMatchObject({
        created: true,
        version: { ref: 'click_rate_7d@1', version: 1, status: 'ACTIVE', window: '7d', maxAge: '1h' },
      });
      const again = await register({ feature: 'click_rate_7d', window: '7d', aggregation: { function: 'mean', source: 'clicks' } });
      expect(again.data!.registerFeatureVersion).toEqual({ ...first.data!.registerFeatureVersion, created: false });
    });

    it('treats key order in aggregation and spellings of one duration as the same definition', async () => {
      const first = await register({ feature: 'spend_30d', window: '30d', maxAge: '90m', aggregation: { source: 'orders', function: 'sum', filter: { b: 1, a: [2, { d: 1, c: 2 }] } } });
      const respelt = await register({ feature: 'spend_30d', window: '720h', maxAge: '1h30m', aggregation: { filter: { a: [2, { c: 2, d: 1 }], b: 1 }, function: 'sum', source: 'orders' } });
      expect(respelt.data!.registerFeatureVersion.created).toBe(false);
      expect(respelt.data!.registerFeatureVersion.version.ref).toBe('spend_30d@1');
      expect(respelt.data!.registerFeatureVersion.version.definitionHash).toBe(first.data!.registerFeatureVersion.version.definitionHash);
      expect(first.data!.registerFeatureVersion.version.maxAge).toBe('1h30m');
    });

    it('creates N+1 as DRAFT for a changed definition, and never reuses a number', async () => {
      await register({ feature: 'orders_1d', window: '1d' });
      const second = await register({ feature: 'orders_1d', window: '1d', valueType: 'INT64' });
      expect(second.data!.registerFeatureVersion).toMatchObject({ created: true, version: { ref: 'orders_1d@2', status: 'DRAFT' } });
      const third = await register({ feature: 'orders_1d', window: '1d', description: 'orders per day' });
      expect(third.data!.registerFeatureVersion.version.ref).toBe('orders_1d@3');
      // The first definition again is version 1, not a new number.
      const back = await register({ feature: 'orders_1d', window: '1d' });
      expect(back.data!.registerFeatureVersion).toMatchObject({ created: false, version: { ref: 'orders_1d@1' } });
    });

    it('says how a new version relates to the live one, and who is pinned to it', async () => {
      const first = await register({ feature: 'compat_feature', valueType: 'INT64', window: '1d' });
      expect(first.data!.registerFeatureVersion).toMatchObject({ created: true });
      await gql(fixture.service, 'mutation { registerConsumer(name: "compat_model", owner: "search") { name } }');
      await gql(fixture.service, 'mutation { bindConsumer(consumer: "compat_model", refs: ["compat_feature@1"]) { name } }');
      const ask = (input: Record<string, unknown>) =>
        gql(fixture.service, `mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) {
          created compatibility reasons comparedWith { ref } pinnedConsumers { name } version { ref } } }`, {
          input: { feature: 'compat_feature', entity: 'user', owner: 'growth', valueType: 'INT64', maxAge: '1h', window: '1d', ...input },
        });
      expect((await ask({})).data!.registerFeatureVersion).toEqual({
        created: false, compatibility: 'IDENTICAL', reasons: [], comparedWith: { ref: 'compat_feature@1' }, pinnedConsumers: [{ name: 'compat_model' }], version: { ref: 'compat_feature@1' },
      });
      expect((await ask({ valueType: 'FLOAT64' })).data!.registerFeatureVersion).toMatchObject({
        created: true, compatibility: 'WIDENING', comparedWith: { ref: 'compat_feature@1' }, pinnedConsumers: [{ name: 'compat_model' }], version: { ref: 'compat_feature@2' },
      });
      expect((await ask({ window: '7d' })).data!.registerFeatureVersion).toMatchObject({ compatibility: 'BREAKING', reasons: [expect.stringMatching(/window 1d → 7d/)] });
      expect((await ask({ description: 'daily count' })).data!.registerFeatureVersion).toMatchObject({ compatibility: 'COMPATIBLE' });
      const firstOfItsName = await gql(fixture.service, `mutation { registerFeatureVersion(input: { feature: "brand_new", entity: "user", owner: "growth", valueType: BOOL, maxAge: "1h" }) { compatibility comparedWith { ref } } }`);
      expect(firstOfItsName.data!.registerFeatureVersion).toEqual({ compatibility: null, comparedWith: null });
    });

    it('compares canonical definitions: stored key order, duration spelling and a description-only change', async () => {
      // jsonb hands keys back in its own order (shorter keys first): "source" before "function".
      const aggregation = { function: 'mean', source: 'clicks', metadata: { team: 'growth', owner_note: 'x' } };
      await register({ feature: 'canon_rate', window: '7d', aggregation });
      const described = await gql(fixture.service, `mutation ($input: FeatureVersionInput!) { registerFeatureVersion(input: $input) {
        created compatibility reasons version { ref aggregation } } }`, {
        input: { feature: 'canon_rate', entity: 'user', owner: 'growth', valueType: 'FLOAT64', maxAge: '60m', window: '168h',
          aggregation: { metadata: { owner_note: 'x', team: 'growth' }, source: 'clicks', function: 'mean' }, description: 'clicks per view' },
      });
      expect(described.data!.registerFeatureVersion).toMatchObject({ created: true, compatibility: 'COMPATIBLE', reasons: ['description changed'] });
      // The definition reads back in canonical form, whatever order the database keeps.
      expect(JSON.stringify(described.data!.registerFeatureVersion.version.aggregation)).toBe(
        '{"function":"mean","metadata":{"owner_note":"x","team":"growth"},"source":"clicks"}',
      );
    });

    it('gives concurrent registrations of different definitions distinct numbers', async () => {
      const windows = Array.from({ length: 12 }, (_, i) => `${i + 1}h`);
      const responses = await Promise.all(windows.map((window) => register({ feature: 'busy_feature', window })));
      for (const r of responses) expect(r.errors).toBeUndefined();
      const numbers = responses.map((r) => r.data!.registerFeatureVersion.version.version).sort((a, b) => a - b);
      expect(numbers).toEqual(windows.map((_, i) => i + 1));
      expect(responses.filter((r) => r.data!.registerFeatureVersion.version.status === 'ACTIVE')).toHaveLength(1);
    });

    it('gives concurrent registrations of one definition one version', async () => {
      const responses = await Promise.all(Array.from({ length: 8 }, () => register({ feature: 'racy_feature', window: '5m' })));
      for (const r of responses) expect(r.errors).toBeUndefined();
      expect(new Set(responses.map((r) => r.data!.registerFeatureVersion.version.ref))).toEqual(new Set(['racy_feature@1']));
      expect(responses.filter((r) => r.data!.registerFeatureVersion.created)).toHaveLength(1);
    });

    it('records who registered what in the audit log', async () => {
      await register({ feature: 'audited_feature' });
      const rows = await queryRows<{ actor: string; action: string; after: { feature: string } }>(
        fixture.database.db,
        sql`select actor, action, after from audit_log where target = 'version:audited_feature@1'`,
      );
      expect(rows).toEqual([expect.objectContaining({ actor: 'anonymous', action: 'version.register', after: expect.objectContaining({ feature: 'audited_feature' }) })]);
    });

    it.each([
      ['an unknown entity', { feature: 'f_unknown_entity', entity: 'nobody' }, 'NOT_FOUND', /entity nobody is not registered/],
      ['a malformed window', { feature: 'f_bad_window', window: '7 days' }, 'BAD_USER_INPUT', /window "7 days" is not a duration/],
      ['a malformed maxAge', { feature: 'f_bad_max_age', maxAge: '1.5h' }, 'BAD_USER_INPUT', /maxAge/],
      ['a negative maxAge', { feature: 'f_neg_max_age', maxAge: '-5m' }, 'BAD_USER_INPUT', /maxAge/],
      ['a zero maxAge', { feature: 'f_zero_max_age', maxAge: '0s' }, 'BAD_USER_INPUT', /maxAge must be longer than zero/],
      ['an empty maxAge', { feature: 'f_empty_max_age', maxAge: '' }, 'BAD_USER_INPUT', /maxAge/],
      ['a feature name with capitals', { feature: 'ClickRate' }, 'BAD_USER_INPUT', /not a valid name/],
      ['a feature name starting with a digit', { feature: '7d_clicks' }, 'BAD_USER_INPUT', /not a valid name/],
      ['a feature name with a dash', { feature: 'click-rate' }, 'BAD_USER_INPUT', /not a valid name/],
      ['an owner that is not a name', { feature: 'f_bad_owner', owner: 'Growth Team' }, 'BAD_USER_INPUT', /owner/],
      ['an aggregation that is not an object', { feature: 'f_bad_agg', aggregation: [1, 2] }, 'BAD_USER_INPUT', /aggregation must be a JSON object/],
      ['a feature on a second entity', { feature: 'click_rate_7d', entity: 'item', window: '7d' }, 'CONFLICT', /belongs to entity user/],
      ['an owner other than the feature owner', { feature: 'click_rate_7d', owner: 'ads', window: '7d' }, 'CONFLICT', /owned by growth/],
    ])('refuses %s and writes nothing', async (_, input, code, message) => {
      await refused(code, () => register(input), message);
    });

    it('refuses a value type outside the enum', async () => {
      await refused('BAD_USER_INPUT', () => register({ feature: 'f_bad_type', valueType: 'DECIMAL' }));
    });

    it('refuses bad entities and writes nothing', async () => {
      await refused('BAD_USER_INPUT', () => gql(fixture.service, 'mutation { registerEntity(name: "User", keyName: "id") { name } }'));
      await refused('BAD_USER_INPUT', () => gql(fixture.service, 'mutation { registerEntity(name: "account", keyName: "Account ID") { name } }'));
      await refused('CONFLICT', () => gql(fixture.service, 'mutation { registerEntity(name: "user", keyName: "uid") { name } }'), /key name user_id/);
    });
  });

  describe('lifecycle', () => {
    const activate = (ref: string) => gql(fixture.service, `mutation { activateFeatureVersion(ref: "${ref}", force: true, reason: "validated") { ref status } }`);
    const deprecate = (ref: string, sunsetAt: string) =>
      gql(fixture.service, `mutation { deprecateFeatureVersion(ref: "${ref}", sunsetAt: "${sunsetAt}", reason: "replaced") { ref status sunsetAt } }`);

    beforeAll(async () => {
      await register({ feature: 'life', window: '1h' });
      await register({ feature: 'life', window: '2h' });
      await register({ feature: 'life', window: '3h' });
    });

    it('moves DRAFT → ACTIVE → DEPRECATED → RETIRED, and only forward', async () => {
      expect((await activate('life@2')).data!.activateFeatureVersion).toEqual({ ref: 'life@2', status: 'ACTIVE' });
      await refused('CONFLICT', () => activate('life@2'), /only a DRAFT/);
      await refused('CONFLICT', () => activate('life@1'), /only a DRAFT/);

      const future = new Date(Date.now() + 86_400_000).toISOString();
      const deprecated = await deprecate('life@1', future);
      expect(deprecated.data!.deprecateFeatureVersion).toMatchObject({ ref: 'life@1', status: 'DEPRECATED' });

      // A sunset in the past retires it, and RETIRED shows wherever the status is visible.
      const past = new Date(Date.now() - 1000).toISOString();
      expect((await deprecate('life@1', past)).data!.deprecateFeatureVersion.status).toBe('RETIRED');
      const seen = await gql(fixture.service, `{
        featureVersion(ref: "life@1") { status }
        feature(name: "life") { versions { ref status } }
      }`);
      expect(seen.data!.featureVersion.status).toBe('RETIRED');
      expect(seen.data!.feature.versions[0]).toEqual({ ref: 'life@1', status: 'RETIRED' });
      await refused('CONFLICT', () => deprecate('life@1', future), /already RETIRED/);
    });

    it('rolls a DEPRECATED version back to ACTIVE before its sunset: with a reason, sunset cleared, audited', async () => {
      await register({ feature: 'rollback', window: '1h' });
      await register({ feature: 'rollback', window: '2h' });
      await activate('rollback@2');
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      await deprecate('rollback@1', tomorrow);
      await gql(fixture.service, 'mutation { registerConsumer(name: "rollback_model", owner: "search") { name } }');
      // A consumer may be pinned to a DEPRECATED version (only DRAFT and RETIRED are refused).
      const pinned = await gql(fixture.service, 'mutation { bindConsumer(consumer: "rollback_model", refs: ["rollback@1"]) { versions { ref status } } }');
      expect(pinned.data!.bindConsumer.versions).toEqual([{ ref: 'rollback@1', status: 'DEPRECATED' }]);
      await gql(fixture.service, 'mutation { bindConsumer(consumer: "rollback_model", refs: ["rollback@2"]) { name } }');

      const reactivate = (reason?: string) =>
        gql(fixture.service, `mutation ($reason: String) { activateFeatureVersion(ref: "rollback@1", reason: $reason) { ref status sunsetAt } }`, { reason });
      await refused('BAD_USER_INPUT', () => reactivate(), /rollback and needs a reason/);
      await refused('BAD_USER_INPUT', () => reactivate('   '), /needs a reason/);
      const rolledBack = await reactivate('rollback@2 double-counts clicks');
      expect(rolledBack.errors).toBeUndefined();
      expect(rolledBack.data!.activateFeatureVersion).toEqual({ ref: 'rollback@1', status: 'ACTIVE', sunsetAt: null });
      expect((await gql(fixture.service, '{ featureVersion(ref: "rollback@1") { status sunsetAt } }')).data!.featureVersion).toEqual({ status: 'ACTIVE', sunsetAt: null });
      await refused('CONFLICT', () => reactivate('again'), /only a DRAFT/);

      const [audit] = await queryRows<{ action: string; reason: string; before: string; after: string | null }>(
        fixture.database.db,
        sql`select action, after->>'reason' as reason, before->>'status' as before, after->>'sunsetAt' as after
            from audit_log where target = 'version:rollback@1' order by id desc limit 1`,
      );
      expect(audit).toEqual({ action: 'version.reactivated', reason: 'rollback@2 double-counts clicks', before: 'DEPRECATED', after: null });

      // The consumer moves back to the reactivated version; the bad one is deprecated in turn.
      await deprecate('rollback@2', tomorrow);
      const back = await gql(fixture.service, 'mutation { bindConsumer(consumer: "rollback_model", refs: ["rollback@1"]) { versions { ref status } } }');
      expect(back.data!.bindConsumer.versions).toEqual([{ ref: 'rollback@1', status: 'ACTIVE' }]);
    });

    it('keeps RETIRED final: a DEPRECATED version past its sunset cannot be activated again', async () => {
      // life@1 was deprecated with a sunset in the past: it is RETIRED.
      await refused(
        'CONFLICT',
        () => gql(fixture.service, 'mutation { activateFeatureVersion(ref: "life@1", reason: "roll back") { status } }'),
        /RETIRED is final/,
      );
      await refused('CONFLICT', () => gql(fixture.service, 'mutation { activateFeatureVersion(ref: "life@1", force: true, reason: "roll back") { status } }'), /RETIRED is final/);
    });

    it('refuses unknown and malformed refs and bad times', async () => {
      await refused('NOT_FOUND', () => activate('life@99'));
      await refused('BAD_USER_INPUT', () => activate('life'));
      await refused('BAD_USER_INPUT', () => activate('life@0'));
      // A malformed time is bad user input, inline or in a variable.
      await refused('BAD_USER_INPUT', () => deprecate('life@3', 'next tuesday'), /sunsetAt is not a valid time/);
      await refused('BAD_USER_INPUT', () =>
        gql(fixture.service, 'mutation ($at: DateTime!) { deprecateFeatureVersion(ref: "life@3", sunsetAt: $at) { ref } }', { at: '2026-02-30T25:00:00Z' }),
      );
    });

    it('audits lifecycle changes with their reason', async () => {
      const rows = await queryRows<{ action: string; reason: string }>(
        fixture.database.db,
        sql`select action, after->>'reason' as reason from audit_log where target = 'version:life@2' order by id`,
      );
      expect(rows.map((r) => r.action)).toEqual(['version.register', 'version.activate.forced']);
      expect(rows[1]!.reason).toBe('validated');
    });

    it('reads the audit log back through the API: newest first, by subject and action, paged, with reasons', async () => {
      const AUDIT = `query ($subject: String, $action: String, $before: DateTime, $limit: Int) {
        auditLog(subject: $subject, action: $action, before: $before, limit: $limit) { at actor action subject before after reason } }`;
      const life = (await gql(fixture.service, AUDIT, { subject: 'life@2' })).data!.auditLog;
      expect(life.map((e: { action: string }) => e.action)).toEqual(['version.activate.forced', 'version.register']);
      expect(life[0]).toMatchObject({ actor: 'anonymous', subject: 'version:life@2', reason: 'validated', before: { status: 'DRAFT' }, after: { status: 'ACTIVE' } });
      expect(life[1]).toMatchObject({ reason: null, before: null });
      expect((await gql(fixture.service, AUDIT, { subject: 'version:life@2', action: 'version.register' })).data!.auditLog).toHaveLength(1);
      const newest = (await gql(fixture.service, AUDIT, { limit: 1 })).data!.auditLog[0];
      const older = (await gql(fixture.service, AUDIT, { subject: 'life@2', before: life[0].at })).data!.auditLog;
      expect(older.every((e: { at: string }) => e.at < life[0].at)).toBe(true);
      expect(newest.at >= life[0].at).toBe(true);
      for (const variables of [{ limit: 0 }, { limit: 1001 }, { subject: 'life\u0000@2' }, { action: 'x'.repeat(101) }]) {
        expect(codes(await gql(fixture.service, AUDIT, variables)), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });

  describe('bindings and mismatches', () => {
    beforeAll(async () => {
      await register({ feature: 'ctr', window: '1d' });
      await register({ feature: 'ctr', window: '7d' });
      await register({ feature: 'basket_size', valueType: 'INT64' });
      await register({ feature: 'old_feature' });
      const setup = await gql(fixture.service, `mutation {
        p: registerProducer(name: "ctr_pipeline", owner: "growth", description: "hourly batch") { name }
        c: registerConsumer(name: "ranker", owner: "search") { name }
        c2: registerConsumer(name: "recommender", owner: "search") { name }
      }`);
      expect(setup.errors).toBeUndefined();
    });

    it('binds a producer and a consumer, visible from every side', async () => {
      const bound = await gql(fixture.service, `mutation {
        bindProducer(producer: "ctr_pipeline", refs: ["ctr@1", "basket_size@1", "ctr@1"]) { name versions { ref } }
        bindConsumer(consumer: "ranker", refs: ["ctr@1", "basket_size@1"]) { name versions { ref } }
      }`);
      expect(bound.errors).toBeUndefined();
      expect(bound.data!.bindProducer.versions.map((v: { ref: string }) => v.ref)).toEqual(['basket_size@1', 'ctr@1']);
      const seen = await gql(fixture.service, `{
        feature(name: "ctr") { versions { ref producers { name } consumers { name } } }
        consumer(name: "ranker") { owner versions { ref feature { name entity { keyName } } } }
        entity(name: "user") { features { name } }
      }`);
      expect(seen.data!.feature.versions[0]).toEqual({ ref: 'ctr@1', producers: [{ name: 'ctr_pipeline' }], consumers: [{ name: 'ranker' }] });
      expect(seen.data!.consumer.versions[1]).toEqual({ ref: 'ctr@1', feature: { name: 'ctr', entity: { keyName: 'user_id' } } });
      expect(seen.data!.entity.features.map((f: { name: string }) => f.name)).toContain('ctr');
    });

    it('refuses bad bindings and writes nothing', async () => {
      const bind = (kind: string, name: string, refs: string[]) =>
        gql(fixture.service, `mutation ($refs: [String!]!) { bind${kind}(${kind.toLowerCase()}: "${name}", refs: $refs) { name } }`, { refs });
      await refused('CONFLICT', () => bind('Consumer', 'ranker', ['ctr@2']), /DRAFT/);
      await refused('NOT_FOUND', () => bind('Consumer', 'ranker', ['ctr@9']));
      await refused('NOT_FOUND', () => bind('Consumer', 'ranker', ['nonexistent@1']));
      await refused('NOT_FOUND', () => bind('Consumer', 'nobody', ['ctr@1']));
      await refused('NOT_FOUND', () => bind('Producer', 'nobody', ['ctr@1']));
      await refused('BAD_USER_INPUT', () => bind('Producer', 'ctr_pipeline', ['ctr']));
      await refused('BAD_USER_INPUT', () => bind('Producer', 'ctr_pipeline', []));
      await refused('BAD_USER_INPUT', () => bind('Consumer', 'recommender', ['ctr@1', 'ctr@2']), /two versions of one feature/);
      // All or nothing: one bad ref among good ones binds none of them.
      await refused('NOT_FOUND', () => bind('Consumer', 'recommender', ['basket_size@1', 'ctr@9']));

      await gql(fixture.service, `mutation { deprecateFeatureVersion(ref: "old_feature@1", sunsetAt: "2020-01-01T00:00:00Z") { status } }`);
      await refused('CONFLICT', () => bind('Consumer', 'recommender', ['old_feature@1']), /RETIRED/);
      await refused('CONFLICT', () => bind('Producer', 'ctr_pipeline', ['old_feature@1']), /RETIRED/);
      await refused('CONFLICT', () => gql(fixture.service, 'mutation { registerConsumer(name: "ranker", owner: "ads") { name } }'), /owned by search/);
      await refused('CONFLICT', () => gql(fixture.service, 'mutation { registerProducer(name: "ctr_pipeline", owner: "ads") { name } }'), /owned by growth/);
      for (const [kind, name, owner] of [
        ['Producer', 'Bad Pipeline', 'growth'],
        ['Producer', 'pipeline', ''],
        ['Consumer', '1model', 'search'],
        ['Consumer', 'model', 'Search Team'],
      ]) {
        await refused('BAD_USER_INPUT', () => gql(fixture.service, `mutation { register${kind}(name: ${JSON.stringify(name)}, owner: ${JSON.stringify(owner)}) { name } }`), /not a valid name/);
      }
    });

    it('reports a consumer whose version no producer writes, with what producers write now', async () => {
      expect((await gql(fixture.service, '{ bindingMismatches { consumer { name } } }')).data!.bindingMismatches).toEqual([]);
      // The pipeline moves to ctr@2; the ranker stays on ctr@1.
      await gql(fixture.service, 'mutation { activateFeatureVersion(ref: "ctr@2", force: true, reason: "test") { status } }');
      await gql(fixture.service, 'mutation { bindProducer(producer: "ctr_pipeline", refs: ["ctr@2"]) { name } }');
      let report = await gql(fixture.service, '{ bindingMismatches { consumer { name } pinned { ref } produced { ref } reason } }');
      // ctr@1 still has its producer binding: no mismatch yet.
      expect(report.data!.bindingMismatches).toEqual([]);

      await gql(fixture.service, 'mutation { registerProducer(name: "ctr_pipeline_v2", owner: "growth") { name } }');
      await gql(fixture.service, 'mutation { bindProducer(producer: "ctr_pipeline_v2", refs: ["ctr@2"]) { name } }');
      await gql(fixture.service, 'mutation { registerConsumer(name: "lagging_model", owner: "search") { name } }');
      await register({ feature: 'ctr', window: '30d' });
      await gql(fixture.service, 'mutation { activateFeatureVersion(ref: "ctr@3", force: true, reason: "test") { status } }');
      await gql(fixture.service, 'mutation { bindConsumer(consumer: "lagging_model", refs: ["ctr@3"]) { name } }');
      report = await gql(fixture.service, '{ bindingMismatches { consumer { name } pinned { ref } produced { ref } reason } }');
      expect(report.data!.bindingMismatches).toEqual([
        {
          consumer: { name: 'lagging_model' },
          pinned: { ref: 'ctr@3' },
          produced: [{ ref: 'ctr@1' }, { ref: 'ctr@2' }],
          reason: expect.stringMatching(/^no producer is bound to ctr@3; producers write ctr@1, ctr@2$/),
        },
      ]);
    });

    it('rebinding a consumer replaces its version of the feature, audited', async () => {
      const rebound = await gql(fixture.service, 'mutation { bindConsumer(consumer: "lagging_model", refs: ["ctr@2"]) { versions { ref } } }');
      expect(rebound.data!.bindConsumer.versions).toEqual([{ ref: 'ctr@2' }]);
      const report = await gql(fixture.service, '{ bindingMismatches { consumer { name } } }');
      expect(report.data!.bindingMismatches).toEqual([]);
      const [audit] = await queryRows<{ before: string[]; after: string[] }>(
        fixture.database.db,
        sql`select before, after from audit_log where target = 'consumer:lagging_model' and action = 'consumer.bind' order by id desc limit 1`,
      );
      expect(audit).toEqual({ before: ['ctr@3'], after: ['ctr@2'] });
    });

    it('reports consumers pinned to deprecated and retired versions', async () => {
      await register({ feature: 'session_len' });
      await gql(fixture.service, 'mutation { bindConsumer(consumer: "recommender", refs: ["session_len@1"]) { name } }');
      const sunset = new Date(Date.now() + 3_600_000).toISOString();
      await gql(fixture.service, `mutation { deprecateFeatureVersion(ref: "session_len@1", sunsetAt: "${sunset}") { status } }`);
      let report = await gql(fixture.service, '{ bindingMismatches { consumer { name } pinned { ref status } reason } }');
      expect(report.data!.bindingMismatches).toEqual([
        { consumer: { name: 'recommender' }, pinned: { ref: 'session_len@1', status: 'DEPRECATED' }, reason: expect.stringMatching(/deprecated/) },
      ]);
      await gql(fixture.service, 'mutation { deprecateFeatureVersion(ref: "session_len@1", sunsetAt: "2021-01-01T00:00:00Z") { status } }');
      report = await gql(fixture.service, '{ bindingMismatches { pinned { ref status } reason } }');
      expect(report.data!.bindingMismatches).toEqual([{ pinned: { ref: 'session_len@1', status: 'RETIRED' }, reason: expect.stringMatching(/retired/) }]);
    });
  });
});

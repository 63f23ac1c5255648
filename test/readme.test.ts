// The README is the front door: every GraphQL query it shows is run here, in the order it shows them, against
// an embedded service started as `npm start` would start it, and each answer is checked against what the text
// around it promises. A query added to the README without an expectation here fails the test.
import { describe, expect, it } from 'vitest';
import { embedded } from './support/backends.js';
import { graphqlBlocks, README } from './support/readme.js';
import { gql, type GraphQLResponse, withService } from './support/service.js';

type Check = (response: GraphQLResponse) => void;

const ok = (check: (data: Record<string, any>) => void): Check => (response) => {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  check(response.data!);
};

/** What each query must answer, found by a piece of its text that no other query has. */
const EXPECTATIONS: [string, Check][] = [
  ['registerEntity(name: "user"', ok((d) => {
    expect(d.registerEntity).toEqual({ name: 'user' });
    expect(d.registerFeatureVersion).toMatchObject({ created: true, version: { ref: 'click_rate_7d@1', status: 'ACTIVE' } });
  })],
  ['window: "168h"', ok((d) => {
    expect(d.registerFeatureVersion).toEqual({ created: false, compatibility: 'IDENTICAL', version: { ref: 'click_rate_7d@1', status: 'ACTIVE' } });
  })],
  ['valueType: INT64', ok((d) => {
    expect(d.registerFeatureVersion).toMatchObject({ created: true, version: { ref: 'click_rate_7d@2', status: 'DRAFT' }, compatibility: 'BREAKING', pinnedConsumers: [] });
    expect(d.registerFeatureVersion.reasons.join(' ')).toMatch(/valueType FLOAT64 → INT64/);
  })],
  ['registerConsumer(name: "ranking_model"', ok((d) => {
    expect(d.bindConsumer).toEqual({ name: 'ranking_model', versions: [{ ref: 'click_rate_7d@1' }] });
  })],
  ['deprecateFeatureVersion', ok((d) => {
    expect(d.activateFeatureVersion).toEqual({ status: 'ACTIVE' });
    expect(d.deprecateFeatureVersion.status).toBe('DEPRECATED');
  })],
  ['bindingMismatches', ok((d) => {
    expect(d.bindingMismatches).toHaveLength(1);
    expect(d.bindingMismatches[0]).toMatchObject({ consumer: { name: 'ranking_model' }, pinned: { ref: 'click_rate_7d@1', status: 'DEPRECATED' } });
  })],
  ['v1: writeFeatureValues', ok((d) => {
    expect(d.v1).toEqual({ accepted: 1, superseded: 1, rejected: 0, errors: [] });
    expect(d.v2).toMatchObject({ accepted: 0, superseded: 0, rejected: 1, errors: [{ index: 0, code: 'BAD_USER_INPUT' }] });
  })],
  ['onlineFeatures(consumer: "ranking_model"', ok((d) => {
    const [u1, u2] = d.onlineFeatures.rows;
    expect(u1.features[0]).toMatchObject({ ref: 'click_rate_7d@1', value: 0.12, eventTime: '2026-01-01T10:00:00.000Z' });
    expect(u1.features[0].flags).toEqual(expect.arrayContaining(['STALE', 'DEPRECATED_VERSION']));
    expect(u2.features[0].flags).toEqual(expect.arrayContaining(['MISSING', 'DEPRECATED_VERSION']));
    expect(d.eventLag).toMatchObject({ samples: 2, exceedsWindow: true });
  })],
  ['featureValues(ref: "click_rate_7d@1"', ok((d) => {
    expect(d.feature.versions.map((v: { ref: string }) => v.ref)).toEqual(['click_rate_7d@1', 'click_rate_7d@2']);
    expect(d.feature.versions[0]).toMatchObject({ producers: [{ name: 'clicks_pipeline' }], consumers: [{ name: 'ranking_model' }] });
    expect(d.featureValues.rows).toEqual([{ entityKey: 'u1', features: [{ ref: 'click_rate_7d@1', value: 0.12, flags: expect.arrayContaining(['STALE']) }] }]);
  })],
  ['registerEntity(name: "merchant"', ok((d) => {
    expect(d.registerFeatureVersion.version).toEqual({ ref: 'chargeback_rate_30d@1', status: 'ACTIVE' });
    expect(d.bindConsumer.versions.map((v: { ref: string }) => v.ref).sort()).toEqual(['chargeback_rate_30d@1', 'click_rate_7d@1']);
    expect(d.writeFeatureValues).toEqual({ accepted: 2, rejected: 0 });
  })],
  ['{ entity: "merchant", key: "m7" }', ok((d) => {
    const [first, second] = d.onlineFeatures.rows;
    expect(first.entityKey).toBe('user:u1,merchant:m7');
    expect(first.keys).toEqual([{ entity: 'user', key: 'u1' }, { entity: 'merchant', key: 'm7' }]);
    expect(first.features.map((f: { ref: string; value: unknown }) => [f.ref, f.value])).toEqual([['chargeback_rate_30d@1', 0.02], ['click_rate_7d@1', 0.12]]);
    expect(second.entityKey).toBe('user:u2,merchant:u1');
    expect(second.features.map((f: { value: unknown }) => f.value)).toEqual([0.3, null]);
    expect(second.features[1].flags).toEqual(expect.arrayContaining(['MISSING', 'DEPRECATED_VERSION']));
    expect(first.features[0].flags).toEqual(expect.arrayContaining(['STALE']));
    expect(d.onlineFeatures.flagCounts).toEqual(expect.arrayContaining([{ flag: 'MISSING', count: 1 }, { flag: 'STALE', count: 3 }]));
  })],
  ['entityKeys: ["u1"], features: ["click_rate_7d"]', ok((d) => {
    expect(d.onlineFeatures.rows).toEqual([{ entityKey: 'u1', keys: [{ entity: 'user', key: 'u1' }], features: [{ ref: 'click_rate_7d@1', value: 0.12 }] }]);
  })],
  ['entityKeys: ["u1"]) { rows { entityKey } }', (response) => {
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/pinned to features of several entities \(merchant: chargeback_rate_30d; user: click_rate_7d\), and entityKeys cannot say which entity a key belongs to: send rows with a key per entity/);
  }],
  ['expect: [{ feature: "click_rate_7d"', ok((d) => {
    expect(d.onlineFeatures.rows[0].features[0]).toMatchObject({ ref: 'click_rate_7d@1', value: 0.12 });
    expect(d.onlineFeatures.rows[0].features[0].flags).toContain('VERSION_MISMATCH');
    expect(d.onlineFeatures.warnings).toEqual([{ feature: 'click_rate_7d', flag: 'VERSION_MISMATCH', message: expect.stringMatching(/expects click_rate_7d@2 .*pinned to click_rate_7d@1/) }]);
  })],
  ['bindings { version', ok((d) => {
    expect(d.producer.bindings).toEqual([{ version: { ref: 'click_rate_7d@1' }, lastWrittenAt: expect.any(String), movedOn: false }]);
  })],
  ['auditLog(subject: "click_rate_7d@2"', ok((d) => {
    expect(d.auditLog.map((e: { action: string }) => e.action)).toEqual(['version.activate.forced', 'version.register']);
    expect(d.auditLog[0]).toMatchObject({ actor: 'anonymous', subject: 'version:click_rate_7d@2', reason: 'new pipeline, checked offline' });
    expect(d.validationReports).toEqual([]);
  })],
  ['{ consumer(name: "ranking_model")', ok((d) => {
    expect(d.consumer.versions).toEqual([{ ref: 'click_rate_7d@1', definitionHash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  })],
  ['entities: [{ name: "user"', ok((d) => {
    expect(d.applyDefinitions.changes).toBe(5);
    expect(d.applyDefinitions.actions[0]).toMatchObject({ action: 'registerVersion', ref: 'sessions_1d@1', status: 'ACTIVE' });
    expect(d.applyDefinitions.text).toMatch(/sessions_1d@1/);
  })],
  ['value: 3, eventTime', ok((d) => {
    expect(d.writeFeatureValues).toEqual({ accepted: 1, rejected: 0, errors: [] });
  })],
  ['planDefinitions(', ok((d) => {
    expect(d.planDefinitions.changes).toBe(2);
    expect(d.planDefinitions.actions[0]).toMatchObject({ action: 'registerVersion', ref: 'sessions_1d@2', status: 'DRAFT', compatibility: 'BREAKING', pinnedConsumers: ['churn_model'] });
    expect(d.planDefinitions.notes).toHaveLength(2);
    expect(d.planDefinitions.hash).toMatch(/^[0-9a-f]{64}$/);
  })],
  ['}) { changes text }', ok((d) => {
    expect(d.applyDefinitions.changes).toBe(2);
  })],
  ['bare: writeFeatureValues', ok((d) => {
    expect(d.bare).toMatchObject({ accepted: 0, rejected: 1, errors: [{ index: 0, code: 'CONFLICT' }] });
    expect(d.bare.errors[0].message).toMatch(/sessions_1d is ambiguous/);
    expect(d.numbered).toEqual({ accepted: 2, rejected: 0 });
  })],
  ['createApiKey(', ok((d) => {
    expect(d.createApiKey.secret).toMatch(/^frk_[A-Za-z0-9_-]{43}$/);
    expect(d.createApiKey.key).toEqual({ id: expect.any(String), team: 'growth', role: 'producer', label: 'clicks pipeline, prod', expiresAt: '2030-06-01T00:00:00.000Z' });
  })],
];

describe('README', () => {
  const fixture = withService(embedded);

  const blocks = graphqlBlocks(README);

  it('shows queries, each with an expectation here', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(EXPECTATIONS.length);
    for (const block of blocks) {
      const matching = EXPECTATIONS.filter(([marker]) => block.includes(marker));
      expect(matching.map(([marker]) => marker), `README query without exactly one expectation:\n${block}`).toHaveLength(1);
    }
  });

  it('answers every query as the text says, in order', async () => {
    for (const block of blocks) {
      const [, check] = EXPECTATIONS.find(([marker]) => block.includes(marker))!;
      const response = await gql(fixture.service, block);
      check(response);
    }
  });
});

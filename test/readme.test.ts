// The README is the front door: every GraphQL query it shows is run here, in the order it shows them, against
// an embedded service started as `npm start` would start it, and each answer is checked against what the text
// around it promises. A query added to the README without an expectation here fails the test.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import type { Database } from '../src/db/client.js';
import { freshPglite, gql, startTestService, type GraphQLResponse } from './support/service.js';

const README = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Every ```graphql block of the README, in order, without its indentation. */
function graphqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```graphql\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body!
      .split('\n')
      .map((line) => line.slice(indent!.length))
      .join('\n'),
  );
}

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
];

describe('README', () => {
  let database: Database;
  let service: Service;

  beforeAll(async () => {
    database = await freshPglite();
    service = await startTestService(database);
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

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
      const response = await gql(service, block);
      check(response);
    }
  });
});

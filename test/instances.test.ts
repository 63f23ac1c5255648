// Two service instances on one PostgreSQL: what one registers, the other serves at once; concurrent
// registrations through both get distinct version numbers; every registry change is announced to every
// instance (LISTEN/NOTIFY), which is what lets an instance cache the registry safely.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Service } from '../src/app.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createDatabase } from './support/servers.js';
import { gql, startTestService } from './support/service.js';

describe('two instances on one PostgreSQL', () => {
  let a: { database: Database; service: Service };
  let b: { database: Database; service: Service };

  beforeAll(async () => {
    const url = await createDatabase(inject('postgresUrl'));
    const start = async () => {
      const database = await connectPostgres(url);
      return { database, service: await startTestService(database) };
    };
    // Both migrate at start-up, at the same time: the advisory lock lets one do it.
    [a, b] = await Promise.all([start(), start()]);
    await migrate(a.database);
  });
  afterAll(async () => {
    for (const instance of [a, b]) {
      await instance?.service.close();
      await instance?.database.close();
    }
  });

  it('serves through one what was registered through the other, at once', async () => {
    const registered = await gql(a.service, `mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { version { ref } }
    }`);
    expect(registered.errors).toBeUndefined();
    expect((await gql(b.service, '{ featureVersion(ref: "ctr@1") { status } }')).data).toEqual({ featureVersion: { status: 'ACTIVE' } });

    await gql(b.service, 'mutation { registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "2h" }) { created } }');
    await gql(b.service, 'mutation { activateFeatureVersion(ref: "ctr@2", force: true, reason: "test") { status } }');
    expect((await gql(a.service, '{ feature(name: "ctr") { versions { ref status } } }')).data).toEqual({
      feature: { versions: [{ ref: 'ctr@1', status: 'ACTIVE' }, { ref: 'ctr@2', status: 'ACTIVE' }] },
    });
  });

  it('gives concurrent registrations through both instances distinct numbers', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gql(i % 2 ? a.service : b.service, `mutation { registerFeatureVersion(input: { feature: "shared", entity: "user", owner: "growth", valueType: INT64, maxAge: "${i + 1}m" }) { version { version } } }`),
      ),
    );
    const numbers = responses.map((r) => r.data!.registerFeatureVersion.version.version).sort((x: number, y: number) => x - y);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('announces every registry change to the other instance', async () => {
    const heard: string[] = [];
    const stop = await b.database.listen('registry_changed', (table) => heard.push(table));
    try {
      await gql(a.service, 'mutation { registerConsumer(name: "ranker", owner: "search") { name } }');
      await gql(a.service, 'mutation { bindConsumer(consumer: "ranker", refs: ["ctr@2"]) { name } }');
      await expect.poll(() => heard, { timeout: 5_000 }).toEqual(expect.arrayContaining(['consumers', 'consumer_bindings']));
      // A refused change is not announced: nothing was committed.
      heard.length = 0;
      await gql(a.service, 'mutation { bindConsumer(consumer: "ranker", refs: ["ctr@9"]) { name } }');
      await gql(a.service, 'mutation { registerEntity(name: "item", keyName: "item_id") { name } }');
      await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['entities']);
    } finally {
      await stop();
    }
  });
});

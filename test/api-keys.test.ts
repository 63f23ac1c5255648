// Keys through the API: who may create and revoke which keys, secrets shown once and never listed, labels and
// expiry checked, expired and revoked keys refused, last use kept to the minute without a write per request,
// /metrics behind a key (or on METRICS_PORT without one), and the command-line tool's --label and --expires.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/app.js';
import { createApiKey } from '../src/auth/keys.js';
import { loadConfig } from '../src/config.js';
import { queryRows, type Database } from '../src/db/client.js';
import { freshPostgres } from './support/backends.js';
import { codes, gql, startTestService } from './support/service.js';

const run = promisify(execFile);

const CREATE = `mutation ($team: String!, $role: String!, $label: String!, $expiresAt: DateTime) {
  createApiKey(team: $team, role: $role, label: $label, expiresAt: $expiresAt) {
    secret
    key { id label team role createdAt expiresAt revokedAt lastUsedAt }
  }
}`;
const LIST = '{ apiKeys { id label team role createdAt expiresAt revokedAt lastUsedAt } }';
const REVOKE = 'mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }';
const QUERY = '{ features { name } }';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe('API keys', () => {
  let url: string;
  let database: Database;
  let service: Service;
  let other: Service;
  let admin: string;
  let growthOwner: string;
  let growthReader: string;
  const secrets: string[] = [];

  const create = async (key: string, variables: Record<string, unknown>) => {
    const response = await gql(service, CREATE, variables, key);
    if (response.data?.createApiKey) secrets.push(response.data.createApiKey.secret);
    return response;
  };

  beforeAll(async () => {
    ({ url, database } = await freshPostgres());
    admin = (await createApiKey(database.db, 'platform', 'admin', { label: 'bootstrap' })).key;
    service = await startTestService(database, { DATABASE_URL: url, AUTH: 'on', METRICS_PORT: '0' });
    other = await startTestService(database, { DATABASE_URL: url, AUTH: 'on' });
    const owner = await create(admin, { team: 'growth', role: 'owner', label: 'growth lead', expiresAt: inAnHour() });
    expect(owner.errors).toBeUndefined();
    growthOwner = owner.data!.createApiKey.secret;
    growthReader = (await create(growthOwner, { team: 'growth', role: 'reader', label: 'dashboards' })).data!.createApiKey.secret;
    secrets.push(admin);
  }, 60_000);

  afterAll(async () => {
    await other?.close();
    await service?.close();
    await database?.close();
  });

  it('returns the secret once, with the key as listed', async () => {
    const created = await create(admin, { team: 'search', role: 'producer', label: 'search pipeline, prod', expiresAt: '2099-01-01T00:00:00Z' });
    expect(created.data!.createApiKey).toEqual({
      secret: expect.stringMatching(/^frk_[A-Za-z0-9_-]{43}$/),
      key: {
        id: expect.stringMatching(/^\d+$/),
        label: 'search pipeline, prod',
        team: 'search',
        role: 'producer',
        createdAt: expect.any(String),
        expiresAt: '2099-01-01T00:00:00.000Z',
        revokedAt: null,
        lastUsedAt: null,
      },
    });
    expect((await gql(service, QUERY, undefined, created.data!.createApiKey.secret)).status).toBe(200);
  });

  it('lets an owner create keys for its own team up to owner, and nothing more', async () => {
    expect((await create(growthOwner, { team: 'growth', role: 'producer', label: 'clicks job' })).errors).toBeUndefined();
    expect((await create(growthOwner, { team: 'growth', role: 'owner', label: 'deputy' })).errors).toBeUndefined();
    for (const variables of [
      { team: 'growth', role: 'admin', label: 'escalation' },
      { team: 'search', role: 'reader', label: 'other team' },
    ]) {
      const response = await create(growthOwner, variables);
      expect(codes(response), JSON.stringify(variables)).toEqual(['FORBIDDEN']);
      expect(response.status).toBe(403);
    }
    expect(codes(await create(growthReader, { team: 'growth', role: 'reader', label: 'mine' }))).toEqual(['FORBIDDEN']);
  });

  it('checks labels, roles and expiry times', async () => {
    for (const variables of [
      { team: 'growth', role: 'reader', label: '' },
      { team: 'growth', role: 'reader', label: '   ' },
      { team: 'growth', role: 'reader', label: 'x'.repeat(201) },
      { team: 'growth', role: 'reader', label: 'two\nlines' },
      { team: 'growth', role: 'reader', label: 'nul\u0000' },
      { team: 'growth', role: 'reader', label: 'lone \ud800' },
      { team: 'growth', role: 'root', label: 'bad role' },
      { team: 'Growth!', role: 'reader', label: 'bad team' },
      { team: 'growth', role: 'reader', label: 'past', expiresAt: '2020-01-01T00:00:00Z' },
      { team: 'growth', role: 'reader', label: 'malformed', expiresAt: 'next tuesday' },
    ]) {
      expect(codes(await create(admin, variables)), JSON.stringify(variables)).toEqual(['BAD_USER_INPUT']);
    }
    expect(codes(await gql(service, 'mutation { createApiKey(team: "growth", role: "reader", label: "x", expiresAt: "soon") { secret } }', undefined, admin))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect((await create(admin, { team: 'growth', role: 'reader', label: 'x'.repeat(200) })).errors).toBeUndefined();
  });

  it('lists keys without secrets or hashes: all for an admin, its team for an owner, nothing for others', async () => {
    const all = await gql(service, LIST, undefined, admin);
    const text = JSON.stringify(all);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    const teams = new Set(all.data!.apiKeys.map((k: { team: string }) => k.team));
    expect([...teams].sort()).toEqual(['growth', 'platform', 'search']);

    const mine = await gql(service, LIST, undefined, growthOwner);
    expect(mine.data!.apiKeys.length).toBeGreaterThan(2);
    expect(mine.data!.apiKeys.every((k: { team: string }) => k.team === 'growth')).toBe(true);
    expect(JSON.stringify(mine)).not.toContain(growthReader);

    expect(codes(await gql(service, LIST, undefined, growthReader))).toEqual(['FORBIDDEN']);
  });

  it('shows the history of keys only to those who may list them: an admin every key, an owner its team', async () => {
    await create(admin, { team: 'search', role: 'reader', label: 'search dashboards' });
    const AUDIT = '{ auditLog(action: "apikey.create", limit: 1000) { subject after } }';
    const teamsSeen = async (key: string) => {
      const response = await gql(service, AUDIT, undefined, key);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return [...new Set(response.data!.auditLog.map((e: { after: { team: string } }) => e.after.team))].sort();
    };
    expect(await teamsSeen(admin)).toEqual(['growth', 'platform', 'search']);
    expect(await teamsSeen(growthOwner)).toEqual(['growth']);
    expect(await teamsSeen(growthReader)).toEqual([]);
    // The rest of the registry's history stays open to every key.
    const registered = await gql(service, 'mutation { registerEntity(name: "audited_thing", keyName: "id") { name } }', undefined, admin);
    expect(registered.errors).toBeUndefined();
    expect((await gql(service, '{ auditLog(subject: "audited_thing") { action } }', undefined, growthReader)).data).toEqual({ auditLog: [{ action: 'entity.register' }] });
  });

  it('revokes: at once on this instance, within seconds on another; owners only their team up to owner', async () => {
    const victim = (await create(growthOwner, { team: 'growth', role: 'producer', label: 'to revoke' })).data!.createApiKey;
    expect((await gql(other, QUERY, undefined, victim.secret)).status).toBe(200);
    expect((await gql(service, QUERY, undefined, victim.secret)).status).toBe(200);

    const ids = async (team: string, role: string) =>
      (await gql(service, LIST, undefined, admin)).data!.apiKeys.filter((k: { team: string; role: string; revokedAt: string | null }) => k.team === team && k.role === role && !k.revokedAt).map((k: { id: string }) => k.id);
    const [adminId] = await ids('platform', 'admin');
    const [searchId] = await ids('search', 'producer');
    expect(codes(await gql(service, REVOKE, { id: adminId }, growthOwner))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(service, REVOKE, { id: searchId }, growthOwner))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(service, REVOKE, { id: '999999' }, admin))).toEqual(['NOT_FOUND']);
    expect(codes(await gql(service, REVOKE, { id: 'seven' }, admin))).toEqual(['BAD_USER_INPUT']);

    const revoked = await gql(service, REVOKE, { id: victim.key.id }, growthOwner);
    expect(revoked.data!.revokeApiKey).toEqual({ id: victim.key.id, revokedAt: expect.any(String) });
    const refused = await gql(service, QUERY, undefined, victim.secret);
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    await expect.poll(async () => (await gql(other, QUERY, undefined, victim.secret)).status, { timeout: 7_000, interval: 250 }).toBe(401);
    // Revoking again changes nothing.
    expect((await gql(service, REVOKE, { id: victim.key.id }, admin)).data!.revokeApiKey.revokedAt).toBe(revoked.data!.revokeApiKey.revokedAt);
  });

  it('refuses an expired key with 401, saying when it expired', async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const brief = (await create(admin, { team: 'growth', role: 'reader', label: 'short-lived', expiresAt })).data!.createApiKey.secret;
    expect((await gql(service, QUERY, undefined, brief)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_600));
    const refused = await gql(service, QUERY, undefined, brief);
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.errors![0]!.message).toContain(`expired at ${expiresAt}`);
  });

  it('keeps the last use to the minute, written at most once a minute per key and instance', async () => {
    const { secret, key } = (await create(admin, { team: 'growth', role: 'reader', label: 'usage' })).data!.createApiKey;
    const lastUsed = async () => (await queryRows<{ at: Date | null }>(database.db, sql`select last_used_at as at from api_keys where id = ${Number(key.id)}`))[0]!.at;
    expect((await gql(service, QUERY, undefined, secret)).status).toBe(200);
    await expect.poll(lastUsed, { timeout: 5_000 }).not.toBeNull();
    const listed = (await gql(service, LIST, undefined, admin)).data!.apiKeys.find((k: { id: string }) => k.id === key.id);
    expect(listed.lastUsedAt).toMatch(/:00\.000Z$/);
    // Wipe it behind the service's back: more requests within the minute write nothing.
    await database.db.execute(sql`update api_keys set last_used_at = null where id = ${Number(key.id)}`);
    for (let i = 0; i < 5; i++) expect((await gql(service, QUERY, undefined, secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await lastUsed()).toBeNull();
  });

  it('serves /metrics to any key when auth is on, and on METRICS_PORT without one', async () => {
    const anonymous = await fetch(`${service.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect((await fetch(`${service.url}/metrics`, { headers: { authorization: 'Bearer frk_wrong' } })).status).toBe(401);
    const withKey = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${growthReader}` } });
    expect(withKey.status).toBe(200);
    expect(await withKey.text()).toMatch(/^process_cpu_seconds_total /m);

    expect(service.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scraped = await fetch(service.metricsUrl!);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/^process_cpu_seconds_total /m);
    // The metrics port serves nothing else.
    expect((await fetch(service.metricsUrl!.replace('/metrics', '/graphql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) })).status).toBe(404);
  });
});

it('refuses a METRICS_PORT that is not a port, or is PORT itself', () => {
  expect(() => loadConfig({ METRICS_PORT: 'nine' })).toThrow(/METRICS_PORT/);
  expect(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(/METRICS_PORT=4000 is PORT too/);
  expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  expect(loadConfig({}).metricsPort).toBeUndefined();
});

describe('npm run keys', () => {
  it('takes --label and --expires (a duration or an RFC 3339 time) and lists them', async () => {
    const { url, database } = await freshPostgres();
    await database.close();
    const cli = (...args: string[]) => run('npx', ['tsx', 'src/cli/keys.ts', ...args], { env: { ...process.env, DATABASE_URL: url } });
    const before = Date.now();
    const created = await cli('create', '--team', 'growth', '--role', 'producer', '--label', 'clicks job', '--expires', '90d');
    const expires = Date.parse(/expiring (\S+);/.exec(created.stdout)![1]!);
    expect(expires - before).toBeGreaterThanOrEqual(90 * 86_400_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(90 * 86_400_000);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^frk_/);
    await cli('create', '--team', 'growth', '--role', 'reader', '--label', 'until new year', '--expires', '2099-01-01T00:00:00Z');

    const list = (await cli('list')).stdout;
    expect(list).toMatch(/#1\tgrowth\tproducer\t"clicks job"\tcreated \S+\texpires \S+\tlast used -\tactive/);
    expect(list).toMatch(/#2\tgrowth\treader\t"until new year"\tcreated \S+\texpires 2099-01-01T00:00:00.000Z/);

    for (const bad of ['ninety days', '2020-01-01T00:00:00Z', '2099-13-01T00:00:00Z']) {
      const failed = await cli('create', '--team', 'growth', '--role', 'reader', '--expires', bad).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code, bad).toBe(1);
      expect(failed?.stderr, bad).toMatch(/expires/i);
    }
  }, 120_000);
});

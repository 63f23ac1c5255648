// Where the service listens and which Host it answers: loopback by default while auth is off, and requests
// addressed to a name that is neither local nor in ALLOWED_HOSTS refused (DNS rebinding from a browser).
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from '../src/app.js';
import { createApiKey } from '../src/auth/keys.js';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import { freshPglite } from './support/backends.js';
import { gql, startTestService } from './support/service.js';

/** One raw request with the Host header we choose (fetch would not let us set it). */
function request(service: Service, options: { path: string; host: string; method?: string; body?: unknown; headers?: Record<string, string> }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: service.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { host: options.host, ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const MUTATION = { query: 'mutation { registerEntity(name: "rebound", keyName: "rebound_id") { name } }' };

/** An IPv4 address of this machine that is not loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

describe('with auth off', () => {
  let database: Database;
  let service: Service;

  beforeAll(async () => {
    database = await freshPglite();
    service = await startTestService(database, { ALLOWED_HOSTS: 'registry.example' });
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  it('listens on loopback only', async () => {
    expect(service.authEnabled).toBe(false);
    expect(service.address).toBe('127.0.0.1');
    const outside = outsideAddress();
    if (outside) {
      const refused = await new Promise<string>((resolve) => {
        const socket = net.connect(service.port, outside);
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    }
  });

  it('refuses a mutation addressed to a foreign Host (403) and writes nothing', async () => {
    const response = await request(service, { path: '/graphql', method: 'POST', host: 'attacker.example', body: MUTATION });
    expect(response.status).toBe(403);
    const body = JSON.parse(response.body) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('FORBIDDEN');
    expect(body.errors[0]!.message).toMatch(/attacker\.example.*ALLOWED_HOSTS/);
    expect((await gql(service, '{ entity(name: "rebound") { name } }')).data).toEqual({ entity: null });
  });

  it('refuses every other path to a foreign Host too, but for the health probe', async () => {
    for (const [path, method] of [
      ['/graphql?query=%7Bfeatures%7Bname%7D%7D', 'GET'],
      ['/graphql', 'GET'],
      ['/metrics', 'GET'],
      ['/nowhere', 'GET'],
    ] as const) {
      const response = await request(service, { path, method, host: 'attacker.example:4000', headers: { accept: 'text/html' } });
      expect(response.status, path).toBe(403);
      expect(JSON.parse(response.body).errors[0].extensions.code, path).toBe('FORBIDDEN');
    }
    expect((await request(service, { path: '/healthz', host: 'attacker.example' })).status).toBe(200);
  });

  it('answers local names, any port, and the names in ALLOWED_HOSTS', async () => {
    for (const host of ['localhost', 'LOCALHOST:4000', '127.0.0.1:1', '[::1]:4000', 'registry.example', 'Registry.Example.:8080']) {
      const response = await request(service, { path: '/graphql', method: 'POST', host, body: { query: '{ features { name } }' } });
      expect(response.status, host).toBe(200);
    }
    expect((await request(service, { path: '/graphql', method: 'POST', host: 'registry.example.attacker.example', body: MUTATION })).status).toBe(403);
  });

  it('warns loudly when told to listen beyond loopback', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) }));
    const exposed = await startService(loadConfig({ PORT: '0', AUTH: 'off', HOST: '0.0.0.0', LOG_LEVEL: 'silent' }), { database, logger });
    try {
      expect(exposed.address).toBe('0.0.0.0');
      expect(lines.some((l) => /listens beyond loopback/.test(l) && /"host":"0.0.0.0"/.test(l))).toBe(true);
      // Still no foreign Host, whatever the interface.
      expect((await request(exposed, { path: '/graphql', method: 'POST', host: 'attacker.example', body: MUTATION })).status).toBe(403);
    } finally {
      await exposed.close();
    }
  });
});

describe('with auth on', () => {
  let database: Database;
  let key: string;

  beforeAll(async () => {
    database = await freshPglite();
    key = (await createApiKey(database.db, 'platform', 'admin')).key;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('listens on every interface and answers any Host unless ALLOWED_HOSTS is set', async () => {
    const service = await startTestService(database, { AUTH: 'on' });
    try {
      expect(service.address).toBe('0.0.0.0');
      const response = await request(service, { path: '/graphql', method: 'POST', host: '10.1.2.3:4000', body: { query: '{ features { name } }' }, headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('enforces ALLOWED_HOSTS when set, even for a valid key', async () => {
    const service = await startTestService(database, { AUTH: 'on', ALLOWED_HOSTS: 'registry.internal,10.1.2.3' });
    try {
      const as = (host: string) =>
        request(service, { path: '/graphql', method: 'POST', host, body: { query: '{ features { name } }' }, headers: { authorization: `Bearer ${key}` } });
      expect((await as('attacker.example')).status).toBe(403);
      expect((await as('registry.internal')).status).toBe(200);
      expect((await as('10.1.2.3:4000')).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});

it('refuses a malformed HOST or ALLOWED_HOSTS at start', () => {
  expect(() => loadConfig({ HOST: 'not a host' })).toThrow(ConfigError);
  expect(() => loadConfig({ ALLOWED_HOSTS: 'ok.example,http://bad.example/' })).toThrow(/ALLOWED_HOSTS/);
  expect(loadConfig({ ALLOWED_HOSTS: ' A.example , [fe80::1] ,' }).allowedHosts).toEqual(['a.example', 'fe80::1']);
});

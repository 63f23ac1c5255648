// WORKERS: in server mode, several processes (node:cluster) serve one port over one PostgreSQL and one Redis.
// Each worker is a whole instance with its own in-process figures (/metrics): a keep-alive connection stays
// with the worker that accepted it, so what a connection's /metrics counts tells which worker answers it.
import http from 'node:http';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { run, startMain, stop } from './support/processes.js';
import { createDatabase } from './support/servers.js';

const children: ReturnType<typeof run>[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stop(c.child)));
});

async function serverMode(env: Record<string, string> = {}) {
  const url = await createDatabase(inject('postgresUrl'), 'workers');
  const service = await startMain({ DATABASE_URL: url, REDIS_URL: inject('redisUrl'), AUTH: 'off', LOG_LEVEL: 'info', NODE_ENV: 'production', WORKERS: '2', ...env });
  children.push(service);
  return service;
}

/** The pids of the workers that logged they serve, in order. */
function servingWorkers(output: string): number[] {
  return [...output.matchAll(/^\{.*"worker":(\d+).*"msg":"worker serving"\}$/gm)].map((m) => Number(m[1]));
}

/** One keep-alive connection: every request it sends reaches the same worker. */
function connection(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (path: string, body?: unknown) =>
    new Promise<string>((resolve, reject) => {
      const request = http.request(`${base}${path}`, { agent, method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' } }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve(text));
      });
      request.on('error', reject).end(body ? JSON.stringify(body) : undefined);
    });
  return {
    graphql: async (query: string) => JSON.parse(await send('/graphql', { query })) as { data?: any; errors?: unknown },
    /** Rows this connection's worker has accepted since it started. */
    acceptedRows: async () => Number(/^feature_registry_rows_written_total\{outcome="accepted"\} (\d+)/m.exec(await send('/metrics'))?.[1] ?? 0),
    close: () => agent.destroy(),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('WORKERS=2 in server mode', () => {
  it('serves one port from two processes: a write through one worker is read through the other; SIGTERM stops them all', async () => {
    const service = await serverMode();
    await expect.poll(() => servingWorkers(service.output()).length, { timeout: 30_000 }).toBe(2);
    const pids = servingWorkers(service.output());
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(service.child.pid);

    const writer = connection(service.url);
    const written = await writer.graphql(`mutation {
      registerEntity(name: "user", keyName: "user_id") { name }
      registerProducer(name: "ctr_job", owner: "growth") { name }
      registerFeatureVersion(input: { feature: "ctr", entity: "user", owner: "growth", valueType: FLOAT64, maxAge: "1h" }) { version { ref } }
      bindProducer(producer: "ctr_job", refs: ["ctr@1"]) { name }
      writeFeatureValues(producer: "ctr_job", rows: [{ ref: "ctr@1", entityKey: "u1", value: 0.25, eventTime: "${new Date().toISOString()}" }]) { accepted }
    }`);
    expect(written.errors).toBeUndefined();
    expect(await writer.acceptedRows()).toBe(1);

    // New connections go to the workers in turn: find one answered by the worker that did not take the write.
    let reader: ReturnType<typeof connection> | undefined;
    for (let attempt = 0; attempt < 10 && !reader; attempt++) {
      const candidate = connection(service.url);
      if ((await candidate.acceptedRows()) === 0) reader = candidate;
      else candidate.close();
    }
    expect(reader, 'no connection reached the second worker').toBeDefined();
    const read = await reader!.graphql('{ featureValues(ref: "ctr@1", entityKeys: ["u1"]) { rows { features { value flags } } } }');
    expect(read).toEqual({ data: { featureValues: { rows: [{ features: [{ value: 0.25, flags: [] }] }] } } });
    writer.close();
    reader!.close();

    service.child.kill('SIGTERM');
    expect(await service.exited, service.output()).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 120_000);

  it('replaces a worker that dies, and keeps serving', async () => {
    const service = await serverMode();
    await expect.poll(() => servingWorkers(service.output()).length, { timeout: 30_000 }).toBe(2);
    const [victim] = servingWorkers(service.output());
    process.kill(victim!, 'SIGKILL');
    await expect.poll(() => servingWorkers(service.output()).length, { timeout: 30_000 }).toBe(3);
    expect(service.output()).toMatch(new RegExp(`"worker":${victim},"code":null,"signal":"SIGKILL".*"msg":"worker died: starting another in its place"`));
    expect(await fetch(`${service.url}/readyz`).then((r) => r.status)).toBe(200);
  }, 120_000);

  it('stops with exit 1 when the workers cannot start (the port is taken)', async () => {
    const holder = http.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const url = await createDatabase(inject('postgresUrl'), 'workers');
      const port = (holder.address() as { port: number }).port;
      const proc = run('src/main.ts', [], { DATABASE_URL: url, REDIS_URL: inject('redisUrl'), AUTH: 'off', LOG_LEVEL: 'info', WORKERS: '2', PORT: String(port) });
      children.push(proc);
      expect(await proc.exited, proc.output()).toBe(1);
      expect(proc.output()).toMatch(/a worker failed to start: stopping the others/);
    } finally {
      holder.close();
    }
  }, 120_000);
});

describe('WORKERS in embedded mode', () => {
  it('is one process: WORKERS above 1 is refused at start, with why', async () => {
    const proc = run('src/main.ts', [], { DATABASE_URL: '', REDIS_URL: '', WORKERS: '2', PORT: '0' });
    children.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/WORKERS=2 needs DATABASE_URL: embedded mode \(PGlite\) runs in one process/);
  });
});

// Several reads taking turns on one service in short windows, each window's service CPU read from the kernel in
// nanoseconds: how the rows scenario compares what two reads cost on a machine whose speed moves under it.
//
// Why not autocannon runs of a few seconds each: on the shared 2-core machine the same read cost from 130 to
// 261 µs of service CPU per request in consecutive 2-second runs (2026-11-27), and two runs of one identical
// read, taking turns in 13 such slices, came out 0.93 and 0.94 of each other: more than the 5% a target allows.
// Windows of a quarter of a second, alternated hundreds of times, put both reads under the same conditions; and
// /proc/<pid>/task/*/schedstat counts CPU time in nanoseconds where /proc/<pid>/stat counts 10 ms ticks.
//
// The load: CONNECTIONS keep-alive connections, each sending the window's read's requests one after another
// (prebuilt bodies, cycled), as autocannon does at max; at the end of a window every connection finishes its
// request in flight before the next read starts, so that no window's CPU holds another read's requests.
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { shuffle } from '../test/support/shuffle.js';
import { Percentiles } from './stats.js';

/** One read's turn: its service CPU (ns), its requests and how long it took. */
export interface ReadWindow {
  read: string;
  cpuNs: number;
  requests: number;
  ms: number;
  /** Start and end on the monotonic clock, µs (process.hrtime; V8's CPU profiles use the same clock). */
  monotonicUs: [number, number];
}

export interface InterleavedRun {
  windows: ReadWindow[];
  /** Each read's request latencies, ms. */
  latencies: Map<string, Percentiles>;
}

/** The CPU time a process has used, in ns: the sum over its threads of the kernel's schedstat run time. */
export function processCpuNs(pid: number): number {
  let total = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ', 1)[0]);
    } catch {
      // A thread that ended between the listing and the read: its time is gone from the sum either way.
    }
  }
  return total;
}

/**
 * Runs `rounds` rounds of every read in `reads` for `windowMs` each, against the server at `url` whose process
 * is `pid`. Each round takes the reads in an order of its own, shuffled from `seed`: in a fixed order (the reads
 * in turn, then in reverse) the first read ran at both ends of every round and twice in a row between rounds,
 * and a place of its own can cost a read a few percent.
 */
export async function interleave(
  url: string,
  path: string,
  reads: ReadonlyMap<string, readonly Buffer[]>,
  { pid, windowMs, rounds, connections, seed = 1 }: { pid: number; windowMs: number; rounds: number; connections: number; seed?: number },
): Promise<InterleavedRun> {
  const { hostname, port } = new URL(url);
  const requests = new Map([...reads].map(([name, bodies]) => [name, bodies.map((body) => requestBytes(hostname, path, body))]));
  const clients = await Promise.all(Array.from({ length: connections }, () => Client.connect(hostname, Number(port))));
  const latencies = new Map([...reads.keys()].map((name) => [name, new Percentiles()]));
  const windows: ReadWindow[] = [];
  try {
    const names = [...reads.keys()];
    for (let round = 0; round < rounds; round++) {
      for (const read of shuffle(names, seed + round)) {
        const sent = requests.get(read)!;
        const latency = latencies.get(read)!;
        const cpuBefore = processCpuNs(pid);
        const startedUs = Number(process.hrtime.bigint() / 1000n);
        const started = performance.now();
        const deadline = started + windowMs;
        const counts = await Promise.all(clients.map((client, c) => client.sendUntil(sent, c, connections, deadline, latency)));
        const ms = performance.now() - started;
        const cpuNs = processCpuNs(pid) - cpuBefore;
        windows.push({ read, cpuNs, requests: counts.reduce((a, b) => a + b, 0), ms, monotonicUs: [startedUs, Number(process.hrtime.bigint() / 1000n)] });
      }
    }
  } finally {
    for (const client of clients) client.close();
  }
  return { windows, latencies };
}

function requestBytes(host: string, path: string, body: Buffer): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

const HEAD_END = Buffer.from('\r\n\r\n');
const ERRORS = Buffer.from('"errors"');

/** One keep-alive connection sending one request at a time and reading each response whole. */
class Client {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (response: Buffer) => void; reject: (error: Error) => void };
  private failed?: Error;
  /** Where this connection is in its share of each read's bodies. */
  private next = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.answer();
    });
    const fail = (error: Error) => {
      this.failed = error;
      this.waiting?.reject(error);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the service closed a connection')));
  }

  static connect(host: string, port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * Sends requests from `sent` (this connection's share: every `stride`-th, from `offset`) one at a time until
   * `deadline`, and answers how many it sent; a response that is not a 200 without errors throws.
   */
  async sendUntil(sent: readonly Buffer[], offset: number, stride: number, deadline: number, latency: Percentiles): Promise<number> {
    let count = 0;
    do {
      const request = sent[(offset + this.next++ * stride) % sent.length]!;
      const started = performance.now();
      const response = await this.exchange(request);
      latency.record(performance.now() - started);
      count++;
      if (!response.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 200') || response.includes(ERRORS)) {
        throw new Error(`interleave: ${response.toString('utf8', 0, Math.min(response.length, 400))}`);
      }
    } while (performance.now() < deadline);
    return count;
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private exchange(request: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  /** Hands a whole response (head and body, by Content-Length) to the request waiting for it. */
  private answer(): void {
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0 || !this.waiting) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.waiting.reject(new Error(`interleave: a response without Content-Length: ${head}`));
      return;
    }
    const end = headEnd + HEAD_END.length + Number(length[1]);
    if (this.buffered.length < end) return;
    const response = this.buffered.subarray(0, end);
    this.buffered = this.buffered.subarray(end);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(response);
  }
}

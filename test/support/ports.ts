// Free ports on 127.0.0.1 for the test servers, and the retry that covers the race of picking one.
import net from 'node:net';

/** Every test server listens here only: never on a public interface. */
export const HOST = '127.0.0.1';

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` DISTINCT free ports: all listeners are held open until every port is known, so
 * the kernel cannot hand out the same port twice (it may if each one is closed at once).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, HOST, () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * A port from freePort() can still be taken by someone else before our server binds it.
 * That race is rare but real on a busy machine, so start-ups that chose their own port
 * retry on "Address already in use". `attempt` must clean up after itself when it throws.
 */
export async function retryOnPortClash<T>(attempt: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= attempts || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

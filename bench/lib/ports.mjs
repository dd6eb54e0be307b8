// Ports for the raw baselines and peers: asked of the kernel, outside the tool's 5433-5499.
import { createServer } from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port of the tool's range nothing listens on, from the top down: other programs on a shared
 * machine allocate from 5433 up, and a stopped native instance's port is not held by anything.
 */
export async function freeToolPort(from = 5499, to = 5433) {
  for (let port = from; port >= to; port--) {
    const free = await new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${to}-${from}`);
}

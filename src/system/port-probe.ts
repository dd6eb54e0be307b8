import { readFile, readdir, readlink } from 'node:fs/promises';
import getPort from 'get-port';
import type { PortProbe } from '../core/ports.js';

/**
 * The production PortProbe: get-port tries to bind the port on every local address; on Linux
 * the listener is named by matching /proc/net/tcp* socket inodes to /proc/<pid>/fd links.
 */
export const systemPortProbe: PortProbe = {
  async isFree(port) {
    return (await getPort({ port, exclude: [] })) === port;
  },
  async findListener(port) {
    const inodes = await listeningInodes(port);
    if (inodes.size === 0) return undefined;
    const pid = await pidOwning(inodes);
    if (pid === undefined) return { kind: 'process', name: `a process of another user (port ${port} is listening)` };
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
    return {
      kind: 'process',
      name: `pid ${pid} (${comm})`,
      fix: `stop that process (kill ${pid}) or choose another --port`,
    };
  },
};

async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols[1] local address "0100007F:1539", cols[3] state "0A" = LISTEN, cols[9] inode
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

async function pidOwning(inodes: Set<string>): Promise<number | undefined> {
  const pids = (await readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return Number(pid);
    }
  }
  return undefined;
}

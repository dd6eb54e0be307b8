import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instancePaths } from './instance.js';
import type { PortHolder } from './ports.js';

/**
 * Port claims across homes. Each home's lock serialises its own instance.conf writes, but two
 * homes on one machine (two users' checkouts, parallel test runs) would otherwise hand the
 * same port to a new instance while another home's instance is stopped. A claim is a file
 * named after the port, created with O_EXCL (atomic across processes), naming the home and
 * instance that own it. A claim whose instance.conf is gone or names another port is stale.
 */
export interface PortOwner {
  home: string;
  name: string;
}

export function defaultLedgerDir(env: NodeJS.ProcessEnv): string {
  if (env.RESOURCE_POSTGRES_PORT_LEDGER) return env.RESOURCE_POSTGRES_PORT_LEDGER;
  const uid = process.getuid?.();
  return uid === 0 ? '/var/lib/resource-postgres/ports' : join(tmpdir(), `resource-postgres-${uid ?? 'user'}`, 'ports');
}

const sameOwner = (a: PortOwner, b: PortOwner) => a.home === b.home && a.name === b.name;

export class PortLedger {
  constructor(readonly dir: string) {}

  async #read(port: number): Promise<PortOwner | undefined> {
    try {
      const owner = JSON.parse(await readFile(join(this.dir, String(port)), 'utf8')) as PortOwner;
      return typeof owner.home === 'string' && typeof owner.name === 'string' ? owner : undefined;
    } catch {
      return undefined;
    }
  }

  /** Is the owner's instance.conf still there with this port? Unreadable counts as live. */
  async #live(port: number, owner: PortOwner): Promise<boolean> {
    try {
      const text = await readFile(instancePaths(owner.home, owner.name).conf, 'utf8');
      return new RegExp(`^port="?${port}"?$`, 'm').test(text);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  }

  /** Claims the port for owner; false when another live instance holds it. */
  async claim(port: number, owner: PortOwner): Promise<boolean> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(join(this.dir, String(port)), 'wx', 0o644);
        try {
          await handle.writeFile(JSON.stringify(owner));
        } finally {
          await handle.close();
        }
        return true;
      } catch (e) {
        // A ledger we cannot write (read-only, full) must not block: the home's own claims still hold.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return true;
      }
      const current = await this.#read(port);
      if (current && sameOwner(current, owner)) return true;
      if (current && (await this.#live(port, current))) return false;
      await rm(join(this.dir, String(port)), { force: true });
    }
    return false;
  }

  async release(port: number, owner: PortOwner): Promise<void> {
    const current = await this.#read(port);
    if (current && sameOwner(current, owner)) await rm(join(this.dir, String(port)), { force: true });
  }

  /** Live claims held by instances of other homes. */
  async foreign(home: string): Promise<Map<number, PortHolder>> {
    const held = new Map<number, PortHolder>();
    const files = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(
      files
        .filter((f) => /^\d+$/.test(f))
        .map(async (f) => {
          const port = Number(f);
          const owner = await this.#read(port);
          if (!owner || owner.home === home || !(await this.#live(port, owner))) return;
          held.set(port, {
            kind: 'instance',
            name: `${owner.name} of the home ${owner.home}`,
            fix: `resource-postgres --home ${owner.home} manage uninstall --instance ${owner.name}`,
          });
        }),
    );
    return held;
  }
}

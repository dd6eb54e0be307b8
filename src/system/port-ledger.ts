import { constants } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { instancePaths } from '../core/instance.js';
import { withLock } from '../core/lock.js';
import type { PortHolder } from '../core/ports.js';
import { checkPrivateDir } from './private-dir.js';
import { type ProcessIdentity, processIdentity, stillRunning } from './process-identity.js';

/**
 * Port claims across homes. Each home's lock serialises its own instance.conf writes, but two
 * homes on one machine (two users' checkouts, parallel test runs) would otherwise hand the
 * same port to a new instance while another home's instance is stopped. A claim is a file
 * named after the port naming the home and instance that own it, changed only under the
 * ledger's own kernel lock. It is live while that instance.conf records the port, or, before
 * the conf exists, while the process that made the claim still runs (a create in flight).
 */
export interface PortOwner {
  home: string;
  name: string;
}

interface Claim extends PortOwner {
  by?: ProcessIdentity;
}

/** Persistent and private: root's under /var/lib, a user's under $XDG_STATE_HOME. */
export function defaultLedgerDir(env: NodeJS.ProcessEnv): string {
  if (env.RESOURCE_POSTGRES_PORT_LEDGER) return env.RESOURCE_POSTGRES_PORT_LEDGER;
  if (process.getuid?.() === 0) return '/var/lib/resource-postgres/ports';
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'resource-postgres', 'ports');
}

const sameOwner = (a: PortOwner, b: PortOwner) => a.home === b.home && a.name === b.name;
/** Errors of a ledger we cannot write (read-only, full). */
const UNUSABLE = new Set(['EROFS', 'ENOSPC', 'EACCES', 'EPERM', 'EDQUOT']);
const unusable = (e: unknown) => UNUSABLE.has((e as NodeJS.ErrnoException | undefined)?.code ?? '');

export class PortLedger {
  /** The claimant this process writes into its claims (tests pass another). */
  readonly #self: () => Promise<ProcessIdentity | undefined>;

  constructor(
    readonly dir: string,
    self: () => Promise<ProcessIdentity | undefined> = () => processIdentity(process.pid),
  ) {
    this.#self = self;
  }

  async #read(port: number): Promise<Claim | undefined> {
    try {
      const handle = await open(join(this.dir, String(port)), constants.O_RDONLY | constants.O_NOFOLLOW);
      const claim = JSON.parse(await handle.readFile('utf8').finally(() => handle.close())) as Claim;
      return typeof claim.home === 'string' && typeof claim.name === 'string' ? claim : undefined;
    } catch {
      return undefined;
    }
  }

  /** The claim of port is owner's, read without the lock from a ledger only we can write. */
  async #ownedAlready(port: number, owner: PortOwner): Promise<boolean> {
    try {
      await checkPrivateDir(this.dir, 'the port ledger');
    } catch {
      return false; // the locked path reports it
    }
    const current = await this.#read(port);
    return current !== undefined && sameOwner(current, owner);
  }

  /** Does the owner's instance.conf record this port, or is its create still running? */
  async #live(port: number, claim: Claim): Promise<boolean> {
    try {
      const handle = await open(instancePaths(claim.home, claim.name).conf, constants.O_RDONLY | constants.O_NOFOLLOW);
      const text = await handle.readFile('utf8').finally(() => handle.close());
      // A pooler's port (pooler_port) is claimed the same way as the server's.
      return new RegExp(`^(pooler_)?port="?${port}"?$`, 'm').test(text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return true; // unreadable counts as live
      return claim.by !== undefined && (await stillRunning(claim.by));
    }
  }

  /**
   * Runs fn under the ledger's lock, in its checked private directory. undefined when the
   * ledger cannot be written at all (read-only, full): the home's own claims still hold then.
   */
  async #locked<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      if (unusable(e)) return undefined;
      throw e;
    }
    await checkPrivateDir(this.dir, 'the port ledger');
    try {
      return await withLock(join(this.dir, '.lock'), fn, { timeoutMs: 30_000 });
    } catch (e) {
      if (unusable(e) || unusable((e as Error).cause)) return undefined;
      throw e;
    }
  }

  /** Claims the port for owner; false when another live instance (or create in flight) holds it. */
  async claim(port: number, owner: PortOwner): Promise<boolean> {
    // Every start of an existing instance asks; a claim already its own (which nobody else takes
    // while its instance.conf records the port) needs no lock, and the lock is a process start.
    if (await this.#ownedAlready(port, owner)) return true;
    const won = await this.#locked(async () => {
      const current = await this.#read(port);
      if (current && sameOwner(current, owner)) return true;
      if (current && (await this.#live(port, current))) return false;
      const claim: Claim = { ...owner, by: await this.#self() };
      const path = join(this.dir, String(port));
      await rm(path, { force: true });
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await handle.writeFile(JSON.stringify(claim)).finally(() => handle.close());
      return true;
    });
    return won ?? true;
  }

  async release(port: number, owner: PortOwner): Promise<void> {
    await this.#locked(async () => {
      const current = await this.#read(port);
      if (current && sameOwner(current, owner)) await rm(join(this.dir, String(port)), { force: true });
    });
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

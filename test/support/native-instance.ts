import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { waitFor } from '../../src/core/wait.js';
import type { NativeEngine } from '../../src/engines/native/native-engine.js';
import { withClient } from '../../src/postgres/client.js';
import { probe } from '../../src/postgres/probe.js';

/**
 * Fixtures of the native engine suite, kept apart so the suite file holds only its cases and
 * its teardown: instance records with a known password, ports in 5480-5489, readiness, SQL,
 * and the process checks the password cases need.
 */

export const DEBIAN_15 = '/usr/lib/postgresql/15/bin';
export const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;
export const quiet = () => {};

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const usedPorts = new Set<number>();
/**
 * 5450-5459: the engine is driven directly here, past the CLI's port ledger, so stay clear of
 * the explicit ports the CLI suites running beside this one take (5470 up; the docker engine
 * suite has 5460-5469). Sharing 5480 once let a CLI suite's interrupted create find its port
 * taken by this suite's server. The suites using this run in parallel with each other too, so
 * each takes its own part of the block (`from`-`to`).
 */
export async function freePort(from = 5450, to = 5455): Promise<number> {
  for (let port = from; port <= to; port++) {
    if (!usedPorts.has(port) && (await portFree(port))) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${from}-${to}`);
}

export function makeInstance(name: string, port: number, extra: Partial<Instance> = {}): Instance {
  return {
    name,
    engine: 'native',
    port,
    host: '127.0.0.1',
    user: 'vrooli',
    password: new Secret(PASSWORD),
    database: 'appdb',
    template: 'development',
    created: new Date().toISOString(),
    desiredState: 'running',
    extra: {},
    ...extra,
  };
}

export async function ready(instance: Instance): Promise<void> {
  await waitFor(
    async () => {
      const r = await probe(instance);
      return r.ok ? undefined : r.message;
    },
    { timeoutMs: 30_000, what: `instance ${instance.name} to accept queries` },
  );
}

/** As the application's role: the program's superuser connections pin search_path to pg_catalog, so they see no user tables. */
export const sql = <T = Record<string, unknown>>(instance: Instance, text: string) =>
  withClient(instance, { asApp: true }, async (c) => (await c.query(text)).rows as T[]);

export async function postmasterPid(engine: NativeEngine, instance: Instance): Promise<number> {
  const s = await engine.inspect(instance);
  expect(s.state).toBe('running');
  return s.pid!;
}

/** Every process whose argv we can read that mentions the password. */
export function processesShowingPassword(): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(PASSWORD)) hits.push(pid);
    } catch {
      /* exited */
    }
  }
  return hits;
}

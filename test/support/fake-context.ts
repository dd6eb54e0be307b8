import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../../src/context.js';
import type { EngineName, Instance } from '../../src/core/instance.js';
import type { PortHolder, PortProbe } from '../../src/core/ports.js';
import { PortLedger } from '../../src/system/port-ledger.js';
import { Registry } from '../../src/core/registry.js';
import type { ProbeResult } from '../../src/postgres/probe.js';
import { FakeEngine } from './fake-engine.js';

export interface FakeWorld {
  ctx: Context;
  engines: Record<EngineName, FakeEngine>;
  /** Ports something foreign listens on. */
  listening: Map<number, PortHolder>;
  talk: string[];
  /** Health per instance name; default: healthy when the fake server runs. */
  probeResult?: (instance: Instance) => ProbeResult;
  cleanup(): Promise<void>;
}

/** A Context over a temp home, fake engines and an injected port probe: no Docker, no server. */
export async function fakeWorld(): Promise<FakeWorld> {
  const home = await mkdtemp(join(tmpdir(), 'rp-unit-'));
  const engines = { docker: new FakeEngine('docker'), native: new FakeEngine('native') };
  const listening = new Map<number, PortHolder>();
  const talk: string[] = [];
  const ports: PortProbe = {
    isFree: async (port) => !listening.has(port),
    findListener: async (port) => listening.get(port),
  };
  const world: FakeWorld = {
    engines,
    listening,
    talk,
    cleanup: () => rm(home, { recursive: true, force: true }),
    ctx: {
      home: { dir: home, source: '--home' },
      registry: new Registry(home),
      env: {},
      io: {
        stdout: { write: () => true },
        stderr: { write: () => true },
        stdoutIsTTY: false,
        stderrIsTTY: false,
        stdinIsTTY: false,
        stdin: process.stdin,
      },
      talk: { info: (m) => talk.push(m), warn: (m) => talk.push(`warning: ${m}`), progress: () => {} },
      ports,
      ledger: new PortLedger(join(home, '.ledger')),
      now: () => new Date('2026-01-02T03:04:05.000Z'),
      engine: async (name) => engines[name],
      probe: async (instance) => {
        if (world.probeResult) return world.probeResult(instance);
        const running = engines[instance.engine].servers.get(instance.name)?.running;
        return running
          ? { ok: true, message: 'ok', version: '16.4' }
          : { ok: false, message: 'ECONNREFUSED', transient: true };
      },
      confirm: async () => false,
    },
  };
  return world;
}

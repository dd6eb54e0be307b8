import type { Home } from './core/home.js';
import { programDir, resolveHome } from './core/home.js';
import type { EngineName, Instance } from './core/instance.js';
import { defaultLedgerDir, PortLedger } from './system/port-ledger.js';
import { systemPortProbe } from './system/port-probe.js';
import type { PortProbe } from './core/ports.js';
import { Registry } from './core/registry.js';
import type { Engine } from './engines/engine.js';
import type { ProbeResult } from './postgres/probe.js';
import { trace, traceCalls } from './core/trace.js';

/** Where talk goes: progress, notes and warnings on stderr; never data. */
export interface Talk {
  /** A note the user should see (suppressed by --quiet and in json mode). */
  info(message: string): void;
  warn(message: string): void;
  /** Long-work progress: shown only on a TTY (`always`: as a plain line without one too). */
  progress(message: string, always?: boolean): void;
}

export interface Io {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  stdin: NodeJS.ReadableStream;
}

/** Everything a command touches outside itself; production defaults from createContext. */
export interface Context {
  home: Home;
  registry: Registry;
  env: NodeJS.ProcessEnv;
  io: Io;
  talk: Talk;
  ports: PortProbe;
  /** Port claims shared by every home on the machine. */
  ledger: PortLedger;
  now: () => Date;
  engine(name: EngineName): Promise<Engine>;
  probe(instance: Instance, timeoutMs?: number): Promise<ProbeResult>;
  /** Asks on a TTY; false without one (callers then require --force). */
  confirm(question: string): Promise<boolean>;
}

export interface ContextOptions {
  homeFlag?: string;
  env: NodeJS.ProcessEnv;
  io: Io;
  talk: Talk;
}

export function createContext(opts: ContextOptions): Context {
  const home = resolveHome(opts.homeFlag, opts.env, programDir());
  const engines = new Map<EngineName, Promise<Engine>>();
  return {
    home,
    registry: new Registry(home.dir),
    env: opts.env,
    io: opts.io,
    talk: opts.talk,
    ports: systemPortProbe,
    ledger: new PortLedger(defaultLedgerDir(opts.env)),
    now: () => new Date(),
    engine(name) {
      let e = engines.get(name);
      if (!e) {
        e = trace
          .span(`load engine ${name}`, () => loadEngine(name, home.dir))
          .then((x) => traceCalls(`engine ${name}`, x));
        engines.set(name, e);
      }
      return e;
    },
    async probe(instance, timeoutMs) {
      const { probe } = await import('./postgres/probe.js');
      return trace.span(`probe ${instance.name}`, () => probe(instance, timeoutMs));
    },
    async confirm(question) {
      if (!opts.io.stdinIsTTY || !opts.io.stderrIsTTY) return false;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

/** Engines load lazily: dockerode and execa cost start-up time help and info never need. */
async function loadEngine(name: EngineName, home: string): Promise<Engine> {
  if (name === 'docker') {
    const { DockerEngine } = await import('./engines/docker/docker-engine.js');
    return new DockerEngine({ home });
  }
  const { NativeEngine } = await import('./engines/native/native-engine.js');
  return new NativeEngine({
    home,
    createDatabase: async (instance) => (await import('./postgres/databases.js')).ensureInstanceDatabase(instance),
    // The native engine's last resort for client programs: a local image's, through the docker
    // engine's module (loaded only when the host has no suitable pg_dump).
    imageClients: async () => new (await import('./engines/docker/image-clients.js')).DockerImageClients(),
  });
}

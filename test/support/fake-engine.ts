import type { EngineName, Instance } from '../../src/core/instance.js';
import type { PortHolder } from '../../src/core/ports.js';
import { type Engine, type EngineState, type LogOptions, PortTakenError } from '../../src/engines/engine.js';

/** A third Engine implementation for unit tests: servers are entries in a map. */
export class FakeEngine implements Engine {
  readonly servers = new Map<string, { running: boolean; port: number; log: string[]; data: boolean }>();
  /** Ports the "machine" refuses to bind, to exercise the pick-again path. */
  readonly busyPorts = new Set<number>();
  readonly held = new Map<number, PortHolder>();
  available = true;
  calls: string[] = [];

  constructor(readonly name: EngineName = 'docker') {}

  async check() {
    return this.available
      ? ({ ok: true } as const)
      : ({ ok: false, reason: 'fake engine switched off', hint: 'switch it on' } as const);
  }
  async prepare(instance: Instance) {
    this.calls.push(`prepare ${instance.name}`);
  }
  async create(instance: Instance) {
    this.calls.push(`create ${instance.name}:${instance.port}`);
    if (this.busyPorts.has(instance.port)) throw new PortTakenError(instance.port, 'address already in use');
    const existing = this.servers.get(instance.name);
    this.servers.set(instance.name, {
      running: true,
      port: instance.port,
      log: ['database system is ready to accept connections'],
      data: true,
      ...(existing ? { log: existing.log } : {}),
    });
  }
  async start(instance: Instance) {
    this.calls.push(`start ${instance.name}`);
    const s = this.servers.get(instance.name);
    if (!s) throw new Error('start of an absent server');
    s.running = true;
  }
  async stop(instance: Instance) {
    this.calls.push(`stop ${instance.name}`);
    const s = this.servers.get(instance.name);
    if (s) s.running = false;
  }
  async inspect(instance: Instance): Promise<EngineState> {
    const s = this.servers.get(instance.name);
    if (!s || !s.data) return { state: 'absent', dataExists: false };
    return s.running ? { state: 'running', port: s.port } : { state: 'stopped', detail: 'exited with code 0' };
  }
  async remove(instance: Instance, opts: { keepData: boolean }) {
    this.calls.push(`remove ${instance.name}${opts.keepData ? ' keep-data' : ''}`);
    this.servers.delete(instance.name);
  }
  async *logs(instance: Instance, opts: LogOptions) {
    const lines = this.servers.get(instance.name)?.log ?? [];
    yield* opts.tail ? lines.slice(-opts.tail) : lines;
  }
  async heldPorts() {
    return new Map(this.held);
  }
}

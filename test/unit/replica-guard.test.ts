import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardDataReplace, guardPrimaries, guardUpgrade } from '../../src/commands/replica/guard.js';
import type { InstanceStatus } from '../../src/commands/status/index.js';
import { replicaMap, replicationOf } from '../../src/commands/status/replication.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { replicationLines } from '../../src/output/replication.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/** The guards around replicas (uninstall, upgrade) and the status pieces that need no server. */
const inst = (name: string, replicaOf?: string): Instance => ({
  name,
  engine: 'native',
  version: '17',
  port: 5440 + name.length,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('pw'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-02T03:04:05.000Z',
  desiredState: 'running',
  ...(replicaOf ? { replicaOf, replicationPassword: new Secret('repl') } : {}),
  extra: {},
});

let world: FakeWorld;
beforeEach(async () => {
  world = await fakeWorld();
  for (const i of [inst('main'), inst('ro1', 'main'), inst('ro2', 'main'), inst('solo')])
    await world.ctx.registry.save(i);
});
afterEach(() => world.cleanup());

describe('uninstall guard', () => {
  it('refuses a primary whose replicas stay, naming them and --force', async () => {
    await expect(guardPrimaries(world.ctx, ['main'], false)).rejects.toThrow(/main \(replicas: ro1, ro2\)/);
    await expect(guardPrimaries(world.ctx, ['main', 'ro1'], false)).rejects.toThrow(/replicas: ro2\)/);
    const e = (await guardPrimaries(world.ctx, ['main'], false).catch((x: unknown) => x)) as { hint?: string };
    expect(e.hint).toMatch(/--force/);
  });
  it('lets through replicas, plain instances, everything at once, and --force with a warning', async () => {
    await guardPrimaries(world.ctx, ['ro1', 'solo'], false);
    await guardPrimaries(world.ctx, ['main', 'ro1', 'ro2', 'solo'], false);
    expect(world.talk).toEqual([]);
    await guardPrimaries(world.ctx, ['main'], true);
    expect(world.talk.join('\n')).toMatch(/warning: .*ro1, ro2.*stay readable, frozen/);
    await guardPrimaries(world.ctx, ['main'], true, true);
    expect(world.talk.at(-1)).toMatch(/go on streaming once it is started again/);
  });
});

describe('upgrade guard', () => {
  it('refuses a replica and a primary with replicas; a plain instance passes', async () => {
    await expect(guardUpgrade(world.ctx, inst('ro1', 'main'))).rejects.toThrow(/streaming replica of main/);
    await expect(guardUpgrade(world.ctx, inst('main'))).rejects.toThrow(/has streaming replicas \(ro1, ro2\)/);
    await guardUpgrade(world.ctx, inst('solo'));
  });
});

describe('status roles without a server', () => {
  it('maps primaries to replicas from instance.conf alone, the same from a full list or the registry', async () => {
    const all = [inst('main'), inst('ro1', 'main'), inst('ro2', 'main'), inst('solo')];
    expect(await replicaMap(world.ctx, all, true)).toEqual(new Map([['main', ['ro1', 'ro2']]]));
    expect(await replicaMap(world.ctx, [inst('main')], false)).toEqual(new Map([['main', ['ro1', 'ro2']]]));
  });
  it('asks nothing of plain instances, nor of a replica when not asked to', async () => {
    const map = new Map([['main', ['ro1']]]);
    expect(await replicationOf(inst('solo'), map, true)).toEqual({ role: 'primary' });
    expect(await replicationOf(inst('main'), map, true)).toEqual({ role: 'primary', replicas: ['ro1'] });
    expect(await replicationOf(inst('ro1', 'main'), map, false)).toEqual({
      role: 'replica',
      replication: { primary: 'main', primary_reachable: null, lag_bytes: null, lag_seconds: null },
    });
  });
  it('renders a replication section only when there is one', () => {
    const row = (over: Partial<InstanceStatus>) => over as InstanceStatus;
    expect(replicationLines([row({ name: 'solo', role: 'primary' })])).toEqual([]);
    expect(
      replicationLines([
        row({ name: 'main', role: 'primary', replicas: ['ro1'] }),
        row({
          name: 'ro1',
          role: 'replica',
          replication: { primary: 'main', primary_reachable: false, lag_bytes: null, lag_seconds: null },
        }),
      ]),
    ).toEqual([
      '',
      'replication:',
      '  main: primary of ro1',
      expect.stringMatching(/ro1: replica of main .*primary unreachable/),
    ]);
  });
});

describe('whole-data replacement guard (physical backup restore, instance snapshot restore)', () => {
  it('refuses a replica and a primary with replicas; lets a plain instance through', async () => {
    await expect(guardDataReplace(world.ctx, inst('ro1', 'main'), 'snapshot s')).rejects.toThrow(
      /streaming replica of main: its data comes from its primary, not from snapshot s/,
    );
    await expect(guardDataReplace(world.ctx, inst('main'), 'backup b')).rejects.toThrow(/replicas \(ro1, ro2\)/);
    await guardDataReplace(world.ctx, inst('solo'), 'backup b');
  });
});

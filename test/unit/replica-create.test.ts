import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { start, uninstall } from '../../src/commands/manage/index.js';
import type * as Replication from '../../src/postgres/replication.js';
import { RoleDropError } from '../../src/postgres/replication.js';
import type { StartOptions } from '../../src/commands/options.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import type { EngineReplicaCapabilities } from '../../src/engines/engine.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

// The primary's SQL side is faked: these tests are about what `manage start --replica-of`
// records, makes and takes back, not about PostgreSQL (the integration suites cover that).
const sql = vi.hoisted(() => ({ calls: [] as string[], onDrop: async () => {}, onLink: async () => {} }));
vi.mock('../../src/postgres/replication.js', async (original) => ({
  RoleDropError: (await original<typeof Replication>()).RoleDropError,
  primaryFacts: async () => ({ walLevel: 'replica', maxWalSenders: 10, inRecovery: false, versionNum: 170000 }),
  ensureReplicaLink: async (link: { slot: string }) => {
    sql.calls.push(`link ${link.slot}`);
    await sql.onLink();
  },
  dropReplicaLink: async (_p: Instance, slot: string) => {
    sql.calls.push(`drop ${slot}`);
    await sql.onDrop();
  },
}));

const primary: Instance = {
  name: 'main',
  engine: 'native',
  version: '17',
  port: 5440,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('pw'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-02T03:04:05.000Z',
  desiredState: 'running',
  extra: {},
};
const opts = (over: Partial<StartOptions> = {}): StartOptions => ({
  instance: 'ro',
  all: false,
  engine: 'auto',
  replicaOf: 'main',
  wait: true,
  timeoutSec: 2,
  force: false,
  dryRun: false,
  ...over,
});

let world: FakeWorld;
/** What the fake native engine's createReplica does: by default, makes a running server. */
let createReplica: NonNullable<EngineReplicaCapabilities['createReplica']>;
beforeEach(async () => {
  world = await fakeWorld();
  sql.calls = [];
  sql.onDrop = async () => {};
  sql.onLink = async () => {};
  const engine = world.engines.native;
  await world.ctx.registry.save(primary);
  engine.servers.set('main', { running: true, port: 5440, log: [], data: true });
  createReplica = async (replica, _link, _bracket, _progress, made) => {
    made();
    engine.servers.set(replica.name, { running: true, port: replica.port, log: [], data: true });
  };
  Object.assign(engine, {
    createReplica: (...a: Parameters<typeof createReplica>) => createReplica(...a),
    allowReplication: async () => {},
  });
});
afterEach(() => world.cleanup());

describe('manage start --replica-of: a failed create', () => {
  it('refuses data left under the name before recording or making anything, and deletes none of it', async () => {
    world.engines.native.servers.set('ro', { running: false, port: 0, log: [], data: true });
    const e = await start(world.ctx, opts()).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/already exists/) });
    expect(world.engines.native.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(world.engines.native.servers.get('ro')?.data).toBe(true);
    expect(await world.ctx.registry.find('ro')).toBeUndefined();
    expect(sql.calls).toEqual([]);
  });

  it('when the engine refuses before making anything: nothing of R is removed by the engine', async () => {
    createReplica = async () => {
      throw new Error('the engine found data of ro');
    };
    await expect(start(world.ctx, opts())).rejects.toThrow(/found data/);
    expect(world.engines.native.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(await world.ctx.registry.find('ro')).toBeUndefined();
    expect(sql.calls).toEqual(['link rp_replica_ro', 'drop rp_replica_ro']);
  });

  it('takes back what it made; keeps the record when removing the server fails', async () => {
    const engine = world.engines.native;
    createReplica = async (replica, _l, _b, _p, made) => {
      made();
      engine.servers.set(replica.name, { running: false, port: replica.port, log: [], data: true });
      throw new Error('copy failed');
    };
    await expect(start(world.ctx, opts())).rejects.toThrow(/copy failed/);
    expect(engine.calls).toContain('remove ro');
    expect(await world.ctx.registry.find('ro')).toBeUndefined();

    engine.remove = async () => {
      throw new Error('device busy');
    };
    await expect(start(world.ctx, opts())).rejects.toThrow(/copy failed/);
    expect(await world.ctx.registry.find('ro')).toBeDefined();
    expect(world.talk.join('\n')).toMatch(/ro is kept recorded .*device busy/);
  });
});

describe('manage start of an existing replica', () => {
  const ownerReplica = (): Instance => ({
    ...primary,
    name: 'ro',
    port: 5450,
    user: 'app',
    admin: { user: 'vrooli_admin', password: new Secret('admin-pw') },
    replicaOf: 'main',
    replicationPassword: new Secret('repl'),
  });

  it('of an owner-mode primary succeeds without provisioning the app role (no SQL on the standby)', async () => {
    await world.ctx.registry.save(ownerReplica());
    world.engines.native.servers.set('ro', { running: true, port: 5450, log: [], data: true });
    const res = await start(world.ctx, opts({ replicaOf: undefined }));
    expect(res.data.instances[0]).toMatchObject({ name: 'ro', result: 'already running' });
  });

  it('whose data is gone refuses instead of making an empty writable cluster', async () => {
    await world.ctx.registry.save(ownerReplica());
    const e = await start(world.ctx, opts({ replicaOf: undefined })).catch((x: unknown) => x);
    expect(e).toMatchObject({ message: 'instance ro is a replica of main but its data is gone' });
    expect((e as { hint: string }).hint).toMatch(/uninstall --instance ro --force && .* --replica-of main/);
    expect(world.engines.native.calls.filter((c) => c.startsWith('create'))).toEqual([]);
    // Kept data (docker: a volume without its container) gets a new server as for any instance.
    world.engines.native.inspect = async () => ({ state: 'absent', dataExists: true });
    expect((await start(world.ctx, opts({ replicaOf: undefined }))).data.instances[0]?.result).toBe('created');
  });

  it('refuses --extensions, naming the primary to change instead', async () => {
    await world.ctx.registry.save(ownerReplica());
    world.engines.native.servers.set('ro', { running: true, port: 5450, log: [], data: true });
    const e = await start(world.ctx, opts({ replicaOf: undefined, extensions: ['vector'] })).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'usage', message: expect.stringMatching(/read-only replica of main/) });
    expect((e as { hint: string }).hint).toMatch(/--instance main --extensions vector/);
  });
});

describe('manage start --replica-of run again (orchestrators run the same command every time)', () => {
  it('starts the existing replica of P and exits 0; refuses an instance that is not a replica of P', async () => {
    const first = await start(world.ctx, opts());
    expect(first.data.instances[0]).toMatchObject({ name: 'ro', result: 'created' });
    const again = await start(world.ctx, opts());
    expect(again.data.instances[0]).toMatchObject({ name: 'ro', result: 'already running' });
    await world.engines.native.stop({ ...primary, name: 'ro' });
    expect((await start(world.ctx, opts())).data.instances[0]).toMatchObject({ result: 'started' });
    const e = await start(world.ctx, opts({ instance: 'main', replicaOf: 'ro' })).catch((x: unknown) => x);
    expect(e).toMatchObject({
      kind: 'conflict',
      message: 'instance main already exists and is not a replica: it cannot become a replica of ro',
    });
    expect(sql.calls).toEqual(['link rp_replica_ro']);
  });
});

describe('uninstall of a replica', () => {
  it('drops its slot on P while R is still recorded (a kill in between leaves a record to retry)', async () => {
    await start(world.ctx, opts());
    let recordedAtDrop: boolean | undefined;
    sql.onDrop = async () => void (recordedAtDrop = (await world.ctx.registry.find('ro')) !== undefined);
    const res = await uninstall(world.ctx, { instance: 'ro', force: true, keepData: false, dryRun: false });
    expect(res.data.instances[0]?.message).toMatch(/dropped its replication slot and role rp_replica_ro/);
    expect(recordedAtDrop).toBe(true);
    expect(await world.ctx.registry.find('ro')).toBeUndefined();
  });

  it('says exactly what is left on P when the drop fails, with SQL that can be run as it stands', async () => {
    const gone = async (name: string) => {
      await start(world.ctx, opts({ instance: name }));
      const res = await uninstall(world.ctx, { instance: name, force: true, keepData: false, dryRun: false });
      return res.data.instances[0]?.message ?? '';
    };
    sql.onDrop = async () => {
      throw new RoleDropError('role "rp_replica_a" cannot be dropped because some objects depend on it');
    };
    const roleLeft = await gone('a');
    expect(roleLeft).toMatch(
      /dropped its replication slot rp_replica_a on main but not its role \(role .* depend on it\)/,
    );
    expect(roleLeft).toMatch(/run DROP ROLE IF EXISTS rp_replica_a;/);
    sql.onDrop = async () => {
      throw new Error('connection refused');
    };
    const both = await gone('b');
    expect(both).toMatch(/could not drop its replication slot rp_replica_b on main \(connection refused\)/);
    expect(both).toMatch(
      /FROM pg_replication_slots WHERE slot_name = 'rp_replica_b'; DROP ROLE IF EXISTS rp_replica_b;/,
    );
  });
});

describe("the primary's files", () => {
  it('are rewritten under its lock from its record as it is then (a concurrent change survives)', async () => {
    // Another command changes P after this one read it, before P's files are rewritten.
    sql.onLink = async () => world.ctx.registry.save({ ...primary, desiredState: 'stopped' });
    const seen: Array<{ desired: unknown; locked: boolean }> = [];
    Object.assign(world.engines.native, {
      allowReplication: async (p: Instance) => {
        const locked = await world.ctx.registry.lockedInstance('main', async () => false, 100).catch(() => true);
        seen.push({ desired: p.desiredState, locked });
      },
    });
    await start(world.ctx, opts());
    expect(seen).toEqual([{ desired: 'stopped', locked: true }]);
  });
});

describe('manage start --replica-of --dry-run', () => {
  it('refuses what the real run refuses, and plans the rest; makes nothing', async () => {
    const plan = async (over: Partial<StartOptions>) =>
      start(world.ctx, opts({ dryRun: true, ...over })).then(
        (r) => r.data.instances[0]?.message,
        (e: { message: string }) => `refused: ${e.message}`,
      );
    expect(await plan({})).toBe(
      'would create instance ro as a streaming replica of main (native, PostgreSQL 17) and start it',
    );
    expect(await plan({ template: 'testing' })).toMatch(/^refused: --template testing differs/);
    expect(await plan({ replicaOf: 'nosuch' })).toMatch(/^refused: no instance nosuch/);
    expect(await plan({ instance: 'main', replicaOf: 'ro' })).toMatch(/^refused: instance main already exists/);
    expect(await plan({ all: true })).toMatch(/^refused: --replica-of makes one new instance/);
    await world.ctx.registry.save({ ...primary, name: 'solo', port: 5460 });
    expect(await plan({ instance: 'solo' })).toMatch(/^refused: instance solo already exists and is not a replica/);
    expect(await world.ctx.registry.find('ro')).toBeUndefined();
    expect(world.engines.native.calls).toEqual([]);
    await start(world.ctx, opts());
    expect(await plan({})).toMatch(/^would start instance ro \(replica of main, native, port \d+\)/);
  });
});

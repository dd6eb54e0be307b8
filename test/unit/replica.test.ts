import { describe, expect, it } from 'vitest';
import { primaryFactsProblem, replicaRequestProblem } from '../../src/commands/replica/checks.js';
import type { StartOptions } from '../../src/commands/options.js';
import { parseInstanceConf, serializeInstanceConf } from '../../src/core/instance-conf.js';
import type { Instance } from '../../src/core/instance.js';
import { isReplicaSlotName, primaryConninfo, replicaSlotName } from '../../src/core/replica.js';
import { Secret } from '../../src/core/secret.js';

/** Streaming replicas: names, instance.conf fields and the checks made before anything is created. */
const primary: Instance = {
  name: 'main',
  engine: 'native',
  version: '17',
  port: 5440,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('pw-of-the-primary'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-02T03:04:05.000Z',
  desiredState: 'running',
  extra: {},
};
const replica: Instance = {
  ...primary,
  name: 'copy',
  port: 5441,
  replicaOf: 'main',
  replicationPassword: new Secret('repl-Pass_1'),
};
const where = { home: '/h', name: 'copy' };
const path = '/h/copy/config/instance.conf';

describe('replica slot names', () => {
  it('are rp_replica_<name>, sanitized, with a hash when the name had to change', () => {
    expect(replicaSlotName('copy')).toBe('rp_replica_copy');
    const dashed = replicaSlotName('a-b');
    expect(dashed).toMatch(/^rp_replica_a_b_[0-9a-f]{6}$/);
    expect(dashed).not.toBe(replicaSlotName('a_b'));
    expect(replicaSlotName('Up')).toMatch(/^rp_replica_up_[0-9a-f]{6}$/);
    const long = replicaSlotName('x'.repeat(50));
    expect(long.length).toBeLessThanOrEqual(63);
    for (const n of ['copy', 'a-b', 'Up', 'x'.repeat(50)]) expect(isReplicaSlotName(replicaSlotName(n))).toBe(true);
    expect(isReplicaSlotName('postgres')).toBe(false);
    expect(isReplicaSlotName('rp_replica_x; DROP')).toBe(false);
  });
});

describe('primary_conninfo', () => {
  it('names a password file, never a password', () => {
    const text = primaryConninfo({
      host: '127.0.0.1',
      port: 5440,
      user: 'rp_replica_copy',
      passfile: "/h/it's/replication.pgpass",
      applicationName: 'copy',
      major: 17,
    });
    expect(text).toBe(
      "host='127.0.0.1' port=5440 user='rp_replica_copy' passfile='/h/it\\'s/replication.pgpass' application_name='copy' sslmode=prefer require_auth=scram-sha-256",
    );
    expect(text).not.toMatch(/password=/);
  });
  it('insists on SCRAM only where libpq knows require_auth (16+)', () => {
    const base = { host: 'h', port: 1, user: 'u', passfile: '/p', applicationName: 'a' };
    expect(primaryConninfo({ ...base, major: 16 })).toMatch(/ require_auth=scram-sha-256$/);
    expect(primaryConninfo({ ...base, major: 15 })).not.toMatch(/require_auth/);
    expect(primaryConninfo({ ...base, major: undefined })).not.toMatch(/require_auth/);
  });
});

describe('replica fields of instance.conf', () => {
  const text = serializeInstanceConf(replica);
  it('round-trip', () => {
    const read = parseInstanceConf(text, path, where);
    expect(read.replicaOf).toBe('main');
    expect(read.replicationPassword?.reveal()).toBe('repl-Pass_1');
    expect(read.extra).toEqual({});
    expect(serializeInstanceConf({ ...read, replicaOf: undefined, replicationPassword: undefined })).not.toMatch(
      /replica_of|replication_password/,
    );
  });
  it.each([
    ['replica_of="bad name"', /replica_of must be an instance name/],
    ['replica_of="copy"', /replica_of names the instance itself/],
    ['replication_password="has space"', /replication_password must be printable/],
  ])('refuses %s with its line', (line, message) => {
    const key = line.split('=')[0]!;
    const damaged = text.replace(new RegExp(`^${key}=".*"$`, 'm'), line);
    expect(() => parseInstanceConf(damaged, path, where)).toThrow(message);
    expect(() => parseInstanceConf(damaged, path, where)).toThrow(/instance\.conf:\d+/);
  });
  it('needs replica_of and replication_password together', () => {
    expect(() => parseInstanceConf(text.replace(/^replication_password=.*\n/m, ''), path, where)).toThrow(
      /replica_of is set without replication_password/,
    );
    expect(() => parseInstanceConf(text.replace(/^replica_of=.*\n/m, ''), path, where)).toThrow(
      /replication_password is set without replica_of/,
    );
  });
});

describe('what --replica-of may ask for', () => {
  const opts = (more: Partial<StartOptions> = {}) => ({
    instance: 'copy',
    all: false,
    engine: 'auto' as const,
    wait: true,
    force: false,
    dryRun: false,
    replicaOf: 'main',
    ...more,
  });
  it('accepts a plain request and the primary own engine, major and template', () => {
    expect(replicaRequestProblem(primary, opts())).toBeUndefined();
    expect(
      replicaRequestProblem(primary, opts({ engine: 'native', pgVersion: '17', template: 'development' })),
    ).toBeUndefined();
  });
  it.each([
    [{ engine: 'docker' as const }, /differs from the engine of instance main \(native\)/, /--engine native/],
    [{ pgVersion: '16' }, /same major/, /--pg-version 17/],
    [{ template: 'testing' }, /keeps its primary's settings/, /leave out --template/],
    [{ extensions: ['pg_trgm'] }, /--extensions cannot be used/, /change main instead/],
    [{ appRole: 'owner' as const }, /--app-role cannot be used/, /leave out --app-role/],
    [{ all: true }, /not --all/, /--instance/],
    [{ instance: 'main' }, /cannot replicate itself/, /--instance/],
  ])('refuses %o, naming the fix', (more, message, hint) => {
    const problem = replicaRequestProblem(primary, opts(more));
    expect(problem?.message).toMatch(message);
    expect(problem?.hint).toMatch(hint);
    expect(problem?.kind).toBe('usage');
  });
  it('refuses a native primary before PostgreSQL 16 (no require_auth), not a docker one', () => {
    const old = { ...primary, version: '15' };
    const problem = replicaRequestProblem(old, opts());
    expect(problem?.message).toMatch(/native replicas need PostgreSQL 16 or newer/);
    expect(problem?.hint).toMatch(/manage upgrade --instance main --pg-version 16/);
    expect(replicaRequestProblem({ ...old, engine: 'docker' }, opts())).toBeUndefined();
  });
  it('refuses a replica as the primary', () => {
    expect(replicaRequestProblem(replica, opts({ instance: 'third' }))?.message).toMatch(
      /itself a replica \(of main\)/,
    );
  });
});

describe('a primary fit for streaming', () => {
  it('refuses a primary with tablespaces of its own (a copy would share or lose them)', () => {
    const base = { walLevel: 'replica', maxWalSenders: 10, inRecovery: false };
    expect(primaryFactsProblem('main', { ...base, userTablespaces: 0 })).toBeUndefined();
    const problem = primaryFactsProblem('main', { ...base, userTablespaces: 2 });
    expect(problem?.message).toMatch(/main has 2 tablespace\(s\) of its own/);
    expect(problem?.hint).toMatch(/SET TABLESPACE pg_default/);
  });
  it('needs wal_level replica, WAL senders, and not to be in recovery', () => {
    expect(primaryFactsProblem('main', { walLevel: 'replica', maxWalSenders: 10, inRecovery: false })).toBeUndefined();
    expect(primaryFactsProblem('main', { walLevel: 'minimal', maxWalSenders: 0, inRecovery: false })?.hint).toMatch(
      /wal_level = replica/,
    );
    expect(primaryFactsProblem('main', { walLevel: 'replica', maxWalSenders: 0, inRecovery: false })).toBeDefined();
    expect(primaryFactsProblem('main', { walLevel: 'replica', maxWalSenders: 5, inRecovery: true })?.message).toMatch(
      /in recovery/,
    );
  });
});

describe('docker standby settings', () => {
  it('only a replica gets primary_conninfo (a password file, no password), its slot and the network', async () => {
    const { standbyNetwork, standbySettings, replicationNetwork } = await import('../../src/engines/docker/standby.js');
    const { containerSpec } = await import('../../src/engines/docker/container-spec.js');
    expect(standbySettings(primary)).toEqual({});
    expect(standbyNetwork(primary)).toEqual({});
    const s = standbySettings(replica);
    expect(s.primary_slot_name).toBe('rp_replica_copy');
    expect(s.primary_conninfo).toMatch(/host='resource-postgres-main' port=5432 user='rp_replica_copy' passfile=/);
    const spec = containerSpec({ ...replica, engine: 'docker' }, '/h');
    expect(spec.HostConfig?.NetworkMode).toBe(replicationNetwork('main'));
    expect(replicationNetwork('main')).toBe('resource-postgres-main-replication');
    const all = JSON.stringify(spec);
    expect(all).not.toContain('repl-Pass_1');
    expect(all).not.toContain('pw-of-the-primary');
    expect(containerSpec({ ...primary, engine: 'docker' }, '/h').HostConfig).not.toHaveProperty('NetworkMode');
  });
});

describe('credentials text of a replica', () => {
  it('says the same credentials are read-write on the primary', async () => {
    const { readOnlyLine } = await import('../../src/output/replication.js');
    const entry = {
      id: 'copy',
      read_only: true,
      read_only_note: 'the same user and password are read-write on its primary main',
    };
    const line = readOnlyLine(entry as Parameters<typeof readOnlyLine>[0]);
    expect(line).toMatch(/read-only: yes/);
    expect(line).toMatch(/\nnote: the same user and password are read-write on its primary main$/);
  });
});

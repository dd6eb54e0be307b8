import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import {
  containerSpec,
  dataMountTarget,
  labelFilters,
  serverArgs,
  volumeSpec,
} from '../../src/engines/docker/container-spec.js';

const HOME = '/srv/rp-home';

function instance(over: Partial<Instance> = {}): Instance {
  return {
    name: 'main',
    engine: 'docker',
    image: 'postgres:16-alpine',
    port: 5433,
    host: '127.0.0.1',
    user: 'vrooli',
    password: new Secret('s3cret-pw'),
    database: 'vrooli',
    template: 'development',
    created: '2026-01-02T03:04:05.000Z',
    desiredState: 'running',
    extra: {},
    ...over,
  };
}

describe('containerSpec', () => {
  const spec = containerSpec(instance(), HOME);

  it('names the container and labels it with the instance and home', () => {
    expect(spec.name).toBe('resource-postgres-main');
    expect(spec.Labels).toEqual({
      'io.resource-postgres.managed': 'true',
      'io.resource-postgres.instance': 'main',
      'io.resource-postgres.home': HOME,
    });
  });

  it('runs the instance image with the official image env contract', () => {
    expect(spec.Image).toBe('postgres:16-alpine');
    expect(spec.Env).toEqual([
      'POSTGRES_USER=vrooli',
      'POSTGRES_PASSWORD_FILE=/.resource-postgres-password',
      'POSTGRES_DB=vrooli',
    ]);
    expect(JSON.stringify(spec)).not.toContain('s3cret-pw');
  });

  it('publishes 5432 on 127.0.0.1 only, at the instance port', () => {
    expect(spec.ExposedPorts).toEqual({ '5432/tcp': {} });
    expect(spec.HostConfig?.PortBindings).toEqual({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5433' }] });
  });

  it('binds another address only when the instance says so; empty means loopback', () => {
    const wide = containerSpec(instance({ host: '0.0.0.0' }), HOME).HostConfig?.PortBindings;
    expect(wide['5432/tcp'][0].HostIp).toBe('0.0.0.0');
    const empty = containerSpec(instance({ host: '' }), HOME).HostConfig?.PortBindings;
    expect(empty['5432/tcp'][0].HostIp).toBe('127.0.0.1');
  });

  it('restarts unless stopped and keeps data in the named volume', () => {
    expect(spec.HostConfig?.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(spec.HostConfig?.Mounts).toEqual([
      { Type: 'volume', Source: 'resource-postgres-main-data', Target: '/var/lib/postgresql/data' },
    ]);
    expect(spec.HostConfig?.Binds).toBeUndefined();
    expect(spec.HostConfig?.NetworkMode).toBeUndefined();
  });

  it('applies the template container limits', () => {
    expect(spec.HostConfig?.Memory).toBe(1024 ** 3);
    expect(spec.HostConfig?.NanoCpus).toBe(2e9);
    expect(spec.HostConfig?.ShmSize).toBe(256 * 1024 ** 2);
    const minimal = containerSpec(instance({ template: 'minimal' }), HOME).HostConfig;
    expect([minimal?.Memory, minimal?.NanoCpus, minimal?.ShmSize]).toEqual([256 * 1024 ** 2, 1e9, 64 * 1024 ** 2]);
  });

  it('caps CPUs at what the daemon host has', () => {
    expect(containerSpec(instance(), HOME, { hostCpus: 1 }).HostConfig?.NanoCpus).toBe(1e9);
    expect(containerSpec(instance(), HOME, { hostCpus: 8 }).HostConfig?.NanoCpus).toBe(2e9);
  });

  it('passes template settings as sorted -c flags after postgres', () => {
    expect(spec.Cmd?.[0]).toBe('postgres');
    const flags = spec.Cmd!.slice(1);
    expect(flags.filter((_, i) => i % 2 === 0).every((f) => f === '-c')).toBe(true);
    const pairs = flags.filter((_, i) => i % 2 === 1);
    expect(pairs).toContain('shared_buffers=128MB');
    expect(pairs).toEqual([...pairs].sort());
    expect(containerSpec(instance({ template: 'testing' }), HOME).Cmd).toContain('fsync=off');
    expect(serverArgs({ b: '2', a: '1' })).toEqual(['postgres', '-c', 'a=1', '-c', 'b=2']);
  });

  it('is deterministic', () => {
    expect(containerSpec(instance(), HOME)).toEqual(containerSpec(instance(), HOME));
  });

  it('rejects an unknown template before anything is created', () => {
    expect(() => containerSpec(instance({ template: 'nope' }), HOME)).toThrow(/unknown template/);
  });
});

describe('volumeSpec and labelFilters', () => {
  it('labels the volume like the container', () => {
    expect(volumeSpec(instance({ name: 'app' }), HOME)).toEqual({
      Name: 'resource-postgres-app-data',
      Labels: {
        'io.resource-postgres.managed': 'true',
        'io.resource-postgres.instance': 'app',
        'io.resource-postgres.home': HOME,
      },
    });
  });

  it('filters on home, and on the instance when named', () => {
    expect(labelFilters(HOME)).toEqual({
      label: ['io.resource-postgres.managed=true', `io.resource-postgres.home=${HOME}`],
    });
    expect(labelFilters(HOME, 'app').label).toContain('io.resource-postgres.instance=app');
  });
});

describe('dataMountTarget', () => {
  it.each([
    [
      'the official <=17 layout',
      { Env: ['PGDATA=/var/lib/postgresql/data'], Volumes: { '/var/lib/postgresql/data': {} } },
      '/var/lib/postgresql/data',
    ],
    [
      'postgres:18 (VOLUME above PGDATA)',
      { Env: ['PGDATA=/var/lib/postgresql/18/docker'], Volumes: { '/var/lib/postgresql': {} } },
      '/var/lib/postgresql',
    ],
    ['no VOLUME declared', { Env: ['PGDATA=/data/pg'] }, '/data/pg'],
    ['no PGDATA in the image', { Env: [] }, '/var/lib/postgresql/data'],
    ['an unrelated VOLUME', { Env: ['PGDATA=/pg'], Volumes: { '/backups': {} } }, '/pg'],
    ['no config at all', undefined, '/var/lib/postgresql/data'],
  ])('%s', (_what, config, expected) => {
    expect(dataMountTarget(config)).toBe(expected);
  });
});

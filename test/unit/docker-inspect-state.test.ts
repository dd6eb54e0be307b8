import { describe, expect, it } from 'vitest';
import {
  boundTcpPorts,
  holderFix,
  mapInspect,
  publishedPort,
  type InspectLike,
} from '../../src/engines/docker/inspect-state.js';

const ZERO = '0001-01-01T00:00:00Z';
const BINDINGS = { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5433' }] };

/** Shaped like `docker inspect` output of a container, trimmed to what the mapper reads. */
function fixture(state: Partial<InspectLike['State']>, over: Partial<InspectLike> = {}): InspectLike {
  return {
    Id: 'c0ffee00112233',
    RestartCount: 0,
    HostConfig: { PortBindings: BINDINGS },
    NetworkSettings: { Ports: {} },
    ...over,
    State: {
      Status: 'exited',
      Running: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      ExitCode: 0,
      Error: '',
      FinishedAt: ZERO,
      ...state,
    },
  };
}

describe('mapInspect', () => {
  it('404 is absent', () => {
    expect(mapInspect(undefined)).toEqual({ state: 'absent' });
  });

  it('running, with the live published port and container id', () => {
    const info = fixture(
      { Status: 'running', Running: true },
      { NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5444' }] } } },
    );
    expect(mapInspect(info)).toEqual({ state: 'running', containerId: 'c0ffee00112233', dataExists: true, port: 5444 });
  });

  it('exited: code and time', () => {
    const s = mapInspect(fixture({ ExitCode: 137, FinishedAt: '2026-01-02T03:04:05.123Z' }));
    expect(s.state).toBe('stopped');
    expect(s.detail).toBe('exited with code 137 at 2026-01-02T03:04:05.123Z');
    expect(s.port).toBe(5433);
  });

  it('exited with a daemon error says it', () => {
    expect(mapInspect(fixture({ ExitCode: 128, Error: 'port is already allocated' })).detail).toBe(
      'exited with code 128: port is already allocated',
    );
  });

  it('OOM killed', () => {
    const s = mapInspect(fixture({ OOMKilled: true, ExitCode: 137, FinishedAt: '2026-01-02T03:04:05Z' }));
    expect(s.state).toBe('stopped');
    expect(s.detail).toMatch(/^OOM killed \(exit code 137\) at 2026-01-02T03:04:05Z/);
  });

  it('restarting counts as running but says so', () => {
    const s = mapInspect(
      fixture({ Status: 'restarting', Restarting: true, Running: true, ExitCode: 1 }, { RestartCount: 4 }),
    );
    expect(s.state).toBe('running');
    expect(s.detail).toBe('restarting (restart #4; last run exited with code 1)');
  });

  it('created but never started, paused, dead', () => {
    expect(mapInspect(fixture({ Status: 'created' })).detail).toBe('created but never started');
    const paused = mapInspect(fixture({ Status: 'paused', Running: true }));
    expect([paused.state, paused.detail]).toEqual(['stopped', 'paused (docker unpause to resume)']);
    expect(mapInspect(fixture({ Status: 'dead', Dead: true })).detail).toMatch(/^dead/);
  });
});

describe('published ports', () => {
  it('falls back to the create-time bindings of a stopped container', () => {
    expect(publishedPort({ HostConfig: { PortBindings: BINDINGS }, NetworkSettings: { Ports: {} } })).toBe(5433);
    expect(
      publishedPort({ HostConfig: { PortBindings: {} }, NetworkSettings: { Ports: { '5432/tcp': null } } }),
    ).toBeUndefined();
  });

  it('lists every TCP host port of a binding map, skipping random and UDP ones', () => {
    const map = {
      '5432/tcp': [
        { HostIp: '0.0.0.0', HostPort: '5450' },
        { HostIp: '::', HostPort: '5450' },
      ],
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
      '9000/tcp': [{ HostIp: '', HostPort: '' }],
      '9001/tcp': null,
    };
    expect(boundTcpPorts(map).sort()).toEqual([5450, 8080]);
    expect(boundTcpPorts(undefined)).toEqual([]);
  });
});

describe('holderFix', () => {
  it('removes a foreign container (stopping alone keeps the claim)', () => {
    expect(holderFix('web', true, {})).toBe('docker stop web && docker rm web');
    expect(holderFix('old', false, undefined)).toBe('docker rm old');
  });

  it('uninstalls, keeping data, an instance of another home', () => {
    const labels = {
      'io.resource-postgres.managed': 'true',
      'io.resource-postgres.instance': 'app',
      'io.resource-postgres.home': "/srv/it's here",
    };
    expect(holderFix('resource-postgres-app', true, labels)).toBe(
      `resource-postgres --home '/srv/it'\\''s here' manage uninstall --instance app --keep-data`,
    );
  });
});

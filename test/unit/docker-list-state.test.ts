import { describe, expect, it } from 'vitest';
import { stateFromListed } from '../../src/engines/docker/list-state.js';
import { mapInspect } from '../../src/engines/docker/inspect-state.js';

const listed = (State: string, Ports: Array<{ PrivatePort: number; PublicPort: number; Type: string }> = []) => ({
  Id: 'abc123',
  State,
  Labels: {},
  Ports,
});

describe('container list entry -> EngineState (status batch)', () => {
  it('a running container answers as its inspect would', () => {
    const fromList = stateFromListed(listed('running', [{ PrivatePort: 5432, PublicPort: 5440, Type: 'tcp' }]));
    const fromInspect = mapInspect({
      Id: 'abc123',
      State: {
        Status: 'running',
        Running: true,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        ExitCode: 0,
        Error: '',
        FinishedAt: '0001-01-01T00:00:00Z',
      },
      NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5440' }] } },
    });
    expect(fromList).toEqual(fromInspect);
  });

  it('ignores other published ports and udp', () => {
    expect(
      stateFromListed(
        listed('running', [
          { PrivatePort: 8080, PublicPort: 9000, Type: 'tcp' },
          { PrivatePort: 5432, PublicPort: 5441, Type: 'udp' },
        ]),
      ),
    ).toEqual({ state: 'running', containerId: 'abc123', dataExists: true });
  });

  it.each(['exited', 'restarting', 'paused', 'created', 'dead'])('%s needs a real inspect (undefined)', (state) => {
    expect(stateFromListed(listed(state))).toBeUndefined();
  });
});

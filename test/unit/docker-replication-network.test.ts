import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/core/defaults.js';
import { dropIdleNetworks, ensureNetwork, isOwnNetwork } from '../../src/engines/docker/standby.js';

/** Replication networks are trusted by their home label, never by name alone. */
type Net = { Labels: Record<string, string>; Containers: Record<string, unknown> };
function fakeDocker(nets: Map<string, Net>) {
  const removed: string[] = [];
  const docker = {
    getNetwork: (name: string) => ({
      inspect: async () => {
        const n = nets.get(name);
        if (!n) throw Object.assign(new Error('no such network'), { statusCode: 404 });
        return n;
      },
      remove: async () => void removed.push(name),
      connect: async () => {},
    }),
    createNetwork: async (o: { Name: string; Labels: Record<string, string> }) =>
      void nets.set(o.Name, { Labels: o.Labels, Containers: {} }),
  } as unknown as Dockerode;
  return { docker, removed };
}
const ours = (home: string): Net => ({
  Labels: { [LABELS.managed]: 'true', [LABELS.home]: home },
  Containers: {},
});
const NET = 'resource-postgres-main-replication';

describe('replication networks', () => {
  it('are made labelled with the home and reused only when the labels say ours', async () => {
    const nets = new Map<string, Net>();
    const { docker } = fakeDocker(nets);
    await ensureNetwork(docker, '/h', 'main');
    expect(isOwnNetwork(nets.get(NET), '/h')).toBe(true);
    await expect(ensureNetwork(docker, '/h', 'main')).resolves.toBeDefined();
    await expect(ensureNetwork(docker, '/other', 'main')).rejects.toThrow(/not made by resource-postgres for \/other/);
    nets.set(NET, { Labels: {}, Containers: {} });
    const e = await ensureNetwork(docker, '/h', 'main').catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'conflict', hint: expect.stringMatching(/docker network rm/) });
  });

  it('are removed when idle only if this home made them', async () => {
    const nets = new Map<string, Net>([
      [NET, ours('/h')],
      ['resource-postgres-x-replication', { Labels: {}, Containers: {} }],
      ['resource-postgres-y-replication', ours('/other')],
    ]);
    const { docker, removed } = fakeDocker(nets);
    await dropIdleNetworks(docker, '/h', 'main', {
      'resource-postgres-x-replication': {},
      'resource-postgres-y-replication': {},
    });
    expect(removed).toEqual([NET]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { optionsAsTaken } from '../../src/commands/manage/branch-snapshot-server.js';
import type { InstanceSnapshot } from '../../src/commands/snapshot/instance-store.js';

const snap = (meta: Partial<InstanceSnapshot['meta']>) =>
  ({ dir: '/x', meta: { name: 's', server_major: 16, ...meta } }) as unknown as InstanceSnapshot;

// The temporary server reads the snapshot's data files: it must be the server they were written by.
describe('the temporary server of --from SRC@SNAPSHOT', () => {
  it('docker: the image the snapshot was taken with, not the one SRC runs now', () => {
    const src = { engine: 'docker', image: 'postgres:17', template: 'default' } as unknown as Instance;
    expect(optionsAsTaken(src, snap({ engine: 'docker', image: 'postgres:16' }))).toMatchObject({
      engine: 'docker',
      image: 'postgres:16',
    });
  });

  it("native: the snapshot's major when SRC was upgraded since, else SRC's own server", () => {
    const src = { engine: 'native', version: '17', pgBin: '/opt/pg17/bin', template: 'default' } as unknown as Instance;
    expect(optionsAsTaken(src, snap({ engine: 'native', server_major: 16 }))).toMatchObject({
      pgVersion: '16',
      pgBin: undefined,
    });
    expect(optionsAsTaken(src, snap({ engine: 'native', server_major: 17 }))).toMatchObject({ pgBin: '/opt/pg17/bin' });
  });
});

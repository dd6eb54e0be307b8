import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  beginInstanceSnapshot,
  type InstanceSnapshot,
  snapshotCredentials,
  snapshotsRoot,
} from '../../src/commands/snapshot/instance-store.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

describe('the instance-level snapshot store', () => {
  it('refuses a name something unreadable already holds before any copy starts', async () => {
    await mkdir(join(snapshotsRoot(w.ctx, 'main'), 'odd'), { recursive: true });
    await expect(beginInstanceSnapshot(w.ctx, 'main', 'odd')).rejects.toThrow(/exists but is not a readable snapshot/);
  });

  it('reports damaged credentials by file and snapshot, not as a raw SyntaxError', async () => {
    const dir = join(w.ctx.home.dir, 'snap');
    await mkdir(dir);
    await writeFile(join(dir, 'credentials.json'), '{not json');
    const snap = { dir, meta: { name: 'whole', instance: 'main' } } as unknown as InstanceSnapshot;
    await expect(snapshotCredentials(snap)).rejects.toThrow(/the credentials of snapshot whole .* are damaged/);
  });
});

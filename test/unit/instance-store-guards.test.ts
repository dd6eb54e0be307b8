import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  beginInstanceSnapshot,
  type InstanceSnapshot,
  snapshotCredentials,
  snapshotsRoot,
} from '../../src/commands/snapshot/instance-store.js';
import { start, uninstall } from '../../src/commands/manage/index.js';
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

  it('uninstall names the instance-level snapshots that go with the data, in its dry run', async () => {
    await start(w.ctx, {
      instance: 'main',
      all: false,
      engine: 'auto',
      wait: true,
      timeoutSec: 5,
      force: false,
      dryRun: false,
    });
    const dir = join(snapshotsRoot(w.ctx, 'main'), 'whole');
    await mkdir(dir, { recursive: true });
    const physical = { base: 'base.tar', wal: 'wal.tar', backup_label: 'backup_label' };
    const meta = { tool: 'resource-postgres', level: 'instance', name: 'whole', engine: 'docker', physical };
    await writeFile(join(dir, 'snapshot.json'), JSON.stringify(meta));
    const res = await uninstall(w.ctx, { instance: 'main', force: true, keepData: false, dryRun: true });
    expect(res.data.instances[0]!.message).toMatch(
      /would remove instance main and DELETE their data \(with their instance-level snapshots: main: whole\)/,
    );
  });
});

import { chown, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/commands/backup/manifest.js';
import { BackupStore } from '../../src/commands/backup/store.js';
import { writeSmallFile } from '../../src/system/file-sink.js';
import { rootOnly } from '../support/isolation.js';

/**
 * A backup holds the instance's superuser password (credentials.json) and all its data: its
 * directories are 0700 and its files 0600, all owned by the user running the program, also
 * when the backup directory was made earlier with looser modes; one owned by another user is
 * refused before anything is written.
 */
let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'rp-backup-modes-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const manifest = { format: 1, name: 'b1', instance: 'main', files: [] } as unknown as Manifest;
const mode = async (path: string) => (await stat(path)).mode & 0o777;

async function takeBackup(store: BackupStore): Promise<string> {
  const partial = await store.begin('main', 'b1', new Date());
  await writeSmallFile(join(partial.dir, 'credentials.json'), '{"password":"pw"}\n');
  return partial.finish(manifest);
}

describe('backup directory and file modes', () => {
  it('a new --backup-dir, its instance folder and the backup are 0700, every file 0600, all ours', async () => {
    const store = new BackupStore('/nonexistent-home', join(base, 'fresh'));
    const done = await takeBackup(store);
    for (const dir of [join(base, 'fresh'), store.dirOf('main'), done]) expect(await mode(dir)).toBe(0o700);
    const files = await readdir(done);
    expect(files.sort()).toEqual(['credentials.json', 'manifest.json']);
    for (const f of files) {
      const st = await stat(join(done, f));
      expect([st.mode & 0o777, st.uid]).toEqual([0o600, process.getuid!()]);
    }
  });

  it('an instance backup folder made earlier with 0755 is tightened to 0700', async () => {
    const store = new BackupStore('/nonexistent-home', base);
    await mkdir(store.dirOf('main'), { mode: 0o755 });
    await takeBackup(store);
    expect(await mode(store.dirOf('main'))).toBe(0o700);
  });

  it('a link in place of the instance backup folder is refused', async () => {
    const store = new BackupStore('/nonexistent-home', base);
    await mkdir(join(base, 'elsewhere'));
    await symlink(join(base, 'elsewhere'), store.dirOf('main'));
    await expect(store.begin('main', 'b1', new Date())).rejects.toThrow(/not a directory owned by this user/);
    expect(await readdir(join(base, 'elsewhere'))).toEqual([]);
  });

  it.runIf(rootOnly('backup directory owner'))(
    'a folder owned by another user is refused, nothing written in it',
    async () => {
      const store = new BackupStore('/nonexistent-home', base);
      await mkdir(store.dirOf('main'), { mode: 0o700 });
      await chown(store.dirOf('main'), 65534, 65534);
      await expect(store.begin('main', 'b1', new Date())).rejects.toThrow(
        /not a directory owned by this user \(uid 65534\)/,
      );
      expect(await readdir(store.dirOf('main'))).toEqual([]);
    },
  );
});

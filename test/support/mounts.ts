import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './reliability.js';

/**
 * Mounts for the read-only and full-disk cases. Root ignores file modes, so a read-only home
 * is a read-only bind mount (of the home onto itself: docker labels keep matching the path),
 * and a full disk is a small tmpfs filled up. Needs root (CI runs as root); elsewhere the
 * cases skip.
 */
export const mounted = {
  async available(): Promise<boolean> {
    if (process.getuid?.() !== 0) return false;
    const dir = await mkdtemp(join(tmpdir(), 'rp-mount-probe-'));
    try {
      if ((await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])).code !== 0) return false;
      await run('umount', [dir]);
      return true;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

async function must(args: string[], file = 'mount'): Promise<void> {
  const r = await run(file, args);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.err}`);
}

export async function mountReadOnly(dir: string): Promise<void> {
  await must(['--bind', dir, dir]);
  await must(['-o', 'remount,ro,bind', dir]);
}

/** A tmpfs of `size` at dir, then filled to the last byte with a file named "filler". */
export async function mountSmallTmpfs(dir: string, size: string): Promise<void> {
  await must(['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  const fh = await open(join(dir, 'filler'), 'w', 0o644);
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) await fh.write(chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await fh.close().catch(() => {});
  }
}

/** Unmounts dir; lazily if something still holds it, so cleanup never hangs. */
export async function unmount(dir: string): Promise<void> {
  if ((await run('umount', [dir])).code !== 0) await run('umount', ['-l', dir]);
}

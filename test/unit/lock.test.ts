import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, withLock } from '../../src/core/lock.js';

/**
 * The home and ledger locks are kernel locks: one holder at a time however many wait, and a
 * holder that dies (kill -9) frees the lock at once, with no staleness guess that could hand
 * it to two processes or take it from a slow one.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rp-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kernel locks', () => {
  it('has exactly one holder among many waiters, every round', async () => {
    const path = join(dir, '.lock');
    for (let round = 0; round < 25; round++) {
      let inside = 0;
      let most = 0;
      const entered: number[] = [];
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          withLock(path, async () => {
            inside++;
            most = Math.max(most, inside);
            entered.push(i);
            await sleep(1);
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
      expect(entered.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('a holder killed with SIGKILL frees the lock at once; its file is reused, not deleted', async () => {
    const path = join(dir, '.lock');
    // Node 20 cannot run TypeScript: the child gets the module compiled by esbuild.
    const lockJs = join(dir, 'lock.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../../src/core/lock.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: lockJs,
      logLevel: 'error',
    });
    // A separate process takes the lock, says so, and waits to be killed.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import(${JSON.stringify(pathToFileURL(lockJs).href)}).then(async (m) => { await m.acquireLock(${JSON.stringify(path)}); console.log('held'); setInterval(() => {}, 1000); })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => (d.toString().includes('held') ? resolve() : undefined));
        holder.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
      });
      // While it lives, nobody else gets the lock.
      await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
      await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toMatchObject({
        details: `held by process ${holder.pid}`,
      });
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      const release = await acquireLock(path, { timeoutMs: 2_000 });
      expect((await readFile(path, 'utf8')).split('\n')[0]).toBe(String(process.pid));
      await release();
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('shared locks are held together, never with an exclusive one', async () => {
    const path = join(dir, 'shared.lock');
    const one = await acquireLock(path, { shared: true, timeoutMs: 2_000 });
    const two = await acquireLock(path, { shared: true, timeoutMs: 2_000 });
    await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
    await one();
    await expect(acquireLock(path, { timeoutMs: 300 })).rejects.toThrow(/timed out/);
    await two();
    const exclusive = await acquireLock(path, { timeoutMs: 2_000 });
    await expect(acquireLock(path, { shared: true, timeoutMs: 300 })).rejects.toThrow(/timed out/);
    await exclusive();
  });

  it('never follows a planted link, and refuses to lock through one', async () => {
    const target = join(dir, 'host-file');
    await writeFile(target, 'precious\n');
    await symlink(target, join(dir, '.lock'));
    await expect(withLock(join(dir, '.lock'), async () => 'ran')).rejects.toThrow(/symbolic link/);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
  });
});

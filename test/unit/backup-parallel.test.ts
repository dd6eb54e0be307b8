import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inParallel } from '../../src/commands/backup/parallel.js';
import { followFile } from '../../src/system/file-follow.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per-database backup and restore work, a few at a time. */
describe('inParallel', () => {
  it('keeps the order of the items and never runs more than the limit', async () => {
    let running = 0;
    let most = 0;
    const out = await inParallel([30, 5, 20, 1, 10], 2, async (ms, i) => {
      most = Math.max(most, ++running);
      await sleep(ms);
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
    expect(most).toBe(2);
  });

  it('after a failure starts nothing more, and throws only once what runs has ended', async () => {
    const started: number[] = [];
    let slowEnded = false;
    const run = inParallel([0, 1, 2, 3], 2, async (n) => {
      started.push(n);
      if (n === 0) {
        await sleep(40);
        slowEnded = true;
        return n;
      }
      throw new Error(`item ${n} failed`);
    });
    await expect(run).rejects.toThrow('item 1 failed');
    expect(slowEnded).toBe(true); // the caller's cleanup never races work still running
    expect(started).toEqual([0, 1]);
  });
});

/** A physical backup's tar writes its file itself; the hash follows the file as it grows. */
describe('followFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rp-follow-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('hashes what another process wrote through the descriptor, while and after it wrote', async () => {
    const path = join(dir, 'out.bin');
    const file = await followFile(path);
    // Written in bursts with pauses, so the hash catches up with the writer and waits for more.
    const child = spawn('sh', ['-c', 'for i in 1 2 3 4 5; do head -c 300000 /dev/urandom; sleep 0.02; done'], {
      stdio: ['ignore', file.fd, 'ignore'],
    });
    await new Promise((done) => child.once('close', done));
    const got = await file.close();
    const content = await readFile(path);
    expect(content.length).toBe(1_500_000);
    expect(got).toEqual({ bytes: 1_500_000, sha256: createHash('sha256').update(content).digest('hex') });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('never opens a file that exists (a planted one or link is refused, not written through)', async () => {
    const path = join(dir, 'there');
    await writeFile(path, 'x');
    await expect(followFile(path)).rejects.toThrow(/EEXIST/);
    expect(await readFile(path, 'utf8')).toBe('x');
  });

  it('hashes an empty file when the writer wrote nothing', async () => {
    const file = await followFile(join(dir, 'empty'));
    expect(await file.close()).toEqual({ bytes: 0, sha256: createHash('sha256').digest('hex') });
  });
});

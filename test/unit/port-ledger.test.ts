import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock } from '../../src/core/lock.js';
import { PortLedger } from '../../src/system/port-ledger.js';

let root: string;
let ledger: PortLedger;
const homeA = () => join(root, 'a');
const homeB = () => join(root, 'b');

async function record(home: string, name: string, port: number) {
  await mkdir(join(home, name, 'config'), { recursive: true });
  await writeFile(join(home, name, 'config', 'instance.conf'), `name="${name}"\nport="${port}"\n`);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rp-ledger-'));
  // Claims made by a process that has ended: liveness then rests on instance.conf alone.
  ledger = new PortLedger(join(root, 'ledger'), async () => ({ pid: 2 ** 22 + 1, start: '0' }));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the machine-wide port ledger', () => {
  it('gives a port to one home only while that instance exists', async () => {
    await record(homeA(), 'main', 5440);
    expect(await ledger.claim(5440, { home: homeA(), name: 'main' })).toBe(true);
    expect(await ledger.claim(5440, { home: homeA(), name: 'main' })).toBe(true); // idempotent
    expect(await ledger.claim(5440, { home: homeB(), name: 'main' })).toBe(false);
    const foreign = await ledger.foreign(homeB());
    expect(foreign.get(5440)?.name).toBe(`main of the home ${homeA()}`);
    expect((await ledger.foreign(homeA())).size).toBe(0);
  });

  it('treats a claim whose instance is gone or moved as stale', async () => {
    await record(homeA(), 'x', 5441);
    expect(await ledger.claim(5441, { home: homeA(), name: 'x' })).toBe(true);
    await record(homeA(), 'x', 5442); // moved to another port
    expect(await ledger.claim(5441, { home: homeB(), name: 'y' })).toBe(true);
    await rm(join(homeA(), 'x'), { recursive: true });
    expect(await ledger.claim(5442, { home: homeB(), name: 'z' })).toBe(true);
  });

  it("release frees only the owner's claim", async () => {
    await record(homeA(), 'main', 5443);
    await ledger.claim(5443, { home: homeA(), name: 'main' });
    await ledger.release(5443, { home: homeB(), name: 'main' });
    expect(await ledger.claim(5443, { home: homeB(), name: 'main' })).toBe(false);
    await ledger.release(5443, { home: homeA(), name: 'main' });
    expect(await ledger.claim(5443, { home: homeB(), name: 'main' })).toBe(true);
  });

  it("an owner's own claim is confirmed without the lock; anyone else's claim waits for it", async () => {
    await record(homeA(), 'main', 5445);
    expect(await ledger.claim(5445, { home: homeA(), name: 'main' })).toBe(true);
    const release = await acquireLock(join(root, 'ledger', '.lock'));
    try {
      expect(await ledger.claim(5445, { home: homeA(), name: 'main' })).toBe(true);
      const other = ledger.claim(5446, { home: homeB(), name: 'main' });
      const waited = await Promise.race([other.then(() => 'claimed'), sleep(300).then(() => 'waiting')]);
      expect(waited).toBe('waiting');
      await release();
      expect(await other).toBe(true);
    } finally {
      await release().catch(() => {}); // already released when the test got that far
    }
  });

  it('concurrent claims of one port: exactly one wins', async () => {
    const homes = Array.from({ length: 8 }, (_, i) => join(root, `h${i}`));
    await Promise.all(homes.map((h) => record(h, 'main', 5444)));
    const wins = await Promise.all(homes.map((h) => ledger.claim(5444, { home: h, name: 'main' })));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('a claim in flight (no instance.conf yet, its process still running) is never stale', async () => {
    const live = new PortLedger(join(root, 'ledger')); // claims as this, running, process
    expect(await live.claim(5445, { home: homeA(), name: 'new' })).toBe(true);
    expect(await ledger.claim(5445, { home: homeB(), name: 'other' })).toBe(false);
    await live.release(5445, { home: homeA(), name: 'new' });
    expect(await ledger.claim(5445, { home: homeB(), name: 'other' })).toBe(true);
  });

  it('keeps its claims private (0700 directory, 0600 files) and refuses a planted link', async () => {
    await record(homeA(), 'main', 5446);
    await ledger.claim(5446, { home: homeA(), name: 'main' });
    expect((await stat(join(root, 'ledger'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'ledger', '5446'))).mode & 0o777).toBe(0o600);
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(root, 'planted'));
    const planted = new PortLedger(join(root, 'planted'));
    await expect(planted.claim(5447, { home: homeA(), name: 'x' })).rejects.toThrow(
      /not a directory owned by this user/,
    );
    expect(await readdir(join(root, 'elsewhere'))).toEqual([]);
  });
});

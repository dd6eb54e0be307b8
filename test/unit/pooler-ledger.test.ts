import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PortLedger } from '../../src/system/port-ledger.js';

/** A pooler's port is claimed machine-wide like a server's: live while instance.conf records it as pooler_port. */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rp-pooler-ledger-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

it('holds a pooler port for its home while instance.conf records it, and frees it when it does not', async () => {
  const ledger = new PortLedger(join(root, 'ledger'), async () => ({ pid: 2 ** 22 + 1, start: '0' }));
  const conf = join(root, 'a', 'app', 'config', 'instance.conf');
  await mkdir(join(root, 'a', 'app', 'config'), { recursive: true });
  await writeFile(conf, 'name="app"\nport="5440"\npooler_port="6433"\npooler_mode="transaction"\n');
  const a = { home: join(root, 'a'), name: 'app' };
  expect(await ledger.claim(6433, a)).toBe(true);
  expect(await ledger.claim(6433, { home: join(root, 'b'), name: 'app' })).toBe(false);
  expect((await ledger.foreign(join(root, 'b'))).get(6433)?.name).toBe(`app of the home ${a.home}`);
  await writeFile(conf, 'name="app"\nport="5440"\n'); // pooler stop forgot it
  expect(await ledger.claim(6433, { home: join(root, 'b'), name: 'app' })).toBe(true);
});

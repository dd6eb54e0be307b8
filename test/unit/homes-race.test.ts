import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { start, stop } from '../../src/commands/manage/index.js';
import type { StartOptions } from '../../src/commands/options.js';
import { PortLedger } from '../../src/system/port-ledger.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/**
 * Several homes on one machine creating instances at the same moment must end with distinct
 * ports, every time: the machine-wide ledger, changed only under its kernel lock, is what
 * makes it so (each home's own lock knows nothing of the others). Fake engines, real files.
 */
const worlds: FakeWorld[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const startOpts: StartOptions = {
  instance: 'main',
  all: false,
  engine: 'native',
  wait: false,
  timeoutSec: 5,
  force: false,
  dryRun: false,
};

describe('homes racing to create', () => {
  it('get distinct ports, in every one of 30 rounds of 6 homes', async () => {
    for (let round = 0; round < 30; round++) {
      const ledgerDir = await mkdtemp(join(tmpdir(), 'rp-race-ledger-'));
      dirs.push(ledgerDir);
      const homes = await Promise.all(Array.from({ length: 6 }, () => fakeWorld()));
      worlds.push(...homes);
      const ledger = new PortLedger(join(ledgerDir, 'ports'));
      for (const w of homes) w.ctx.ledger = ledger;
      const results = await Promise.all(homes.map((w) => start(w.ctx, startOpts)));
      const ports = results.map((r) => r.data.instances[0]!.port);
      expect(new Set(ports).size).toBe(homes.length);
      // Stopped, they keep their ports: a new home's create must still go elsewhere.
      await Promise.all(
        homes.map((w) => stop(w.ctx, { instance: 'main', all: false, force: false, timeoutSec: 5, dryRun: false })),
      );
      const late = await fakeWorld();
      worlds.push(late);
      late.ctx.ledger = ledger;
      const lateStart = await start(late.ctx, startOpts);
      expect(ports).not.toContain(lateStart.data.instances[0]!.port);
      for (const w of worlds.splice(0)) await w.cleanup();
    }
  }, 60_000);
});

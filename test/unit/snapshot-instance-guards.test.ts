import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start, stop } from '../../src/commands/manage/index.js';
import { markBranch } from '../../src/commands/manage/branch-guard.js';
import { createInstanceSnapshot } from '../../src/commands/snapshot/instance-create.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

describe('instance-level snapshots', () => {
  it('are refused on a replica (its data cannot run on its own), naming the primary, before anything starts', async () => {
    await start(w.ctx, {
      instance: 'r1',
      all: false,
      engine: 'auto',
      wait: true,
      timeoutSec: 5,
      force: false,
      dryRun: false,
    });
    const replica = { ...(await w.ctx.registry.get('r1')), replicaOf: 'main' };
    await expect(createInstanceSnapshot(w.ctx, replica, 'whole', false)).rejects.toThrow(
      /instance r1 is a streaming replica of main: an instance-level snapshot of it could not be restored or copied/,
    );
  });

  it('of a stopped instance first deal with what a killed command left, as manage start does', async () => {
    await start(w.ctx, {
      instance: 'c1',
      all: false,
      engine: 'auto',
      wait: true,
      timeoutSec: 5,
      force: false,
      dryRun: false,
    });
    await stop(w.ctx, { instance: 'c1', all: false, force: false, timeoutSec: 5, dryRun: false });
    await markBranch(w.ctx, 'c1', 'main');
    await expect(createInstanceSnapshot(w.ctx, await w.ctx.registry.get('c1'), 'whole', false)).rejects.toThrow(
      /instance c1 is an unfinished copy of main/,
    );
    expect(w.engines.docker.servers.get('c1')?.running).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../../src/commands/manage/index.js';
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
});

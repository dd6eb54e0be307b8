import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start, stop } from '../../src/commands/manage/index.js';
import { ensureRunning } from '../../src/commands/manage/lifecycle.js';
import { clearBranchMark, markBranch } from '../../src/commands/manage/branch-guard.js';
import { sweepTempInstances } from '../../src/commands/manage/branch-sweep.js';
import type { StartOptions } from '../../src/commands/options.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

const startOpts = (over: Partial<StartOptions> = {}): StartOptions => ({
  instance: 'main',
  all: false,
  engine: 'auto',
  wait: true,
  timeoutSec: 5,
  force: false,
  dryRun: false,
  ...over,
});

/** A temporary instance as --from makes one (the CLI refuses the name). */
const makeTemp = (name: string) =>
  w.ctx.registry.lockedInstance(name, () =>
    ensureRunning(w.ctx, name, { engine: 'native', wait: true, timeoutSec: 5, force: false }),
  );

describe('manage start --from cut short', () => {
  it('a marked (unfinished) copy is refused at its next start, naming the fix; unmarked it starts', async () => {
    await start(w.ctx, startOpts({ instance: 'copy' }));
    await markBranch(w.ctx, 'copy', 'main@snap');
    await stop(w.ctx, { instance: 'copy', all: false, force: false, timeoutSec: 5, dryRun: false });
    await expect(start(w.ctx, startOpts({ instance: 'copy' }))).rejects.toThrow(
      /instance copy is an unfinished copy of main@snap/,
    );
    expect((await w.ctx.registry.get('copy')).desiredState).toBe('stopped');
    await clearBranchMark(w.ctx, 'copy');
    expect((await start(w.ctx, startOpts({ instance: 'copy' }))).data.instances[0]!.result).toBe('started');
  });

  it('an aborted --from (Ctrl-C) removes the new instance and fails with the interrupt', async () => {
    await start(w.ctx, startOpts({ instance: 'src' }));
    const ctl = new AbortController();
    ctl.abort(new Error('SIGINT'));
    await expect(start(w.ctx, startOpts({ instance: 'copy', from: { instance: 'src' } }), ctl.signal)).rejects.toThrow(
      /SIGINT/,
    );
    expect(await w.ctx.registry.exists('copy')).toBe(false);
  });
});

describe('--from input that would be ignored', () => {
  it('--extensions is refused, naming what NEW gets and how to add more; nothing is made', async () => {
    await start(w.ctx, startOpts({ instance: 'src' }));
    await expect(
      start(w.ctx, startOpts({ instance: 'copy', from: { instance: 'src' }, extensions: ['vector'] })),
    ).rejects.toThrow(/--extensions does not apply with --from/);
    expect(await w.ctx.registry.exists('copy')).toBe(false);
  });
});

describe('temporary instances (rp-tmp-*)', () => {
  it('the prefix is refused for a new instance, which is not created', async () => {
    await expect(start(w.ctx, startOpts({ instance: 'rp-tmp-1234' }))).rejects.toThrow(/reserved/);
    expect(await w.ctx.registry.exists('rp-tmp-1234')).toBe(false);
  });

  it('--all passes them by', async () => {
    await start(w.ctx, startOpts({ instance: 'main' }));
    await makeTemp('rp-tmp-aaaa');
    const res = await stop(w.ctx, { instance: '', all: true, force: false, timeoutSec: 5, dryRun: false });
    expect(res.data.instances.map((i) => i.name)).toEqual(['main']);
  });

  it('a leftover nobody holds is swept; one in use is kept', async () => {
    await makeTemp('rp-tmp-aaaa');
    await makeTemp('rp-tmp-bbbb');
    await w.ctx.registry.lockedInstance('rp-tmp-bbbb', () => sweepTempInstances(w.ctx));
    expect(await w.ctx.registry.names()).toEqual(['rp-tmp-bbbb']);
  });
});

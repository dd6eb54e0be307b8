import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restart, start } from '../../src/commands/manage/index.js';
import type { StartOptions } from '../../src/commands/options.js';
import type { Instance } from '../../src/core/instance.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/**
 * A restart never records the instance as stopped on purpose: a status read while it runs
 * would otherwise take a server that is still coming up for one meant to be down, and call
 * the whole resource healthy.
 */
let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

const startOpts: StartOptions = {
  instance: 'main',
  all: false,
  engine: 'native',
  wait: true,
  timeoutSec: 5,
  force: false,
  dryRun: false,
};

describe('manage restart', () => {
  it('keeps desired_state "running" while it stops and starts the server', async () => {
    await start(w.ctx, startOpts);
    const conf = w.ctx.registry.paths('main').conf;
    const seen: string[] = [];
    const engine = w.engines.native;
    const stop = engine.stop.bind(engine);
    engine.stop = async (instance: Instance) => {
      seen.push(/^desired_state="(\w+)"$/m.exec(await readFile(conf, 'utf8'))![1]!);
      return stop(instance);
    };
    const res = await restart(w.ctx, { instance: 'main', all: false, dryRun: false, timeoutSec: 5 });
    expect(res.exitCode).toBe(0);
    expect(seen).toEqual(['running']);
    expect(await readFile(conf, 'utf8')).toMatch(/^desired_state="running"$/m);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../../src/commands/manage/index.js';
import type { StartOptions } from '../../src/commands/options.js';
import { CliError } from '../../src/core/errors.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
beforeEach(async () => {
  w = await fakeWorld();
});
afterEach(async () => {
  await w.cleanup();
});

// No --engine flag: the default, auto.
const startOpts: StartOptions = {
  instance: 'main',
  all: false,
  engine: 'auto',
  wait: true,
  timeoutSec: 5,
  force: false,
  dryRun: false,
};

describe('create with --engine auto', () => {
  it('stops at a usage refusal from docker: no native instance is made from bad input', async () => {
    w.engines.docker.prepare = async () => {
      throw new CliError('usage', '--image postgres:16-alpine is PostgreSQL 16, but --pg-version is 17');
    };
    await expect(start(w.ctx, startOpts)).rejects.toMatchObject({ kind: 'usage', message: /--pg-version is 17/ });
    expect(w.engines.native.calls).toEqual([]);
    expect(await w.ctx.registry.names()).toEqual([]);
  });
  it('still falls back to native when docker cannot provide the image', async () => {
    w.engines.docker.prepare = async () => {
      throw new CliError('engine', 'image postgres:16-alpine is not present and cannot be pulled');
    };
    const res = await start(w.ctx, startOpts);
    expect(res.data.instances[0]).toMatchObject({ name: 'main', result: 'created', engine: 'native' });
    expect(w.talk.join('\n')).toMatch(/docker: image .* cannot be pulled; using the native engine instead/);
  });
});
